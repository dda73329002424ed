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

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answering.answertype import asked_kinds, asks_how_often, states, states_how_often
from assistant.answering.document import addressed_to
from assistant.answering.evidence import (
    SELF_REFERENCE,
    SENTENCE_FEATURES,
    KeyWeights,
    Sentence,
    coverage,
    name_coverage,
    puts_in_charge,
    sentence_features,
    sentences_of,
    states_time,
)
from assistant.answering.fitted import LEXICAL, Fitted, load_fitted
from assistant.answering.gate import (
    VALUE_FEATURES,
    VALUE_RULE,
    YEAR_RULE,
    Candidate,
    GateFeatures,
    asked_doing,
    asked_years,
    asks_who,
    hinges,
    mentions_year,
)
from assistant.answering.intent import (
    Intent,
    asks_name,
    asks_which_document,
    content_keys,
    content_nouns,
    detect_intent,
    is_meta,
    match_form,
    mention_of,
    sub_questions,
)
from assistant.answering.phrases import pattern
from assistant.answering.roster import Listing, RosterAnswers
from assistant.answering.structured import MeasureAnswers
from assistant.answering.types import Answer
from assistant.answering.wording import REFUSAL, Wording, asked_label, joined
from index.headings import _WS, heading_level
from index.metadata import date_of_line, is_number_line
from index.plan_index import PlanIndex
from index.types import Hit

MAX_SENTENCES = 3
# how much of a task a sentence stating a time must say to be its time (``Composer._time_of``)
TASK_SHARE = 0.29  # evals/time_share.py, on the dev splits (10 lines, 3 right)
# how near the best sentence the ranker must rate one putting someone in charge, for a who-question
# whose best sentence puts no one in charge (its probability over the best's)
# evals/time_share.py --doers, on the dev splits: 22 questions, 2 of whose answers it changes (right
# with the sentence joining, wrong without; any share from 0.003 to 0.47 does as well) — little data
DOER_SHARE = 0.18
# how near its own best an ask of a compound question ("…占地多大？土地能用到啥时候？") must rate a
# further sentence for it to join as that ask's evidence (its probability over the ask's best).
# evals/sub_share.py, on the dev splits: 194 questions of more than one ask, 167 right from 0.2 to
# 0.4 against 163 at the 0.8 set by hand before (0.0: 166, 1.0: 160)
SUB_SHARE = 0.4
# how near the best a sentence stating how often must rate to join an answer to "一年开几次会？" whose
# best sentence states no frequency (its probability over the best's). evals/often_share.py, on the
# dev splits: 24 questions asking how often, 21 right from 0 to 0.01, 20 at 0.05, 18 from 0.1 up
# ("每年召开两次会议" shares few words of "一年开几次会" and its numeral is a character: it rates low)
OFTEN_SHARE = 0.0
# a sentence speaking of the work before it as a whole ("以上工作要在…完成", "上述任务于…前完成")
_DONE = re.compile(r"(?:以上|上述|前述|该项|此项|这项)(?:工作|任务|事项)?")
# asks who sets a value ("比例谁定", "标准由谁来定"; not "哪家定点医院", "定期"), and a text leaving
# a value, named as one, to a body to set ("具体比例由西藏自治区人民政府研究确定", "主任人选由…推举确定";
# not "实施细则由…制定", "由于")
_ASKS_WHO_DECIDES = re.compile(
    r"(?:(?:谁|哪个部门|哪家|哪一级)(?:来)?|由谁(?:来)?)(?:定|确定|决定|制定|规定|说了算)(?![期点位向型性额])"
)
_DELEGATED = re.compile(
    r"(?:具体|比例|标准|金额|数额|额度|名单|人选|数量|期限|时间)[^，。；]{0,6}?(?<![自理])由(?!于)"
    r"[^，。；]{2,30}?(?:研究|推举|协商)?(?:确定|制定|决定|规定)"
)
# a sentence that introduces what follows it ("…向税务部门提供或者协助核实以下与专项附加扣除有关的信息：",
# "…经商信息产业部、国务院信息办，现答复如下："): twelve characters or more before its colon, so not a
# salutation ("邓明义代表：") nor a bare "现答复如下：" (the whole letter follows) — nor a line of
# addressees (``document.addressed_to``); and how far after it what it introduces may start
# (characters of the source)
_LEAD_IN = re.compile(r"\S{12,}[：:]\s*$")
_ANOTHER_LEAD_IN = re.compile(r"[：:]\s*\n")
INTRODUCED = 1200
QUOTED_NAME = 5  # characters: a quoted phrase this long is a name (of a project, a site, a measure)

