"""The web chat (Gradio): Chat, Overview, Ledger and Documents tabs, plus a source page.

``build_app`` wires an ``Assistant`` into a ``gr.Blocks``; ``serve`` builds the
bundled plan's index on first start and launches on loopback. Nothing here fetches
from the network: Gradio's analytics are off and its default theme serves its own
fonts (the browser test checks every request stays on the machine).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answering.conversation import Conversation, Turn
from assistant.answering.export import row_fields, select, write_xlsx
from assistant.answering.overview import build_overview
from assistant.answering.session import SAMPLE_PLAN, Assistant
from assistant.answering.settings import Settings
from assistant.surfaces import webhtml
from assistant.surfaces.webdocs import doc_choices, docs_tab, parse_scope
from index.errors import PlanQAError
from index.store import current_generation

ALL_DOCS = "（全部文件）"
ANY = "（全部）"
STREAM_STEP = 6  # characters per streamed update
CONCURRENT_ANSWERS = 8  # questions answered at once per event (the rest wait in the queue)
TITLE = "PlanQA 方案问答助手"


def build_app(assistant: Assistant, max_upload_mb: int = 20) -> gr.Blocks:
    """The whole web UI around one assistant (shared by every browser session)."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Navbar(visible=False)  # the source page is reached by links, not by a menu
        gr.Markdown(f"## {TITLE}\n每个回答都注明出处：点开编号即可看到原文中被引用的句子。")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat = _chat_tab(assistant)
            with gr.Tab("方案概览", id="overview"):
                overview = gr.HTML(lambda: _overview(assistant), elem_id="pq-overview")
            with gr.Tab("任务台账", id="ledger"):
                ledger = _ledger_tab(assistant)
            with gr.Tab("文件管理", id="docs"):
                docs = docs_tab(assistant, max_upload_mb)
        # after documents change, every view of them is rebuilt
        for event in docs["changed"]:
            event.then(
                lambda: (
                    gr.update(choices=doc_choices(assistant, ALL_DOCS), value=""),
                    _overview(assistant),
                    gr.update(choices=doc_choices(assistant, ANY), value=""),
                    gr.update(choices=[ANY, *_departments(assistant)], value=ANY),
                ),
                None,
                [chat["scope"], overview, ledger["doc"], ledger["dept"]],
            )
    with app.route("原文", "/source", show_in_navbar=False):
        page = gr.HTML(elem_id="pq-source")
        app.load(_source_page(assistant), None, page)
    return app


# -- chat ------------------------------------------------------------------------


def _chat_tab(assistant: Assistant) -> dict[str, Any]:
    with gr.Row():
        scope = gr.Dropdown(
            doc_choices(assistant, ALL_DOCS), value="", label="回答范围", scale=3, elem_id="pq-scope"
        )
        show_rewrite = gr.Checkbox(False, label="显示追问的改写", scale=1, elem_id="pq-show-rewrite")
    chatbot = gr.Chatbot(
        label="对话",
        height=520,
        buttons=[],  # each answer carries its own copy button (plain text, not markup)
        elem_id="pq-chat",
        feedback_options=None,
        placeholder="问方案里的目标、牵头和配合单位、完成时限。可以追问：“那配合单位呢？”“完成时限呢？”",
    )
    turns = gr.State([])
    with gr.Row():
        box = gr.Textbox(placeholder="输入问题，回车发送", show_label=False, scale=5, elem_id="pq-question")
        send = gr.Button("发送", variant="primary", scale=1, elem_id="pq-send")
        clear = gr.Button("新对话", scale=1, elem_id="pq-clear")
    gr.Examples(_examples(assistant), inputs=box, label="示例问题")

    def respond(
        question: str, history: list[dict[str, Any]], state: list[Turn], doc: str, rewrite: bool
    ) -> Iterator[Any]:
        question = (question or "").strip()
        if not question:
            yield "", history, state
            return
        conversation = Conversation(assistant, *parse_scope(doc))
        conversation.turns = list(state)
        history = [*history, {"role": "user", "content": webhtml.esc(question)}]
        turn = None
        streamed = ""
        try:
            for part in conversation.ask_stream(question):
                if isinstance(part, str):  # llm mode: verified text as the model writes it
                    streamed += part
                    yield (
                        "",
                        [*history, {"role": "assistant", "content": webhtml.esc(streamed) + " ▍"}],
                        state,
                    )
                else:
                    turn = part
        except PlanQAError as e:
            yield "", [*history, {"role": "assistant", "content": f"出错了：{webhtml.esc(str(e))}"}], state
            return
        assert turn is not None
        messages = [webhtml.answer_html(turn, assistant.index, rewrite)] if streamed else None
        for message in messages or answer_stream(turn, assistant, rewrite):
            yield "", [*history, {"role": "assistant", "content": message}], conversation.turns
            time.sleep(0.01)

    inputs = [box, chatbot, turns, scope, show_rewrite]
    box.submit(respond, inputs, [box, chatbot, turns], api_name="chat")
    send.click(respond, inputs, [box, chatbot, turns], api_visibility="private")
    clear.click(lambda: ([], []), None, [chatbot, turns], api_visibility="private")
    scope.change(
        lambda: ([], []), None, [chatbot, turns], api_visibility="private"
    )  # a new scope starts afresh

    def ask(question: str, doc: str = "", collection: str = "") -> dict[str, Any]:
        """One stand-alone question → the answer as JSON (text, refused, citations), within
        one document or collection when given."""
        return assistant.ask(question, doc_id=doc or None, collection=collection or None).to_dict()

    gr.api(ask, api_name="ask")
    return {"scope": scope, "chatbot": chatbot}


