"""``planqa fit``: fit the answerer's sentence ranker and answerability gate on dev questions.

Reads the **dev** split (``evaluate.split_of``) of the team's labelled question sets in
``evals/`` — test questions are never read here — asks each one as PlanQA does (the
plan's sets of an index of the bundled plan; the State Council set of the plan plus the
60 documents of ``evals/corpus``), and records what the answerer saw:

1. every candidate sentence's features (``evidence.SENTENCE_FEATURES``), labelled by
   whether it overlaps the question's gold evidence → the **relation** of question and
   sentence vectors (``fitrelation``: its rank chosen by cross-validation, its out-of-fold
   scores two of the features), then the **ranker**, a logistic regression (its L2 strength
   chosen by cross-validation);
2. with that ranker (cross-fitted: each question ranked by a ranker that did not see
   it), the gate's features (``gate.GATE_FEATURES``) of the candidate answer,
   labelled by whether the question is answerable → the **gate**, learning from the
   candidates that answer their question right and those of unanswerable questions (a
   candidate missing an answerable question's key fact is an example of neither); its
   threshold is the one that, on cross-validated probabilities, refuses the most
   unanswerable questions while refusing at most 5% of the answerable ones
   (``MAX_ANSWERABLE_REFUSED``).

Each question is asked as ``Assistant.ask`` asks it: within the document it names by its
title words when the scope model in use is sure (``assistant.answering.scope``), of every document
otherwise — the gate weighs the candidates it will weigh in the product.

Both are fitted twice: with the embedding model's cosines, and without (words and intent
only, for any other embedding model). Writes ``assistant/answering/fitted.json`` and a report
(refusal precision/recall by threshold, the chosen operating point, the coefficients).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.answer import Trace
from assistant.answering.evidence import SENTENCE_FEATURES
from assistant.answering.fitted import FITTED, LEXICAL, MIN_LLM_FLOOR, Fitted, Logistic, Relation
from assistant.answering.gate import GATE_FEATURES, GATE_FEATURES_SIGNED
from assistant.answering.settings import Settings
from assistant.evaluation.evaluate import load_questions
from assistant.evaluation.fitdata import (
    EVALS,
    SETS,
    Asked,
    Progress,
    _answered_by_retrieval,
    _assistants,
    _key_fact,
    _labels,
    _open_gate,
    _trace,
)
from assistant.evaluation.fitintent import fit_intent, intent_path
from assistant.evaluation.fitlogistic import FOLDS, cross_fit, fit_logistic, fold_of
from assistant.evaluation.fitrelation import Candidates, choose_relation
from assistant.evaluation.fitreport import write_fit_report
from assistant.evaluation.fitscope import fit_scope, put_scopes, scope_rows
from index.errors import PlanQAError

# the share of answerable questions the gate may refuse (the product's promise: say "文中未提及"
# to a question the documents answer at most this often)
MAX_ANSWERABLE_REFUSED = 0.05
_SEMANTIC = ("sem", "sem_gap", "sem_z", "sem_best", "sem_chosen", "sem_z_chosen", "rel", "rel_z")


# -- the fit ---------------------------------------------------------------------------


def run_fit(
    settings: Settings,
    out: Path = FITTED,
    report_dir: Path | None = None,
    progress: Progress | None = None,
    sets: tuple[tuple[str, bool], ...] = SETS,
    work: Path | None = None,
) -> dict[str, Any]:
    """``work``: keep the indexes the questions are asked of there (reused while the
    documents are unchanged); default: a throw-away directory."""
    questions = [
        (q, gov) for name, gov in sets for q in load_questions(EVALS / name, "dev") if q.get("question")
    ]
    if not questions:
        raise PlanQAError("no dev questions to fit on")
    # what a question asks first: the ranker's and the gate's features read it
    intent = fit_intent(out=intent_path(out))
    embedder_name = settings.model
    with tempfile.TemporaryDirectory(prefix="planqa-fit-") as tmp:
        where = Path(work) if work is not None else Path(tmp)
        assistants = _assistants(settings, where, any(g for _, g in questions), progress)
        asked = [
            Asked(q, assistants[gov], assistants[gov].prepare(q["question"]))
            for q, gov in questions
            if _answered_by_retrieval(assistants[gov], q)
        ]
        # 1. candidate sentences (the ranker's features do not depend on any ranker)
        rows, labels, qfold, items = _candidate_sentences(asked, embedder_name, progress)
        # 2. the relation of question and sentence vectors: its out-of-fold scores fill the rows
        relation, fold_relations, rows, shares = choose_relation(items, rows, SENTENCE_FEATURES, _top1)
        sx, sy, sf = np.vstack(rows), np.concatenate(labels), np.concatenate(qfold)
        result: dict[str, Any] = {
            "questions": len(questions),
            "decided_by_gate": len(asked),
            "intent": intent,
            "relation_top1_by_rank": shares,
        }
        models: dict[str, Any] = {}
        for variant in (embedder_name, LEXICAL):
            none: list[Relation | None] = [None] * FOLDS
            relations = (relation, fold_relations) if variant else (None, none)
            models[variant], curve = _fit_variant(
                variant, embedder_name, asked, rows, sx, sy, sf, relations, progress
            )
            result[variant or "lexical"] = {"curve": curve, **models[variant]["dev"]}
        if True in assistants:  # which document a question names: asked of the 61-document index
            put_scopes(models, fit_scope(scope_rows(assistants[True], sets, EVALS), embedder_name))
        for a in assistants.values():
            a.close()
    _write_fitted(out, sets, models)
    if report_dir is not None:
        write_fit_report(result, report_dir)
    return result


def _candidate_sentences(
    asked: list[Asked], embedder_name: str, progress: Progress | None
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[Candidates]]:
    """Step 1: each answerable question's candidate sentences whose retrieval found its
    evidence: their features, their labels (gold evidence or not), the question's fold, and
    the vectors the relation is fitted on."""
    rows, labels, qfold, items = [], [], [], []
    for i, x in enumerate(asked):
        if progress:
            progress("fit", i, 2 * len(asked))
        if not x.q["answerable"]:
            continue
        trace = _trace(x, _open_gate(embedder_name))
        if trace.rows is None or not len(trace.rows):
            continue
        y = _labels(x, trace)
        if y.any():  # retrieval found the evidence: the ranker learns to pick it
            rows.append(trace.rows)
            labels.append(y)
            qfold.append(np.full(len(y), fold_of(x.q["id"])))
            items.append(_candidates(trace, y, fold_of(x.q["id"])))
    return rows, labels, qfold, items


def _candidates(trace: Trace, y: np.ndarray, fold: int) -> Candidates:
    qvec = np.asarray(trace.qvec if trace.qvec is not None else np.zeros(1), dtype=np.float64)
    vectors = np.array(
        [
            s.vector if s.vector is not None and len(s.vector) == len(qvec) else np.zeros(len(qvec))
            for s in trace.sentences
        ],
        dtype=np.float64,
    )
    return Candidates(qvec, vectors, y, fold)


def _fit_variant(
    variant: str,
    embedder_name: str,
    asked: list[Asked],
    rows: list[np.ndarray],
    sx: np.ndarray,
    sy: np.ndarray,
    sf: np.ndarray,
    relations: tuple[Relation | None, list[Relation | None]],
    progress: Progress | None,
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """The ranker, the gate and the answer's ``keep`` of one variant (``variant``'s cosines,
    or words only): its models and dev figures as written, and the gate's refusal curve.
    ``relations``: the relation, and that of each fold (None for words only)."""
    names = tuple(f for f in SENTENCE_FEATURES if variant or f not in _SEMANTIC)
    vx = sx[:, [SENTENCE_FEATURES.index(f) for f in names]]
    l2, fold_rankers, oof = cross_fit(vx, sy, sf, names)
    ranker = replace(fit_logistic(vx, sy, names, l2), threshold=0.5)
    top1 = _top1(oof, sy, rows)
    # 2. the gate, on candidates ranked by rankers that did not see the question
    relation, fold_relations = relations
    gx, gy, ok, gids, ans, ruled = _gate_decisions(
        asked, variant, embedder_name, fold_rankers, fold_relations, progress
    )
    gate, gl2, curve, point, floor = _fit_gate(variant, gx, gy, ok, gids, ans, ruled)
    fitted = Fitted(ranker, gate, floor, variant, relation=relation)
    keep, keep_scores = _choose_keep(asked, fitted)
    fitted = replace(fitted, keep=keep)
    model = {
        **fitted.to_dict(),
        "dev": {
            "sentences": len(sy),
            "ranker_l2": l2,
            "ranker_top1_cv": top1,
            "gate_examples": len(gy),
            "gate_l2": gl2,
            "operating_point": point,
            "llm_floor": floor,
            "keep": keep,
            "keep_key_fact": keep_scores,
        },
    }
    return model, curve


def _gate_decisions(
    asked: list[Asked],
    variant: str,
    embedder_name: str,
    fold_rankers: list[Logistic],
    fold_relations: list[Relation | None],
    progress: Progress | None,
) -> tuple[list[list[float]], list[float], list[bool], list[str], list[float], list[bool]]:
    """Each question's gate decisions, its candidates ranked by the ranker of the folds
    without it: the gate's features, answerable or not, whether the candidate holds the key
    fact, the question's id, answerable again (kept apart), refused by a rule."""
    gx, gy, ok, gids, ans, ruled = [], [], [], [], [], []
    for i, x in enumerate(asked):
        if progress and variant == embedder_name:
            progress("fit", len(asked) + i, 2 * len(asked))
        k = fold_of(x.q["id"])
        trace = _trace(x, _open_gate(variant, fold_rankers[k], fold_relations[k]))
        for d in trace.decisions:
            gx.append([d.features[f] for f in GATE_FEATURES])
            gy.append(float(x.q["answerable"]))
            ok.append(_key_fact(x.q, d.candidate.text))
            gids.append(x.q["id"])
            ans.append(float(x.q["answerable"]))
            ruled.append(bool(d.rule))  # refused whatever the gate says
    return gx, gy, ok, gids, ans, ruled