_WHOLE_SCHEDULE = pattern("answer.whole_schedule")


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
    qvec: np.ndarray | None = None  # the question's vector the sentences were weighed against
    decisions: list[Decision] = field(default_factory=list)
    # for a time asked of a task that states none: each line of its schedule weighed as its
    # time, (share of the task it says, line, task) — ``TASK_SHARE`` is fitted on these
    timed: list[tuple[float, Sentence, Sentence]] = field(default_factory=list)
    # for a who-question whose best sentence puts no one in charge: each sentence of its passage
    # or measure that does, (its probability over the best's, it, the best) — ``DOER_SHARE`` is
    # fitted on these
    doers: list[tuple[float, Sentence, Sentence]] = field(default_factory=list)


_WHEN_KINDS = frozenset({"date", "year", "month", "day"})


# a doing named as the point a time is counted from ("自口岸启用之日起"), not given a time of its own
_AS_REFERENCE = r"(?:之日|之时|当日|那天|以后|之后)"


def only_referenced(question: str, intent: Intent, said: str) -> bool:
    """The question asks when a doing happens ("口岸哪天启用的？"), and the evidence (``said``)
    names it only as the point another time is counted from ("土地使用期限自口岸启用之日起至
    2047年6月30日止"): the dates it states are not that doing's."""
    if not _WHEN_KINDS & set(asked_kinds(question)):
        return False
    doing = asked_doing(question, intent)
    named = [m for k in doing for m in re.finditer(re.escape(k), said)]
    return bool(named) and all(re.match(_AS_REFERENCE, said[m.end() :]) for m in named)


def _left_to_whom(question: str, texts: Iterable[str]) -> bool:
    """The question asks who sets the value it asks ("能招多少…，这个比例谁定？"), and one of
    ``texts`` (the evidence) leaves a value to a body to set ("具体比例由西藏自治区人民政府研究
    确定"): answered by who sets it."""
    return bool(_ASKS_WHO_DECIDES.search(question)) and any(_DELEGATED.search(t) for t in texts)


def _introduced_end(text: str, end: int) -> int:
    """Where what a lead-in ending at ``end`` introduces ends: its numbered items ("（一）…",
    "1.…", and what is numbered under them) when a numbered line follows it, else the next
    ``INTRODUCED`` characters (a reply's body after "现答复如下：")."""
    level, pos = 0, end
    for line in text[end : end + 4 * INTRODUCED].split("\n"):
        words = line.strip(_WS)
        item = heading_level(words)[0]
        if words:
            if not level:
                level = item
                if not level:
                    return end + INTRODUCED
            elif not item or item < level:
                return pos
        pos += len(line) + 1
    return pos


def _with(chosen: list[Sentence], s: Sentence) -> list[Sentence]:
    """``chosen`` with ``s`` too, in the last place (a sentence reached in two passages is one)."""
    if any((c.chunk.doc_id, c.start, c.end) == (s.chunk.doc_id, s.start, s.end) for c in chosen):
        return chosen
    return [*chosen[: MAX_SENTENCES - 1], s]


def _after_best(
    scored: list[tuple[float, Sentence]], wanted: Callable[[Sentence], bool]
) -> list[tuple[float, Sentence]]:
    """The candidates after the best that are ``wanted``, best ranked first, each with its
    probability as a share of the best's (how near the best it rates)."""
    best_score = scored[0][0]
    return [(score / best_score if best_score > 0 else 0.0, s) for score, s in scored[1:] if wanted(s)]


def _same_part(a: Sentence, b: Sentence) -> bool:
    """Two sentences of one passage, or of one measure (its tasks and its 完成时限 may be
    passages of their own)."""
    return a.chunk.id == b.chunk.id or (
        a.chunk.doc_id == b.chunk.doc_id
        and bool(a.chunk.measure_title)
        and a.chunk.measure_title == b.chunk.measure_title
    )


def _asks_time(question: str, intent: Intent) -> bool:
    """The question asks when (a deadline, a date, a month), not how long."""
    return intent.kind == "deadline" or bool(_WHEN_KINDS & set(asked_kinds(question)))


