"""``planqa fit``'s question models: what a question asks (who, when, how much, or none of
those), and whether it asks which document says something — learned from the character grams
of the dev questions whose category says it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.fitted import (
    FITTED,
    INTENT,
    JOINS,
    DocumentSort,
    IntentModel,
    char_grams,
    load_document_sort,
    load_intent,
)
from assistant.answering.intent import clear_learned, detect_intent, sort_rule
from assistant.evaluation.evaluate import load_questions
from assistant.evaluation.fitdata import EVALS, SETS
from assistant.evaluation.fitlogistic import L2_GRID, fit_logistic, fold_of, out_of_fold
from index.tokenize import normalize

# what a question asks, learned from the dev questions of every set (questions only, no index)
INTENT_SETS = tuple(name for name, _ in SETS)
# a category's kind: lead and support ask who, deadline when, figures how much; questions
# about a document, a paraphrase, a measure identified by another: none of those
KIND_OF = {
    "lead": "responsibility",
    "support": "responsibility",
    "deadline": "deadline",
    "target_2025": "target",
    "target_2023": "target",
    "figure": "target",
    "paraphrase": "general",
    "multi_hop": "general",
    "meta": "general",
    "document": "general",
    "which_document": "general",
}
INTENT_KINDS = ("responsibility", "deadline", "target", "general")
INTENT_MIN_COUNT = 3  # a character gram seen fewer times is not read
INTENT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
# the document sorts learned, and the categories that are each: which document says something.
# Not "the document itself": learned from the document and meta categories it made fewer
# mistakes than the words (31 against 35 of 1,167 dev questions) and worse answers — plan
# questions of the meta category ("工作推进中发现问题怎么处理？") were then weighed as asking
# about the document, its preamble first (twelfth round: in the refit that tried it, 4 dev
# answers were lost that way)
SORT_OF = {"which_document": ("which_document",)}
SORT_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


# -- what a question asks ------------------------------------------------------------


def intent_path(fitted: Path) -> Path:
    """Where the intent model goes beside models written to ``fitted``: the packaged one
    beside the packaged models, else an intent.json next to them."""
    return INTENT if fitted == FITTED else fitted.with_name("intent.json")


def fit_intent(sets: tuple[str, ...] = INTENT_SETS, out: Path = INTENT) -> dict[str, Any]:
    """The intent model (``assistant.answering.fitted.IntentModel``), fitted on the dev questions of
    ``sets`` whose category says what they ask, written to ``out`` with the document sort
    (``fit_sorts``, on every dev question of ``sets``). The L2 strength and the threshold are
    those whose cross-validated kinds, the model overriding the word rules' "general", agree
    most with the labels."""
    questions = [
        (q["id"], normalize(q["question"]), q["category"])
        for name in sets
        for q in load_questions(EVALS / name, "dev")
        if q.get("question")
    ]
    rows = [(i, text, KIND_OF[cat]) for i, text, cat in questions if cat in KIND_OF]
    x, vocab = _grams([text for _, text, _ in rows])
    y = np.array([INTENT_KINDS.index(k) for _, _, k in rows])
    folds = np.array([fold_of(i) for i, _, _ in rows])
    rule = np.array([INTENT_KINDS.index(detect_intent(text, learned=False).kind) for _, text, _ in rows])
    best: tuple[float, float, float] | None = None  # (agreement, l2, threshold)
    for l2 in L2_GRID:
        oof = np.stack(
            [out_of_fold(x, (y == c).astype(float), folds, vocab, l2)[1] for c in range(len(INTENT_KINDS))],
            axis=1,
        )
        for t in INTENT_THRESHOLDS:
            kinds = np.where(
                (rule == INTENT_KINDS.index("general")) & (oof.max(axis=1) >= t), oof.argmax(axis=1), rule
            )
            agree = float((kinds == y).mean())
            if best is None or agree > best[0]:
                best = (agree, l2, t)
    assert best is not None
    agree, l2, threshold = best
    model = IntentModel(
        INTENT_KINDS,
        tuple(fit_logistic(x, (y == c).astype(float), vocab, l2) for c in range(len(INTENT_KINDS))),
        threshold,
    )
    dev: dict[str, Any] = {
        "questions": len(rows),
        "grams": len(vocab),
        "l2": l2,
        "threshold": threshold,
        "agreement_cv": round(agree, 4),
        "agreement_rules": round(float((rule == y).mean()), 4),
    }
    sort, dev["document_sort"] = fit_sorts(questions)
    about = "fitted by `planqa fit` on the dev splits of evals/ (assistant/evaluation/fit.py: fit_intent)"
    out.write_text(
        json.dumps(
            {
                "about": about,
                "sets": list(sets),
                "dev": dev,
                "model": model.to_dict(),
                "document_sort": sort.to_dict(),
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    load_intent.cache_clear()
    load_document_sort.cache_clear()
    clear_learned()
    return dev


def _grams(texts: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    counts = Counter(g for text in texts for g in char_grams(text))
    vocab = tuple(sorted(g for g, c in counts.items() if c >= INTENT_MIN_COUNT))
    col = {g: i for i, g in enumerate(vocab)}
    x = np.zeros((len(texts), len(vocab)))
    for r, text in enumerate(texts):
        x[r, [col[g] for g in char_grams(text) if g in col]] = 1.0
    return x, vocab


def fit_sorts(rows: list[tuple[str, str, str]]) -> tuple[DocumentSort, dict[str, Any]]:
    """``fitted.DocumentSort`` from (id, normalised question, category) rows (the folds are by
    id): per sort, the L2 strength, the threshold and the join with the word rule whose
    cross-validated decisions agree with the labels most often (on a tie, the rule alone)."""
    x, vocab = _grams([text for _, text, _ in rows])
    folds = np.array([fold_of(i) for i, _, _ in rows])
    sorts = tuple(SORT_OF)
    models, joins, thresholds, dev = [], {}, {}, {}
    for sort in sorts:
        y = np.array([cat in SORT_OF[sort] for _, _, cat in rows])
        # the rule's words, and whether it rules the question out (the learned sort joins the
        # words; what rules a question out still does: in fitting, by the rules alone)
        said, out = (np.array(v) for v in zip(*(sort_rule(sort, text) for _, text, _ in rows)))
        rule = said & ~out
        best = (int((rule != y).sum()), 0, "rule", L2_GRID[0], SORT_THRESHOLDS[0])  # (errors, join order, …)
        for l2 in L2_GRID:
            _, oof = out_of_fold(x, y.astype(float), folds, vocab, l2)
            for t in SORT_THRESHOLDS:
                learned = oof >= t
                joined = (said | learned) & ~out  # JOINS[1]: either
                best = min(best, (int((joined != y).sum()), 1, JOINS[1], l2, t))
        errors, _, join, l2, t = best
        models.append(fit_logistic(x, y.astype(float), vocab, l2))
        joins[sort], thresholds[sort] = join, t
        dev[sort] = {
            "questions": len(rows),
            "labelled": int(y.sum()),
            "errors_rule": int((rule != y).sum()),
            "errors_cv": errors,
            "join": join,
            "threshold": t,
            "l2": l2,
        }
    return DocumentSort(IntentModel(sorts, tuple(models), 0.5), joins, thresholds), dev
