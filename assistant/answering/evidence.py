"""Candidate evidence: the sentences of retrieved chunks, as exact source spans, scored.

A sentence (``index.sentences``) is a stretch of the source text ending at 。！？；; or a
line break, trimmed of whitespace, so ``source[start:end]`` is exactly what is quoted;
each comes with its vector, embedded at ingest. What a sentence is worth as evidence
for a question is read from features of both kinds — meaning (the cosine of the
question's and the sentence's vectors) and words (IDF-weighted coverage of the
question's content keys) — and of the question's intent (a figure, a time, a year);
the weights come from a model fitted on labelled questions (``assistant.answering.fitted``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Protocol

import numpy as np

from assistant.answering.answertype import DATED_KINDS, WITHIN, states
from assistant.answering.intent import Intent, key_found, match_form, months_in, other_forms
from index.plan_index import PlanIndex
from index.responsibility import is_note_sentence
from index.types import Chunk, Hit

_DEADLINE_MARK = re.compile(
    r"\d{1,2}月(底|末|中旬|上旬|下旬|份)?前?|年底前|年内|年底|\d{4}年(年底|底)前?|" + WITHIN
)
_FIGURE = re.compile(r"\d")
# a sentence that puts someone in charge: a body or a post beside a role ("市场监管总局要发挥
# 牵头作用", "由国务院办公厅负责", "总指挥：…主要负责人") — what a who-question's answer says
_BODY = r"(?:部|委|办|局|厅|署|院|会|府|机构|机关|单位|部门|中心|小组|海关|银行|负责人|同志|领导)"
_DOER = re.compile(
    _BODY + r"[^，,。；;]{0,6}?(?:牵头|负责|会同|主管|统筹|承担|担任|召集)"
    r"|由[^。；;]{1,40}?(?:负责|承担|牵头|组织|确定|担任|审核|召集|组成)"
    r"|(?:总指挥|指挥长|组长|召集人|主任|牵头单位|责任单位|主管单位)[：:为由]"
)


def puts_in_charge(text: str) -> bool:
    """The sentence puts a body or a post in charge of something."""
    return bool(_DOER.search(text))


# any statement of time: a deadline form or a year ("2025年实现…"), not a data year ("2022年度…")
# a five-year plan's period ("“九五”期间", "十四五时期") is a time too
_TIME = re.compile(
    _DEADLINE_MARK.pattern + r"|\d{4}年(?!度)|[一二三四五六七八九十]{1,3}五”?(?:期间|时期|期末|末)"
)


_DAY = re.compile(r"\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def states_time(text: str, day: bool = False) -> bool:
    """The text states a time (``day``: a calendar date)."""
    return bool((_DAY if day else _TIME).search(text))


# a number and the characters after it: its unit, when the documents write it so often enough
_AFTER_NUMBER = re.compile(r"\d[\d.]*\s*([\u4e00-\u9fff]{1,2})")
UNIT_MIN = 3
_WS = " \t\r\n\u3000\xa0\ufeff"
# a document speaking of itself: "制定本实施方案", "本意见所称…"
SELF_REFERENCE = re.compile(r"本(?:实施)?(?:方案|意见|计划|通知|办法|规定|规划|条例|决定)")
_PARA_LEAD_YEAR = re.compile(r"^\s*(?:到|至|截至)?(\d{4})年")


@dataclass(frozen=True)
class Sentence:
    chunk: Chunk
    rank: int  # retrieval rank of the chunk, 1-based
    start: int  # source offsets
    end: int
    text: str
    year: str  # year context: "2023" for a "2023年，…" paragraph or "到2025年" sentence
    in_deadline_para: bool
    is_note: bool = False  # the responsibility note itself
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    dense_rank: int = 0  # the chunk's rank in each search (0: not in its list)
    bm25_rank: int = 0
    # the paragraph's "2023年，…" lead, when the sentence's year is that lead's (source offsets)
    dated_by: tuple[int, int] | None = None
    # the paragraph's earlier sentence whose subject this one, starting without its own
    # ("司法部负责…。要及时跟踪了解落实情况…"), carries on (source offsets)
    said_by: tuple[int, int] | None = None
    doer_said: bool = False  # … and that sentence puts a body or a post in charge


# a sentence that starts with what is to be done, its doer being the sentence's before it
_SUBJECTLESS = re.compile(r"^[\s\u3000]*(?:要|应(?!急)|须|必须|并|还要|同时要|负责|不得)")


def subjectless(text: str) -> bool:
    """The sentence starts with what is to be done, not with who does it."""
    return bool(_SUBJECTLESS.match(text))


def sentences_of(index: PlanIndex, hit: Hit, rank: int) -> list[Sentence]:
    chunk = hit.chunk
    src = index.source_text(chunk.doc_id)
    spans, vectors = index.sentences(chunk)
    out: list[Sentence] = []
    para_year, deadline_para, lead = "", False, (0, 0)
    subject: tuple[int, int] | None = None
    for i, (a, b) in enumerate(spans):
        s = src[a:b]
        line = src.rfind("\n", 0, a) + 1
        if a == chunk.start or not src[max(line, chunk.start) : a].strip(_WS):  # a paragraph begins
            ym = _PARA_LEAD_YEAR.match(s)
            para_year, lead = (ym.group(1) if ym else ""), (a, b)
            deadline_para = s.startswith(("完成时限", "时间节点"))
            subject = None
        if subjectless(s):
            said_by = subject
        else:
            said_by, subject = None, (a, b)
        # the year a figure is for: "到2025年", a "2023年，…" lead, the paragraph's year;
        # not a data year like "2022年度生态产品总值"
        target = re.search(r"(?:到|至|截至)(20\d\d)年|^(20\d\d)年[,，]", s)
        year = next(g for g in target.groups() if g) if target else para_year
        dated_by = lead if not target and para_year and lead != (a, b) else None
        is_note = is_note_sentence(s)
        vector = vectors[i] if len(vectors) == len(spans) and vectors.ndim == 2 else None
        out.append(
            Sentence(
                chunk,
                rank,
                a,
                b,
                s,
                year,
                deadline_para,
                is_note,
                vector,
                hit.dense_rank,
                hit.bm25_rank,
                dated_by,
                said_by,
                said_by is not None and puts_in_charge(src[said_by[0] : said_by[1]]),
            )
        )
    return out


class KeyWeights:
    """IDF of content keys (substring document frequency over chunks), cached per key."""

    def __init__(self, index: PlanIndex) -> None:
        texts = [match_form(c.text + "\n" + c.measure_title) for c in index.chunks]
        self._n = max(len(texts), 1)
        # all texts in one string, one per line-break-separated slot: a key is looked up
        # with one C-level scan instead of one call per chunk (thousands at 600 documents)
        self._all = "\n".join(texts)
        self._starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        self._df: dict[str, int] = {}
        self._units: frozenset[str] | None = None

    def _texts_with(self, key: str) -> set[int]:
        """Positions of the chunks where ``key_found(key, chunk text)``."""
        found: set[int] = set()
        if not key:
            return set(range(len(self._starts)))
        at = self._all.find(key)
        while at >= 0:
            i = bisect_right(self._starts, at) - 1
            found.add(i)
            nxt = self._starts[i + 1] if i + 1 < len(self._starts) else len(self._all)
            at = self._all.find(key, nxt)
        other = other_forms(key)
        if other is not None:
            found.update(bisect_right(self._starts, m.start()) - 1 for m in other.finditer(self._all))
        return found

    def df(self, key: str) -> int:
        n = self._df.get(key)
        if n is None:
            n = self._df[key] = len(self._texts_with(key))
        return n

    def idf(self, key: str) -> float:
        return math.log(1 + self._n / (1 + self.df(key)))

    def highest_idf(self) -> float:
        """The IDF of a key no passage holds."""
        return math.log(1 + self._n)

    def present(self, key: str) -> bool:
        return self.df(key) > 0

    def units(self) -> frozenset[str]:
        """The units of these documents: the one or two characters that follow a number in
        digits at least ``UNIT_MIN`` times (亿, 亿元, 公里, 条, 分…), learned from the texts
        rather than listed; computed once, when first asked."""
        if self._units is None:
            counts = Counter(
                u for m in _AFTER_NUMBER.finditer(self._all) for u in (m.group(1)[:1], m.group(1)[:2])
            )
            self._units = frozenset(u for u, n in counts.items() if n >= UNIT_MIN)
        return self._units

    def specific(self, key: str) -> bool:
        """The key occurs in at most a tenth of the passages: it says which ones are meant."""
        return self.df(key) <= max(1, self._n // 10)

    def abbreviates(self, word: str) -> bool:
        """``word`` abbreviates a name found in some chunk (see ``key_found``)."""
        return self.present(word)


def coverage(keys: tuple[str, ...], found: str, weights: KeyWeights) -> float:
    """IDF-weighted share of ``keys`` that occur in the matching-form text ``found``."""
    total = sum(weights.idf(k) for k in keys)
    if total == 0:
        return 0.0
    return sum(weights.idf(k) for k in keys if key_found(k, found)) / total


def covered_chars(word: str, parts: list[str]) -> set[int]:
    """The positions of ``word`` that one of ``parts`` (words inside it) covers."""
    return {i for p in parts for m in re.finditer(re.escape(p), word) for i in range(m.start(), m.end())}


def standardised(values: np.ndarray) -> np.ndarray:
    """``values`` less their mean, over their spread (0 where they do not spread)."""
    spread = float(values.std()) if len(values) > 1 else 0.0
    return (values - values.mean()) / spread if spread > 1e-6 else np.zeros_like(values)


class Weights(Protocol):
    def idf(self, key: str) -> float: ...


def name_coverage(keys: tuple[str, ...], found: str, weights: Weights) -> float:
    """IDF-weighted share of the question's words found in ``found``, a word counted by
    how much of it its found parts cover. jieba's search mode gives a name and its
    overlapping parts (京杭大运河: 京杭 大运 运河 大运河); counted key by key, whichever
    half of a name has more parts outweighs the other. Here 京杭运河 covers four fifths
    of 京杭大运河, 大运河 three fifths."""
    whole = [k for k in keys if not any(k != o and k in o for o in keys)]
    total = sum(weights.idf(k) for k in whole)
    if total == 0:
        return 0.0
    got = 0.0
    for word in whole:
        if key_found(word, found):
            got += weights.idf(word)
            continue
        found_parts = [p for p in keys if p != word and p in word and key_found(p, found)]
        got += weights.idf(word) * len(covered_chars(word, found_parts)) / len(word)
    return got / total


class LocalWeights:
    """A key's IDF times how rare it is among ``texts`` (the candidate sentences): over one
    document's candidates, 集约化 weighs little and 验收 much."""

    def __init__(self, keys: tuple[str, ...], texts: list[str], weights: KeyWeights) -> None:
        n = len(texts)
        self._w = {
            k: weights.idf(k) * math.log((n + 1) / (sum(key_found(k, t) for t in texts) + 0.5)) for k in keys
        }

    def idf(self, key: str) -> float:
        return self._w.get(key, 0.0)


