"""Logistic regression (Newton's method, or L-BFGS for many columns; L2 on the coefficients) and
its cross-validation by question folds: how ``planqa fit`` fits the ranker, the gate, the intent
and the scope models."""

from __future__ import annotations

import hashlib

import numpy as np

from assistant.answering.fitted import Logistic

FOLDS = 5
L2_GRID = (0.1, 1.0, 10.0, 100.0)
# above this many columns the Newton step's solve costs more than many cheap steps
NEWTON_COLUMNS = 400


# -- logistic regression (Newton's method or L-BFGS, L2 on the coefficients) ------


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    l2: float = 1.0,
    signs: tuple[int, ...] | None = None,
) -> Logistic:
    """A logistic regression of ``y`` (0/1) on the standardised columns ``names`` of ``x``.

    ``signs`` (+1, -1 or 0 per column): a coefficient must not go against its sign; a
    column whose fit does is left out (coefficient 0) and the rest refitted, one at a time."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    active = list(range(x.shape[1]))
    while True:
        w = _penalised(z[:, active], y, l2)
        wrong = [(signs[j] * w[i], i) for i, j in enumerate(active) if signs and signs[j] * w[i] < 0]
        if not wrong:
            break
        active.pop(min(wrong)[1])
    coef = np.zeros(x.shape[1])
    coef[active] = w[:-1]
    return Logistic(names, tuple(mean), tuple(scale), tuple(coef), float(w[-1]))


def _penalised(z: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Coefficients then intercept of an L2-penalised logistic regression: by Newton's method,
    or by L-BFGS when the columns are many (``_wide``)."""
    z = np.hstack([z, np.ones((len(z), 1))])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    return (_wide if z.shape[1] > NEWTON_COLUMNS else _newton)(z, y, penalty)


def _newton(z: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Newton's method on ``z`` (its last column the intercept's) with ``penalty`` per column."""
    w = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _wide(z: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """The same minimum for many columns (the intent model's character grams: thousands), by
    L-BFGS: Newton's Hessian is columns × columns, its solve cubic in them (over the 36 sets'
    dev questions, 3,048 grams, Newton ran 47 minutes unfinished; this fits the intent model in 4).
    Like Newton's 100 steps, a run that reaches ``maxiter`` keeps where it got to."""
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        m = z @ w
        # log(1 + e^m) - y·m, stably; its gradient through p = sigmoid(m)
        value = np.logaddexp(0.0, m).sum() - y @ m + 0.5 * (penalty * w) @ w
        p = 0.5 * (1.0 + np.tanh(0.5 * m))
        return float(value), z.T @ (p - y) + penalty * w

    found = minimize(
        loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 10000, "gtol": 1e-7}
    )
    return np.asarray(found.x)


def fold_of(qid: str) -> int:
    return int(hashlib.sha256(f"fold:{qid}".encode()).hexdigest(), 16) % FOLDS


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def out_of_fold(
    x: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    names: tuple[str, ...],
    l2: float,
    signs: tuple[int, ...] | None = None,
) -> tuple[list[Logistic], np.ndarray]:
    """The model of each fold (fitted without it) at one L2 strength, and each row's
    out-of-fold probability."""
    models, oof = [], np.zeros(len(y))
    for k in range(FOLDS):
        train = folds != k
        m = fit_logistic(x[train], y[train], names, l2, signs)
        models.append(m)
        oof[~train] = m.probs(x[~train], names)
    return models, oof


def cross_fit(
    x: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    names: tuple[str, ...],
    signs: tuple[int, ...] | None = None,
) -> tuple[float, list[Logistic], np.ndarray]:
    """The L2 strength with the best cross-validated log loss, the model of each fold
    (fitted without it) and each row's out-of-fold probability."""
    best: tuple[float, float, list[Logistic], np.ndarray] | None = None
    for l2 in L2_GRID:
        models, oof = out_of_fold(x, y, folds, names, l2, signs)
        loss = _log_loss(y, oof)
        if best is None or loss < best[0]:
            best = (loss, l2, models, oof)
    assert best is not None
    return best[1], best[2], best[3]
