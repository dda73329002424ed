"""Follow-up questions: "强化能源保障谁牵头？" → "那配合单位呢？" → "完成时限呢？".

A ``Conversation`` keeps what the last answer was about (its *focus*: the measure
its citations come from, and the department the question named) and rewrites a
follow-up into a stand-alone question before asking it:

- an ask without a subject ("那配合单位呢？", "完成时限呢？", "目标是多少？") gets
  the measure in focus as its subject: "强化能源保障的配合单位是什么？";
- a pronoun ("它的目标", "这项工作谁配合") is replaced by the measure's title;
- a new subject without an ask ("那推进数字经济呢？", "市财政局呢？") takes the
  previous question's ask: "推进数字经济谁牵头？".

The rewritten question is kept on the turn (``Turn.resolved``) so a surface can show
it. Pure string work over the answer's citations; no model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.answering.intent import content_keys, detect_intent
from assistant.answering.phrases import pattern
from assistant.answering.types import Answer, final
from index.tokenize import normalize
from index.types import Measure

if TYPE_CHECKING:
    from assistant.answering.session import Assistant

_LEAD_IN = pattern("conversation.lead_in")
_TRAIL = re.compile(r"(呢|吗|呀|啊)?[？?。！!\s]*$")
_PRONOUN = pattern("conversation.pronoun")
_ROLE = pattern("conversation.role")


@dataclass(frozen=True)
class Focus:
    """What the conversation is about after a turn."""

    measure: Measure | None = None  # the one measure the answer was about, if one
    dept: str = ""  # the department the question named, as the user wrote it


@dataclass(frozen=True)
class Turn:
    question: str  # as asked
    resolved: str  # as answered: the stand-alone rewrite (== question when not a follow-up)
    answer: Answer
    focus: Focus = field(default_factory=Focus)

    @property
    def rewritten(self) -> bool:
        return self.resolved != self.question


class Conversation:
    """One chat: questions asked in order, each follow-up resolved from the last focus."""

    def __init__(
        self, assistant: Assistant, doc_id: str | None = None, collection: str | None = None
    ) -> None:
        self.assistant = assistant
        self.doc_id = doc_id
        self.collection = collection
        self.turns: list[Turn] = []

    @property
    def focus(self) -> Focus:
        return self.turns[-1].focus if self.turns else Focus()

    def ask(self, question: str, today: dt.date | None = None, mode: str | None = None) -> Turn:
        return final(self.ask_stream(question, today, mode))

    def ask_stream(
        self, question: str, today: dt.date | None = None, mode: str | None = None
    ) -> Iterator[str | Turn]:
        """Like ``Assistant.ask_stream``: the answer's text as it is made, then the Turn.
        ``mode`` overrides the answer mode ("extractive" to replay a history cheaply)."""
        resolved = self.resolve(question)
        focus = self.focus
        # a follow-up about the measure in focus is answered from that measure's text
        about = focus.measure if resolved != question and focus.measure is not None else None
        if about is not None and focus.measure is not None and focus.measure.title not in resolved:
            about = None  # rewritten to a new subject ("那推进数字经济呢？")
        answer = None
        for part in self.assistant.ask_stream(
            resolved, doc_id=self.doc_id, today=today, measure=about, mode=mode, collection=self.collection
        ):
            if isinstance(part, str):
                yield part
            else:
                answer = part
        assert answer is not None
        # "那…" asks on from the last answer even when it names a new thing
        follow_up = resolved != question or bool(_LEAD_IN.match(normalize(question).strip()))
        turn = Turn(question, resolved, answer, self._focus_after(resolved, answer, follow_up))
        self.turns.append(turn)
        yield turn

    def resolve(self, question: str) -> str:
        """The stand-alone form of ``question`` given the focus (itself when it stands alone)."""
        q = question.strip()
        if not self.turns or not q:
            return q
        focus = self.focus
        subject = focus.measure.title if focus.measure is not None else focus.dept
        if not subject:
            return q
        core = _TRAIL.sub("", _LEAD_IN.sub("", normalize(q)))
        if not core:
            return q
        follow_up_form = core != _TRAIL.sub("", normalize(q)) or q.rstrip("？?").endswith("呢")
        pronoun = _PRONOUN.search(core)
        if pronoun and focus.measure is not None:  # "它的目标是多少？", "这项工作谁配合？"
            rest = core[: pronoun.start()] + core[pronoun.end() :]
            if not content_keys(rest) or follow_up_form:
                return _ask_form(core[: pronoun.start()] + subject + core[pronoun.end() :])
        if (not content_keys(core) and detect_intent(core).kind != "general") or _ROLE.fullmatch(
            core.rstrip("的")
        ):
            # "那配合单位呢？", "完成时限呢？", "目标是多少？": the ask, about the focus
            if focus.measure is None:  # a department in focus: its measures in that role
                return f"{subject}{core.rstrip('的')}的措施有哪些？" if _ROLE.search(core) else q
            return _ask_form(_about(subject, core))
        if follow_up_form and detect_intent(core).kind == "general":
            # "那推进数字经济呢？": a new subject, the previous question's ask
            ask = self._previous_ask()
            if ask:
                return _ask_form(core + ask)
        return q

    def _previous_ask(self) -> str:
        """The previous question without its subject: "强化能源保障谁牵头？" → "谁牵头"."""
        prev = _TRAIL.sub("", normalize(self.turns[-1].resolved))
        departments = self.assistant.ledger.departments
        for _, start, end in sorted(departments.find_in(prev), key=lambda x: -x[1]):
            prev = prev[:start] + prev[end:]
        for key in sorted(content_keys(prev), key=len, reverse=True):
            prev = prev.replace(key, "")
        prev = prev.lstrip("，,、 ")
        return prev if detect_intent(prev).kind != "general" else ""

    def _focus_after(self, resolved: str, answer: Answer, follow_up: bool) -> Focus:
        previous = self.focus
        ledger = self.assistant.ledger
        named = [name for name, _, _ in ledger.departments.find_in(normalize(resolved))]
        dept = ledger.departments.display(named[0]) if named else ""
        measure = self._measure_of(answer)
        if answer.refused:  # nothing new was found: a follow-up keeps its subject
            return previous if follow_up else Focus(None, dept)
        if measure is None and not dept and follow_up:
            return previous
        return Focus(measure, dept)

    def _measure_of(self, answer: Answer) -> Measure | None:
        """The one measure all of the answer's citations come from (None for several)."""
        index = self.assistant.index
        found: list[Measure] = []
        for c in answer.citations:
            m = next(
                (m for m in index.measures.get(c.doc, []) if m.span.start <= c.start < m.span.end),
                None,
            )
            if m is None:
                continue
            if found and m != found[0]:
                return None
            found.append(m)
        return found[0] if found else None


def _about(subject: str, ask: str) -> str:
    """ "强化能源保障" + "配合单位" → "强化能源保障的配合单位"; no 的 before a verb or a time."""
    return subject + ("" if re.match(r"[有是到在由谁\d]|20\d\d", ask) else "的") + ask


def _ask_form(text: str) -> str:
    """A rewrite as a question: "强化能源保障的配合单位" → "强化能源保障的配合单位是什么？"."""
    text = text.rstrip("，,、的 ")
    if re.search(r"谁|什么|哪|多少|几|吗|如何|怎么|何时|是否", text):
        return text + "？"
    return text + "是什么？"
