"""The answering room's data types: a numbered quote of a source (``Citation``) and an answer
(``Answer``), with ``cite`` that makes the one from the index's source text, and ``final``, the
answer at the end of an answer stream."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from index.types import Chunk, Hit

# a citation's marker in an answer's text: [n]
MARKER = re.compile(r"\[(\d+)\]")

if TYPE_CHECKING:
    from index.plan_index import PlanIndex


@dataclass(frozen=True)
class Citation:
    """A numbered quote: ``quote == source_text(doc)[start:end]``."""

    n: int
    doc: str
    title: str  # measure title (or document title when the quote is outside measures)
    quote: str
    start: int
    end: int
    doc_title: str = ""  # the document the quote is from, as the index names it
    page: int | None = None  # the page the quote starts on (1-based), for paged files (pdf)

    def within(self, chunk: Chunk) -> bool:
        """The quote begins inside ``chunk``."""
        return self.doc == chunk.doc_id and chunk.start <= self.start < chunk.end

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "n": self.n,
            "doc": self.doc,
            "doc_title": self.doc_title,
            "title": self.title,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }
        if self.page is not None:
            out["page"] = self.page
        return out


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = field(default=(), repr=False)
    intent: str = "general"
    mode: str = "extractive"  # "extractive" | "llm" (a generated answer, verified)
    note: str = ""  # llm mode: what verification changed ("" = nothing)
    generated: str = field(default="", repr=False)  # llm mode: the model's own text
    # the answerability gate's probability that the text answers the question (None: no gate ran)
    confidence: float | None = field(default=None, repr=False)
    rule: str = field(default="", repr=False)  # a refusal decided by a rule, not weighed: which
    scope: str = ""  # the document the question named and was answered within ("" = none named)

    def to_dict(self) -> dict[str, object]:
        extra: dict[str, object] = {"mode": self.mode, "note": self.note} if self.mode != "extractive" else {}
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [
                {
                    "doc": h.chunk.doc_id,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": round(h.score, 6),
                }
                for h in self.hits
            ],
            **({"scope": self.scope} if self.scope else {}),
            **extra,
        }


def cite(index: PlanIndex, n: int, doc_id: str, title: str, start: int, end: int) -> Citation:
    """Citation [n] of ``index.source_text(doc_id)[start:end]``: the quote is the source."""
    quote = index.source_text(doc_id)[start:end]
    return Citation(
        n, doc_id, title, quote, start, end, index.doc_title(doc_id), index.page_of(doc_id, start)
    )


T = TypeVar("T")


def final(parts: Iterable[str | T]) -> T:
    """The last item of an answer stream (text pieces, then the result), the pieces spent."""
    result: T | None = None
    for part in parts:
        if not isinstance(part, str):
            result = part
    assert result is not None, "the stream ended without its result"
    return result
