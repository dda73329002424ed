"""Compose a short Chinese answer from retrieved chunks, without an LLM (extractive).

Every claim in the answer is a quote of the source (or a department list read from
a quoted responsibility note) followed by its [n] marker; each citation carries
the exact source span. Candidate sentences are ranked by a fitted model over
features of meaning and words (``assistant.answering.evidence``); the best make a candidate
answer, and a fitted gate decides whether the text answers the question at all. When
it does not, the answer says so plainly ("文中未提及…") instead of guessing — and,
when the text speaks of the thing but not of what was asked (a budget, a date), it
says what the text does say.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.answering.answertype import (
    ASKED_LABEL,
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
    SELF_REFERENCE,
    SENTENCE_FEATURES,
    KeyWeights,
    Sentence,
    coverage,
    covered_chars,
    name_coverage,
    puts_in_charge,
    sentence_features,
    sentences_of,
    states_time,
)
from assistant.answering.fitted import LEXICAL, Fitted, load_fitted
from assistant.answering.intent import (
    Intent,
    asks_name,
    content_keys,
    content_nouns,
    detect_intent,
    is_meta,
    is_thing,
    key_found,
    match_form,
    mention_of,
    sub_questions,
)
from assistant.answering.types import Answer, Citation, cite
from index.ledger import plan_year
from index.metadata import date_of_line, is_number_line
from index.parse import heading_level
from index.plan_index import PlanIndex
from index.tokenize import get_jieba
from index.types import Hit, Measure

MAX_SENTENCES = 3
_WS = " \t\r\n\u3000\xa0\ufeff"
QUOTED_NAME = 5  # characters: a quoted phrase this long is a name (of a project, a site, a measure)
_TRAIL = "。；;，,、 "
REFUSAL = "文中未提及"

# "…的时间节点分别是什么？", "完成时限是怎么规定的？": the measure's whole schedule
_WHOLE_SCHEDULE = re.compile(
    r"(完成时限|时间节点|节点)[^？?]{0,6}(哪几|分别|有哪些|怎么|如何|怎样)|(哪几个|有哪些|几个)(时间)?节点|全年.{0,8}节点"
)

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
_VALUE_RULE = "no value of the kind asked"
_TIMES = frozenset({"date", "month", "day", "duration"})
# the features that say a value is asked for and missing (the rest say whether the evidence is on
# topic): "value aside", the question is weighed as if it asked for none
_VALUE_FEATURES = (
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


def _own_number(clause: str, keys: tuple[str, ...]) -> bool:
    """The clause states a number that is not part of one of the question's own words
    (the 10 of "10G-PON" names a thing, it is no figure)."""
    return states_figure(blanked(clause, tuple(k for k in keys if re.search(r"\d", k))))


def joined(question: str, parts: list[Answer], hits: list[Hit], kind: str) -> Answer:
    """Answers to the asks of one question, joined, their citations renumbered; an ask
    answered by passages already quoted for another adds nothing and is left out."""
    texts: list[str] = []
    cites: list[Citation] = []
    for a in parts:
        quoted = {(c.doc, c.start, c.end) for c in cites}
        if a.citations and all((c.doc, c.start, c.end) in quoted for c in a.citations):
            continue
        offset = len(cites)
        texts.append(shift_markers(a.text, offset).rstrip("。"))
        cites.extend(replace(c, n=c.n + offset) for c in a.citations)
    confidence = min((a.confidence for a in parts if a.confidence is not None), default=None)
    return Answer(
        question, "；".join(texts) + "。", False, tuple(cites), tuple(hits), kind, confidence=confidence
    )


def _sentence_around(src: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``src`` holding ``[start, end)``: from after the previous 。；; or
    line break to the next one (kept), whitespace trimmed."""
    a = max(src.rfind(ch, 0, start) for ch in "。；;\n") + 1
    ends = [i for i in (src.find(ch, end) for ch in "。；;") if i >= 0]
    line = src.find("\n", end)
    b = min([*(i + 1 for i in ends), *([line] if line >= 0 else []), len(src)])
    while a < b and src[a] in _WS:
        a += 1
    while b > a and src[b - 1] in _WS:
        b -= 1
    return a, b


