"""Which document a question names, when it names one by its title words or topic:
"就业那个意见里…", "消费扶贫那份指导意见…", "自贸区那个文件里…" (自由贸易试验区).

Every document's title is compared with the question two ways — its words (each weighted
by how few titles share it; an abbreviation counts: 职教 in 职业教育) and its meaning
(the embedding model's cosine), and whether the passages retrieval finds across all documents
agree (the 小微企业 of a question on 创业担保贷款 is in one title, its answer in another
document) — and a small logistic model fitted on the team's dev
questions (``planqa fit``, ``fitted.json`` "scope") says whether the best title is
the one the question is about. Below its threshold there is no scope: the question is
answered across the documents, as before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.answering.fitted import Logistic
from assistant.answering.intent import content_keys
from assistant.answering.phrases import pattern
from index.plan_index import PlanIndex
from index.tokenize import jieba_words, normalize

SCOPE_FEATURES = (
    "lex",
    "lex_margin",
    "lex_share",
    "names_document",
    "cos",
    "cos_margin",
    "hit_top",  # the passage retrieval puts first (across all documents) is the title's document's
    "hit_share",  # … the share of the retrieved passages that are
)

_NAMES_DOCUMENT = pattern("scope.names_document")

_TITLE_WORDS = pattern("scope.title_words")
# a document's number: its 文号 ("国办函〔2006〕70号", the issuer's prefix if written), or a
# proposal's "第2996号" (brackets made one kind first, ``_brackets``)
_DOCUMENT_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{0,8})(?P<number>〔\d{4}〕\s*\d+\s*号)|(?P<number2>第\d+号)"
)


def _brackets(text: str) -> str:
    """A year's brackets as one kind: "(2006)", "[2006]", "【2006】" written as "〔2006〕"."""
    return re.sub(r"[\[(（【〔](\d{4})[\])）】〕]", r"〔\1〕", text)


@dataclass(frozen=True)
class ScopeGuess:
    doc_id: str
    features: dict[str, float]
    prob: float = 0.0
    chosen: bool = False


@lru_cache(maxsize=4096)
def _in_order(key: str) -> re.Pattern[str]:
    """``key``'s characters in order, a few apart (职教 in 职业教育, 集采 in 集中采购)."""
    return re.compile("[^，,。；;]{0,3}".join(re.escape(ch) for ch in key))


def title_word(key: str, title: str) -> bool:
    """``key`` is one of the title's words, or an abbreviation of some (自贸区, 职教)."""
    return _found(key, title) > 0


def _found(key: str, title: str) -> float:
    """1 for the key itself in the title or an abbreviation made as Chinese makes one, of the
    first characters of words one after another (职教: 职业 教育; 集采: 集中 采购), 0.5 for its
    characters in order otherwise, else 0."""
    if key in title:
        return 1.0
    if len(key) >= 2 and not key.isascii() and _in_order(key).search(title):
        return 1.0 if _initials(key, title) else 0.5
    return 0.0


def _initials(key: str, title: str) -> bool:
    """``key`` is the first characters of as many words of the title, one after another."""
    words = jieba_words(title)
    n = len(key)
    return n >= 2 and any(all(key[j] == words[i + j][0] for j in range(n)) for i in range(len(words) - n + 1))


