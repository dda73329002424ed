"""Candidate evidence: the sentences of retrieved chunks, as exact source spans, scored.

A sentence is a stretch of the source text ending at 。！？；; or a line break,
trimmed of whitespace, so ``source[start:end]`` is exactly what is quoted.
Scores are IDF-weighted coverage of the question's content keys, with the
question's intent (target / deadline / year) as a tie-breaking preference.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from assistant.intent import Intent, key_found, match_form, other_forms
from index.plan_index import PlanIndex
from index.types import Chunk, Hit

_SENT = re.compile(r"[^。！？；;!?\n]*(?:[。！？；;!?]|\n|$)")
_WS = " \t\r\n\u3000\xa0\ufeff"
_DEADLINE_MARK = re.compile(r"\d{1,2}月(底|末|中旬|上旬|下旬|份)?前?|年底前|年内|年底|\d{4}年(年底|底)前?")
_FIGURE = re.compile(r"\d")
# any statement of time: a deadline form or a year ("2025年实现…")
_TIME = re.compile(_DEADLINE_MARK.pattern + r"|\d{4}年")


_DAY = re.compile(r"\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def states_time(text: str, day: bool = False) -> bool:
    """The text states a time (``day``: a calendar date)."""
    return bool((_DAY if day else _TIME).search(text))


_NOTE_WORDS = re.compile(r"(牵头|负责|配合|单位)[)）〕\]】]?$")
_PARA_LEAD_YEAR = re.compile(r"^\s*(\d{4})年")


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


def sentences_of(index: PlanIndex, hit: Hit, rank: int) -> list[Sentence]:
    chunk = hit.chunk
    src = index.source_text(chunk.doc_id)
    out: list[Sentence] = []
    para_year, deadline_para = "", False
    for m in _SENT.finditer(src, chunk.start, chunk.end):
        a, b = m.start(), m.end()
        if a == b:
            if b >= chunk.end:
                break
            continue
        para_start = a == chunk.start or src[a - 1] == "\n"
        raw = src[a:b]
        s = raw.strip(_WS)
        if not s:
            continue
        a += raw.index(s[0])
        b = a + len(s)
        if para_start:
            ym = _PARA_LEAD_YEAR.match(s)
            para_year = ym.group(1) if ym else ""
            deadline_para = s.startswith(("完成时限", "时间节点"))
        if s not in chunk.text:  # dropped by cleaning (spam line)
            continue
        # the year a figure is for: "到2025年", a "2023年，…" lead, the paragraph's year;
        # not a data year like "2022年度生态产品总值"
        target = re.search(r"(?:到|至|截至)(20\d\d)年|^(20\d\d)年[,，]", s)
        year = next(g for g in target.groups() if g) if target else para_year
        is_note = s[0] in "(（〔[【" and bool(_NOTE_WORDS.search(s))
        out.append(Sentence(chunk, rank, a, b, s, year, deadline_para, is_note))
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

    def present(self, key: str) -> bool:
        return self.df(key) > 0

    def abbreviates(self, word: str) -> bool:
        """``word`` abbreviates a name found in some chunk (see ``key_found``)."""
        return self.present(word)


def coverage(keys: tuple[str, ...], found: str, weights: KeyWeights) -> float:
    """IDF-weighted share of ``keys`` that occur in the matching-form text ``found``."""
    total = sum(weights.idf(k) for k in keys)
    if total == 0:
        return 0.0
    return sum(weights.idf(k) for k in keys if key_found(k, found)) / total


def score_sentence(s: Sentence, intent: Intent, weights: KeyWeights, plan_year: str) -> float:
    own = match_form(s.text)
    score = 0.7 * coverage(intent.keys, own, weights)
    score += 0.3 * coverage(intent.keys, own + "\n" + match_form(s.chunk.measure_title), weights)
    score += 0.04 / s.rank
    wanted_years = set(intent.years) | ({plan_year} if intent.this_year and plan_year else set())
    if wanted_years:
        score += 0.15 if s.year in wanted_years else (-0.1 if s.year else 0.0)
    elif intent.long_term and s.year == plan_year:
        score -= 0.1  # "三年内", "总目标": not the first year's figure
    if intent.kind == "target":
        score += 0.1 if _FIGURE.search(s.text) else -0.1
    elif intent.kind == "deadline":
        if _DEADLINE_MARK.search(s.text):
            score += 0.2 + (0.05 if s.in_deadline_para else 0.0)
        else:
            score -= 0.1
    return score