def shift_markers(text: str, offset: int) -> str:
    """Renumber [n] markers by ``offset``."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)


def _is_heading(text: str) -> bool:
    """A numbered heading standing alone ("五、大力促进…"): a label, not an answer."""
    return bool(heading_level(text)[0]) and len(text) <= 45 and not re.search(r"[。，,；;]", text[:-1])


def _labels_document(s: Sentence) -> bool:
    """The sentence is its document's date line, its number or a line of its title: it says
    when or what the document is, nothing of what the document says."""
    text = s.text.strip().rstrip("。")
    title = re.sub(r"\s+", "", s.chunk.doc_title)
    return (
        bool(date_of_line(text))
        or is_number_line(text)
        or (len(text) >= 6 and re.sub(r"\s+", "", text) in title)
    )


def _asked_doing(question: str, intent: Intent) -> tuple[str, ...]:
    """The content keys of the doing a time is asked of ("哪年能通车" → 通车); a figure's
    condition ("多少钱才能保留") is no doing."""
    if intent.kind == "deadline" or set(asked_kinds(question)) & _TIMES:
        return content_keys(asked_predicate(question))
    return ()


# what a question hinges on: the word its interrogative asks about, after it ("会受什么处罚",
# "怎么问责", "按什么价算") or before it ("规划面积有多大", "加班费是多少"); the words between
# that carry no content are skipped
_ASKS_AFTER = frozenset({"怎么", "怎样", "如何", "什么", "啥", "哪些", "哪种", "哪类", "何种"})
_ASKS_BEFORE = frozenset({"多少", "多大", "有多大", "多高", "多长", "多远", "多重", "多宽", "谁"})
_KIND_WORDS = frozenset({"时候", "时间", "地方", "日子", "时"})
_COUNTS = frozenset({"多少", "几", "几个"})  # "多少个5G基站": what is counted follows
_NO_CONTENT = frozenset(
    "是 有 为 要 能 会 得 可 可以 一共 总共 大概 大约 具体 到底 都 又 还 就 的 了 呢 啊 吗 被 受 按 给 由 让 样 "
    "一般 目前 现在 已经 来 去 做 当 算是 个 家 项 座 所 名 次 条 处 位 种 批 元 万 亿".split()
)


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


# asks which ones by name, of a set the text may only count ("那10个中心镇具体是哪几个镇",
# "要查哪几个城市"); a text that names them lists them ("乐陵市、齐河县、庆云县")
_WHICH_ONES = re.compile(
    r"哪几\s*[个家所座项位名条类批]|(?:都|分别|具体)是哪|哪些(?:城市|县|市|区|镇|村|省份?|地区|单位|企业|学校|医院|国家|人)"
)
_NAMED_LIST = re.compile(r"[\u4e00-\u9fff）)”]\s*[、；;]\s*[\u4e00-\u9fff（(“]")


def _asks_who(question: str, intent: Intent) -> bool:
    """The question asks who: is responsible, takes part, holds a post."""
    return intent.kind == "responsibility" or "谁" in question


@dataclass
class Decision:
    """One answer-or-refuse decision: the gate's features, its probability, the candidate;
    ``rule`` names the reason when no weighing was needed (the gate is not fitted on those)."""

    features: dict[str, float]
    prob: float
    candidate: Answer
    rule: str = ""


@dataclass
class Trace:
    """What ``compose`` saw, for fitting its models (``assistant.evaluation.fit``): the ranked
    candidate sentences with their features, and each gate decision."""

    sentences: list[Sentence] = field(default_factory=list)
    rows: np.ndarray | None = None
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class _Candidate:
    answer: Answer
    found: str  # matching-form text of the evidence the answer rests on
    chosen: list[Sentence]  # the sentences it rests on, the one that ties it to the question first
    path: str  # "quote" | "note" | "schedule" | "targets"
    intent: Intent | None = None  # what was answered, when not quite what was asked (see _candidate)
    named: bool = False  # about a measure the question names by its title


class Composer:
    """Turns (question, hits) into an ``Answer``; holds per-index statistics."""

    def __init__(self, index: PlanIndex, fitted: Fitted | None = None) -> None:
        self.index = index
        self.weights = KeyWeights(index)
        self.fitted = fitted or load_fitted(getattr(index.embedder, "name", ""))
        self._plan_year: dict[str, str] = {}

    def plan_year(self, doc_id: str) -> str:
        """The year a plan's "今年" refers to (as the document states it)."""
        year = self._plan_year.get(doc_id)
        if year is None:
            year = self._plan_year[doc_id] = plan_year(self.index.source_text(doc_id))
        return year

    def compose(
        self,
        question: str,
        hits: list[Hit],
        trace: Trace | None = None,
        pinned: bool = False,
        qvec: np.ndarray | None = None,
    ) -> Answer:
        """``pinned``: the hits are the measure the asker is talking about (a follow-up):
        whether it answers is not weighed, only the rules apply (a value it does not state).
        ``qvec``: the question's vector, when it is known (a part of a compound question is
        compared with the sentences as the whole question is)."""
        intent = detect_intent(question)
        if qvec is None:
            qvec = self._vector(question)
        if not question.strip() or not hits:
            return self._refuse(question, hits, intent)
        subs = sub_questions(question)
        if len(subs) > 1 and len({detect_intent(q).kind for q in subs}) > 1:
            return self._compound(question, subs, hits, intent, trace, pinned, qvec)
        if asks_name(question):
            named = self._document_name(question, hits, intent)
            if named is not None:
                return named
        mentioned = mention_of(question)
        if mentioned and any(self._unknown(n, intent) for n in content_nouns(mentioned)):
            # "有没有提到数字人民币？": asked whether the documents say a word they never say
            return self._refuse(question, hits, intent, rule="mentions an unknown word")
        if any(len(p) >= QUOTED_NAME and not self.weights.present(p) for p in intent.quoted):
            # it quotes a name no document contains ("“半岛综合体育官网登录入口”对应哪项工作？");
            # a short quoted word may be the asker's own ("“生态账”"): the gate weighs that
            return self._refuse(question, hits, intent, rule="quotes an unknown name")
        meta = is_meta(question)
        sents = [
            s
            for r, h in enumerate(hits, 1)
            for s in sentences_of(self.index, h, r)
            # a title or a heading alone answers nothing; nor, unless the document is asked
            # about, its date line or a line of its title
            if s.text.rstrip("。") != s.chunk.measure_title
            and not _is_heading(s.text)
            and (meta or not _labels_document(s))
        ]
        if meta:  # about the document itself: where it speaks of itself, if it does
            own = [s for s in sents if s.chunk.kind == "preamble" or SELF_REFERENCE.search(s.text)]
            sents = own or sents
        if not sents:
            return self._refuse(question, hits, intent)
        probs = self._rank(question, intent, sents, trace, qvec)
        scored = sorted(zip(probs, sents), key=lambda x: (-x[0], x[1].rank, x[1].start))
        candidate = self._candidate(question, intent, hits, scored, qvec)
        return self._decide(
            question, candidate.intent or intent, hits, scored, candidate, trace, pinned, qvec
        )

    # -- ranking and the gate -----------------------------------------------------

    def _vector(self, question: str) -> np.ndarray | None:
        if self.fitted.embedder == "":  # features without vectors: no need to embed
            return None
        return np.asarray(self.index.query_vector(question), dtype=np.float32)

    def _rank(
        self,
        question: str,
        intent: Intent,
        sents: list[Sentence],
        trace: Trace | None,
        qvec: np.ndarray | None,
    ) -> np.ndarray:
        rows = sentence_features(
            sents,
            intent,
            qvec,
            self.weights,
            self.plan_year,
            meta=is_meta(question),
            # sentences are weighed for a figure by their figure features (target questions);
            # a number asked of no kind is for the gate to miss
            kinds=asked_kinds(question, any_number=False),
            who=_asks_who(question, intent),
            predicate=_asked_doing(question, intent),
            hinge=tuple(h for h in hinges(question) if self.weights.present(h)),
        )
        if trace is not None and trace.rows is None:
            trace.sentences, trace.rows = sents, rows
        return self.fitted.ranker.probs(rows, SENTENCE_FEATURES)

    def _decide(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
        cand: _Candidate,
        trace: Trace | None,
        pinned: bool = False,
        qvec: np.ndarray | None = None,
    ) -> Answer:
        features = self._gate_features(question, intent, scored, cand, qvec)
        prob = self.fitted.gate.prob(features)
        rule = ""
        if features["names_other_measure"]:
            rule = "names another measure"  # by its title; the evidence is another measure's
        elif features["value_missing"] or features["year_missing"]:
            rule = _VALUE_RULE  # 多少钱, 哪天, 在哪里, 2023年的…: the evidence states none
        elif (
            self.fitted.embedder == LEXICAL
            and name_coverage(intent.keys, self._held(cand, scored), self.weights) < 0.7
            and self._unknown_chinese(intent)
        ):
            # no model fitted for this embedder's vectors, so no way to match the meaning of
            # words the documents never use ("银发驿站"): the evidence must hold the question
            rule = "unknown words, no meaning to match"
        if trace is not None:
            trace.decisions.append(Decision(features, prob, cand.answer, rule))
        if rule == _VALUE_RULE:
            # is the evidence about what is asked, value aside? then say what it says
            about = self.fitted.gate.prob({**features, **dict.fromkeys(_VALUE_FEATURES, 0.0)})
            if about >= self.fitted.gate.threshold:
                return self._refuse_value(question, hits, intent, cand, prob)
        # a measure the question names by its title, asked for its targets or its schedule,
        # answers it as surely as one pinned by a follow-up
        if not rule and (pinned or cand.named or prob >= self.fitted.gate.threshold):
            return replace(cand.answer, confidence=round(prob, 4))
        # the confidence of a refusal says whether a generative model might still answer it
        # (answer mode llm): not when the evidence is certainly about another measure
        return self._refuse(
            question, hits, intent, prob=0.0 if rule == "names another measure" else prob, rule=rule
        )

    def _held(self, cand: _Candidate, scored: list[tuple[float, Sentence]]) -> str:
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
        cand: _Candidate,
        qvec: np.ndarray | None,
    ) -> dict[str, float]:
        def cos(s: Sentence | None) -> float:
            return (
                float(s.vector @ qvec) if s is not None and s.vector is not None and qvec is not None else 0.0
            )

        evidence = cand.found
        rests = cand.chosen[0] if cand.chosen else None
        best = scored[0][1]
        unit = asked_unit(question, self.weights.units())
        focus = self._focus(intent, [c.quote for c in cand.answer.citations] or [s.text for s in cand.chosen])
        target, deadline = intent.kind == "target", intent.kind == "deadline"
        year = self.plan_year((rests or best).chunk.doc_id)
        wanted = set(intent.years) | ({year} if intent.this_year and year else set())
        kinds = asked_kinds(question)
        pred = _asked_doing(question, intent)
        # what the answer says: its sentences, and the lines it quotes (a schedule's deadlines)
        said = "\n".join([*(s.text for s in cand.chosen), *(c.quote for c in cand.answer.citations)])
        dated = any(s.year for s in cand.chosen)  # "2023年，…" paragraphs date their sentences

        def stated(kind: str, text: str) -> bool:
            return states(kind, text, intent.keys) or (kind == "date" and dated)

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
            "time_missing": float(deadline and not states_time(evidence)),
            "time_not_in_focus": float(deadline and not states_time(focus)),
            "day_missing": float(intent.wants_day and not states_time(evidence, day=True)),
            # dated sentences, none of the year asked ("2023年…多少家" — "到2025年,…达到1000家")
            "year_missing": float(
                target
                and bool(wanted)
                and any(s.year for s in cand.chosen)
                and not any(s.year in wanted for s in cand.chosen)
            ),
            "unit_missing": float(unit is not None and not states_unit(unit, said)),
            "figure_missing": float(target and not states_figure(evidence)),
            "figure_not_in_focus": float(target and not _own_number(focus, intent.keys)),
            "predicate_missing": 1.0 - coverage(pred, match_form(said), self.weights) if pred else 0.0,
            "doer_missing": float(
                _asks_who(question, intent) and cand.path != "note" and not puts_in_charge(said)
            ),
            "hinge_missing": self._hinge_missing(question, said),
            "names_missing": float(bool(_WHICH_ONES.search(question)) and not _NAMED_LIST.search(said)),
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

    def _names_other_measure(self, question: str, cand: _Candidate) -> bool:
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

    # -- candidates -----------------------------------------------------------------

    def _candidate(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
        qvec: np.ndarray | None = None,
    ) -> _Candidate:
        if intent.kind == "target" and not asked_kinds(question):
            named = self._named_measure(intent, hits)
            if named is not None and not (named.targets or named.terms):  # "它有什么目标？", no figure
                return replace(
                    self._candidate(question, replace(intent, kind="general"), hits, scored),
                    intent=replace(intent, kind="general"),
                )
        if intent.kind == "responsibility":
            resp = self._responsibility(question, intent, hits, scored)
            if resp is not None:
                return resp
        if intent.kind != "responsibility":  # a bare department list answers nothing else
            scored = [x for x in scored if not x[1].is_note] or scored
        if intent.kind == "target":
            targets = self._targets(question, intent, hits, scored)
            if targets is not None:
                return targets
        if intent.kind == "deadline" and (
            _WHOLE_SCHEDULE.search(question) or self._only_a_title(intent, hits)
        ):
            schedule = self._schedule(question, intent, hits, scored[0][1])
            if schedule is not None:
                return schedule
        chosen = self._select(question, intent, scored, qvec)
        found = (
            "\n".join(match_form(s.text) for s in chosen) + "\n" + match_form(chosen[0].chunk.measure_title)
        )
        answer = self._quote_answer(question, intent, hits, chosen)
        best = scored[0][1]  # what the answer rests on first: the best sentence
        return _Candidate(answer, found, [best, *(s for s in chosen if s is not best)], "quote")

    def _select(
        self, question: str, intent: Intent, scored: list[tuple[float, Sentence]], qvec: np.ndarray | None
    ) -> list[Sentence]:
        """Best sentence; the best for each further ask of a compound question; then
        others that add question content or a wanted year."""
        best_score, best = scored[0]
        chosen = [best]
        subs = sub_questions(question)
        if len(subs) > 1:
            pool = [s for _, s in scored if s.chunk.doc_id == best.chunk.doc_id]
            for sub in subs:
                probs = self._rank(sub, detect_intent(sub), pool, None, qvec)
                ranked = sorted(zip(probs, pool), key=lambda x: -x[0])
                top = ranked[0][0]
                # each ask gets its own evidence when another sentence answers it about as well
                pick = next((s for p, s in ranked if s not in chosen and p >= 0.8 * top), None)
                if pick is not None and len(chosen) < MAX_SENTENCES:
                    chosen.append(pick)
        covered = match_form(best.text)
        years = {best.year}
        wanted = set(intent.years) | ({self.plan_year(best.chunk.doc_id)} if intent.this_year else set())
        for score, s in scored[1:]:
            if len(chosen) >= MAX_SENTENCES:
                break
            same = s.chunk.id == best.chunk.id  # a year's figure is added from the same measure only
            # beside the best sentence, in its own passage: what adds to it; elsewhere in the
            # document only what the ranker rates near it
            if s.chunk.doc_id != best.chunk.doc_id or (not same and score < self.fitted.keep * best_score):
                continue
            if wanted and best.year in wanted and s.year and s.year not in wanted:
                continue  # another year's figure answers no question about the year asked
            keys = match_form(s.text)
            gain = coverage(intent.keys, covered + "\n" + keys, self.weights) - coverage(
                intent.keys, covered, self.weights
            )
            new_year = s.year not in years and (
                (len(wanted) > 1 and s.year in wanted)
                # no year asked, and another year's figure says as much of what is asked
                or (
                    not intent.years
                    and not intent.this_year
                    and bool(s.year)
                    and coverage(intent.keys, keys, self.weights)
                    >= coverage(intent.keys, covered, self.weights)
                )
            )
            if gain >= 0.15 or (new_year and same):
                chosen.append(s)
                covered += "\n" + keys
                years.add(s.year)
        return sorted(chosen, key=lambda s: s.start)

    def _compound(
        self,
        question: str,
        subs: list[str],
        hits: list[Hit],
        intent: Intent,
        trace: Trace | None,
        pinned: bool = False,
        qvec: np.ndarray | None = None,
    ) -> Answer:
        """Asks of different kinds ("几月开工？归哪个部门牵头？"): each answered on its
        own, joined, citations renumbered."""
        parts = [a for a in (self.compose(q, hits, trace, pinned, qvec) for q in subs) if not a.refused]
        if not parts:
            return self._refuse(question, hits, intent)
        return joined(question, parts, hits, intent.kind)

    def _document_name(self, question: str, hits: list[Hit], intent: Intent) -> Answer | None:
        """The full title of the document in focus, cited where it stands."""
        doc = self.index.documents.get(hits[0].chunk.doc_id, {})
        span = doc.get("title_span")
        if not span:
            return None
        title = cite(self.index, 1, doc["id"], doc["title"], span[0], span[1])
        return Answer(question, f"全称是《{title.quote}》[1]。", False, (title,), tuple(hits), "meta")

    def _named_measure(self, intent: Intent, hits: list[Hit]) -> Measure | None:
        """The measure whose title holds most of what the question is about, when it
        holds nearly all of it ("加强科技创新主体培育的目标是什么？")."""
        measures = [m for h in hits if (m := self.index.measure_of(h.chunk)) is not None]
        best = max(
            measures, key=lambda m: coverage(intent.keys, match_form(m.title), self.weights), default=None
        )
        if best is None or coverage(intent.keys, match_form(best.title), self.weights) < 0.7:
            return None
        return best

    def _targets(
        self, question: str, intent: Intent, hits: list[Hit], scored: list[tuple[float, Sentence]]
    ) -> _Candidate | None:
        """Every quantitative target of the measure the question names by its title and
        asks the targets of, without naming a figure ("它的目标是什么？"), in order: each
        cited by the sentence that states it."""
        m = self._named_measure(intent, hits)
        # its targets; where it sets none, the figures its policy grants or bounds
        figures = (m.targets or m.terms) if m is not None else ()
        if not figures or intent.years:
            return None
        assert m is not None
        src = self.index.source_text(m.doc_id)
        spans: list[tuple[int, int]] = []
        for t in figures:
            span = _sentence_around(src, t.span.start, t.span.end)
            if span not in spans:
                spans.append(span)
        cites = [cite(self.index, i, m.doc_id, m.title, a, b) for i, (a, b) in enumerate(spans, 1)]
        items = "；".join(f"{c.quote.rstrip(_TRAIL)}[{c.n}]" for c in cites)
        what = "量化目标" if m.targets else "量化标准"
        text = f"“{m.title}”的{what}共{len(cites)}项：{items}。"
        found = match_form(m.title) + "\n" + "\n".join(match_form(c.quote) for c in cites)
        stating = [s for _, s in scored if any(s.start < b and a < s.end for a, b in spans)]
        answer = Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)
        # it rests on what ties the question to the measure (the best sentence), then the figures
        return _Candidate(answer, found, [scored[0][1], *stating], "targets", named=True)

    def _only_a_title(self, intent: Intent, hits: list[Hit]) -> bool:
        """The question's words are a measure's title and nothing else ("提高水旱灾害防御能力的
        完成时限是什么？"): asked when, it asks that measure's whole schedule."""
        return bool(intent.keys) and any(
            m is not None
            and m.deadlines
            and coverage(intent.keys, match_form(m.title), self.weights) >= 0.999
            for m in (self.index.measure_of(h.chunk) for h in hits)
        )

    def _schedule(self, question: str, intent: Intent, hits: list[Hit], best: Sentence) -> _Candidate | None:
        """Every dated item of the measure the question names (by its title), else of
        the best-matching sentence's measure, in order."""
        measures = [m for h in hits if (m := self.index.measure_of(h.chunk)) is not None and m.deadlines]
        named = max(
            measures, key=lambda m: coverage(intent.keys, match_form(m.title), self.weights), default=None
        )
        m = self.index.measure_of(best.chunk)
        by_title = named is not None and coverage(intent.keys, match_form(named.title), self.weights) >= 0.7
        if by_title:
            m = named
        if m is None or not m.deadlines:
            return None
        found = match_form(m.title + "\n" + (best.text if m is self.index.measure_of(best.chunk) else ""))
        seen: set[tuple[int, int]] = set()
        cites: list[Citation] = []
        for d in m.deadlines:
            if (d.span.start, d.span.end) not in seen:
                seen.add((d.span.start, d.span.end))
                cites.append(cite(self.index, len(cites) + 1, m.doc_id, m.title, d.span.start, d.span.end))
        items = "；".join(f"{c.quote.rstrip(_TRAIL)}[{c.n}]" for c in cites)
        text = f"“{m.title}”的时间节点共{len(cites)}个：{items}。"
        found += "\n" + "\n".join(match_form(c.quote) for c in cites)
        answer = Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)
        return _Candidate(answer, found, [best], "schedule", named=by_title)

    def _responsibility(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
    ) -> _Candidate | None:
        """Lead/support from the responsibility note of the best-matching measure,
        or of the two best when the question names two (a common lead, say)."""
        picked: list[tuple[Measure, Sentence]] = []
        # a measure the question names by its full title is the one asked about
        q = match_form(question)
        for _, s in scored:
            m = self.index.measure_of(s.chunk)
            named = (
                m is not None and m.resp_span is not None and len(m.title) >= 4 and match_form(m.title) in q
            )
            if named and m is not None and all(m != p for p, _ in picked):
                picked.append((m, s))
        if picked:
            found = "\n".join(self._resp_keys(m, s) for m, s in picked[:2])
            answer = self._resp_answer(question, intent, hits, picked[:2])
            return _Candidate(answer, found, [s for _, s in picked[:2]], "note")
        for _, s in scored:
            m = self.index.measure_of(s.chunk)
            if m is None or m.resp_span is None:
                if not picked:
                    return None  # best evidence is not a measure: answer by quoting
                continue
            if all(m != p for p, _ in picked):
                picked.append((m, s))
            if len(picked) == 2:
                break
        if not picked:
            return None
        # one measure, unless the question's content is only covered by two together
        one = "\n".join(self._resp_keys(m, s) for m, s in picked[:1])
        two = "\n".join(self._resp_keys(m, s) for m, s in picked[:2])
        n = 1
        if len(picked) == 2 and coverage(intent.keys, one, self.weights) < 0.5 <= coverage(
            intent.keys, two, self.weights
        ):
            n = 2
        found = two if n == 2 else one
        answer = self._resp_answer(question, intent, hits, picked[:n])
        return _Candidate(answer, found, [s for _, s in picked[:n]], "note")

    def _resp_keys(self, m: Measure, s: Sentence) -> str:
        assert m.resp_span is not None
        note = self.index.source_text(m.doc_id)[m.resp_span.start : m.resp_span.end]
        return "\n".join(match_form(t) for t in (s.text, m.title, note))

    def _resp_answer(
        self, question: str, intent: Intent, hits: list[Hit], picked: list[tuple[Measure, Sentence]]
    ) -> Answer:
        cites: list[Citation] = []
        parts = []
        for m, s in picked:
            assert m.resp_span is not None
            marks = []
            # The note proves the departments; the matched sentence is cited too when it,
            # not the measure's title, is what ties the question to this measure
            # ("齐河采煤塌陷地治理归哪个部门牵头？"). Named by its title, the measure needs no more.
            named = coverage(intent.keys, match_form(m.title), self.weights) >= coverage(
                intent.keys, match_form(s.text), self.weights
            )
            if not named and not (s.start < m.resp_span.end and m.resp_span.start < s.end):
                cites.append(cite(self.index, len(cites) + 1, m.doc_id, m.title, s.start, s.end))
                marks.append(cites[-1].n)
            cites.append(
                cite(self.index, len(cites) + 1, m.doc_id, m.title, m.resp_span.start, m.resp_span.end)
            )
            marks.append(cites[-1].n)
            parts.append(f"“{m.title}”{self._who(m, intent)}" + "".join(f"[{n}]" for n in marks))
        text = "；".join(parts) + "。"
        if len(picked) == 2:
            common = [d for d in picked[0][0].lead if d in picked[1][0].lead]
            if common:
                text += f"两项共同的牵头单位是{'、'.join(common)}。"
        return Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)

    @staticmethod
    def _who(m: Measure, intent: Intent) -> str:
        lead = "、".join(m.lead)
        if m.each_responsible:
            who = f"由{lead}分别负责"
        elif m.lead:
            who = f"由{lead}牵头负责"
        else:
            who = "未列牵头单位"
        if m.support:
            who += f"，{'、'.join(m.support)}配合"
        elif intent.wants_support or not m.each_responsible:
            who += "，未列配合单位"
        return who

    def _quote_answer(self, question: str, intent: Intent, hits: list[Hit], chosen: list[Sentence]) -> Answer:
        cites: list[Citation] = []
        parts = []
        if intent.kind == "deadline" or {"date", "month"} & set(asked_kinds(question)):
            # a sentence stating no time of its own: its paragraph's year
            chosen = self._with_context(chosen, "dated_by", lambda s: not states_time(s.text))
        if _asks_who(question, intent):
            chosen = self._with_context(chosen, "said_by")
        for s in chosen:
            title = s.chunk.measure_title
            c = cite(self.index, len(cites) + 1, s.chunk.doc_id, title, s.start, s.end)
            cites.append(c)
            parts.append(f"{s.text.rstrip(_TRAIL)}[{c.n}]")
        head = chosen[0].chunk
        lead = f"“{head.measure_title}”：" if head.kind == "measure" and head.measure_title else ""
        text = lead + "；".join(parts) + "。"
        return Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)

    def _with_context(
        self, chosen: list[Sentence], link: str, wanted: Callable[[Sentence], bool] = lambda s: True
    ) -> list[Sentence]:
        """Each sentence (``wanted``) quoted after the earlier sentence of its paragraph that its
        ``link`` points to, once: a paragraph's "2023年，…" lead (``dated_by``), whose year
        answers "什么时候"; the sentence naming the doer of one that starts with what is to be
        done (``said_by``: "司法部负责…。要及时跟踪…"), which answers "谁"."""
        out: list[Sentence] = []
        spans = {(s.start, s.end) for s in chosen}
        for s in chosen:
            span = getattr(s, link)
            if span is not None and span not in spans and wanted(s):
                a, b = span
                text = self.index.source_text(s.chunk.doc_id)[a:b]
                cleared: dict[str, Any] = {link: None}  # the quoted sentence needs none
                out.append(replace(s, start=a, end=b, text=text, vector=None, **cleared))
                spans.add(span)
            out.append(s)
        return out

    def _refuse(
        self, question: str, hits: list[Hit], intent: Intent, prob: float | None = None, rule: str = ""
    ) -> Answer:
        text = f"{REFUSAL}：方案原文中没有找到能回答这个问题的内容。"
        if hits:
            text += "以下是最接近的段落，仅供参考。"
        conf = round(prob, 4) if prob is not None else None
        return Answer(question, text, True, (), tuple(hits), intent.kind, confidence=conf, rule=rule)

    def _refuse_value(
        self, question: str, hits: list[Hit], intent: Intent, cand: _Candidate, prob: float
    ) -> Answer:
        """The text speaks of the thing asked about but states no value of the kind asked
        (a budget, a date, a place): say so, and say what it does state, cited."""
        asked = "、".join(dict.fromkeys(ASKED_LABEL[k] for k in asked_kinds(question))) or "具体数值"
        s = cand.chosen[0]
        if intent.years and not any(s.year in intent.years for s in cand.chosen):
            asked = "、".join(f"{y}年" for y in intent.years) + "的" + asked  # another year's figure
        said = cite(self.index, 1, s.chunk.doc_id, s.chunk.measure_title, s.start, s.end)
        where = (
            f"“{s.chunk.measure_title}”" if s.chunk.kind == "measure" and s.chunk.measure_title else "原文"
        )
        text = f"{REFUSAL}{asked}。{where}中相关的内容是：{said.quote.rstrip(_TRAIL)}[1]，没有给出{asked}。"
        return Answer(
            question,
            text,
            True,
            (said,),
            tuple(hits),
            intent.kind,
            confidence=round(prob, 4),
            rule=_VALUE_RULE,
        )
