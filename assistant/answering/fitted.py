"""Small models fitted on labelled questions, read from ``fitted.json`` beside this module.

Models fitted by ``planqa fit`` on the dev splits of the team's question sets
(``assistant.evaluation.fit``; nothing here fits anything):

- ``relation``: how well a sentence's vector answers the question's beyond their cosine (a
  low-rank bilinear form over the embedding model's vectors); its score is one of the ranker's
  features;
- ``ranker``: how likely a candidate sentence is evidence for the question (features of
  ``assistant.answering.evidence.sentence_features``);
- ``gate``: how likely the question is answered by the candidate answer at all — below
  its threshold, PlanQA says "文中未提及" (features of ``assistant.answering.gate``).

Beside them, in ``intent.json``: what a question asks (``IntentModel``) and whether it asks which
document says something (``DocumentSort``).

A model is its feature names, standardisation (mean, scale), coefficients, intercept and
threshold: a dot product at run time, no library.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

FITTED = Path(__file__).resolve().parent / "fitted.json"
INTENT = Path(__file__).resolve().parent / "intent.json"
GRAMS = (1, 2)  # the intent model reads a question's characters and character pairs


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5

    def probs(self, x: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        """P(positive) for each row of ``x``, whose columns are ``names`` (a superset of
        the model's features)."""
        cols = [names.index(f) for f in self.features]
        z = (np.asarray(x, dtype=np.float64)[:, cols] - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.asarray(1.0 / (1.0 + np.exp(-(z @ np.asarray(self.coef) + self.intercept))))

    def prob(self, values: dict[str, float]) -> float:
        """P(positive) for one example given by feature name (missing features count 0)."""
        z = sum(
            c * (values.get(f, 0.0) - m) / s
            for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef)
        )
        return 1.0 / (1.0 + math.exp(-(z + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "coef": [round(v, 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 6),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Logistic:
        return cls(
            tuple(d["features"]),
            tuple(d["mean"]),
            tuple(d["scale"]),
            tuple(d["coef"]),
            float(d["intercept"]),
            float(d.get("threshold", 0.5)),
        )


@dataclass(frozen=True, eq=False)
class Relation:
    """A sentence's fitness to answer a question, from their vectors: ``cos_weight`` times
    their cosine plus qᵀ U Vᵀ s, a bilinear form of low rank that learns which directions of
    the question's vector a sentence answers with which of its own (a paraphrase: "在网上看病"
    and "互联网+医疗服务"). Fitted on dev questions' gold sentences against the other candidates
    (``assistant.evaluation.fitrelation``)."""

    cos_weight: float
    u: np.ndarray  # (dimensions, rank)
    v: np.ndarray  # (dimensions, rank)

    def scores(self, qvec: np.ndarray, vectors: list[np.ndarray | None]) -> np.ndarray:
        """One score per sentence vector; 0 for a sentence without one."""
        out = np.zeros(len(vectors))
        have = [i for i, v in enumerate(vectors) if v is not None and len(v) == len(qvec)]
        if have:
            s = np.asarray([vectors[i] for i in have], dtype=np.float64)
            q = np.asarray(qvec, dtype=np.float64)
            out[have] = self.cos_weight * (s @ q) + (s @ self.v) @ (self.u.T @ q)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "cos_weight": round(self.cos_weight, 6),
            "u": [[round(float(x), 6) for x in row] for row in self.u],
            "v": [[round(float(x), 6) for x in row] for row in self.v],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Relation:
        return cls(
            float(d["cos_weight"]), np.asarray(d["u"], dtype=np.float64), np.asarray(d["v"], dtype=np.float64)
        )


@dataclass(frozen=True)
class Fitted:
    ranker: Logistic
    gate: Logistic
    llm_floor: float  # answer mode llm: gate probabilities from here to the threshold ask the model
    embedder: str  # the embedding model whose cosines the features are ("" = words only)
    # a further sentence joins the answer when the ranker rates it at least this share of the best
    keep: float = 0.5
    # which document a question names by its title words (``assistant.answering.scope``); None: not fitted
    scope: Logistic | None = None
    # the sentence-question relation whose scores the ranker reads (None: not fitted, or words only)
    relation: Relation | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ranker": self.ranker.to_dict(),
            "gate": self.gate.to_dict(),
            "llm_floor": self.llm_floor,
            "keep": self.keep,
            **({"scope": self.scope.to_dict()} if self.scope is not None else {}),
            **({"relation": self.relation.to_dict()} if self.relation is not None else {}),
        }


LEXICAL = ""  # the entry for any other embedding model: features of words and intent only
# answer mode llm asks the model about a refusal from this gate probability up at the lowest:
# one the gate gave no chance (0: another measure's; or never weighed: words no document uses)
# is never sent, however many of the gate's refusals near 0 are answerable
MIN_LLM_FLOOR = 0.01


def load_fitted(embedder: str, path: Path = FITTED) -> Fitted:
    """The models fitted with ``embedder``'s vectors, or those fitted without vectors when
    there are none for it (another model's cosines are on another scale)."""
    models = _read(Path(path))
    name = embedder if embedder in models else LEXICAL
    d = models[name]
    gate = Logistic.from_dict(d["gate"])
    # "keep" (fitted on key-fact alone) is not read: loaded, the fitted 0.1 answered a public
    # dev question that must be refused; 0.5 stays until the fit weighs refusals too
    scope = Logistic.from_dict(d["scope"]) if "scope" in d else None
    return Fitted(
        Logistic.from_dict(d["ranker"]),
        gate,
        max(float(d.get("llm_floor", gate.threshold)), MIN_LLM_FLOOR),
        name,
        scope=scope,
        relation=Relation.from_dict(d["relation"]) if "relation" in d else None,
    )


@lru_cache(maxsize=4)
def _read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))["models"])


def char_grams(text: str) -> set[str]:
    """A question's characters and character pairs (whitespace dropped): what the intent
    model reads."""
    t = "".join(ch for ch in text if not ch.isspace())
    return {t[i : i + n] for n in GRAMS for i in range(len(t) - n + 1)}


@dataclass(frozen=True)
class IntentModel:
    """What a question asks — "responsibility", "deadline", "target" or "general" — as one
    logistic regression per kind over its character grams (one-vs-rest), fitted by
    ``planqa fit`` on the labelled dev questions. ``threshold``: the probability a kind needs
    before it overrides a question the word rules call general."""

    kinds: tuple[str, ...]
    models: tuple[Logistic, ...]
    threshold: float

    def __post_init__(self) -> None:
        # a dot product over the grams present: weights and bias with the standardisation folded in
        vocab = {g: i for i, g in enumerate(self.models[0].features)}
        w = np.array([np.asarray(m.coef) / np.asarray(m.scale) for m in self.models])
        b = np.array(
            [
                m.intercept - float(np.sum(np.asarray(m.coef) * np.asarray(m.mean) / np.asarray(m.scale)))
                for m in self.models
            ]
        )
        object.__setattr__(self, "_vocab", vocab)
        object.__setattr__(self, "_w", w)
        object.__setattr__(self, "_b", b)

    def probs(self, text: str) -> dict[str, float]:
        cols = [self._vocab[g] for g in char_grams(text) if g in self._vocab]  # type: ignore[attr-defined]
        z = self._w[:, cols].sum(axis=1) + self._b  # type: ignore[attr-defined]
        return dict(zip(self.kinds, (1.0 / (1.0 + np.exp(-z))).tolist()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kinds": list(self.kinds),
            "threshold": self.threshold,
            "models": [m.to_dict() for m in self.models],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IntentModel:
        return cls(
            tuple(d["kinds"]), tuple(Logistic.from_dict(m) for m in d["models"]), float(d["threshold"])
        )


@lru_cache(maxsize=2)
def load_intent(path: Path = INTENT) -> IntentModel | None:
    """The fitted intent model; None when none has been fitted."""
    if not path.exists():
        return None
    return IntentModel.from_dict(json.loads(path.read_text(encoding="utf-8"))["model"])


# how a learned sort is joined to its word rule: the rule alone, or either. A learned sort may
# find what the rule's words miss, never overrule them: joined by "and", or alone, it dropped
# questions no set had taught it ("本方案贯彻落实的是哪个文件？")
JOINS = ("rule", "or")


@dataclass(frozen=True)
class DocumentSort:
    """Whether a question asks which document says something ("which_document"; a sort
    "document", about the document itself, may be held too but is not fitted: see
    ``assistant.evaluation.fitintent.SORT_OF``): one logistic regression per sort over the
    question's character grams, fitted by ``planqa fit`` on the labelled dev questions, and
    for each sort how it is joined to the word rule (``JOINS``) at which probability — the
    join, the threshold and the L2 strength that agree most with the labels, cross-validated.
    A sort it does not hold is the word rule's alone."""

    model: IntentModel  # its kinds are the sorts; its own threshold is unused
    joins: dict[str, str]
    thresholds: dict[str, float]

    def says(self, sort: str, text: str, rule: bool) -> bool:
        if rule or self.joins.get(sort, "rule") == "rule":
            return rule
        return self.model.probs(text)[sort] >= self.thresholds[sort]

    def to_dict(self) -> dict[str, Any]:
        return {"joins": self.joins, "thresholds": self.thresholds, "model": self.model.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocumentSort:
        return cls(IntentModel.from_dict(d["model"]), dict(d["joins"]), dict(d["thresholds"]))


@lru_cache(maxsize=2)
def load_document_sort(path: Path = INTENT) -> DocumentSort | None:
    """The fitted document sort (beside the intent model); None when none has been fitted."""
    if not path.exists():
        return None
    d = json.loads(path.read_text(encoding="utf-8")).get("document_sort")
    return DocumentSort.from_dict(d) if d else None