def _fit_gate(
    variant: str,
    gx: list[list[float]],
    gy: list[float],
    ok: list[bool],
    gids: list[str],
    ans: list[float],
    ruled: list[bool],
) -> tuple[Logistic, float, list[dict[str, float]], dict[str, float], float]:
    """The gate fitted on the decisions, at its operating point: the gate, its L2 strength,
    its refusal curve (cross-validated), the operating point and the llm floor."""
    gnames = tuple(f for f in GATE_FEATURES if variant or f not in _SEMANTIC)
    gxa, gya = np.array(gx), np.array(gy)
    gfolds = np.array([fold_of(i) for i in gids])
    gsigns = tuple(dict(GATE_FEATURES_SIGNED)[f] for f in gnames)
    gcols = gxa[:, [GATE_FEATURES.index(f) for f in gnames]]
    # the gate learns what an answer looks like from the right ones: a candidate that
    # misses an answerable question's key fact is no example of either kind (labelled
    # "answer" it would teach the gate to pass a sentence lacking the figure asked)
    answerable = np.array(ans)
    clean = ~((answerable == 1) & ~np.array(ok, dtype=bool))
    gl2, gate_folds, clean_oof = cross_fit(gcols[clean], gya[clean], gfolds[clean], gnames, gsigns)
    gate = fit_logistic(gcols[clean], gya[clean], gnames, gl2, gsigns)
    goof = np.zeros(len(gya))
    goof[clean] = clean_oof
    for k in range(FOLDS):  # the rest: each by the model of the folds without it
        rest = ~clean & (gfolds == k)
        if rest.any():
            goof[rest] = gate_folds[k].probs(gcols[rest], gnames)
    curve = refusal_curve(goof, answerable, np.array(ok), np.array(ruled))
    # the operating point: refuse as many unanswerable questions as possible while the
    # gate itself refuses at most MAX_ANSWERABLE_REFUSED of the answerable ones (rates
    # over every set, cross-validated; the rules refuse what they refuse first)
    allowed = [c for c in curve if c["answerable_refused_by_gate"] <= MAX_ANSWERABLE_REFUSED]
    point = max(allowed, key=lambda c: (c["unanswerable_refused"], c["answerable_right"], -c["threshold"]))
    gate = replace(gate, threshold=point["threshold"])
    floor = llm_floor(goof, answerable, np.array(ruled), point["threshold"])
    return gate, gl2, curve, point, floor


