"""The web chat's documents: the 文件管理 tab (upload into a collection, list, remove)
and the scope choices (everything, a collection, a document) the other tabs offer.

Builds Gradio components and plain values for ``assistant.surfaces.web``; asks nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answering.session import Assistant
from index.errors import PlanQAError
from index.metadata import DEFAULT_COLLECTION, FIELDS, collection_of
from index.store import current_generation

UPLOAD_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".doc", ".wps", ".pdf", ".ofd")


def docs_tab(assistant: Assistant, max_upload_mb: int) -> dict[str, Any]:
    gr.Markdown(f"支持 txt、md、html、docx、pdf，单个文件不超过 {max_upload_mb} MB。导入后即可提问。")
    upload = gr.File(
        file_count="multiple", file_types=list(UPLOAD_TYPES), label="上传文件", elem_id="pq-upload"
    )
    with gr.Row():
        collection = gr.Textbox(
            DEFAULT_COLLECTION,
            label="合集（例如按城市或年份分组；同名文件在不同合集中互不覆盖）",
            elem_id="pq-collection",
            scale=3,
        )
        add = gr.Button("导入", variant="primary", elem_id="pq-ingest", scale=1)
    status = gr.Markdown(elem_id="pq-doc-status")
    table = gr.Dataframe(doc_rows(assistant), label="已导入的文件", elem_id="pq-docs", interactive=False)
    with gr.Row():
        victim = gr.Dropdown(doc_choices(assistant, None), label="删除文件", elem_id="pq-remove-doc")
        remove = gr.Button("删除", variant="stop", elem_id="pq-remove")

    def do_ingest(
        files: list[str] | None,
        collection: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (how Gradio hands a progress bar in)
    ) -> tuple[str, Any, Any]:
        message = ingest_uploads(
            assistant,
            files or [],
            max_upload_mb,
            _progress_callback(progress),
            collection or DEFAULT_COLLECTION,
        )
        return message, doc_rows(assistant), gr.update(choices=doc_choices(assistant, None), value=None)

    def do_remove(doc: str | None) -> tuple[str, Any, Any]:
        if not doc:
            message = "请先选择要删除的文件。"
        else:
            gone = assistant.remove([doc])
            message = f"已删除：{doc}" if gone else f"没有编号为 {doc} 的文件。"
        return message, doc_rows(assistant), gr.update(choices=doc_choices(assistant, None), value=None)

    ingested = add.click(do_ingest, [upload, collection], [status, table, victim], api_name="ingest")
    removed = remove.click(do_remove, victim, [status, table, victim], api_name="remove")
    return {"changed": [ingested, removed]}


def ingest_uploads(
    assistant: Assistant,
    files: list[str],
    max_upload_mb: int,
    progress: Callable[[str, int, int], None] | None = None,
    collection: str = DEFAULT_COLLECTION,
) -> str:
    """Check and ingest uploaded files into ``collection``; a message for the page (Markdown)."""
    if not files:
        return "请先选择要上传的文件。"
    problems, ok = [], []
    for f in files:
        p = Path(f)
        if p.suffix.lower() not in UPLOAD_TYPES:
            problems.append(f"✗ {p.name}：不支持的文件类型（支持 txt、md、html、docx、doc、wps、pdf、ofd）")
        elif p.stat().st_size > max_upload_mb * 1024 * 1024:
            size = p.stat().st_size / 1024 / 1024
            problems.append(f"✗ {p.name}：文件过大（{size:.1f} MB，上限 {max_upload_mb} MB）")
        else:
            ok.append(p)
    lines = list(problems)
    if ok:
        try:
            report = assistant.ingest(ok, progress, collection)
        except PlanQAError as e:
            lines.append(f"✗ 导入失败，已有索引保持不变：{e}")
        else:
            for label, ids in (
                ("✓ 新增", report.added),
                ("✓ 更新", report.replaced),
                ("＝ 未变化", report.unchanged),
            ):
                if ids:
                    lines.append(f"{label}：" + "、".join(ids))
            lines += [f"✗ {Path(path).name}：{why}" for path, why in report.failed]
    return "\n\n".join(lines)


def _progress_callback(progress: gr.Progress) -> Callable[[str, int, int], None]:
    stages = {"load": "读取文件", "embed": "向量化", "sentences": "句子向量"}

    def report(stage: str, done: int, total: int) -> None:
        progress((done, total or 1), desc=stages.get(stage, stage))

    return report


def doc_rows(assistant: Assistant) -> Any:
    import pandas as pd

    # 发文机关, 文号, 日期 are the document's FIELDS
    columns = ["编号", "合集", "标题", "发文机关", "文号", "日期", "类型", "措施数", "分块数"]
    if current_generation(assistant.settings.home) is None:
        return pd.DataFrame([], columns=columns)
    docs = assistant.index.documents.values()
    return pd.DataFrame(
        [
            [
                d["id"],
                collection_of(d),
                d["title"],
                *(d.get(k, "") for k in FIELDS),
                d["kind"],
                d["measures"],
                d["chunks"],
            ]
            for d in docs
        ],
        columns=columns,
    )


_COLLECTION_CHOICE = "collection:"  # a scope value naming a collection (no document id has ":")


def parse_scope(value: str | None) -> tuple[str | None, str | None]:
    """(doc_id, collection) of a scope dropdown's value ("" = everything)."""
    if not value:
        return None, None
    if value.startswith(_COLLECTION_CHOICE):
        return None, value[len(_COLLECTION_CHOICE) :]
    return value, None


def doc_choices(assistant: Assistant, everything: str | None) -> list[tuple[str, str]]:
    """Scope choices: everything, each collection (when there are several), each document;
    without ``everything``, the documents only (to pick one to remove)."""
    if current_generation(assistant.settings.home) is None:
        return [(everything, "")] if everything else []
    index = assistant.index
    docs = [(f"{d['title']}（{d['id']}）", d["id"]) for d in index.documents.values()]
    if not everything:
        return docs
    collections = index.collections()
    named = (
        [(f"合集：{name}（{len(ids)}份）", _COLLECTION_CHOICE + name) for name, ids in collections.items()]
        if len(collections) > 1
        else []
    )
    return [(everything, ""), *named, *docs]
