"""Boosted trees (the sentence ranker): fitted by scikit-learn, written as arrays, read with numpy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answering.fitted import Logistic, Trees, model_from_dict
from assistant.evaluation.fitlogistic import FOLDS, fit_logistic
from assistant.evaluation.fittrees import TREE_GRID, cross_fit_trees, fit_trees

NAMES = ("a", "b", "noise")


def _either(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose label is 1 when exactly one of a and b is high: no weighted sum tells it.
    Column a takes a thousand values, so the cuts are quantiles, values the rows take."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.integers(0, 1000, n) / 1000, rng.random(n), rng.random(n)])
    y = ((x[:, 0] > 0.5) ^ (x[:, 1] > 0.5)).astype(float)
    return x, y


def test_trees_as_written_give_scikit_learns_probabilities() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _either()
    trees = fit_trees(x, y, NAMES, (50, 7))
    read = model_from_dict(json.loads(json.dumps(trees.to_dict())))
    assert isinstance(read, Trees)
    sk = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=50,
        max_leaf_nodes=7,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    ).fit(x, y)
    new, _ = _either(500, seed=1)
    assert np.allclose(read.probs(new, NAMES), sk.predict_proba(new)[:, 1], atol=1e-6)
    # a row by feature name, columns in another order, and no rows at all
    assert read.prob({"b": new[0, 1], "a": new[0, 0], "noise": new[0, 2]}) == pytest.approx(
        sk.predict_proba(new[:1])[0, 1], abs=1e-6
    )
    assert read.probs(new[:, ::-1], NAMES[::-1]) == pytest.approx(read.probs(new, NAMES))
    assert read.probs(np.zeros((0, 3)), NAMES).shape == (0,)


def test_trees_tell_what_a_weighted_sum_cannot() -> None:
    x, y = _either()
    new, truth = _either(500, seed=1)
    trees = fit_trees(x, y, NAMES, (50, 7))
    logistic = fit_logistic(x, y, NAMES, 1.0)
    assert np.mean((trees.probs(new, NAMES) > 0.5) == truth) > 0.95
    assert np.mean((logistic.probs(new, NAMES) > 0.5) == truth) < 0.7


def test_dependence_is_scikit_learns_partial_dependence() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import partial_dependence

    rng = np.random.default_rng(2)
    x = rng.random((1500, 3))
    y = (x[:, 0] + 0.3 * rng.random(1500) > 0.7).astype(float)
    trees = fit_trees(x, y, NAMES, (30, 7))
    sk = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=30,
        max_leaf_nodes=7,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    ).fit(x, y)
    pd = partial_dependence(sk, x, [0], method="recursion", custom_values={0: [0.2, 0.9]})["average"][0]
    # scikit-learn leaves the baseline out; the difference is what the model prefers
    assert trees.dependence("a", 0.9) - trees.dependence("a", 0.2) == pytest.approx(pd[1] - pd[0], abs=1e-6)
    assert trees.dependence("a", 0.9) > trees.dependence("a", 0.2)
    assert trees.dependence("noise", 0.9) == pytest.approx(trees.dependence("noise", 0.2), abs=0.5)
    # a logistic model reads the same way: its coefficient, the others at their means
    lg = Logistic(("a", "b"), (0.5, 0.5), (0.25, 1.0), (2.0, -1.0), 0.3)
    assert lg.dependence("a", 0.75) - lg.dependence("a", 0.5) == pytest.approx(2.0)


def test_cross_fitted_trees_choose_a_setting_of_the_grid_by_the_score_given() -> None:
    x, y = _either(1000)
    folds = np.arange(len(y)) % FOLDS
    seen: list[float] = []

    def score(p: np.ndarray) -> float:
        seen.append(float(np.mean((p > 0.5) == y)))
        return seen[-1]

    setting, models, oof = cross_fit_trees(x, y, folds, NAMES, score)
    assert setting in TREE_GRID and len(seen) == len(TREE_GRID)
    assert len(models) == FOLDS and oof.shape == y.shape
    assert score(oof) == max(seen[:-1])
    # each row's probability is its fold's model's, fitted without it
    k = folds == 3
    assert np.allclose(oof[k], models[3].probs(x[k], NAMES))