SENTENCE_FEATURES = (
    "lex",  # IDF-weighted share of the question's content keys in the sentence
    "lex_title",  # … in the sentence and its measure's title
    "lex_local",  # … each word weighted also by how few of the candidates hold it (within one
    # document every candidate names its topic: the words that tell them apart are the rest)
    "sem",  # cosine of the question's and the sentence's vectors
    "sem_gap",  # that cosine minus the best among the candidates (0 for the best)
    "sem_z",  # that cosine standardised over the candidates (the model's cosines crowd together)
    "inv_rank",  # 1 / the retrieval rank of the sentence's chunk
    "inv_dense_rank",  # 1 / its rank in the dense search alone (0 when not found there)
    "inv_bm25_rank",  # 1 / its rank in BM25 alone
    "note",  # the sentence is a responsibility note ("(市科技局牵头负责,…)")
    "resp_note",  # … and the question asks who is responsible
    "year_match",  # the question asks for a year (今年 included) and the sentence is about it
    "year_other",  # … and the sentence is about another year
    "month_match",  # the question names a month ("年中", "6月底"); the sentence states it
    "first_year_long",  # the question asks about the whole period; the sentence is the first year's
    "figure",  # the question asks for a figure; the sentence states a number
    "no_figure",  # … and the sentence states none
    "deadline_mark",  # the question asks when; the sentence states a deadline ("4月底前")
    "deadline_para",  # … in a 完成时限 paragraph
    "no_deadline_mark",  # … and the sentence states none
    "value_stated",  # the question asks a value (an amount, a ratio, a date, a place…); the
    # sentence states one of each kind asked
    "value_absent",  # … and the sentence states none of them
    "preamble_meta",  # the question is about the document; the sentence is in its preamble
    "self_ref_meta",  # … and the sentence speaks of the document itself ("制定本实施方案")
    "log_len",  # log of the sentence's length in characters
    "predicate",  # the question asks when or how much something is done ("国办啥时候组织验收"):
    # the share of that doing (its content keys) the sentence names
    "doer",  # the question asks who; the sentence puts a body or a post in charge of something
    "no_doer",  # … and the sentence names no one in charge
    "hinge",  # the sentence holds the word the question's interrogative asks about ("受什么处罚")
    "rel",  # the fitted relation's score of question and sentence (``fitted.Relation``; 0 without one)
    "rel_z",  # … standardised over the candidates
)