def answer_stream(turn: Turn, assistant: Assistant, rewrite: bool = False) -> Iterator[str]:
    """An answer's chat message as it streams in: the text a few characters at a time,
    then the whole message with its citations and copy button."""
    text = webhtml.answer_text(turn.answer)
    for n in range(STREAM_STEP, len(text), STREAM_STEP):
        yield webhtml.esc(text[:n])
    yield webhtml.answer_html(turn, assistant.index, rewrite)


def _examples(assistant: Assistant) -> list[str]:
    """Questions a newcomer can click, made from the loaded plans' own ledger."""
    ledger = assistant.ledger
    out: list[str] = []
    led = next((t for t in ledger.tasks if t.lead and t.support), None)
    if led:
        out.append(f"{led.measure.title}由哪个部门牵头？")
    target = next((x for t in ledger.tasks for x in t.measure.targets if x.year and x.metric), None)
    if target:
        out.append(f"{target.period}{target.metric}的目标是多少？")
    due = next((d for t in ledger.tasks for d in t.measure.deadlines if d.due), None)
    if due:
        out.append(f"{int(due.due[5:7])}月底前要完成哪些事项？")
    depts = _departments(assistant)
    if len(depts) > 1:
        out.append(f"{depts[1]}配合了哪些工作？")
    return out or ["这份方案的主要目标是什么？"]


# -- overview, ledger, documents ---------------------------------------------------


def _overview(assistant: Assistant) -> str:
    if not assistant.index.documents:
        return "<p>还没有导入任何文件。</p>"
    body = "".join(webhtml.overview_html(ov) for ov in build_overview(assistant.ledger))
    return f"<style>{webhtml.CSS}</style>{body}"


def _ledger_tab(assistant: Assistant) -> dict[str, Any]:
    with gr.Row():
        dept = gr.Dropdown([ANY, *_departments(assistant)], value=ANY, label="部门", elem_id="pq-l-dept")
        role = gr.Radio([("全部", "any"), ("牵头", "lead"), ("配合", "support")], value="any", label="角色")
        month = gr.Dropdown([ANY, *(f"{m}月" for m in range(1, 13))], value=ANY, label="完成时限（月份）")
        doc = gr.Dropdown(doc_choices(assistant, ANY), value="", label="文件")
    count = gr.Markdown(_ledger_count(assistant, ANY, "any", ANY, ""), elem_id="pq-ledger-count")
    table = gr.Dataframe(
        _ledger_rows(assistant, ANY, "any", ANY, ""),
        wrap=True,
        elem_id="pq-ledger",
        max_height=600,
        column_widths=["14%", "14%", "14%", "22%", "20%", "10%", "6%"],
        interactive=False,
    )
    with gr.Row():
        export = gr.Button("导出 Excel（xlsx）", elem_id="pq-export")
        file = gr.File(label="下载", interactive=False, height=90, elem_id="pq-xlsx")
    filters = [dept, role, month, doc]
    gr.on(
        [dept.change, role.change, month.change, doc.change],
        lambda *a: (_ledger_count(assistant, *a), _ledger_rows(assistant, *a)),
        filters,
        [count, table],
        api_visibility="private",
    )
    export.click(lambda *a: _ledger_xlsx(assistant, *a), filters, file, api_name="export_xlsx")
    return {"dept": dept, "doc": doc}


