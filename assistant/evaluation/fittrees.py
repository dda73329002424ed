"""Boosted trees for ``planqa fit``'s sentence ranker (``assistant.answering.fitted.Trees``).

scikit-learn's histogram gradient boosting grows them; they are then written out as plain arrays
(its predictors' nodes), and each model written is checked to give the probabilities
scikit-learn gives for the rows it was fitted on, so the product reads them with numpy alone.

The settings (how many trees, how many leaves each) are chosen as ``L2_GRID`` is for the
logistic models: cross-validated over the folds of the questions, keeping the setting whose
best-ranked sentence is most often gold evidence, since that is what the ranker is for.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.answering.fitted import Trees
from assistant.evaluation.fitlogistic import FOLDS

# (trees, leaves a tree): the grid cross-validated; the learning rate is fixed at 0.1
TREE_GRID = ((100, 15), (100, 31), (200, 31))
LEARNING_RATE = 0.1
MIN_LEAF = 20  # rows a leaf holds at the least
L2 = 1.0  # on the leaves' values


def fit_trees(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], setting: tuple[int, int]) -> Trees:
    """Trees of ``setting`` (trees, leaves) fitted to rows ``x`` (columns ``names``) and
    labels ``y`` (0/1)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    trees, leaves = setting
    model = HistGradientBoostingClassifier(
        learning_rate=LEARNING_RATE,
        max_iter=trees,
        max_leaf_nodes=leaves,
        min_samples_leaf=MIN_LEAF,
        l2_regularization=L2,
        early_stopping=False,
        random_state=0,
    )
    model.fit(x, y)
    nodes = [p[0].nodes for p in model._predictors]  # one predictor a tree (binary)
    width = max(len(n) for n in nodes)

    def padded(field: str, fill: float, dtype: type) -> np.ndarray:
        a: np.ndarray = np.full((len(nodes), width), fill, dtype=dtype)
        for i, n in enumerate(nodes):
            a[i, : len(n)] = n[field]
        return a

    feature = padded("feature_idx", -1, np.int64)
    feature[padded("is_leaf", 1, np.int64) == 1] = -1
    out = Trees(
        names,
        float(np.ravel(model._baseline_prediction)[0]),
        feature,
        padded("num_threshold", 0.0, np.float64),
        padded("left", 0, np.int64),
        padded("right", 0, np.int64),
        padded("value", 0.0, np.float64),
        padded("count", 0, np.int64),
    )
    out = Trees.from_dict(out.to_dict())  # as it will be read
    gap = float(np.max(np.abs(out.probs(x, names) - model.predict_proba(x)[:, 1]))) if len(x) else 0.0
    if gap > 1e-5:
        raise RuntimeError(f"the trees written give other probabilities than scikit-learn's (by {gap:.2e})")
    return out


def cross_fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    names: tuple[str, ...],
    score: Callable[[np.ndarray], float],
) -> tuple[tuple[int, int], list[Trees], np.ndarray]:
    """The setting of ``TREE_GRID`` whose out-of-fold probabilities ``score`` best, the model of
    each fold (fitted without it) and each row's out-of-fold probability."""
    best: tuple[float, tuple[int, int], list[Trees], np.ndarray] | None = None
    for setting in TREE_GRID:
        models, oof = [], np.zeros(len(y))
        for k in range(FOLDS):
            out = folds == k
            models.append(fit_trees(x[~out], y[~out], names, setting))
            if out.any():
                oof[out] = models[-1].probs(x[out], names)
        s = score(oof)
        if best is None or s > best[0]:
            best = (s, setting, models, oof)
    assert best is not None
    return best[1], best[2], best[3]
