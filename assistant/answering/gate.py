"""The answerability gate's features: what a candidate answer is weighed by before PlanQA answers or says
"文中未提及" (the weights are fitted, ``assistant.answering.fitted``), and the candidate it weighs."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.answering.answertype import (
    DATED_KINDS,
    INDICATOR,
    asked_kinds,
    asked_predicate,
    asked_unit,
    blanked,
    states,
    states_figure,
    states_unit,
)
from assistant.answering.evidence import (
    KeyWeights,
    Sentence,
    coverage,
    covered_chars,
    name_coverage,
    puts_in_charge,
    states_time,
)
from assistant.answering.fitted import Fitted
from assistant.answering.intent import (
    Intent,
    content_keys,
    is_thing,
    key_found,
    match_form,
)
from assistant.answering.phrases import pattern, words
from assistant.answering.types import Answer
from index.ledger import plan_year
from index.plan_index import PlanIndex
from index.tokenize import get_jieba

# (name, sign): +1 evidence for answering, -1 against, 0 either way (the fit keeps the sign)
GATE_FEATURES_SIGNED = (
    ("rank_best", +1),  # the ranker's probability for the best candidate sentence
    ("rank_second", 0),  # … for the second best
    ("rank_chosen", +1),  # … for the sentence the answer rests on
    ("sem_best", +1),  # the best cosine of question and candidate sentence
    ("sem_chosen", +1),  # the cosine of the sentence the answer rests on
    ("sem_z_chosen", +1),  # … standardised over the candidates (how far it stands out)
    ("lex_found", +1),  # IDF-weighted share of the question's content in the answer's evidence
    ("lex_best", +1),  # … in the best sentence alone
    ("lex_focus", +1),  # … in the one clause of the evidence that holds most of it
    ("lex_title", +1),  # … in the title of the measure the answer rests on (the question names it)
    ("unknown", -1),  # IDF-weighted share of the question's words found nowhere in the index
    ("unknown_things", -1),  # … of those jieba tags as nouns (a thing: 森林覆盖率), not a doing (看病)
    ("unknown_value", -1),  # … when a value is asked for (the value of a thing never mentioned)
    ("unknown_indicator", -1),  # a value is asked of an indicator no document names (森林覆盖率)
    ("quoted_unknown", -1),  # the question quotes a word the index does not contain
    ("names_other_measure", -1),  # the question names a measure by its title; the answer is another's
    ("time_missing", -1),  # asks when; the evidence states no time
    ("time_not_in_focus", -1),  # asks when; the evidence's focus clause states no time
    ("day_missing", -1),  # asks for a calendar date; the evidence states none
    ("year_missing", -1),  # asks for a year's figure; the evidence is about other years
    ("unit_missing", -1),  # asks a number in a unit (多少亿, 几条); the evidence states none in it
    ("figure_missing", -1),  # asks for a figure; the evidence states no number
    ("figure_not_in_focus", -1),  # asks for a figure; the focus clause states none of its own
    ("predicate_missing", -1),  # … of a doing the evidence does not name ("哪年能通车" — "开工建设")
    ("doer_missing", -1),  # asks who (is responsible, holds a post); the answer puts no one in charge
    ("hinge_missing", -1),  # the word the question's interrogative asks about ("受什么处罚"), a word
    # the documents use, is not in the evidence: weighed by how specific it is (IDF share)
    ("names_missing", -1),  # asks which ones by name ("都是哪几个县"); the evidence lists none
    ("asks_value", 0),  # asks for a value of a kind: an amount, a share, a period, a date, a place…
    ("value_missing", -1),  # … and the evidence states no value of that kind
    ("value_not_in_focus", -1),  # … and the focus clause states none
    ("kind_responsibility", 0),
    ("kind_target", 0),
    ("kind_deadline", 0),
    ("path_note", 0),  # the answer is a responsibility note's departments
    ("path_schedule", 0),  # the answer is a measure's whole schedule
    ("path_targets", 0),  # the answer is a measure's quantitative targets
    ("log_keys", 0),  # log(1 + number of content keys)
)
GATE_FEATURES = tuple(f for f, _ in GATE_FEATURES_SIGNED)

VALUE_RULE = "no value of the kind asked"
YEAR_RULE = "a year its document never mentions"
_TIMES = frozenset({"date", "year", "month", "day", "duration"})
# the features that say a value is asked for and missing (the rest say whether the evidence is on
# topic): "value aside", the question is weighed as if it asked for none
VALUE_FEATURES = (
    "asks_value",
    "time_missing",
    "time_not_in_focus",
    "day_missing",
    "year_missing",
    "unit_missing",
    "figure_missing",
    "figure_not_in_focus",
    "value_missing",
    "value_not_in_focus",
    "names_missing",
)


# the kinds of value a year's figure is asked in
_FIGURES = frozenset({"number", "count", "ratio", "money"})
# a year the evidence states a figure for: not a document's number ("〔2004〕"), nor a year
# counted from ("自2023年1月1日起", "2000年以来")
_YEAR_SAID = re.compile(r"(?<![〔\[(（\d自从])((?:19|20)\d\d)\s*年(?![^，,。；;]{0,8}?(?:起|以来|以后))")


_CLAUSES = re.compile(r"[，,。；;？?！!]")
_THIS_YEAR = re.compile(r"今年|当年|本年|(?<![一二两三四五六七八九十\d])年内")


def asked_years(question: str, wanted: set[str]) -> set[str]:
    """The years the question asks a figure of: not a year it counts from ("2020年以后每年"),
    nor one of a clause that tells the figure and asks nothing ("高企数量2025年要到1000家，那2024年
    得到多少家？" asks 2024; "到2025年，…要达到多少家" and "2024年…多少家，2025年呢？" ask theirs)."""
    years = {y for y in wanted if not re.search(y + r"\s*年?\s*(?:以后|以来|之后|起|后)", question)}
    telling = [
        c
        for c in _CLAUSES.split(question)
        if not asked_kinds(c) and states_figure(re.sub(r"(?:19|20)\d\d\s*年", "", c))
    ]

    def named(year: str, clause: str) -> bool:  # "今年" names the plan's year
        return year in clause or (year not in question and bool(_THIS_YEAR.search(clause)))

    told = {y for y in years if any(named(y, c) for c in telling)}
    return (years - told) or years


_DIGIT_CHARS = dict(zip("0123456789", "〇一二三四五六七八九"))


def mentions_year(text: str, year: str) -> bool:
    """The text mentions the year, in digits ("2020年") or in characters ("二〇二〇年",
    "二零二零年")."""
    chars = "".join(_DIGIT_CHARS[d] for d in year)
    return any(form in text for form in (year, chars, chars.replace("〇", "零"), chars.replace("〇", "○")))


def _other_years_only(asked: set[str], said: str) -> bool:
    """The evidence states years' figures, none of the years asked."""
    years = set(_YEAR_SAID.findall(said))
    return bool(asked) and bool(years) and not (years & asked)


def _own_number(clause: str, keys: tuple[str, ...]) -> bool:
    """The clause states a number that is not part of one of the question's own words
    (the 10 of "10G-PON" names a thing, it is no figure)."""
    return states_figure(blanked(clause, tuple(k for k in keys if re.search(r"\d", k))))


def asked_doing(question: str, intent: Intent) -> tuple[str, ...]:
    """The content keys of the doing a time is asked of ("哪年能通车" → 通车); a figure's
    condition ("多少钱才能保留") is no doing."""
    if intent.kind == "deadline" or set(asked_kinds(question)) & _TIMES:
        return content_keys(asked_predicate(question))
    return ()


_ASKS_AFTER = frozenset(words("gate.asks_after"))
_ASKS_BEFORE = frozenset(words("gate.asks_before"))
_KIND_WORDS = frozenset(words("gate.kind_words"))
_COUNTS = frozenset(words("gate.counts"))
_NO_CONTENT = frozenset(words("gate.no_content"))


@lru_cache(maxsize=1024)
def hinges(question: str) -> tuple[str, ...]:
    """The words the question's interrogatives ask about (``_ASKS_AFTER``/``_BEFORE``);
    cached: the ranker and the gate both ask, once per question."""
    tokens: list[str] = []
    for t in get_jieba().lcut(match_form(question)):
        if tokens and tokens[-1] == "多" and t in ("大", "高", "长", "远", "重", "宽"):
            tokens[-1] = "多" + t  # jieba cuts "有多大" as 有 / 多 / 大
        elif t.strip():
            tokens.append(t)
    found: list[str] = []

    def content(near: list[str]) -> str | None:
        return next((u for u in near if u not in _NO_CONTENT and re.fullmatch(r"[\u4e00-\u9fff]+", u)), None)

    for i, t in enumerate(tokens):
        after, before = tokens[i + 1 : i + 4], tokens[max(0, i - 3) : i][::-1]
        if t in _ASKS_AFTER and after[:1] and after[0] in _KIND_WORDS:
            continue  # "什么时候", "什么地方": a time or a place asked, the value features weigh it
        if t in _ASKS_AFTER:
            word = content(after)
        elif t in _COUNTS:
            word = content(after) or content(before)
        elif t in _ASKS_BEFORE:
            word = content(before)
        else:
            continue
        if word and word not in found:
            found.append(word)
    return tuple(found)


WHICH_ONES = pattern("gate.which_ones")
# names joined by a list's marks; a chain of them by dashes too ("收集网点—转运站点—分拣中心—产业园",
# not a range of numbers: "2023—2025年")
_NAMED_LIST = re.compile(r"[\u4e00-\u9fff）)”]\s*[、；;—]\s*[\u4e00-\u9fff（(“]")


def asks_who(question: str, intent: Intent) -> bool:
    """The question asks who: is responsible, takes part, holds a post."""
    return intent.kind == "responsibility" or "谁" in question


@dataclass
class Candidate:
    answer: Answer
    found: str  # matching-form text of the evidence the answer rests on
    chosen: list[Sentence]  # the sentences it rests on, the one that ties it to the question first
    path: str  # "quote" | "note" | "schedule" | "targets" | "roster"
    intent: Intent | None = None  # what was answered, when not quite what was asked (see _candidate)
    named: bool = False  # about a measure the question names by its title
    stated: frozenset[str] = frozenset()  # stated by construction: a roster's people, their count


class GateFeatures:
    """The gate's features of a candidate answer, and the index statistics they read (a part of
    ``Composer``)."""

    index: PlanIndex
    weights: KeyWeights
    fitted: Fitted
    _plan_year: dict[str, str]

    def plan_year(self, doc_id: str) -> str:
        """The year a plan's "今年" refers to (as the document states it)."""
        year = self._plan_year.get(doc_id)
        if year is None:
            year = self._plan_year[doc_id] = plan_year(self.index.source_text(doc_id))
        return year

    def _held(self, cand: Candidate, scored: list[tuple[float, Sentence]]) -> str:
        """The text the answer holds the question's words in: its evidence, and for a
        responsibility note's answer, the measure's candidate sentences too (the note answers
        for the whole measure, whichever of its sentences was ranked first)."""
        if cand.path != "note":
            return cand.found
        measures = [self.index.measure_of(s.chunk) for s in cand.chosen]
        own = [match_form(s.text) for _, s in scored if self.index.measure_of(s.chunk) in measures]
        return "\n".join([cand.found, *own])

    def _gate_features(
        self,
        question: str,
        intent: Intent,
        scored: list[tuple[float, Sentence]],
        cand: Candidate,
        qvec: np.ndarray | None,
    ) -> dict[str, float]:
        """The features of ``GATE_FEATURES``: how well the candidate matches the question, then
        whether it states what the question asks (a time, a figure, a value of a kind, a doer)."""
        focus = self._focus(intent, [c.quote for c in cand.answer.citations] or [s.text for s in cand.chosen])
        kinds = asked_kinds(question)
        return {
            **self._match_features(question, intent, scored, cand, qvec, focus, kinds),
            **self._asked_features(question, intent, scored, cand, focus, kinds),
        }

    def _match_features(
        self,
        question: str,
        intent: Intent,
        scored: list[tuple[float, Sentence]],
        cand: Candidate,
        qvec: np.ndarray | None,
        focus: str,
        kinds: tuple[str, ...],
    ) -> dict[str, float]:
        def cos(s: Sentence | None) -> float:
            return (
                float(s.vector @ qvec) if s is not None and s.vector is not None and qvec is not None else 0.0
            )

        evidence = cand.found
        rests = cand.chosen[0] if cand.chosen else None
        best = scored[0][1]
        target = intent.kind == "target"
        cosines = np.array([cos(s) for _, s in scored])
        spread = float(cosines.std()) if len(cosines) > 1 else 0.0
        unknown_things = self._unknown_share(intent, things=True)

        return {
            "rank_best": scored[0][0],
            "rank_second": scored[1][0] if len(scored) > 1 else 0.0,
            "rank_chosen": next((p for p, s in scored if s is rests), 0.0),
            "sem_best": float(cosines.max()),
            "sem_chosen": cos(rests),
            # the sentence the answer rests on may be none of the candidates (a measure's targets)
            "sem_z_chosen": (cos(rests) - float(cosines.mean())) / spread if spread > 1e-6 else 0.0,
            "lex_found": name_coverage(intent.keys, evidence, self.weights),
            "lex_best": name_coverage(intent.keys, match_form(best.text), self.weights),
            "lex_focus": name_coverage(intent.keys, match_form(focus), self.weights),
            "lex_title": name_coverage(intent.keys, match_form(rests.chunk.measure_title), self.weights)
            if rests
            else 0.0,
            "unknown": self._unknown_share(intent),
            "unknown_things": unknown_things,
            "unknown_value": unknown_things * float(bool(kinds)),
            "unknown_indicator": float(bool(kinds or target) and self._unknown_indicator(question, intent)),
            "quoted_unknown": float(any(not self.weights.present(p) for p in intent.quoted)),
            "names_other_measure": float(self._names_other_measure(question, cand)),
        }

    def _asked_features(
        self,
        question: str,
        intent: Intent,
        scored: list[tuple[float, Sentence]],
        cand: Candidate,
        focus: str,
        kinds: tuple[str, ...],
    ) -> dict[str, float]:
        evidence = cand.found
        rests = cand.chosen[0] if cand.chosen else None
        best = scored[0][1]
        unit = asked_unit(question, self.weights.units())
        target, deadline = intent.kind == "target", intent.kind == "deadline"
        year = self.plan_year((rests or best).chunk.doc_id)
        wanted = set(intent.years) | ({year} if intent.this_year and year else set())
        asked = asked_years(question, wanted)  # "2020年以后…" counts from a year, asks none
        pred = asked_doing(question, intent)
        # what the answer says: its sentences, and the lines it quotes (a schedule's deadlines)
        said = "\n".join([*(s.text for s in cand.chosen), *(c.quote for c in cand.answer.citations)])
        dated = any(s.year for s in cand.chosen)  # "2023年，…" paragraphs date their sentences

        counted, doer = "count" in cand.stated, cand.path == "note" or "doer" in cand.stated
        listed = "names" in cand.stated or bool(_NAMED_LIST.search(said))

        def stated(kind: str, text: str) -> bool:
            return kind in cand.stated or states(kind, text, intent.keys) or (kind in DATED_KINDS and dated)

        return {
            "time_missing": float(deadline and not states_time(evidence)),
            "time_not_in_focus": float(deadline and not states_time(focus)),
            "day_missing": float(intent.wants_day and not states_time(evidence, day=True)),
            # dated sentences, none of the year asked ("2023年…多少家" — "到2025年,…达到1000家"),
            # or a figure stated for another year only ("2004年…处理率多少" — "2003年…达到42%")
            "year_missing": float(
                (target or bool(set(kinds) & _FIGURES))
                and bool(asked)
                and not any(s.year in asked for s in cand.chosen)
                and (any(s.year for s in cand.chosen) or _other_years_only(asked, said))
            ),
            "unit_missing": float(unit is not None and not counted and not states_unit(unit, said)),
            "figure_missing": float(target and not counted and not states_figure(evidence)),
            "figure_not_in_focus": float(target and not counted and not _own_number(focus, intent.keys)),
            "predicate_missing": 1.0 - coverage(pred, match_form(said), self.weights) if pred else 0.0,
            "doer_missing": float(asks_who(question, intent) and not doer and not puts_in_charge(said)),
            "hinge_missing": self._hinge_missing(question, said),
            "names_missing": float(bool(WHICH_ONES.search(question)) and not listed),
            "asks_value": float(bool(kinds)),
            "value_missing": float(any(not stated(k, said) for k in kinds)),
            "value_not_in_focus": float(any(not stated(k, focus) for k in kinds)),
            "kind_responsibility": float(intent.kind == "responsibility"),
            "kind_target": float(target),
            "kind_deadline": float(deadline),
            "path_note": float(cand.path == "note"),
            "path_schedule": float(cand.path == "schedule"),
            "path_targets": float(cand.path == "targets"),
            "log_keys": math.log(1 + len(intent.keys)),
        }

    def _hinge_missing(self, question: str, said: str) -> float:
        """The most specific word a question hinges on (``hinges``) that the documents use
        and the evidence lacks, as a share of the highest IDF; 0 when none. A word no document
        uses is the asker's own ("打算"): the unknown-word features weigh those."""
        text = match_form(said)
        top = self.weights.highest_idf()
        lacking = [
            self.weights.idf(h)
            for h in hinges(question)
            if self.weights.present(h) and not key_found(h, text)
        ]
        return min(1.0, max(lacking) / top) if lacking and top > 0 else 0.0

    def _names_other_measure(self, question: str, cand: Candidate) -> bool:
        """The question names a measure by its full title, and the answer is not about it."""
        q = match_form(question)
        named = self.index.measure_titles_in(q)
        if not named:
            return False
        answered = {match_form(s.chunk.measure_title) for s in cand.chosen}
        return not (named & answered)

    def _focus(self, intent: Intent, texts: list[str]) -> str:
        """The clause of the evidence that holds most of the question's content: where
        the figure or time asked for should be, if the text states it."""
        clauses = [c for t in texts for c in re.split(r"[，,；;：:]", t) if c.strip()]
        if not clauses:
            return ""
        best = max(clauses, key=lambda c: coverage(intent.keys, match_form(c), self.weights))
        if coverage(intent.keys, match_form(best), self.weights) == 0:
            return "\n".join(texts)  # the question is about what they belong to (a measure's title)
        return best

    def _unknown_share(self, intent: Intent, things: bool = False) -> float:
        """IDF-weighted share of the question's words that occur nowhere in the index
        (``things``: of its nouns only)."""
        if not intent.nouns:
            return 0.0
        weight = {n: self.weights.idf(n) for n in intent.nouns}
        total = sum(weight.values()) or 1.0
        return (
            sum(w for n, w in weight.items() if self._unknown(n, intent) and (not things or is_thing(n)))
            / total
        )

    def _unknown_indicator(self, question: str, intent: Intent) -> bool:
        """The question names an indicator (覆盖率, 保有量, 浓度) that no document names: the
        indicator itself is unknown, or a word no document contains qualifies it (森林 in
        森林覆盖率, which jieba cuts in two)."""
        q = match_form(question)
        for n in intent.nouns:
            if not self._unknown(n, intent):
                continue
            if INDICATOR.search(n):
                return True
            after = [m.end() for m in re.finditer(re.escape(n), q)]
            if any(INDICATOR.search(k) and q.startswith(k, i) for k in intent.nouns for i in after):
                return True
        return False

    def _unknown_chinese(self, intent: Intent) -> bool:
        """A Chinese word of the question occurs nowhere in the index (latin tokens in a
        Chinese question are as often markup or noise as names)."""
        return any(not n.isascii() and self._unknown(n, intent) for n in intent.nouns)

    def _unknown(self, noun: str, intent: Intent) -> bool:
        """The word occurs nowhere in the index: not as itself, not as its parts
        (京杭大运河 when 京杭 and 大运河 occur), not as an abbreviation of a longer
        name (综保区 in 综合保税区, 人社局 in 人力资源社会保障局)."""
        if self.weights.present(noun):
            return False
        parts = [k for k in intent.keys if k != noun and k in noun and self.weights.present(k)]
        if len(covered_chars(noun, parts)) == len(noun):  # every character belongs to a known word
            return False
        return not self.weights.abbreviates(noun)
