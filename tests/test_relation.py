"""The fitted relation of question and sentence vectors (fitted.Relation, evaluation.fitrelation):
its scores, its file form, what the ranker reads of it, and that the fit learns a relation
the cosine does not see."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answering.answer import Trace
from assistant.answering.evidence import SENTENCE_FEATURES
from assistant.answering.fitted import Fitted, Logistic, Relation
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.evaluation.fitrelation import Candidates, choose_relation, fit_relation, with_relation
from tests.conftest import FakeEmbedder

REL, REL_Z = SENTENCE_FEATURES.index("rel"), SENTENCE_FEATURES.index("rel_z")


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_scores_are_the_weighted_cosine_plus_the_bilinear_form() -> None:
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    relation = Relation(3.0, u, v)
    q, s = rng.normal(size=6), rng.normal(size=6)
    got = relation.scores(q, [s, None, np.zeros(4)])
    assert got[0] == pytest.approx(3.0 * s @ q + s @ v @ u.T @ q)
    assert got[1] == 0.0 and got[2] == 0.0  # no vector, or one of another model: no score


def test_relation_round_trips_through_its_file_form() -> None:
    rng = np.random.default_rng(1)
    relation = Relation(2.5, rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
    again = Relation.from_dict(relation.to_dict())
    q, s = rng.normal(size=5), rng.normal(size=5)
    assert again.scores(q, [s])[0] == pytest.approx(relation.scores(q, [s])[0], abs=1e-4)


def test_the_ranker_reads_the_scores_and_their_standardised_form() -> None:
    rows = np.zeros((3, len(SENTENCE_FEATURES)))
    filled = with_relation(rows, np.array([1.0, 2.0, 3.0]))
    assert list(filled[:, REL]) == [1.0, 2.0, 3.0]
    assert filled[:, REL_Z].mean() == pytest.approx(0.0) and filled[2, REL_Z] > 0
    assert not rows.any()  # the rows given are left as they were


def planted(n: int, seed: int, dim: int = 16) -> list[Candidates]:
    """Questions whose gold sentence is the question's vector turned by a fixed rotation (a
    relation the cosine does not see), among distractors nearer the question itself."""
    rng = np.random.default_rng(seed)
    turn = np.linalg.qr(np.random.default_rng(99).normal(size=(dim, dim)))[0]
    items = []
    for i in range(n):
        q = unit(rng.normal(size=dim))
        gold = unit(turn @ q + 0.3 * rng.normal(size=dim))
        near = [unit(q + 0.9 * rng.normal(size=dim)) for _ in range(5)]
        order = rng.permutation(6)  # the gold sentence anywhere among them
        vectors, labels = np.array([gold, *near])[order], np.array([1.0] + [0.0] * 5)[order]
        items.append(Candidates(q, vectors, labels, i % 5))
    return items


def top1(scores: list[np.ndarray], items: list[Candidates]) -> float:
    return float(np.mean([c.labels[int(np.argmax(s))] == 1 for s, c in zip(scores, items)]))


def test_the_fit_learns_a_relation_the_cosine_does_not_see() -> None:
    train, held_out = planted(80, seed=2), planted(60, seed=3)
    relation = fit_relation(train, rank=8)
    cosine = top1([c.vectors @ c.qvec for c in held_out], held_out)
    learned = top1([relation.scores(c.qvec, list(c.vectors)) for c in held_out], held_out)
    assert cosine < 0.5 and learned > cosine + 0.3, (cosine, learned)


def test_the_rank_chosen_is_the_one_the_cross_fitted_ranker_does_best_with() -> None:
    items = planted(60, seed=4)
    rows = [np.zeros((len(c.labels), len(SENTENCE_FEATURES))) for c in items]

    def share(oof: np.ndarray, y: np.ndarray, groups: list[np.ndarray]) -> float:
        at, hits = 0, 0
        for g in groups:
            hits += int(y[at + int(np.argmax(oof[at : at + len(g)]))] == 1)
            at += len(g)
        return hits / len(groups)

    relation, per_fold, filled, shares = choose_relation(items, rows, SENTENCE_FEATURES, share, ranks=(0, 4))
    assert set(shares) == {"0", "4"} and shares["4"] > shares["0"]
    assert relation is not None and len(per_fold) == 5 and all(r is not None for r in per_fold)
    assert any(f[:, REL].any() for f in filled)  # the rows carry the out-of-fold scores
    # with no rank but 0 to choose from, there is no relation and the rows stay without scores
    none, per_fold, filled, _ = choose_relation(items, rows, SENTENCE_FEATURES, share, ranks=(0,))
    assert none is None and per_fold == [None] * 5 and not any(f.any() for f in filled)


def test_the_answer_follows_the_relation_when_the_ranker_reads_only_its_scores(
    built_home: Path, fake_embedder: FakeEmbedder
) -> None:
    """A ranker that reads nothing but the relation quotes the sentence the relation prefers:
    the scores reach the ranker (and the trace) for the candidates of the question asked."""
    question = "能源保障方面有哪些工作要求？"
    a = Assistant(Settings(home=built_home), embedder=fake_embedder)
    hits = a.hits_within(question, None, [])
    ranker = Logistic(("rel",), (0.0,), (1.0,), (1.0,), 0.0)
    gate = Logistic(("rank_best",), (0.0,), (1.0,), (0.0,), 0.0, threshold=0.0)

    def compose(fitted: Fitted) -> tuple[str, Trace]:
        a.composer.fitted = fitted
        trace = Trace()
        return a.composer.compose(question, hits, trace).text, trace

    plain, trace = compose(Fitted(ranker, gate, 0.0, "fake"))
    assert trace.rows is not None and not trace.rows[:, REL].any()  # no relation: no scores
    target = next(s for s in reversed(trace.sentences) if s.text not in plain and s.vector is not None)
    # the relation: nearness to the target sentence (qᵀu is |q|² > 0 for every question)
    assert trace.qvec is not None
    relation = Relation(0.0, trace.qvec[:, None], np.asarray(target.vector)[:, None])
    text, trace = compose(Fitted(ranker, gate, 0.0, "fake", relation=relation))
    assert trace.rows is not None and trace.qvec is not None
    want = relation.scores(trace.qvec, [s.vector for s in trace.sentences])
    assert np.allclose(trace.rows[:, REL], want) and want.std() > 0
    assert target.text.rstrip("。") in text and text != plain
    a.close()