def _write_fitted(out: Path, sets: tuple[tuple[str, bool], ...], models: dict[str, Any]) -> None:
    """Write the models of every variant to ``out`` (``fitted.json``)."""
    out.write_text(
        json.dumps(
            {
                "about": "fitted by `planqa fit` on the dev splits of evals/ (assistant/evaluation/fit.py)",
                "sets": [n for n, _ in sets],
                "models": models,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


def run_fit_scope(
    settings: Settings, out: Path = FITTED, work: Path | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Re-fit the document-scope models only, keeping the rest of ``out``."""
    data = json.loads(out.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="planqa-fit-") as tmp:
        assistant = _assistants(settings, Path(work) if work is not None else Path(tmp), True, progress)[True]
        scopes = fit_scope(scope_rows(assistant, SETS, EVALS), settings.model)
        assistant.close()
    put_scopes(data["models"], scopes)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {variant or "lexical": s["dev"] for variant, s in scopes.items()}


def llm_floor(p: np.ndarray, answerable: np.ndarray, ruled: np.ndarray, threshold: float) -> float:
    """Answer mode llm: from which gate probability the model is asked about a refused
    question (it might be answerable): the lowest one at which at least half of the refusals
    from there up are answerable — those of the gate below its threshold and, as
    ``Assistant.ask`` sends them too, those of a rule ("no value of the kind asked")."""
    refused = ruled.astype(bool) | (p < threshold)
    floor = threshold
    # never below MIN_LLM_FLOOR: a refusal the gate gave no chance is not sent
    for t in np.round(np.arange(threshold - 0.01, MIN_LLM_FLOOR - 0.001, -0.01), 2):
        sel = refused & (p >= t)
        if sel.sum() and answerable[sel].mean() >= 0.5:
            floor = float(t)
    return floor


KEEP_GRID = (0.5, 0.35, 0.25, 0.15, 0.1)


def _choose_keep(asked: list[Asked], fitted: Fitted) -> tuple[float, dict[str, float]]:
    """How far below the best sentence a further one may be rated and still join the
    answer: the share of answerable questions answered right, for each value of a grid;
    the best (the larger on a tie: fewer sentences)."""
    scores: dict[str, float] = {}
    answerable = [x for x in asked if x.q["answerable"]]
    # what is retrieved does not depend on ``keep``: each question's passages, found once
    hits = [x.assistant.hits_for(x.question) for x in answerable]
    for keep in KEEP_GRID:
        right = 0
        for x, found in zip(answerable, hits):
            x.assistant.composer.fitted = replace(fitted, keep=keep)
            a = x.assistant.composer.compose(x.question, found)
            right += _key_fact(x.q, a.text) and not a.refused
        scores[str(keep)] = round(right / max(len(answerable), 1), 4)
    best = max(KEEP_GRID, key=lambda k: (scores[str(k)], k))
    return best, scores


def _top1(oof: np.ndarray, y: np.ndarray, groups: list[np.ndarray]) -> float:
    """Share of questions whose best out-of-fold sentence is gold evidence."""
    hits, at = 0, 0
    for g in groups:
        n = len(g)
        hits += int(y[at + int(np.argmax(oof[at : at + n]))] == 1)
        at += n
    return round(hits / max(len(groups), 1), 4)


def refusal_curve(
    p: np.ndarray, answerable: np.ndarray, right: np.ndarray, ruled: np.ndarray | None = None
) -> list[dict[str, float]]:
    """For each threshold: refusal precision and recall (over unanswerable questions),
    the share of answerable questions refused (in all, and by the gate itself), and of them
    answered right. ``ruled``: refused by a rule whatever the threshold."""
    out = []
    ruled = np.zeros(len(p), dtype=bool) if ruled is None else ruled.astype(bool)
    n_ans, n_un = max(answerable.sum(), 1), max((1 - answerable).sum(), 1)
    for t in np.round(np.arange(0.0, 1.0001, 0.01), 2):
        by_gate = ~ruled & (p < t)
        refuse = ruled | by_gate
        refused = refuse.sum()
        un_refused = float(((1 - answerable) * refuse).sum())
        out.append(
            {
                "threshold": float(t),
                "refusal_precision": round(un_refused / refused, 4) if refused else 1.0,
                "refusal_recall": round(un_refused / n_un, 4),
                "unanswerable_refused": round(un_refused / n_un, 4),
                "answerable_refused": round(float((answerable * refuse).sum() / n_ans), 4),
                "answerable_refused_by_gate": round(float((answerable * by_gate).sum() / n_ans), 4),
                "answerable_right": round(float((answerable * ~refuse * right).sum() / n_ans), 4),
            }
        )
    return out
