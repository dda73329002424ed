"""What ``planqa eval`` measures: a question's gold spans, the scores of one answer to it,
and their summary per pipeline (and its refusal curve).

Metrics (per question, then per category and overall):

- evidence recall@k: share of the question's gold spans found in the top k (a span is
  found when one retrieved chunk covers >= 80% of it, at any of its occurrences);
  ``all@k``: every span found; MRR: 1/rank of the first chunk covering a gold span;
- key-fact accuracy: answered (not refused) and every ``must_include`` present;
- citation precision: share of citations overlapping a gold span; citation recall:
  share of gold spans overlapped by some citation;
- refusal precision/recall over unanswerable questions; latency p50/p95.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from assistant.answering.types import MARKER
from assistant.evaluation.scale import p95
from index.errors import PlanQAError

LIST_CATEGORIES = ("list_by_department", "list_by_deadline")
COVER = 0.8


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
    numbers = {c["n"] for c in result["citations"]}
    bad = sum(1 for n in set(MARKER.findall(result.get("answer") or "")) if int(n) not in numbers)
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
