"""``planqa fit``'s intent model: what a question asks (who, when, how much, or none of those),
learned from the character grams of the dev questions whose category says it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.fitted import FITTED, INTENT, IntentModel, char_grams, load_intent
from assistant.answering.intent import detect_intent, learned_kind
from assistant.evaluation.evaluate import load_questions
from assistant.evaluation.fitdata import EVALS, SETS
from assistant.evaluation.fitlogistic import FOLDS, L2_GRID, fit_logistic, fold_of
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


# -- what a question asks ------------------------------------------------------------


def intent_path(fitted: Path) -> Path:
    """Where the intent model goes beside models written to ``fitted``: the packaged one
    beside the packaged models, else an intent.json next to them."""
    return INTENT if fitted == FITTED else fitted.with_name("intent.json")


def fit_intent(sets: tuple[str, ...] = INTENT_SETS, out: Path = INTENT) -> dict[str, Any]:
    """The intent model (``assistant.answering.fitted.IntentModel``), fitted on the dev questions of
    ``sets`` whose category says what they ask, written to ``out``. The L2 strength and the
    threshold are those whose cross-validated kinds, the model overriding the word rules'
    "general", agree most with the labels."""
    rows = [
        (q["id"], normalize(q["question"]), KIND_OF[q["category"]])
        for name in sets
        for q in load_questions(EVALS / name, "dev")
        if q.get("question") and q["category"] in KIND_OF
    ]
    counts = Counter(g for _, text, _ in rows for g in char_grams(text))
    vocab = tuple(sorted(g for g, c in counts.items() if c >= INTENT_MIN_COUNT))
    col = {g: i for i, g in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab)))
    for r, (_, text, _) in enumerate(rows):
        x[r, [col[g] for g in char_grams(text) if g in col]] = 1.0
    y = np.array([INTENT_KINDS.index(k) for _, _, k in rows])
    folds = np.array([fold_of(i) for i, _, _ in rows])
    rule = np.array([INTENT_KINDS.index(detect_intent(text, learned=False).kind) for _, text, _ in rows])
    best: tuple[float, float, float] | None = None  # (agreement, l2, threshold)
    for l2 in L2_GRID:
        oof = np.zeros((len(rows), len(INTENT_KINDS)))
        for k in range(FOLDS):
            train = folds != k
            for c in range(len(INTENT_KINDS)):
                m = fit_logistic(x[train], (y[train] == c).astype(float), vocab, l2)
                oof[~train, c] = m.probs(x[~train], vocab)
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
    dev = {
        "questions": len(rows),
        "grams": len(vocab),
        "l2": l2,
        "threshold": threshold,
        "agreement_cv": round(agree, 4),
        "agreement_rules": round(float((rule == y).mean()), 4),
    }
    about = "fitted by `planqa fit` on the dev splits of evals/ (assistant/evaluation/fit.py: fit_intent)"
    out.write_text(
        json.dumps(
            {"about": about, "sets": list(sets), "dev": dev, "model": model.to_dict()}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    load_intent.cache_clear()
    learned_kind.cache_clear()
    return dev
