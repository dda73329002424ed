"""Answers read from a measure's parsed fields rather than quoted sentence by sentence: who is
responsible (its responsibility note), its quantitative targets, its whole schedule, the document's
full title."""

from __future__ import annotations

import re

from assistant.answering.evidence import (
    KeyWeights,
    Sentence,
    coverage,
)
from assistant.answering.gate import Candidate
from assistant.answering.intent import (
    Intent,
    match_form,
)
from assistant.answering.ledger import task_of
from assistant.answering.types import Answer, Citation, cite
from index.plan_index import PlanIndex
from index.responsibility import FIRST_LEADS
from index.types import Hit, Measure

_WS = " \t\r\n\u3000\xa0\ufeff"
# a question asking whether, not who or which ("有没有配合单位？", "还有配合的部门吗？")
_YES_NO = re.compile(r"有没有|有无|是否|有没|吗[？?。]*$")
_WH = re.compile(r"哪|谁|什么|啥")
_LEADS = re.compile(r"牵头|负责|主责|挑头|领头")
TRAIL = "。；;，,、 "


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


class MeasureAnswers:
    """Candidate answers from the parsed measures of the index (a part of ``Composer``)."""

    index: PlanIndex
    weights: KeyWeights

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
    ) -> Candidate | None:
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
        items = "；".join(f"{c.quote.rstrip(TRAIL)}[{c.n}]" for c in cites)
        what = "量化目标" if m.targets else "量化标准"
        text = f"“{m.title}”的{what}共{len(cites)}项：{items}。"
        found = match_form(m.title) + "\n" + "\n".join(match_form(c.quote) for c in cites)
        stating = [s for _, s in scored if any(s.start < b and a < s.end for a, b in spans)]
        answer = Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)
        # it rests on what ties the question to the measure (the best sentence), then the figures
        return Candidate(answer, found, [scored[0][1], *stating], "targets", named=True)

    def _only_a_title(self, intent: Intent, hits: list[Hit]) -> bool:
        """The question's words are a measure's title and nothing else ("提高水旱灾害防御能力的
        完成时限是什么？"): asked when, it asks that measure's whole schedule."""
        return bool(intent.keys) and any(
            m is not None
            and m.deadlines
            and coverage(intent.keys, match_form(m.title), self.weights) >= 0.999
            for m in (self.index.measure_of(h.chunk) for h in hits)
        )

    def _schedule(self, question: str, intent: Intent, hits: list[Hit], best: Sentence) -> Candidate | None:
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
        items = "；".join(f"{c.quote.rstrip(TRAIL)}[{c.n}]" for c in cites)
        text = f"“{m.title}”的时间节点共{len(cites)}个：{items}。"
        found += "\n" + "\n".join(match_form(c.quote) for c in cites)
        answer = Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)
        return Candidate(answer, found, [best], "schedule", named=by_title)

    def _responsibility(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        scored: list[tuple[float, Sentence]],
    ) -> Candidate | None:
        """Lead/support from the responsibility note of the best-matching measure,
        or of the two best when the question names two (a common lead, say)."""
        picked: list[tuple[Measure, Sentence]] = []
        # a measure the question names by its full title is the one asked about
        q = match_form(question)
        for _, s in scored:
            m = self._task_of(s)
            named = (
                m is not None and m.resp_span is not None and len(m.title) >= 4 and match_form(m.title) in q
            )
            if named and m is not None and all(m != p for p, _ in picked):
                picked.append((m, s))
        if picked:
            found = "\n".join(self._resp_keys(m, s) for m, s in picked[:2])
            answer = self._resp_answer(question, intent, hits, picked[:2])
            return Candidate(answer, found, [s for _, s in picked[:2]], "note")
        for _, s in scored:
            if s.is_note and self._split_by_notes(s):
                continue  # one of several notes of a measure: its tasks' words tell which is asked
            m = self._task_of(s)
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
        return Candidate(answer, found, [s for _, s in picked[:n]], "note")

    def _split_by_notes(self, s: Sentence) -> bool:
        """The sentence's measure is split into tasks by a note each."""
        m = self.index.measure_of(s.chunk)
        return m is not None and bool(m.notes)

    def _task_of(self, s: Sentence) -> Measure | None:
        """The measure of the sentence, as the ledger row of its task when its tasks carry a
        note each (``ledger.task_of``)."""
        m = self.index.measure_of(s.chunk)
        return task_of(m, s.start) if m is not None else None

    def _own_words(self, m: Measure) -> str:
        """The note's words, brackets off, when it says no 牵头, is no labelled note ("负责部门：…")
        and its document states no order of departments ("列第一位者为牵头单位"); "" otherwise."""
        if m.resp_span is None:
            return ""
        note = m.resp_span.slice(self.index.source_text(m.doc_id)).strip()
        inner = note[1:-1] if note[:1] in "（(" and note[-1:] in "）)" else ""
        if (
            not inner
            or "牵头" in inner
            or re.search(r"[:：]", inner)
            or FIRST_LEADS.search(self.index.source_text(m.doc_id))
        ):
            return ""
        return re.sub(r"\s+", "", inner).replace(",", "，")

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

    def _lists_no_support(self, question: str, intent: Intent, cand: Candidate) -> bool:
        """The question asks who supports ("哪些部门配合？" — the notes' own word for the role),
        not whether any does ("有没有配合单位？") nor who else takes part ("除了X还有谁参与", co-leads
        answer that), of measures whose notes list none: nothing answers it (the note says who leads)."""
        if cand.path != "note" or not intent.wants_support or _YES_NO.search(question) or "除" in question:
            return False
        # the clauses that ask ("宣传部牵头，哪些部门配合？": the lead is said, the support asked)
        asking = [c for c in re.split(r"[，,；;。？?！!]", question) if _WH.search(c)] or [question]
        if not all("配合" in c and not _LEADS.search(c) for c in asking):
            return False
        measures = [self.index.measure_of(s.chunk) for s in cand.chosen]
        return all(m is not None and not m.support for m in measures)

    def _who(self, m: Measure, intent: Intent) -> str:
        """Who the measure's note puts in charge: in the note's own words where it says no
        牵头 ("（市场监管总局、工业和信息化部负责）", "（商务部指导，供销合作总社参与）": no lead to
        claim) and the document sets no order for its departments; else as its lead and its
        support."""
        own = self._own_words(m)
        if own:
            return f"由{own}" + ("，未列配合单位" if intent.wants_support and not m.support else "")
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
