"""What ``planqa fit`` reads: the question sets of ``evals/`` it fits on (their dev splits), and
what the answerer sees of each question asked (candidate sentences, their gold labels, traces)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.answer import Trace
from assistant.answering.fitted import LEXICAL, Fitted, Logistic, Relation, load_fitted
from assistant.answering.intent import across_documents, asks_name, asks_which_document
from assistant.answering.settings import Settings, load_settings
from assistant.evaluation.metrics import LIST_CATEGORIES
from index.embed import SentenceTransformerEmbedder
from index.load import doc_id_for

EVALS = Path(__file__).resolve().parents[2] / "evals"
# (question set, asked of the plan plus the State Council corpus): the dev split of every set
# (its test split is never read by a fit); the sets written after a round were held out from
# its fit, and measured as questions it never saw, until the next round
SETS = (
    ("questions-public.jsonl", False),
    ("questions-dezhou.jsonl", False),
    ("questions-colloquial.jsonl", False),
    ("questions-newstaff.jsonl", False),
    ("questions-plan2.jsonl", False),
    ("questions-plan3.jsonl", False),
    ("questions-gov.jsonl", True),
    ("questions-twins.jsonl", True),
    ("questions-unmentioned.jsonl", True),
    ("questions-gov2.jsonl", True),
    ("questions-twins2.jsonl", True),
    ("questions-twins3.jsonl", True),
    ("questions-gov3.jsonl", True),
    ("questions-gov4.jsonl", True),
    ("questions-gov5.jsonl", True),
    ("questions-gov6.jsonl", True),
    ("questions-gov7.jsonl", True),
    ("questions-gov8.jsonl", True),
    ("questions-plan4.jsonl", False),
    ("questions-gov9.jsonl", True),
)
CORPUS = EVALS / "corpus" / "gov-policies"

Progress = Callable[[str, int, int], None]


# -- collecting what the answerer sees ----------------------------------------------


@dataclass
class Asked:
    q: dict[str, Any]
    assistant: Any
    question: str


def _assistants(settings: Settings, tmp: Path, gov: bool, progress: Progress | None) -> dict[bool, Any]:
    from assistant.answering.session import SAMPLE_PLAN, Assistant

    embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
    out = {}
    for with_corpus in (False, True) if gov else (False,):
        home = tmp / ("corpus" if with_corpus else "plan")
        a = Assistant(replace(settings, home=home), embedder=embedder, fitted=_open_gate(LEXICAL))
        a.ingest([SAMPLE_PLAN, *([CORPUS] if with_corpus else [])], progress=progress)
        out[with_corpus] = a
    return out


def add_home_arguments(parser: argparse.ArgumentParser) -> None:
    """The indexes the fitting scripts of ``evals/`` ask their dev questions of (built with
    ``planqa ingest``): the plan's, and one of the plan and the 60 documents."""
    parser.add_argument("--plan-home", type=Path, required=True, help="an index of the bundled plan")
    parser.add_argument("--corpus-home", type=Path, help="an index of the plan and the 60 documents")


def home_assistants(args: argparse.Namespace) -> dict[bool, Any]:
    """An assistant of each index ``add_home_arguments`` read, by whether it holds the State
    Council documents (the plan's sets are asked of the plan's, the others of the corpus's)."""
    from assistant.answering.session import Assistant

    settings = load_settings()
    embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
    out = {False: Assistant(replace(settings, home=args.plan_home), embedder=embedder)}
    if args.corpus_home is not None:
        out[True] = Assistant(replace(settings, home=args.corpus_home), embedder=embedder)
    return out