def sentence_features(
    sents: list[Sentence],
    intent: Intent,
    qvec: np.ndarray | None,
    weights: KeyWeights,
    plan_year: Callable[[str], str],
    meta: bool = False,
    kinds: tuple[str, ...] = (),
    who: bool = False,
    predicate: tuple[str, ...] = (),
    hinge: tuple[str, ...] = (),
    relation: np.ndarray | None = None,
) -> np.ndarray:
    """One row of ``SENTENCE_FEATURES`` per candidate sentence. ``plan_year``: the year a
    document's "今年" refers to, by document id (candidates come from several documents).
    ``kinds``: the kinds of value the question asks for (``answertype.asked_kinds``);
    ``who``: the question asks who (is responsible, takes part, holds a post); ``predicate``:
    the content keys of the doing a time or a value is asked of (``answertype.asked_predicate``);
    ``hinge``: the words the question's interrogatives ask about (``gate.hinges``);
    ``relation``: the fitted relation's score of each sentence (``fitted.Relation.scores``)."""
    rel = np.zeros(len(sents)) if relation is None else np.asarray(relation, dtype=np.float64)
    rel_z = standardised(rel)
    sem = np.array(
        [float(s.vector @ qvec) if s.vector is not None and qvec is not None else 0.0 for s in sents]
    )
    best = float(sem.max()) if len(sem) else 0.0
    z = standardised(sem)
    owns = [match_form(s.text) for s in sents]
    local = LocalWeights(intent.keys, owns, weights)
    target, deadline = intent.kind == "target", intent.kind == "deadline"
    rows = []
    for s, own, cos, cz, r, rz in zip(sents, owns, sem, z, rel, rel_z):
        year = plan_year(s.chunk.doc_id)
        wanted = set(intent.years) | ({year} if intent.this_year and year else set())
        figure = bool(_FIGURE.search(s.text))
        mark = bool(_DEADLINE_MARK.search(s.text))
        doer = who and (puts_in_charge(s.text) or s.doer_said)  # only asked of a who-question
        # a "2023年，…" paragraph dates its sentences
        has = [states(k, s.text, intent.keys) or (k in DATED_KINDS and bool(s.year)) for k in kinds]
        rows.append(
            (
                name_coverage(intent.keys, own, weights),
                name_coverage(intent.keys, own + "\n" + match_form(s.chunk.measure_title), weights),
                name_coverage(intent.keys, own, local),
                cos,
                cos - best,
                cz,
                1.0 / s.rank,
                1.0 / s.dense_rank if s.dense_rank else 0.0,
                1.0 / s.bm25_rank if s.bm25_rank else 0.0,
                float(s.is_note),
                float(s.is_note and intent.kind == "responsibility"),
                float(bool(wanted) and s.year in wanted),
                float(bool(wanted) and bool(s.year) and s.year not in wanted),
                float(bool(set(intent.months) & set(months_in(s.text)))),
                float(not wanted and intent.long_term and s.year == year),
                float(target and figure),
                float(target and not figure),
                float(deadline and mark),
                float(deadline and mark and s.in_deadline_para),
                float(deadline and not mark),
                float(bool(kinds) and all(has)),
                float(bool(kinds) and not any(has)),
                float(meta and s.chunk.kind == "preamble"),
                float(meta and bool(SELF_REFERENCE.search(s.text))),
                math.log(1 + len(s.text)),
                coverage(predicate, own, weights) if predicate else 0.0,
                float(doer),
                float(who and not doer),
                float(any(key_found(h, own) for h in hinge)),
                r,
                rz,
            )
        )
    return np.array(rows, dtype=np.float64).reshape(len(sents), len(SENTENCE_FEATURES))
