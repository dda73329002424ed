"""``planqa eval``: score retrieval, answers, citations and refusals on a question set,
optionally side by side with peer-style pipelines and among distractor documents.

Metrics (per question, then per category and overall):

- evidence recall@k: share of the question's gold spans found in the top k (a span is
  found when one retrieved chunk covers >= 80% of it, at any of its occurrences);
  ``all@k``: every span found; MRR: 1/rank of the first chunk covering a gold span;
- key-fact accuracy: answered (not refused) and every ``must_include`` present;
- citation precision: share of citations overlapping a gold span; citation recall:
  share of gold spans overlapped by some citation;
- refusal precision/recall over unanswerable questions; latency p50/p95.

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
import re
import statistics
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from assistant.answering.settings import Settings
from assistant.evaluation.scale import p95
from index.embed import SentenceTransformerEmbedder
from index.errors import PlanQAError
from index.load import iter_source_files, load_document

LIST_CATEGORIES = ("list_by_department", "list_by_deadline")
COVER = 0.8
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


def gold_spans(evidence: Sequence[str], source: str, strict: bool = True) -> list[list[tuple[int, int]]]:
    """Every occurrence of each evidence string (a teaser may repeat one). Not ``strict``
    (a plan read by OCR, whose text differs here and there): evidence not found in the
    text is left out, and a question with none left has no evidence metrics."""
    out = []
    for ev in evidence:
        occ = [(m.start(), m.end()) for m in re.finditer(re.escape(ev), source)]
        if not occ and strict:
            raise PlanQAError(f"evidence is not a substring of the source: {ev[:40]!r}")
        if not occ:  # OCR writes "，" where the page printed ","; each width counts as the other
            occ = [
                (m.start(), m.end()) for m in re.finditer(re.escape(_width_folded(ev)), _width_folded(source))
            ]
        if occ:
            out.append(occ)
    return out


def _width_folded(text: str) -> str:
    """Full-width forms as their half-width characters, one for one (offsets keep)."""
    return "".join(n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)


def _covers(span: tuple[int, int], hit: dict[str, Any]) -> bool:
    a, b = span
    return min(b, hit["end"]) - max(a, hit["start"]) >= COVER * (b - a)


def _overlaps(span: tuple[int, int], c: dict[str, Any]) -> bool:
    return min(span[1], c["end"]) > max(span[0], c["start"])


def score(
    q: dict[str, Any], result: dict[str, Any], gold: list[list[tuple[int, int]]], doc: str, k: int
) -> dict[str, Any]:
    """Scores of one answered question (``result`` is an ``ask --json`` object)."""
    top = [h for h in result["retrieved"][:k] if h["doc"] == doc]
    s: dict[str, Any] = {"refused": result["refused"]}
    if gold:
        found = [any(_covers(sp, h) for sp in occ for h in top) for occ in gold]
        s["recall"] = sum(found) / len(found)
        s["all_found"] = all(found)
        ranks = [
            i
            for i, h in enumerate(result["retrieved"], 1)
            if h["doc"] == doc and any(_covers(sp, h) for occ in gold for sp in occ)
        ]
        s["rr"] = 1.0 / ranks[0] if ranks else 0.0
    if result["refused"] is not None and q["answerable"]:
        s["key_fact"] = not result["refused"] and all(m in result["answer"] for m in q["must_include"])
    cites = result["citations"]
    if cites and gold:
        s["cite_precision"] = sum(
            1 for c in cites if c["doc"] == doc and any(_overlaps(sp, c) for occ in gold for sp in occ)
        ) / len(cites)
    if gold and result["refused"] is not None:
        s["cite_recall"] = sum(
            1 for occ in gold if any(c["doc"] == doc and _overlaps(sp, c) for sp in occ for c in cites)
        ) / len(gold)
    return s


def with_gate(answer: Any) -> dict[str, Any]:
    """An answer's ``ask --json`` object, and what the answerability gate made of it
    (for the refusal curve: its probability, or the rule that refused without weighing)."""
    return {**answer.to_dict(), "gate": {"confidence": answer.confidence, "rule": answer.rule}}


def refusal_curve(rows: list[dict[str, Any]], step: float = 0.05) -> list[dict[str, float]]:
    """Refusal precision and recall, and answerable questions refused, had the gate's
    threshold been each of 0, step, …, 1: questions it weighed are refused below it; the
    rest (lists, rules) as they were."""
    out = []
    for t in [round(i * step, 2) for i in range(round(1 / step) + 1)]:
        refused, unanswerable, answerable = 0, 0, 0
        for r in rows:
            gate = r.get("gate") or {}
            weighed = gate.get("confidence") is not None and not gate.get("rule")
            no = (gate["confidence"] < t) if weighed else bool(r["scores"]["refused"])
            refused += no
            unanswerable += no and not r["answerable"]
            answerable += no and r["answerable"]
        n_un = sum(not r["answerable"] for r in rows)
        n_ans = len(rows) - n_un
        out.append(
            {
                "threshold": t,
                "refusal_precision": round(unanswerable / refused, 4) if refused else 1.0,
                "refusal_recall": round(unanswerable / n_un, 4) if n_un else 1.0,
                "answerable_refused": round(answerable / n_ans, 4) if n_ans else 0.0,
            }
        )
    return out


def unverifiable(result: dict[str, Any], source_text: Callable[[str], str]) -> int:
    """Citations that do not hold: a [n] in the text with no citation n, or a quote that
    is not ``source[start:end]`` (0 for every sound answer)."""
    import re

    numbers = {c["n"] for c in result["citations"]}
    bad = sum(1 for n in set(re.findall(r"\[(\d+)\]", result.get("answer") or "")) if int(n) not in numbers)
    for c in result["citations"]:
        if source_text(c["doc"])[c["start"] : c["end"]] != c["quote"]:
            bad += 1
    return bad


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate scored rows (``category``, ``answerable``, ``scores``, ``latency_ms``)."""
    answerable = [r for r in rows if r["answerable"]]
    retrieval = [r for r in answerable if r["category"] not in LIST_CATEGORIES]
    unanswerable = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if r["scores"]["refused"]]

    def vals(sel: list[dict[str, Any]], key: str) -> list[float]:
        return [float(r["scores"][key]) for r in sel if key in r["scores"]]

    lat = sorted(r["latency_ms"] for r in rows)
    out: dict[str, Any] = {
        "questions": len(rows),
        "recall_at_k": _mean(vals(retrieval, "recall")),
        "all_found_at_k": _mean(vals(retrieval, "all_found")),
        "mrr": _mean(vals(retrieval, "rr")),
        "recall_at_k_lists": _mean(
            vals([r for r in answerable if r["category"] in LIST_CATEGORIES], "recall")
        ),
        "key_fact_accuracy": _mean(vals(answerable, "key_fact")),
        "citation_precision": _mean(vals(answerable, "cite_precision")),
        "citation_recall": _mean(vals(answerable, "cite_recall")),
        "unverifiable_citations": sum(int(r["scores"].get("unverifiable", 0)) for r in rows),
        "latency_mean_ms": round(statistics.mean(lat), 1) if lat else None,
        "latency_p50_ms": round(statistics.median(lat), 1) if lat else None,
        "latency_p95_ms": round(p95(lat), 1) if lat else None,
    }
    if rows and rows[0].get("gate"):
        out["refusal_curve"] = refusal_curve(rows)
    if rows and rows[0]["scores"]["refused"] is not None:
        out["refusal_precision"] = _mean([float(not r["answerable"]) for r in refused])
        out["refusal_recall"] = _mean([float(bool(r["scores"]["refused"])) for r in unanswerable])
        out["answerable_refused"] = _mean([float(bool(r["scores"]["refused"])) for r in answerable])
    cats: dict[str, Any] = {}
    for cat in sorted({r["category"] for r in rows}):
        sel = [r for r in rows if r["category"] == cat]
        ok = (
            vals(sel, "key_fact")
            if cat != "unanswerable"
            else [float(bool(r["scores"]["refused"])) for r in sel]
        )
        cats[cat] = {
            "n": len(sel),
            "accuracy": _mean(ok) if sel[0]["scores"]["refused"] is not None else None,
            "recall_at_k": _mean(vals(sel, "recall")),
        }
    out["categories"] = cats
    return out


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
    rows: list[dict[str, Any]] = []
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
        pipelines: list[tuple[str, Callable[[str], dict[str, Any]]]] = [
            ("planqa", lambda q: with_gate(planqa.ask(q)))
        ]
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
    return summary


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
