"""``planqa eval``: score retrieval, answers, citations and refusals on a question set,
optionally side by side with peer-style pipelines and among distractor documents.

The metrics are in ``metrics.py``.

Every question belongs to a **dev** or a **test** split by a fixed rule on its id
(``split_of``; a twin, an unanswerable question paired with an answerable one, goes
with its pair): tune and fit on dev only; the report gives both side by side, and the
gap in key-fact accuracy between them. A question's ``doc`` field names the document its
evidence is in (its file stem, e.g. a State Council document asked of a larger index);
without it, the bundled plan.

Writes ``results.jsonl`` (one line per pipeline × question), ``report.json``,
``report.md`` and ``report.png`` into the output directory.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from assistant.answering.settings import Settings
from assistant.evaluation.metrics import gold_spans, score, summarize, unverifiable
from index.embed import SentenceTransformerEmbedder
from index.errors import PlanQAError
from index.load import iter_source_files, load_document

SPLITS = ("dev", "test")


def split_of(qid: str) -> str:
    """The fixed split of a question: "dev" when the first hex digit of sha256(id) is 0-7."""
    return "dev" if hashlib.sha256(qid.encode("utf-8")).hexdigest()[0] in "01234567" else "test"


def load_questions(path: str | Path, split: str = "all") -> list[dict[str, Any]]:
    """The questions of a JSONL set (each with its ``split``), only those of ``split``
    unless it is "all"."""
    rows = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            raise PlanQAError(f"{path}:{lineno}: not a JSON object: {e}") from None
        for field in ("id", "question"):
            if not isinstance(q, dict) or not isinstance(q.get(field), str):
                raise PlanQAError(f"{path}:{lineno}: the field {field!r} is missing or not text")
        q.setdefault("category", "general")
        q.setdefault("answerable", True)
        q.setdefault("must_include", [])
        q["split"] = split_of(q.get("twin") or q["id"])  # a twin pair stays on one side
        rows.append(q)
    if split not in ("all", *SPLITS):
        raise PlanQAError(f"split must be dev, test or all, got {split!r}")
    return [q for q in rows if split == "all" or q["split"] == split]


def with_gate(answer: Any) -> dict[str, Any]:
    """An answer's ``ask --json`` object, and what the answerability gate made of it
    (for the refusal curve: its probability, or the rule that refused without weighing)."""
    return {**answer.to_dict(), "gate": {"confidence": answer.confidence, "rule": answer.rule}}


Progress = Callable[[str, int, int], None]


def run_eval(
    settings: Settings,
    questions_path: str,
    out: Path,
    k: int = 4,
    corpus: Sequence[str] = (),
    compare: bool = False,
    plan: Path | None = None,
    progress: Progress | None = None,
    compare_llm: bool = False,
    split: str = "all",
    strict_evidence: bool = True,
) -> dict[str, Any]:
    """Index the plan (+ ``corpus``) in a throw-away home, ask every question (of ``split``)
    through PlanQA (and the peers with ``compare``), write the results and the report."""
    from assistant.answering.session import SAMPLE_PLAN, Assistant

    if compare or compare_llm:
        require_eval_extra()
    questions = load_questions(questions_path, split)
    plan = plan or SAMPLE_PLAN
    files = [plan, *(p for p in iter_source_files(corpus) if p.resolve() != plan.resolve())]
    texts = {d.id: d.text for d in map(load_document, files)}
    plan_id = next(iter(texts))

    def doc_of(q: dict[str, Any]) -> str:
        doc = str(q.get("doc") or plan_id)
        if doc not in texts:
            raise PlanQAError(
                f"{questions_path}: question {q['id']} is about document {doc!r}, which is not indexed "
                "(add it with --corpus)"
            )
        return doc

    gold = {q["id"]: gold_spans(q.get("evidence", []), texts[doc_of(q)], strict_evidence) for q in questions}
    embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
    out.mkdir(parents=True, exist_ok=True)
    setup: dict[str, Any] = {"documents": len(files), "k": k}
    with tempfile.TemporaryDirectory(prefix="planqa-eval-") as tmp:
        chat = None
        if settings.answer_mode == "llm" or compare_llm:  # the model file stays in the real home
            from assistant.answering.llm import chat_model_for

            chat = chat_model_for(settings)
        planqa = Assistant(
            replace(settings, home=Path(tmp), k=max(k, settings.k)), embedder=embedder, chat_model=chat
        )
        t0 = time.perf_counter()
        report = planqa.ingest(files, progress=progress)
        setup["planqa"] = {"ingest_s": round(time.perf_counter() - t0, 1), "chunks": report.total_chunks}
        pipelines = _pipelines(settings, planqa, files, embedder, chat, setup, k, compare, compare_llm)
        rows = _ask_all(pipelines, questions, gold, doc_of, k, planqa, progress)
        planqa.close()
    summary = {
        "setup": setup,
        "pipelines": {name: summarize([r for r in rows if r["pipeline"] == name]) for name, _ in pipelines},
        "splits": {
            name: {
                sp: summarize(sel)
                for sp in SPLITS
                if (sel := [r for r in rows if r["pipeline"] == name and r["split"] == sp])
            }
            for name, _ in pipelines
        },
    }
    _write_report(out, rows, summary, questions_path, k)
    return summary


Pipeline = tuple[str, Callable[[str], dict[str, Any]]]


def _pipelines(
    settings: Settings,
    planqa: Any,
    files: list[Path],
    embedder: SentenceTransformerEmbedder,
    chat: Any,
    setup: dict[str, Any],
    k: int,
    compare: bool,
    compare_llm: bool,
) -> list[Pipeline]:
    """The pipelines to ask, each a name and its ``ask --json``: PlanQA (with generated
    answers, its extractive ones too), the plain RAG with ``compare_llm``, the peers with
    ``compare``; what each is goes into ``setup``."""
    pipelines: list[Pipeline] = [("planqa", lambda q: with_gate(planqa.ask(q)))]
    setup["gate_threshold"] = planqa.composer.fitted.gate.threshold
    if settings.answer_mode == "llm":  # generated answers beside the extractive ones
        pipelines.append(("planqa-extractive", lambda q: with_gate(planqa.ask(q, mode="extractive"))))
        setup["llm"] = settings.llm_url or settings.llm_model or "local default"
    if compare_llm:
        from assistant.evaluation.peers import RagPipeline, build

        naive = build("naive", [load_document(p) for p in files], embedder)
        rag = RagPipeline(naive, chat)
        pipelines.append((rag.name, partial(rag.ask, k=k)))
    if compare:
        from assistant.evaluation.peers import NAMES, build

        docs = [load_document(p) for p in files]
        for name in NAMES:
            peer = build(name, docs, embedder)
            setup[name] = {"ingest_s": round(peer.ingest_s, 1), "chunks": peer.chunks}
            pipelines.append((name, partial(peer.ask, k=k)))
    return pipelines


def _ask_all(
    pipelines: list[Pipeline],
    questions: list[dict[str, Any]],
    gold: dict[str, list[list[tuple[int, int]]]],
    doc_of: Callable[[dict[str, Any]], str],
    k: int,
    planqa: Any,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    """Every question asked of every pipeline, one scored row each."""
    rows: list[dict[str, Any]] = []
    total = len(pipelines) * len(questions)
    for name, ask in pipelines:
        for q in questions:
            if progress:
                progress("eval", len(rows), total)
            t0 = time.perf_counter()
            result = ask(q["question"])
            ms = (time.perf_counter() - t0) * 1000
            rows.append(
                {
                    "pipeline": name,
                    "id": q["id"],
                    "split": q["split"],
                    "category": q["category"],
                    "answerable": q["answerable"],
                    **result,
                    "scores": {
                        **score(q, result, gold[q["id"]], doc_of(q), k),
                        "unverifiable": unverifiable(result, planqa.index.source_text),
                    },
                    "latency_ms": round(ms, 1),
                }
            )
    if progress:
        progress("eval", total, total)
    return rows


def _write_report(
    out: Path, rows: list[dict[str, Any]], summary: dict[str, Any], questions_path: str, k: int
) -> None:
    """``results.jsonl``, ``report.json``, ``report.md`` and the figures, into ``out``."""
    with open(out / "results.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "report.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    from assistant.evaluation.report import write_markdown, write_plot, write_refusal_plot

    write_markdown(summary, out / "report.md", questions_path, k)
    try:
        write_plot(summary, out / "report.png", k)
        write_refusal_plot(summary, out / "refusal-curve.png")
    except ImportError:  # matplotlib comes with the eval extra; the figures are in report.md
        (out / "report.png").unlink(missing_ok=True)


EVAL_EXTRA = ("langchain_text_splitters", "langchain_community", "rank_bm25")


def require_eval_extra() -> None:
    """Before a long run: the peers and the plain RAG need the ``eval`` extra."""
    import importlib.util

    missing = [m for m in EVAL_EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        raise PlanQAError(
            "--compare and --compare-llm need the eval extra (missing: "
            + ", ".join(missing)
            + "): pip install 'planqa[eval]'"
        )