def _states_asked_time(question: str, text: str) -> bool:
    """The text states the time the question asks ("几月" a month: not "2022年度"), or any
    time when it asks no kind of its own ("完成时限是什么")."""
    kinds = _WHEN_KINDS & set(asked_kinds(question))
    return all(states(k, text) for k in kinds) if kinds else states_time(text)


class Composer(GateFeatures, MeasureAnswers, RosterAnswers, Wording):
    """Turns (question, hits) into an ``Answer``; holds per-index statistics."""

    def __init__(self, index: PlanIndex, fitted: Fitted | None = None) -> None:
        self.index = index
        self.weights = KeyWeights(index)
        self.fitted = fitted or load_fitted(getattr(index.embedder, "name", ""))
        self._plan_year: dict[str, str] = {}
        self._rosters: dict[str, Listing] = {}

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
        which = asks_which_document(question)
        if intent.kind in ("target", "deadline") and which:
            # "…按上一个月最后一天的汇率折算，这是哪个文件规定的？": the figure or time is quoted, not asked
            intent = replace(intent, kind="general")
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
        if any(
            len(p) >= QUOTED_NAME
            and not self.weights.present(p)
            and not (which and self._said_otherwise(p, hits))
            for p in intent.quoted
        ):
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
        candidate = self._candidate(question, intent, hits, scored, qvec, trace)
        return self._decide(
            question, candidate.intent or intent, hits, scored, candidate, trace, pinned, qvec
        )

    # -- ranking and the gate -----------------------------------------------------

    def _vector(self, question: str) -> np.ndarray | None:
        if self.fitted.embedder == "":  # features without vectors: no need to embed
            return None
        return np.asarray(self.index.query_vector(question), dtype=np.float32)

    def _relation(self, sents: list[Sentence], qvec: np.ndarray | None) -> np.ndarray | None:
        relation = self.fitted.relation
        if relation is None or qvec is None:
            return None
        return relation.scores(qvec, [s.vector for s in sents])

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
            who=asks_who(question, intent),
            predicate=asked_doing(question, intent),
            hinge=tuple(h for h in hinges(question) if self.weights.present(h)),
            relation=self._relation(sents, qvec),
        )
        if trace is not None and trace.rows is None:
            trace.sentences, trace.rows, trace.qvec = sents, rows, qvec
        return self.fitted.ranker.probs(rows, SENTENCE_FEATURES)

    def _decide(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
        cand: Candidate,
        trace: Trace | None,
        pinned: bool = False,
        qvec: np.ndarray | None = None,
    ) -> Answer:
        features = self._gate_features(question, intent, scored, cand, qvec)
        # a value left to a body to set, asked with who sets it: weighed as no value asked
        left = _left_to_whom(question, (s.text for s in cand.chosen))
        aside = {**features, **dict.fromkeys(VALUE_FEATURES, 0.0)}  # the question, value aside
        prob = self.fitted.gate.prob(aside if left else features)
        rule = ""
        if features["names_other_measure"]:
            rule = "names another measure"  # by its title; the evidence is another measure's
        elif self._year_unmentioned(question, intent, cand):
            # "2020年春节从哪天放到哪天？" of the notice of 2019's holidays: no document says
            # anything of a year it never mentions
            rule = YEAR_RULE
        elif (
            features["value_missing"]
            or features["year_missing"]
            or features["names_missing"]
            or only_referenced(question, intent, "".join(s.text for s in cand.chosen))
        ) and not left:
            # 多少钱, 哪天, 在哪里, 2023年的…, 都是哪几个镇: the evidence states none (names asked
            # and none listed: on the dev splits never an answer that was right)
            rule = VALUE_RULE
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
        if rule in (VALUE_RULE, YEAR_RULE):
            # is the evidence about what is asked, value aside? then say what it says
            about = self.fitted.gate.prob(aside)
            if about >= self.fitted.gate.threshold:
                return self._refuse_value(question, hits, intent, cand, prob, rule)
        # a measure the question names by its title, asked for its targets or its schedule,
        # answers it as surely as one pinned by a follow-up
        if not rule and (pinned or cand.named or prob >= self.fitted.gate.threshold):
            if self._lists_no_support(question, intent, cand):  # "哪些部门配合？" of a note naming none
                text = f"{REFUSAL}配合单位：{cand.answer.text}"
                return replace(cand.answer, text=text, refused=True, confidence=round(prob, 4))
            return replace(cand.answer, confidence=round(prob, 4))
        # the confidence of a refusal says whether a generative model might still answer it
        # (answer mode llm): not when the evidence is certainly about another measure
        return self._refuse(
            question, hits, intent, prob=0.0 if rule == "names another measure" else prob, rule=rule
        )

    def _year_unmentioned(self, question: str, intent: Intent, cand: Candidate) -> bool:
        """The question asks of a year (not one it counts from) that no document the answer
        rests on mentions, in digits or in characters ("二〇二〇年")."""
        asked = asked_years(question, set(intent.years)) if intent.years else set()
        docs = {s.chunk.doc_id for s in cand.chosen}
        if not asked or not docs:
            return False
        return not any(mentions_year(self.index.source_text(d), y) for d in docs for y in asked)

    def _said_otherwise(self, quote: str, hits: list[Hit]) -> bool:
        """A quoted statement the passages say in other words ("“被赡养人是年满60岁的父母”这个说法
        出自哪个文件？" — "被赡养人是指年满60岁的父母"): most of its content words in one passage,
        so no name they lack."""
        keys = content_keys(quote)
        return len(keys) >= 3 and any(
            coverage(keys, match_form(h.chunk.text), self.weights) >= 0.8 for h in hits
        )

    # -- candidates -----------------------------------------------------------------

    def _candidate(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
        qvec: np.ndarray | None = None,
        trace: Trace | None = None,
    ) -> Candidate:
        listed = self._roster(question, intent, hits, scored)  # who holds a post, by the list
        if listed is not None:
            return listed
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
        chosen = self._select(question, intent, scored, qvec, trace)
        found = (
            "\n".join(match_form(s.text) for s in chosen) + "\n" + match_form(chosen[0].chunk.measure_title)
        )
        answer = self._quote_answer(question, intent, hits, chosen)
        best = scored[0][1]  # what the answer rests on first: the best sentence
        return Candidate(answer, found, [best, *(s for s in chosen if s is not best)], "quote")

    def _select(
        self,
        question: str,
        intent: Intent,
        scored: list[tuple[float, Sentence]],
        qvec: np.ndarray | None,
        trace: Trace | None = None,
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
                # each ask gets its own evidence: the best not chosen yet, if rated near enough
                # its own best (SUB_SHARE)
                pick = next((s for p, s in ranked if s not in chosen and p >= SUB_SHARE * top), None)
                if pick is not None and len(chosen) < MAX_SENTENCES:
                    chosen.append(pick)
        if _asks_time(question, intent) and not _states_asked_time(question, best.text):
            # "…生态产品总值核算，截止到几月？": the task's time, stated apart from it
            told = self._time_of(best, scored, trace)
            if told is not None:
                chosen = _with(chosen, told)
        if asks_how_often(question) and not any(states_how_often(c.text) for c in chosen):
            # "职教联席会议一年开几次会？": how often, in a sentence of its own ("每年召开两次会议")
            often = _after_best(
                scored, lambda s: s.chunk.doc_id == best.chunk.doc_id and states_how_often(s.text)
            )
            share, told = often[0] if often else (0.0, None)
            if told is not None and share >= OFTEN_SHARE:
                chosen = _with(chosen, told)
        if _LEAD_IN.search(best.text) and not addressed_to(best.text):
            # "…有关部门…提供…以下…信息：": what it introduces says what is asked
            told = self._introduced(best, scored)
            if told is not None:
                chosen = _with(chosen, told)
        if asks_who(question, intent) and not any(puts_in_charge(c.text) or c.doer_said for c in chosen):
            # "申办的钱谁出？": the best sentence puts no one in charge; the best ranked of its
            # passage or measure that does ("运动会申办全部经费由广东省人民政府承担"), if ranked near
            # enough (not one of another part: "民政部负责…登记管理" for "领导小组的组长由谁担任")
            doers = _after_best(
                scored, lambda s: _same_part(s, best) and (puts_in_charge(s.text) or s.doer_said)
            )
            if trace is not None:
                trace.doers.extend((share, s, best) for share, s in doers)
            share, doer = doers[0] if doers else (0.0, None)
            if doer is not None and share >= DOER_SHARE:
                chosen = _with(chosen, doer)
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
                # the year asked, beside a best sentence of no year that says no more of what is
                # asked ("今年新建高标准农田多少亩": "2023年,…40万亩" beside "新建…80万亩以上")
                or (
                    s.year in wanted
                    and not best.year
                    and coverage(intent.keys, keys, self.weights)
                    >= coverage(intent.keys, covered, self.weights)
                )
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

    def _introduced(self, lead: Sentence, scored: list[tuple[float, Sentence]]) -> Sentence | None:
        """What a sentence ending in a colon introduces, as far as the question is concerned: the
        best-ranked sentence after it, close after it in its document, with no other such sentence
        between them ("第二十六条　有关部门…向税务部门提供…以下…信息：" → "（一）公安部门有关户籍
        人口基本信息、户成员关系信息…")."""
        text = self.index.source_text(lead.chunk.doc_id)
        until = _introduced_end(text, lead.end)
        for _, s in scored:  # best first
            if (
                s.chunk.doc_id == lead.chunk.doc_id
                and lead.end <= s.start < until
                and not _ANOTHER_LEAD_IN.search(text[lead.end : s.start])
                and not _LEAD_IN.search(s.text)
            ):
                return s
        return None

    def _time_of(
        self, task: Sentence, scored: list[tuple[float, Sentence]], trace: Trace | None = None
    ) -> Sentence | None:
        """The time of ``task`` stated in a sentence of its own: a later one of its paragraph that
        speaks of it as done ("以上工作要在2019年2月底前完成"), or the line of its measure's schedule
        that says most of what it says ("完成时限:9月底前,完成试点县(市)2022年度生态产品总值核算" for
        "开展乐陵市、齐河县、庆云县3个试点县(市)2022年度生态产品总值核算"), if it says enough."""
        timed = sorted(
            (
                s
                for _, s in scored
                if _same_part(s, task) and (s.start, s.end) != (task.start, task.end) and states_time(s.text)
            ),
            key=lambda s: s.start,
        )
        text = self.index.source_text(task.chunk.doc_id)
        for s in timed:
            if s.start >= task.end and "\n" not in text[task.end : s.start] and _DONE.match(s.text):
                return s  # in the task's paragraph
        keys = tuple(k for k in content_keys(task.text) if not k.isdigit())
        shares = [(coverage(keys, match_form(s.text), self.weights), s) for s in timed if s.in_deadline_para]
        if trace is not None:
            trace.timed.extend((share, s, task) for share, s in shares)
        share, line = max(shares, key=lambda x: x[0], default=(0.0, None))
        return line if share >= TASK_SHARE else None

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
        own, joined, citations renumbered. An ask for a value the evidence does not state
        ("一般罚多少钱？会不会判刑？") leaves the question unanswered, whatever its other asks
        find: the refusal says what is missing, then what the other asks found."""
        answers = [(q, self.compose(q, hits, trace, pinned, qvec)) for q in subs]
        parts = [a for _, a in answers if not a.refused]
        if not parts:
            return self._refuse(question, hits, intent)
        missing = [(q, a) for q, a in answers if a.refused and a.rule in (VALUE_RULE, YEAR_RULE)]
        # "能招多少…，这个比例谁定？": a value the text leaves to someone to set is answered by
        # who sets it
        missing = [(q, a) for q, a in missing if not _left_to_whom(question, (c.quote for c in a.citations))]
        if missing:
            said: list[Answer] = []
            quoted: set[tuple[str, int, int]] = set()
            for q, a in missing:
                spans = {(c.doc, c.start, c.end) for c in a.citations}
                # no passage speaks of it, or one already quoted for another ask: say only what
                # is missing ("一般罚多少钱？要罚几年？" of one sentence: both said missing)
                short = not spans or spans <= quoted
                said.append(
                    replace(a, text=f"{REFUSAL}{asked_label(q, '所问的内容')}。", citations=())
                    if short
                    else a
                )
                quoted |= spans
            whole = joined(question, [*said, *parts], hits, intent.kind)
            confidence = min(a.confidence or 0.0 for _, a in missing)
            return replace(whole, refused=True, rule=VALUE_RULE, confidence=confidence)
        return joined(question, parts, hits, intent.kind)
