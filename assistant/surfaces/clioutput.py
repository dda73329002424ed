"""How the ``planqa`` command prints: answers with their citations, ingest reports, status lines
and progress bars (on stderr), and the exit code of a failed command."""

from __future__ import annotations

import sys
from typing import TextIO

from assistant.answering.session import Assistant
from assistant.answering.types import Answer
from index.ingest import IngestReport

EXIT_ERROR = 2


def _print_report(report: IngestReport, seconds: float) -> None:
    for path, reason in report.failed:
        print(f"planqa: error: {path}: {reason}", file=sys.stderr)
    print(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}; embedded {report.chunks_embedded} chunks; "
        f"index: {report.total_documents} documents, {report.total_chunks} chunks "
        f"({seconds:.1f} s)",
        flush=True,
    )


def _print_answer(ans: Answer, assistant: Assistant, out: TextIO, shown: str = "") -> None:
    """``shown``: the text already streamed (not printed again when it is the answer's)."""
    if shown != ans.text:
        print(f"答：{ans.text}", file=out)
    if ans.note:
        print(f"  （{ans.note}）", file=out)
    for c in ans.citations:
        where = assistant.index.doc_title(c.doc)
        page = f" 第{c.page}页" if c.page else ""
        print(f"  [{c.n}] 《{where}》“{c.title}”{page} [{c.start}:{c.end}] {c.quote}", file=out)
    if ans.refused and ans.hits:
        print("  最接近的段落：", file=out)
        for h in ans.hits[:3]:
            snippet = h.chunk.text.replace("\n", " ")
            snippet = snippet if len(snippet) <= 80 else snippet[:80] + "…"
            print(f"   - “{h.chunk.measure_title}” [{h.chunk.start}:{h.chunk.end}] {snippet}", file=out)


def _status(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_STAGES = {
    "load": "读取文件",
    "ocr": "识别扫描页",
    "embed": "向量化",
    "sentences": "句子向量",
    "eval": "评测",
    "fit": "拟合",
}


def _progress(stage: str, done: int, total: int) -> None:
    if total > 100 and done % (total // 100) and done < total:
        return  # about a hundred updates are enough
    width = 30
    filled = width * done // total if total else width
    bar = "█" * filled + "·" * (width - filled)
    end = "\n" if done >= total else ""
    print(f"\r{_STAGES.get(stage, stage)} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)