class Scoper:
    """The documents' titles, their words' weights and vectors, for one index."""

    def __init__(self, index: PlanIndex) -> None:
        self.index = index
        self.ids = sorted(index.documents)
        self.titles = [normalize(index.doc_title(d)) for d in self.ids]
        # what a document's number is found in: its title and its 文号
        self._numbered = [
            _brackets(t + "\n" + normalize(str(index.documents[d].get("number", ""))))
            for d, t in zip(self.ids, self.titles)
        ]
        self._vectors: np.ndarray | None = None

    def _weight(self, found: np.ndarray) -> float:
        """How few titles share a key (``found``: its match in each title), 1 for a key of
        one title only, on the same scale at 6 documents as at 600."""
        df = int(np.count_nonzero(found))
        n = len(self.titles) + 1
        return math.log(n / (df + 0.5)) / math.log(n / 1.5) if df else 0.0

    def vectors(self) -> np.ndarray | None:
        embedder = getattr(self.index, "embedder", None)
        if embedder is None:
            return None
        if self._vectors is None:
            v = np.asarray(embedder.embed_documents(self.titles), dtype=np.float32)
            self._vectors = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        return self._vectors

    def numbered(self, question: str) -> str:
        """The one document whose number the question gives ("第2996号建议", "国办函〔2006〕70号"):
        in its title or as its 文号, with the issuer's prefix where the question writes one
        ("国发〔2006〕70号" is not "国办函〔2006〕70号"); "" when none or several."""
        docs: set[str] = set()
        for m in _DOCUMENT_NUMBER.finditer(_brackets(normalize(question))):
            prefix = m.group("prefix") or ""
            number = re.sub(r"\s+", "", m.group("number") or m.group("number2"))
            found = [d for d, t in zip(self.ids, self._numbered) if number in t]
            for k in range(len(prefix), 1, -1):  # the longest end of the prefix a document writes
                with_prefix = [d for d, t in zip(self.ids, self._numbered) if prefix[-k:] + number in t]
                if with_prefix:
                    found = with_prefix
                    break
            else:
                found = found if len(prefix) < 2 else []  # an issuer no document's number has
            docs.update(found)
        return next(iter(docs)) if len(docs) == 1 else ""

    def guess(
        self, question: str, qvec: Any = None, hit_docs: Callable[[], Sequence[str]] | None = None
    ) -> ScopeGuess | None:
        """The best-matching title's document and the features its title gives; those of the
        passages retrieved for the question come from ``with_hits``. ``hit_docs``: the documents
        of those passages, best first, asked for only when titles match the question's words as
        well as each other: they are told apart by how many of the passages are theirs before
        their meaning ("督查激励": 督查 in one title, 激励 in another, the passages in the
        second's document)."""
        if len(self.ids) < 2:
            return None
        keys = [k for k in content_keys(question) if not k.isdigit() and not _TITLE_WORDS.fullmatch(k)]
        found = {k: np.array([_found(k, t) for t in self.titles]) for k in keys}
        weights = {k: self._weight(f) for k, f in found.items()}
        total = sum(weights.values()) or 1.0
        lex = sum((w * found[k] for k, w in weights.items()), np.zeros(len(self.titles)))
        cos = np.zeros(len(self.ids))
        vectors = self.vectors() if qvec is not None else None
        if vectors is not None:
            q = np.asarray(qvec, dtype=np.float32)
            cos = vectors @ (q / max(float(np.linalg.norm(q)), 1e-9))
        # of the titles whose words match best, the one most passages are from, then by meaning
        tied = np.flatnonzero(np.isclose(lex, lex.max()))
        docs = hit_docs() if hit_docs is not None and len(tied) > 1 and lex.max() > 0 else ()
        best = int(max(tied, key=lambda i: (sum(d == self.ids[i] for d in docs), cos[i])))
        others = np.delete(np.arange(len(self.ids)), best)
        features = {
            "lex": float(lex[best]),
            "lex_margin": float(lex[best] - lex[others].max()),
            "lex_share": float(lex[best] / total),
            "names_document": float(bool(_NAMES_DOCUMENT.search(normalize(question)))),
            "cos": float(cos[best]),
            "cos_margin": float(cos[best] - cos[others].max()),
        }
        return with_hits(ScopeGuess(self.ids[best], features), ())


def with_hits(guess: ScopeGuess, hit_docs: Sequence[str]) -> ScopeGuess:
    """The guess with the features of the passages retrieved for the question (``hit_docs``:
    their documents, best first): is the first the guessed document's, what share are."""
    features = {
        **guess.features,
        "hit_top": float(bool(hit_docs) and hit_docs[0] == guess.doc_id),
        "hit_share": sum(d == guess.doc_id for d in hit_docs) / len(hit_docs) if hit_docs else 0.0,
    }
    return ScopeGuess(guess.doc_id, features)


def scope_of(model: Logistic | None, guess: ScopeGuess) -> ScopeGuess:
    """The guess, chosen when the fitted model is sure enough of it."""
    if model is None:
        return guess
    prob = model.prob(guess.features)
    return ScopeGuess(
        guess.doc_id, guess.features, prob, prob >= model.threshold and names_title(guess.features)
    )


def names_title(features: dict[str, float]) -> bool:
    """The question says some word of the title: retrieval agreeing on a document whose title
    it never names ("民航局负责哪些措施？", all of whose passages are in one document) is no scope."""
    return features["lex"] > 0
