"""Compose a short Chinese answer from retrieved chunks, without an LLM (extractive).

Every claim in the answer is a quote of the source (or a department list read from
a quoted responsibility note) followed by its [n] marker; each citation carries
the exact source span. When the retrieved text does not cover what the question
is about, the answer says so plainly ("文中未提及…") instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.evidence import KeyWeights, Sentence, coverage, score_sentence, sentences_of, states_time
from assistant.intent import Intent, asks_name, detect_intent, is_meta, match_form, sub_questions
from index.ledger import plan_year
from index.parse import heading_level
from index.plan_index import PlanIndex
from index.types import Answer, Citation, Hit, Measure

# Below this share of the question's (IDF-weighted) content found in the chosen
# evidence, the text is taken not to answer the question.
MIN_COVERAGE = 0.5
STRONG_COVERAGE = 0.7
MAX_SENTENCES = 3
_TRAIL = "。；;，,、 "
REFUSAL = "文中未提及"


# "…的时间节点分别是什么？", "完成时限是怎么规定的？": the measure's whole schedule
_WHOLE_SCHEDULE = re.compile(
    r"(完成时限|时间节点|节点)[^？?]{0,6}(哪几|分别|有哪些|怎么|如何|怎样)|(哪几个|有哪些|几个)(时间)?节点|全年.{0,8}节点"
)
_ASKED_UNIT = re.compile(r"多少(亿元|万元|元|公里|万亩|亩|万千瓦|千瓦|家|个|人|座|所|处|条|吨)")


def shift_markers(text: str, offset: int) -> str:
    """Renumber [n] markers by ``offset``."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)


def _is_heading(text: str) -> bool:
    """A numbered heading standing alone ("五、大力促进…"): a label, not an answer."""
    return bool(heading_level(text)[0]) and len(text) <= 45 and not re.search(r"[。，,；;]", text[:-1])


