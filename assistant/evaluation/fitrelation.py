"""The relation between a question's vector and its candidate sentences' (``fitted.Relation``),
fitted by ``planqa fit`` before the ranker reads its scores.

Each answerable dev question whose candidates hold its gold evidence is one example: the
relation's scores over its candidates, through a softmax, should put the probability on the
gold sentences (their cross-entropy, averaged over the questions, with weight decay on the
bilinear term). The cosine enters with a weight of its own, so the form starts from what the
embedding model already knows and learns what it lacks: which directions of a question's vector
a sentence answers with which of its own.

Its rank is chosen by cross-validation on what it is for: for each rank of ``RANKS``, each
question's candidates are scored by the relation fitted on the folds without it, and the
ranker, cross-fitted over the features with those scores, picks the gold sentence first for a
share of the questions; the rank with the largest share is kept (``choose_relation``), or none
when the ranker does as well without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answering.evidence import SENTENCE_FEATURES, standardised
from assistant.answering.fitted import Relation
from assistant.evaluation.fitlogistic import FOLDS, cross_fit

# the ranks `planqa fit` chooses from; 0: no relation (the ranker reads no scores of one). Only 0
# until a choice that holds documents out says a relation helps: chosen from (0, 8, 16, 32) by
# question folds, rank 16 raised dev and left the test splits flat, and failed the integration
# test's paraphrase (README, the eleventh round)
RANKS: tuple[int, ...] = (0,)
WEIGHT_DECAY = 1e-3  # on the bilinear term's two factors (a sum of squares)
EPOCHS = 60  # full-batch Adam steps
LEARNING_RATE = 0.01
SCALE = 20.0  # the cosine's weight to start from, and the bilinear term's during training
_REL = (SENTENCE_FEATURES.index("rel"), SENTENCE_FEATURES.index("rel_z"))


@dataclass
class Candidates:
    """One question's candidate sentences as the fit sees them."""

    qvec: np.ndarray  # (dimensions,)
    vectors: np.ndarray  # (candidates, dimensions); zeros for a sentence without a vector
    labels: np.ndarray  # 1 for gold evidence
    fold: int


def fit_relation(items: list[Candidates], rank: int, seed: int = 0) -> Relation:
    """The relation of ``rank`` fitted on ``items`` (each with at least one gold sentence)."""
    import torch

    torch.manual_seed(seed)
    dim = len(items[0].qvec)
    u = torch.zeros(dim, rank, dtype=torch.float64, requires_grad=True)
    v = (torch.randn(dim, rank, dtype=torch.float64) * 0.01).requires_grad_()
    a = torch.tensor(SCALE, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([u, v, a], lr=LEARNING_RATE)
    data = [
        (
            torch.as_tensor(c.qvec, dtype=torch.float64),
            torch.as_tensor(c.vectors, dtype=torch.float64),
            torch.as_tensor(c.labels / c.labels.sum(), dtype=torch.float64),
        )
        for c in items
    ]
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = torch.zeros((), dtype=torch.float64)
        for q, s, y in data:
            score = a * (s @ q) + SCALE * ((s @ v) @ (u.T @ q))
            loss = loss - (y * torch.log_softmax(score, 0)).sum()
        loss = loss / len(data) + WEIGHT_DECAY * (u.pow(2).sum() + v.pow(2).sum())
        loss.backward()
        opt.step()
    return Relation(float(a.detach()), SCALE * u.detach().numpy(), v.detach().numpy())


def with_relation(rows: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``rows`` (one question's candidates, ``SENTENCE_FEATURES``) with the relation's scores."""
    out = np.array(rows, dtype=np.float64)
    out[:, _REL[0]] = scores
    out[:, _REL[1]] = standardised(np.asarray(scores, dtype=np.float64))
    return out


def _scores(relation: Relation | None, c: Candidates) -> np.ndarray:
    return np.zeros(len(c.labels)) if relation is None else relation.scores(c.qvec, list(c.vectors))


def choose_relation(
    items: list[Candidates],
    rows: list[np.ndarray],
    names: tuple[str, ...],
    top1: Callable[[np.ndarray, np.ndarray, list[np.ndarray]], float],
    ranks: tuple[int, ...] = RANKS,
) -> tuple[Relation | None, list[Relation | None], list[np.ndarray], dict[str, float]]:
    """The relation of the rank whose out-of-fold scores make the cross-fitted ranker (over
    ``names``) pick gold evidence first most often: fitted on every item, the one of each
    fold (fitted without it), the rows with the out-of-fold scores, and each rank's share
    (rank 0: none, every row's scores 0)."""
    y = np.concatenate([c.labels for c in items])
    folds = np.concatenate([np.full(len(c.labels), c.fold) for c in items])
    shares: dict[str, float] = {}
    best: tuple[float, int, list[Relation | None], list[np.ndarray]] | None = None
    for rank in ranks:
        per_fold: list[Relation | None] = [
            fit_relation([c for c in items if c.fold != k], rank) if rank else None for k in range(FOLDS)
        ]
        filled = [with_relation(r, _scores(per_fold[c.fold], c)) for r, c in zip(rows, items)]
        x = np.vstack(filled)
        _, _, oof = cross_fit(x, y, folds, names)
        shares[str(rank)] = top1(oof, y, filled)
        if best is None or shares[str(rank)] > best[0]:
            best = (shares[str(rank)], rank, per_fold, filled)
    assert best is not None
    _, rank, per_fold, filled = best
    return (fit_relation(items, rank) if rank else None), per_fold, filled, shares