def dev_questions(assistants: dict[bool, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(id as "set/id", question, assistant) of every dev question of every set in ``evals/``
    whose index is among ``assistants`` (``home_assistants``)."""
    from assistant.evaluation.evaluate import load_questions

    for path in sorted(EVALS.glob("questions-*.jsonl")):
        for q in load_questions(path, "dev"):
            a = assistants.get(bool(q.get("doc")))
            if a is not None:
                yield f"{path.stem.removeprefix('questions-')}/{q['id']}", q, a


def answered_right(q: dict[str, Any], answer: Any) -> bool:
    """An answerable question answered, not refused, with every key fact in its text; an
    unanswerable one refused."""
    return bool(answer.refused) if not q["answerable"] else not answer.refused and _key_fact(q, answer.text)


def right_with(module: Any, name: str, value: Any, rows: list[tuple[str, dict[str, Any], Any]]) -> list[bool]:
    """Whether each (id, question, assistant) row is ``answered_right`` with ``module``'s
    constant ``name`` set to ``value`` (restored after)."""
    kept = getattr(module, name)
    setattr(module, name, value)
    try:
        return [answered_right(q, a.ask(q["question"])) for _, q, a in rows]
    finally:
        setattr(module, name, kept)


def sweep(
    module: Any, name: str, grid: tuple[Any, ...], rows: list[tuple[str, dict[str, Any], Any]]
) -> dict[Any, list[bool]]:
    """Each row answered with ``module``'s constant ``name`` at each value of ``grid``
    (``right_with``); printed: the rows whose answer it changes, then how many are right at each."""
    scores = {value: right_with(module, name, value, rows) for value in grid}
    for i, (qid, _, _) in enumerate(rows):
        marks = [scores[v][i] for v in grid]
        if any(marks) and not all(marks):
            print(qid, " ".join("right" if m else "wrong" for m in marks))
    for value in grid:
        print(f"{name} {value}: {sum(scores[value])} of {len(rows)} right")
    return scores


def nearest_best(scores: dict[float, list[bool]], now: float) -> float:
    """The value answering most rows right (``sweep``'s scores); of those that tie, the nearest
    ``now`` (the code's)."""
    best = max(sum(r) for r in scores.values())
    return min((s for s, r in scores.items() if sum(r) == best), key=lambda s: abs(s - now))


def sweep_nearest(
    module: Any, name: str, grid: tuple[float, ...], rows: list[tuple[str, dict[str, Any], Any]], what: str
) -> float:
    """``sweep`` ``module``'s constant ``name`` over ``grid``; printed and returned, the value
    ``nearest_best`` keeps (``what``: the rows, as the line printed says them)."""
    now = getattr(module, name)
    chosen = nearest_best(sweep(module, name, grid, rows), now)
    print(f"{len(rows)} dev questions {what}; {name} {chosen} (code: {now})")
    return chosen


def fit_constant(
    description: str,
    select: Callable[[str], bool],
    module: Any,
    name: str,
    grid: tuple[float, ...],
    what: str,
) -> float:
    """A fitting script of ``evals/`` for one constant: the indexes from the command line, the
    dev questions ``select`` keeps (by the question as the assistant prepares it), then
    ``sweep_nearest``."""
    parser = argparse.ArgumentParser(description=description)
    add_home_arguments(parser)
    assistants = home_assistants(parser.parse_args())
    rows = [(qid, q, a) for qid, q, a in dev_questions(assistants) if select(a.prepare(q["question"]))]
    return sweep_nearest(module, name, grid, rows, what)


def _open_gate(embedder: str, ranker: Logistic | None = None, relation: Relation | None = None) -> Fitted:
    """A gate that lets every candidate through (threshold 0) and, unless given, a ranker
    that prefers nothing (ties keep retrieval order) and no relation; the scope model in use
    (which document a question names), so that questions are asked within it as in the product."""
    flat = Logistic(("lex",), (0.0,), (1.0,), (0.0,), 0.0)
    gate = Logistic(("rank_best",), (0.0,), (1.0,), (0.0,), 0.0, threshold=0.0)
    return Fitted(ranker or flat, gate, 0.0, embedder, scope=_scope_in_use(embedder), relation=relation)


def _scope_in_use(embedder: str) -> Logistic | None:
    try:
        return load_fitted(embedder).scope
    except (OSError, KeyError, ValueError):
        return None  # no models yet: every question asked of every document


def _answered_by_retrieval(a: Any, q: dict[str, Any]) -> bool:
    """Questions the ranker and gate decide (not the ledger's lists, the document's name,
    or the cross-document path)."""
    question = a.prepare(q["question"])
    if q["category"] in LIST_CATEGORIES or a.ledger.route(question, None, a.topical) is not None:
        return False
    return not asks_name(question) and across_documents(question) is None


def _trace(asked: Asked, fitted: Fitted) -> Trace:
    """What the answerer sees of the question, with the passages it is asked them from:
    within the document the question names, as ``Assistant.ask`` chooses it (the scope
    model of ``fitted``), from every document otherwise."""
    a = asked.assistant
    a.composer.fitted = fitted
    everywhere: list[Any] = []
    named = "" if asks_which_document(asked.question) else a.named_document(asked.question, everywhere)
    hits = a.hits_within(asked.question, frozenset({named}) if named else None, everywhere)
    trace = Trace()
    a.composer.compose(asked.question, hits, trace)
    return trace


def _labels(asked: Asked, trace: Trace) -> np.ndarray:
    """1 for each candidate sentence overlapping the question's gold evidence."""
    from assistant.answering.session import SAMPLE_PLAN

    q = asked.q
    doc = q.get("doc") or doc_id_for(SAMPLE_PLAN)
    src = asked.assistant.index.source_text(doc) if doc in asked.assistant.index.documents else ""
    gold = [(i, i + len(ev)) for ev in q.get("evidence", []) for i in _find_all(src, ev)]
    return np.array(
        [
            float(s.chunk.doc_id == doc and any(min(b, s.end) > max(a, s.start) for a, b in gold))
            for s in trace.sentences
        ]
    )


def _find_all(text: str, sub: str) -> list[int]:
    out, at = [], text.find(sub)
    while at >= 0 and sub:
        out.append(at)
        at = text.find(sub, at + 1)
    return out


def _key_fact(q: dict[str, Any], text: str) -> bool:
    return bool(q["answerable"]) and all(m in text for m in q.get("must_include", []))