def _ledger_selection(assistant: Assistant, dept: str, role: str, month: str, doc: str) -> list[Any]:
    ledger = assistant.ledger
    dept = "" if dept in ("", ANY) else dept
    rows = select(ledger, dept, role if dept else "any", doc_ids=assistant.scope(*parse_scope(doc)))
    if month and month != ANY:
        mm = f"{int(month.rstrip('月')):02d}"
        rows = [type(r)(r.task, tuple(d for d in r.deadlines if d.due[5:7] == mm)) for r in rows]
        rows = [r for r in rows if r.deadlines]
    return rows


def _ledger_rows(assistant: Assistant, dept: str, role: str, month: str, doc: str) -> Any:
    import pandas as pd

    ledger = assistant.ledger
    rows = [row_fields(ledger, r) for r in _ledger_selection(assistant, dept, role, month, doc)]
    columns = ["措施", "牵头单位", "配合单位", "目标", "政策标准", "完成时限", "文件", "原文位置"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def _ledger_count(assistant: Assistant, dept: str, role: str, month: str, doc: str) -> str:
    return f"共 **{len(_ledger_selection(assistant, dept, role, month, doc))}** 项措施"


def _ledger_xlsx(assistant: Assistant, dept: str, role: str, month: str, doc: str) -> str:
    rows = _ledger_selection(assistant, dept, role, month, doc)
    out = Path(tempfile.mkdtemp(prefix="planqa-")) / "planqa-tasks.xlsx"
    write_xlsx(assistant.ledger, rows, out)
    return str(out)


def _departments(assistant: Assistant) -> list[str]:
    ledger = assistant.ledger
    counts = {d: len(ledger.by_department(d)) for d in ledger.departments.canonical}
    return [ledger.departments.display(d) for d in sorted(counts, key=lambda d: (-counts[d], d))]


def _source_page(assistant: Assistant) -> Callable[[gr.Request], str]:
    def page(request: gr.Request) -> str:
        params = request.query_params
        try:
            doc, start, end = params["doc"], int(params["start"]), int(params["end"])
        except (KeyError, ValueError):
            return "<p>链接不完整：需要 doc、start、end。</p>"
        return f"<style>{webhtml.CSS}</style>" + webhtml.source_page(assistant.index, doc, start, end)

    return page


# -- serving -----------------------------------------------------------------------


def parse_auth(value: str) -> tuple[str, str] | None:
    """ "user:pass" → (user, pass); "" → None (no login)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise PlanQAError("auth must look like user:password")
    return user, password


def ensure_index(
    assistant: Assistant,
    progress: Callable[[str, int, int], None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> bool:
    """Index the bundled plan when nothing is indexed yet; True when it did."""
    if current_generation(assistant.settings.home) is not None:
        return False
    if announce is not None:
        announce(f"首次运行：正在为示例方案建立索引（{SAMPLE_PLAN.name}）…")
    assistant.ingest([SAMPLE_PLAN], progress)
    return True


def serve(
    assistant: Assistant,
    settings: Settings,
    host: str,
    port: int,
    auth: str = "",
    block: bool = True,
) -> Any:
    """Launch the web chat; returns Gradio's (app, local url, share url) when not blocking."""
    app = build_app(assistant, settings.max_upload_mb)
    return start(app, host, port, auth, settings.max_upload_mb, block)


def start(
    app: gr.Blocks, host: str, port: int, auth: str = "", max_upload_mb: int = 20, block: bool = False
) -> Any:
    """Launch a built app with PlanQA's options (styles, login, upload limit, no footer links).
    Answers are computed for several users at once (Gradio's default is one at a time)."""
    app.queue(default_concurrency_limit=CONCURRENT_ANSWERS)
    return app.launch(
        server_name=host,
        server_port=port,
        auth=parse_auth(auth),
        max_file_size=f"{max_upload_mb}mb",
        prevent_thread_lock=not block,
        quiet=True,
        show_error=True,
        footer_links=[],
        css=webhtml.CSS,
        js=webhtml.COPY_JS,
    )