class Composer:
    """Turns (question, hits) into an ``Answer``; holds per-index statistics."""

    def __init__(self, index: PlanIndex) -> None:
        self.index = index
        self.weights = KeyWeights(index)
        self._plan_year: dict[str, str] = {}

    def plan_year(self, doc_id: str) -> str:
        """The year a plan's "今年" refers to (as the document states it)."""
        year = self._plan_year.get(doc_id)
        if year is None:
            year = self._plan_year[doc_id] = plan_year(self.index.source_text(doc_id))
        return year

    def compose(self, question: str, hits: list[Hit]) -> Answer:
        intent = detect_intent(question)
        if not question.strip() or not hits:
            return self._refuse(question, hits, intent)
        subs = sub_questions(question)
        if len(subs) > 1 and len({detect_intent(q).kind for q in subs}) > 1:
            return self._compound(question, subs, hits, intent)
        if asks_name(question):
            named = self._document_name(question, hits, intent)
            if named is not None:
                return named
        if not all(self._phrase_known(p) for p in intent.quoted):
            return self._refuse(question, hits, intent)
        sents = [
            s
            for r, h in enumerate(hits, 1)
            for s in sentences_of(self.index, h, r)
            # a title or a heading alone answers nothing
            if s.text.rstrip("。") != s.chunk.measure_title and not _is_heading(s.text)
        ]
        if not sents:
            return self._refuse(question, hits, intent)
        year = self.plan_year(hits[0].chunk.doc_id)
        meta = is_meta(question)  # about the document itself: its preamble says
        scored = sorted(
            (
                (
                    score_sentence(s, intent, self.weights, year)
                    + (0.1 if meta and s.chunk.kind == "preamble" else 0.0),
                    s,
                )
                for s in sents
            ),
            key=lambda x: (-x[0], x[1].rank, x[1].start),
        )
        if intent.kind == "responsibility":
            answer = self._responsibility(question, intent, hits, scored)
            if answer is not None:
                return answer
        if intent.kind != "responsibility":  # a bare department list answers nothing else
            scored = [x for x in scored if not x[1].is_note] or scored
        if intent.kind == "deadline" and _WHOLE_SCHEDULE.search(question):
            schedule = self._schedule(question, intent, hits, scored[0][1])
            if schedule is not None:
                return schedule
        chosen = self._select(question, intent, scored)
        if intent.kind == "deadline" and not any(states_time(s.text, intent.wants_day) for s in chosen):
            return self._refuse(question, hits, intent)  # asked when; the text gives no time
        if intent.kind == "target" and intent.years and not any(s.year in intent.years for s in chosen):
            return self._refuse(question, hits, intent)  # a figure for another year is not this year's
        unit = _ASKED_UNIT.search(question)
        if unit and not any(re.search(rf"\d\s*[十百千万亿]*{unit.group(1)}", s.text) for s in chosen):
            return self._refuse(question, hits, intent)  # asked 多少亿元; no such figure
        found = "\n".join(match_form(s.text) for s in chosen)
        found += "\n" + match_form(chosen[0].chunk.measure_title)
        if not self._supported(intent, found):
            return self._refuse(question, hits, intent)
        return self._quote_answer(question, intent, hits, chosen)

    # -- pieces ---------------------------------------------------------------

    def _supported(self, intent: Intent, found: str) -> bool:
        """Does the evidence (matching form) cover what the question is about?

        Enough of the question's weighted content must be found; and a noun the
        whole index never mentions (a metric, a thing) means the text is silent
        on it, unless the evidence is otherwise near-complete.
        """
        cov = coverage(intent.keys, found, self.weights)
        if cov < MIN_COVERAGE:
            return False
        return cov >= STRONG_COVERAGE or not any(self._unknown(n, intent) for n in intent.nouns)

    def _unknown(self, noun: str, intent: Intent) -> bool:
        """The word occurs nowhere in the index: not as itself, not as its parts
        (京杭大运河 when 京杭 and 大运河 occur), not as an abbreviation of a longer
        name (综保区 in 综合保税区, 人社局 in 人力资源社会保障局)."""
        if self.weights.present(noun):
            return False
        parts = [k for k in intent.keys if k != noun and k in noun and self.weights.present(k)]
        covered = {
            i for p in parts for m in re.finditer(re.escape(p), noun) for i in range(m.start(), m.end())
        }
        if len(covered) == len(noun):  # every character belongs to a known word
            return False
        return not self.weights.abbreviates(noun)

    def _phrase_known(self, phrase: str) -> bool:
        return self.weights.present(phrase)

    def _select(self, question: str, intent: Intent, scored: list[tuple[float, Sentence]]) -> list[Sentence]:
        """Best sentence; the best for each further ask of a compound question; then
        others that add question content or a wanted year."""
        best_score, best = scored[0]
        chosen = [best]
        subs = sub_questions(question)
        if len(subs) > 1:
            year = self.plan_year(best.chunk.doc_id)
            for sub in subs:
                sub_intent = detect_intent(sub)
                pool = [s for _, s in scored if s.chunk.doc_id == best.chunk.doc_id]
                ranked = sorted(pool, key=lambda s: -score_sentence(s, sub_intent, self.weights, year))
                top = score_sentence(ranked[0], sub_intent, self.weights, year)
                # each ask gets its own evidence when another sentence answers it about as well
                pick = next(
                    (
                        s
                        for s in ranked
                        if s not in chosen and score_sentence(s, sub_intent, self.weights, year) >= 0.8 * top
                    ),
                    None,
                )
                if pick is not None and len(chosen) < MAX_SENTENCES:
                    chosen.append(pick)
        covered = match_form(best.text)
        years = {best.year}
        wanted = set(intent.years) | ({self.plan_year(best.chunk.doc_id)} if intent.this_year else set())
        for score, s in scored[1:]:
            if len(chosen) >= MAX_SENTENCES or score < 0.5 * best_score:
                break
            if s.chunk.doc_id != best.chunk.doc_id:
                continue
            keys = match_form(s.text)
            gain = coverage(intent.keys, covered + "\n" + keys, self.weights) - coverage(
                intent.keys, covered, self.weights
            )
            new_year = s.year not in years and (
                (len(wanted) > 1 and s.year in wanted)
                # no year asked, and another year's figure matches about as well
                or (not intent.years and not intent.this_year and s.year and score >= 0.85 * best_score)
            )
            same = s.chunk.id == best.chunk.id  # a year's figure is added from the same measure only
            if gain >= 0.15 or (new_year and same):
                chosen.append(s)
                covered += "\n" + keys
                years.add(s.year)
        return sorted(chosen, key=lambda s: s.start)

    def _compound(self, question: str, subs: list[str], hits: list[Hit], intent: Intent) -> Answer:
        """Asks of different kinds ("几月开工？归哪个部门牵头？"): each answered on its
        own, joined, citations renumbered."""
        parts = [a for a in (self.compose(q, hits) for q in subs) if not a.refused]
        if not parts:
            return self._refuse(question, hits, intent)
        texts: list[str] = []
        cites: list[Citation] = []
        for a in parts:
            offset = len(cites)
            texts.append(shift_markers(a.text, offset).rstrip("。"))
            cites.extend(replace(c, n=c.n + offset) for c in a.citations)
        return Answer(question, "；".join(texts) + "。", False, tuple(cites), tuple(hits), intent.kind)

    def _document_name(self, question: str, hits: list[Hit], intent: Intent) -> Answer | None:
        """The full title of the document in focus, cited where it stands."""
        doc = self.index.documents.get(hits[0].chunk.doc_id, {})
        span = doc.get("title_span")
        if not span:
            return None
        cite = self.index.cite(1, doc["id"], doc["title"], span[0], span[1])
        return Answer(question, f"全称是《{cite.quote}》[1]。", False, (cite,), tuple(hits), "meta")

    def _schedule(self, question: str, intent: Intent, hits: list[Hit], best: Sentence) -> Answer | None:
        """Every dated item of the measure the question names (by its title), else of
        the best-matching sentence's measure, in order."""
        measures = [m for h in hits if (m := self.index.measure_of(h.chunk)) is not None and m.deadlines]
        named = max(
            measures, key=lambda m: coverage(intent.keys, match_form(m.title), self.weights), default=None
        )
        m = self.index.measure_of(best.chunk)
        if (
            named is not None
            and coverage(intent.keys, match_form(named.title), self.weights) >= STRONG_COVERAGE
        ):
            m = named
        if m is None or not m.deadlines:
            return None
        found = match_form(m.title + "\n" + (best.text if m is self.index.measure_of(best.chunk) else ""))
        if not self._supported(intent, found):
            return None
        seen: set[tuple[int, int]] = set()
        cites: list[Citation] = []
        for d in m.deadlines:
            if (d.span.start, d.span.end) not in seen:
                seen.add((d.span.start, d.span.end))
                cites.append(self.index.cite(len(cites) + 1, m.doc_id, m.title, d.span.start, d.span.end))
        items = "；".join(f"{c.quote.rstrip(_TRAIL)}[{c.n}]" for c in cites)
        text = f"“{m.title}”的时间节点共{len(cites)}个：{items}。"
        return Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)

    def _responsibility(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
    ) -> Answer | None:
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
            return self._resp_answer(question, intent, hits, picked[:2])
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
        for n in (1, 2)[: len(picked)]:
            found = "\n".join(self._resp_keys(m, s) for m, s in picked[:n])
            if self._supported(intent, found):
                return self._resp_answer(question, intent, hits, picked[:n])
        return self._refuse(question, hits, intent)

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
                cites.append(self.index.cite(len(cites) + 1, m.doc_id, m.title, s.start, s.end))
                marks.append(cites[-1].n)
            cites.append(
                self.index.cite(len(cites) + 1, m.doc_id, m.title, m.resp_span.start, m.resp_span.end)
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
        for s in chosen:
            title = s.chunk.measure_title
            c = self.index.cite(len(cites) + 1, s.chunk.doc_id, title, s.start, s.end)
            cites.append(c)
            parts.append(f"{s.text.rstrip(_TRAIL)}[{c.n}]")
        head = chosen[0].chunk
        lead = f"“{head.measure_title}”：" if head.kind == "measure" and head.measure_title else ""
        text = lead + "；".join(parts) + "。"
        return Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)

    def _refuse(self, question: str, hits: list[Hit], intent: Intent) -> Answer:
        text = f"{REFUSAL}：方案原文中没有找到能回答这个问题的内容。"
        if hits:
            text += "以下是最接近的段落，仅供参考。"
        return Answer(question, text, True, (), tuple(hits), intent.kind)
