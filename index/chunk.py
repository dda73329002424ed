"""Cut a parsed plan into retrievable chunks, one unit (measure or section) at a time.

A chunk never crosses a unit boundary, so it never mixes two measures. Units longer
than ``max_chars`` are split at paragraph, then sentence boundaries. Every chunk
carries source offsets (``document.text[start:end]`` is the passage it covers) and
the unit's metadata. ``embed_text`` adds the heading path and measure title so a
piece cut from the middle of a long measure still says what it belongs to.
"""

from __future__ import annotations

import re

from index.clean import Cleaned
from index.parse import ParsedPlan, Unit
from index.types import Chunk

MAX_CHARS = 700
_WS = " \t\r\n\u3000\xa0\ufeff"
_SENT_END = re.compile(r"(?<=[。！？!?；;])")


def chunk_plan(
    doc_id: str, plan: ParsedPlan, cleaned: Cleaned, max_chars: int = MAX_CHARS, doc_title: str = ""
) -> list[Chunk]:
    """All chunks of one document, in reading order, with stable ids."""
    doc_title = doc_title or plan.title
    chunks: list[Chunk] = []
    for unit in plan.units:
        for a, b in _pieces(cleaned.text, unit.start, unit.end, max_chars):
            start, end = cleaned.source_span(a, b)
            chunks.append(_chunk(doc_id, len(chunks), cleaned.text[a:b], start, end, unit, doc_title))
    return chunks


def _chunk(doc_id: str, n: int, text: str, start: int, end: int, unit: Unit, doc_title: str) -> Chunk:
    m = unit.measure
    return Chunk(
        id=f"{doc_id}#{n:04d}",
        doc_id=doc_id,
        text=text,
        start=start,
        end=end,
        kind=unit.kind,
        measure_index=m.index if m else -1,
        measure_title=doc_title if unit.kind == "preamble" and doc_title else unit.title,
        heading_path=unit.heading_path,
        lead=m.lead if m else (),
        support=m.support if m else (),
        doc_title=doc_title,
    )


def embed_text(chunk: Chunk) -> str:
    """What the embedder sees: the unit's place in the plan, then the text."""
    head = " > ".join((*chunk.heading_path, chunk.measure_title))
    if head and not chunk.text.startswith(chunk.measure_title):
        return f"{head}\n{chunk.text}"
    return chunk.text


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split cleaned ``text[start:end]`` into ranges of at most ``max_chars``
    (a single over-long sentence is cut hard), trimmed of surrounding whitespace."""
    atoms = list(_atoms(text, start, end, max_chars))
    out: list[tuple[int, int]] = []
    cur_a = cur_b = -1
    for a, b in atoms:
        if cur_a < 0:
            cur_a, cur_b = a, b
        elif b - cur_a <= max_chars:
            cur_b = b
        else:
            out.append((cur_a, cur_b))
            cur_a, cur_b = a, b
    if cur_a >= 0:
        out.append((cur_a, cur_b))
    return [r for r in (_trim(text, a, b) for a, b in out) if r[1] > r[0]]


def _atoms(text: str, start: int, end: int, max_chars: int):
    """Paragraphs, or sentences of paragraphs too long for one chunk."""
    pos = start
    for line in text[start:end].splitlines(keepends=True):
        a, b = pos, pos + len(line)
        pos = b
        if not line.strip(_WS):
            continue
        if b - a <= max_chars:
            yield a, b
            continue
        s = a
        for sent in _SENT_END.split(line):
            if not sent:
                continue
            e = s + len(sent)
            while e - s > max_chars:
                yield s, s + max_chars
                s += max_chars
            if e > s:
                yield s, e
            s = e


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _WS:
        a += 1
    while b > a and text[b - 1] in _WS:
        b -= 1
    return a, b
