"""``planqa bench --formats``: the bundled plan in every format offices send, read back.

The corpus is made by ``formatfiles.build`` (the OFD files by ``formatofd.write_ofd``).

For each file the bench reports how long reading it takes (OCR seconds per page for the
scan), how many characters of the plan come back (``difflib`` matches over the source's
non-space characters), how many paragraphs come back exactly, and the public question
set asked of an index of that file alone: key-fact accuracy, refusals and citations whose
quote is not the extracted source. A benchmark: nothing asserts on time.

Needs LibreOffice and Chromium to make the converted files (``make formats``, ``make
browser``); what cannot be made is skipped with a message.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.answering.settings import Settings
from assistant.evaluation.formatfiles import PLAN, build, paragraphs, task_table_rows


def char_recall(source: str, text: str) -> float:
    """Share of the source's non-space characters that come back, in order (difflib)."""
    import difflib

    want, got = re.sub(r"\s", "", source), re.sub(r"\s", "", text)
    blocks = difflib.SequenceMatcher(None, want, got, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / max(len(want), 1)


def read_back(path: Path, source: str) -> dict[str, Any]:
    """How one file reads: seconds, pages (and how many were OCRed), characters and
    paragraphs of the source recovered."""
    from index.load import load_document

    ocred: list[int] = []
    t0 = time.perf_counter()
    doc = load_document(path, progress=lambda page, pages: ocred.append(page))
    seconds = time.perf_counter() - t0
    pages = len(doc.pages) or 1
    ocr_pages = len(ocred) - 1 if ocred else 0  # one call a page read, then one at the end
    want = [re.sub(r"\s+", " ", p) for p in paragraphs(source)]
    got = {re.sub(r"\s+", " ", p) for p in paragraphs(doc.text)}
    return {
        "read_s": round(seconds, 2),
        "pages": pages,
        "ocr_pages": ocr_pages,
        "s_per_ocr_page": round(seconds / ocr_pages, 2) if ocr_pages else None,
        "char_recall": round(char_recall(source, doc.text), 4),
        "paragraphs_exact": f"{sum(p in got for p in want)}/{len(want)}",
    }


def ledger_rows(path: Path, source: Path) -> str:
    """Rows of the appendix table made from ``source`` that came back as ledger entries,
    exactly (task, lead, support): "right/all"."""
    from index.ingest import prepare
    from index.load import load_document

    want = [r[:3] for r in task_table_rows(source)[1]]
    got = [
        (m.title, "、".join(m.lead), "、".join(m.support))
        for m in prepare(load_document(path)).measures
        if m.lead or m.support
    ]
    return f"{sum(g in want for g in got[: len(want)])}/{len(want)}"


def run_formats(settings: Settings, questions_path: str | None, out: str = "bench-out") -> int:
    """Build the corpus, read every file back, ask the question set of each alone."""
    from assistant.evaluation.bench import PUBLIC_QUESTIONS
    from assistant.evaluation.evaluate import run_eval
    from assistant.evaluation.scale import save_table

    out_dir = Path(out)
    questions = questions_path or str(PUBLIC_QUESTIONS)
    source = PLAN.read_text(encoding="utf-8")
    rows = []
    with tempfile.TemporaryDirectory(prefix="planqa-formats-") as tmp:
        files = build(Path(tmp) / "corpus")
        for path in files:
            row: dict[str, Any] = {"file": path.name, **read_back(path, source)}
            if path.stem == "plan-tasks":  # its text differs on purpose: how its ledger reads
                row |= {
                    "char_recall": None,
                    "paragraphs_exact": None,
                    "ledger_rows": ledger_rows(path, PLAN),
                }
            summary = run_eval(
                settings, questions, Path(tmp) / "eval" / path.stem, plan=path, strict_evidence=False
            )
            figures = summary["pipelines"]["planqa"]
            row |= {
                "key_fact": figures["key_fact_accuracy"],
                "refusal_recall": figures.get("refusal_recall"),
                "answerable_refused": figures.get("answerable_refused"),
                "citation_precision": figures["citation_precision"],
                "unverifiable_citations": figures["unverifiable_citations"],
            }
            rows.append(row)
            print(f"  {row}", flush=True)
    base = next((r["key_fact"] for r in rows if r["file"] == "plan.txt"), None)
    for r in rows:
        r["key_fact_vs_txt"] = round(r["key_fact"] - base, 4) if base is not None else None
    save_table(rows, out_dir / "formats.json")
    print(f"saved {out_dir / 'formats.json'}")
    return 0
