"""Fitting the document-scope model (``assistant.answering.scope``) on the dev questions.

Every dev question of the sets in ``assistant.evaluation.fitdata.SETS`` is compared with the titles of the
61-document index (the bundled plan and ``evals/corpus``); the best title's features are
labelled by whether it is the question's own document (``doc``, or the plan). A logistic
regression on them (L2 by cross-validation), with the threshold the lowest at which, on
cross-validated probabilities, at most ``MAX_WRONG`` of the scopes chosen are wrong: a
wrong scope hides the answer, no scope only leaves the question to retrieval.
Fitted twice, like the others: with the embedding model's cosines and without.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from assistant.answering.fitted import LEXICAL
from assistant.evaluation.evaluate import load_questions

MAX_WRONG = 0.03
_COSINES = ("cos", "cos_margin")


def scope_rows(assistant: Any, sets: tuple[tuple[str, bool], ...], evals: Any) -> list[dict[str, Any]]:
    """Each dev question's best title, its features and whether it is the question's document."""
    from assistant.answering.scope import SCOPE_FEATURES

    index = assistant.index
    plan = next((d for d in sorted(index.documents) if not d.isdigit()), "")
    rows = []
    for name, _ in sets:
        for q in load_questions(evals / name, "dev"):
            asked = assistant.prepare(q["question"])
            guess = assistant.scope_guess(asked)
            if guess is None:
                continue
            rows.append(
                {
                    "id": q["id"],
                    "x": [guess.features[f] for f in SCOPE_FEATURES],
                    "y": float(guess.doc_id == (q.get("doc") or plan)),
                }
            )
    return rows


def fit_scope(rows: list[dict[str, Any]], embedder: str) -> dict[str, dict[str, Any]]:
    """The scope model of each variant (``embedder``'s cosines, and words only)."""
    from assistant.answering.scope import SCOPE_FEATURES, names_title
    from assistant.evaluation.fitlogistic import cross_fit, fit_logistic, fold_of

    # a question that says no title word is never scoped (nor retrieved for): not fitted on
    can = [names_title(dict(zip(SCOPE_FEATURES, r["x"], strict=True))) for r in rows]
    fitted_rows = [r for r, c in zip(rows, can, strict=True) if c]
    x = np.array([r["x"] for r in fitted_rows], dtype=np.float64)
    y = np.array([r["y"] for r in fitted_rows])
    folds = np.array([fold_of(r["id"]) for r in fitted_rows])
    out: dict[str, dict[str, Any]] = {}
    for variant in (embedder, LEXICAL):
        names = tuple(f for f in SCOPE_FEATURES if variant or f not in _COSINES)
        cols = x[:, [SCOPE_FEATURES.index(f) for f in names]]
        signs = tuple(1 for _ in names)
        l2, _, oof = cross_fit(cols, y, folds, names, signs)
        model = fit_logistic(cols, y, names, l2, signs)
        threshold, point = _threshold(oof, y)
        out[variant] = {
            "model": replace(model, threshold=threshold),
            "dev": {
                "questions": len(rows),
                "naming_a_title_word": len(y),
                "own_document_best": int(y.sum()),
                "l2": l2,
                **point,
            },
        }
    return out


def put_scopes(models: dict[str, Any], scopes: dict[str, dict[str, Any]]) -> None:
    """Each variant's scope model, and its dev figures, into ``models`` (fitted.json's)."""
    for variant, fitted in scopes.items():
        if variant in models:
            models[variant]["scope"] = fitted["model"].to_dict()
            models[variant].setdefault("dev", {})["scope"] = fitted["dev"]


def _threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
    for t in np.round(np.arange(0.5, 1.0, 0.01), 2):
        chosen = p >= t
        if chosen.any() and (chosen & (y == 0)).sum() <= MAX_WRONG * chosen.sum():
            return float(t), {
                "threshold": float(t),
                "scoped": int(chosen.sum()),
                "scoped_wrong": int((chosen & (y == 0)).sum()),
                "scoped_share_of_own": round(float((chosen & (y == 1)).sum() / max(y.sum(), 1)), 3),
            }
    return 1.0, {"threshold": 1.0, "scoped": 0, "scoped_wrong": 0, "scoped_share_of_own": 0.0}
