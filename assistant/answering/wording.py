"""How an answer is worded: the chosen sentences quoted with [n] markers, joined answers renumbered,
and the refusals ("文中未提及…"), which say what the text does say when it speaks of the thing asked."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from assistant.answering.answertype import (
    ASKED_LABEL,
    asked_kinds,
)
from assistant.answering.evidence import (
    Sentence,
    states_time,
)
from assistant.answering.gate import (
    VALUE_RULE,
    WHICH_ONES,
    Candidate,
    asks_who,
)
from assistant.answering.intent import Intent
from assistant.answering.structured import TRAIL
from assistant.answering.types import MARKER, Answer, Citation, cite
from index.plan_index import PlanIndex
from index.types import Hit

REFUSAL = "文中未提及"


def asked_label(question: str, default: str = "具体数值") -> str:
    """How a refusal names what the question asks and the text does not state ("具体金额、具体时间";
    which ones by name: "具体名单"), ``default`` when it asks no value of a kind."""
    kinds = asked_kinds(question) or (("names",) if WHICH_ONES.search(question) else ())
    return "、".join(dict.fromkeys(ASKED_LABEL[k] for k in kinds)) or default


def joined(question: str, parts: list[Answer], hits: list[Hit], kind: str) -> Answer:
    """Answers to the asks of one question, joined, their citations renumbered; a sentence
    already quoted for another ask is not quoted again (an ask answered by such sentences alone
    adds nothing and is left out)."""
    texts: list[str] = []
    cites: list[Citation] = []
    quoted: set[tuple[str, int, int]] = set()
    for a in parts:
        if a.citations and all((c.doc, c.start, c.end) in quoted for c in a.citations):
            continue
        text, own = _unquoted(a, quoted)
        # a passage cited before keeps its number; the others follow on
        numbers = {(c.doc, c.start, c.end): c.n for c in cites}
        renumber: dict[int, int] = {}
        for c in own:
            span = (c.doc, c.start, c.end)
            if span not in numbers:
                numbers[span] = len(cites) + 1
                cites.append(replace(c, n=numbers[span]))
            renumber[c.n] = numbers[span]
        texts.append(_renumbered(text, renumber).rstrip("。"))
        # a sentence only cited ("…由市交通运输局牵头负责…[1][2]": the passage naming the
        # measure) is not quoted: another ask may quote it
        quoted |= {(c.doc, c.start, c.end) for c in own if _shown(c.quote, text)}
    confidence = min((a.confidence for a in parts if a.confidence is not None), default=None)
    return Answer(
        question, "；".join(texts) + "。", False, tuple(cites), tuple(hits), kind, confidence=confidence
    )


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    """The text's [n] markers as ``numbers`` renumbers them; brackets that mark no citation
    ("国发[2018]41号" quoted) stay as they are."""
    return MARKER.sub(lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]", text)


def _shown(quote: str, text: str) -> bool:
    """The answer's text says the quoted sentence (its opening words at least)."""
    words = re.sub(r"\s+", "", quote).strip("。；;，,")
    return words[:12] in re.sub(r"\s+", "", text)


_QUOTES = re.compile(r"(?<=\])；")  # a quoted sentence ends with its markers
_TITLE = re.compile(r"^“[^”]*”：")  # "“measure”：" ahead of the first quote


def _unquoted(a: Answer, quoted: set[tuple[str, int, int]]) -> tuple[str, list[Citation]]:
    """``a``'s text without the quoted sentences whose citations are all in ``quoted`` (a
    measure's title ahead of them is kept), and its citations left, numbered from 1."""
    kept: list[str] = []
    title = ""
    pieces = _QUOTES.split(a.text.rstrip("。"))
    for piece in pieces:
        ns = {int(n) for n in MARKER.findall(piece)}
        cited = [c for c in a.citations if c.n in ns]
        if cited and all((c.doc, c.start, c.end) in quoted for c in cited):
            head = _TITLE.match(piece)
            title = title or (head.group(0) if head and not kept else "")
            continue
        kept.append(title + piece if title and not kept and not _TITLE.match(piece) else piece)
    if len(kept) == len(pieces):
        return a.text, list(a.citations)
    used = sorted({int(n) for piece in kept for n in MARKER.findall(piece)})
    renumber = {n: i for i, n in enumerate(used, 1)}
    text = MARKER.sub(lambda m: f"[{renumber[int(m.group(1))]}]", "；".join(kept))
    own = [replace(c, n=renumber[c.n]) for c in a.citations if c.n in renumber]
    return text + "。", own


def shift_markers(text: str, offset: int) -> str:
    """Renumber [n] markers by ``offset``."""
    return MARKER.sub(lambda m: f"[{int(m.group(1)) + offset}]", text)


class Wording:
    """Answers and refusals worded from the evidence chosen (a part of ``Composer``)."""

    index: PlanIndex

    def _quote_answer(self, question: str, intent: Intent, hits: list[Hit], chosen: list[Sentence]) -> Answer:
        cites: list[Citation] = []
        parts = []
        if intent.kind == "deadline" or {"date", "year", "month"} & set(asked_kinds(question)):
            # a sentence stating no time of its own: its paragraph's year
            chosen = self._with_context(chosen, "dated_by", lambda s: not states_time(s.text))
        if asks_who(question, intent):
            chosen = self._with_context(chosen, "said_by")
        quoted: set[tuple[str, int, int]] = set()
        for s in chosen:
            if (s.chunk.doc_id, s.start, s.end) in quoted:
                continue  # the same sentence found in two passages (or chosen for two asks): once
            quoted.add((s.chunk.doc_id, s.start, s.end))
            title = s.chunk.measure_title
            c = cite(self.index, len(cites) + 1, s.chunk.doc_id, title, s.start, s.end)
            cites.append(c)
            parts.append(f"{s.text.rstrip(TRAIL)}[{c.n}]")
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
        self,
        question: str,
        hits: list[Hit],
        intent: Intent,
        cand: Candidate,
        prob: float,
        rule: str = VALUE_RULE,
    ) -> Answer:
        """The text speaks of the thing asked about but states no value of the kind asked
        (a budget, a date, a place): say so, and say what it does state, cited."""
        asked = asked_label(question)
        s = cand.chosen[0]
        if intent.years and not any(s.year in intent.years for s in cand.chosen):
            asked = "、".join(f"{y}年" for y in intent.years) + "的" + asked  # another year's figure
        said = cite(self.index, 1, s.chunk.doc_id, s.chunk.measure_title, s.start, s.end)
        where = (
            f"“{s.chunk.measure_title}”" if s.chunk.kind == "measure" and s.chunk.measure_title else "原文"
        )
        text = f"{REFUSAL}{asked}。{where}中相关的内容是：{said.quote.rstrip(TRAIL)}[1]，没有给出{asked}。"
        return Answer(
            question,
            text,
            True,
            (said,),
            tuple(hits),
            intent.kind,
            confidence=round(prob, 4),
            rule=rule,
        )
