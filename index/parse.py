"""Parse a cleaned plan into its units: title, headings, measures and responsibilities.

Input is the cleaned text (see ``index.clean``); output offsets are source offsets.
A *unit* starts at a heading (一、 （一） 1. （1） 第一章) or, in plans whose numbering
was lost (scraped pages), at a paragraph led by a short title sentence
("加强科技创新主体培育。实施…"). It runs until the next unit starts, so the
follow-up paragraphs of a measure ("2023年，…", "完成时限：…") stay with it.
A unit with a title sentence and a body is a *measure*; its responsibility comes
from the bracketed note at the end of a paragraph ("（市科技局牵头负责，市财政局配合）").

This module does not chunk, embed or interpret targets and deadlines beyond
locating the "完成时限" paragraphs.

Paragraphs and headings are told in ``index.headings``, responsibility notes read in
``index.responsibility``, and measures built in ``index.measures``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.clean import Cleaned
from index.headings import (
    _TITLE_END,
    _WS,
    _is_doc_title,
    _Para,
    _paragraphs,
    _title_sentence,
    heading_level,
)
from index.measures import _measure, _row_measure
from index.responsibility import FIRST_LEADS
from index.tables import Cell, TaskTable, task_tables
from index.types import Measure, Span

_YEAR_LEAD = re.compile(r"^(\d{4}年|完成时限|时间节点|工作目标|到\d{4}年)")
_MAX_HEADING_ONLY = 40


@dataclass(frozen=True)
class Unit:
    """A heading-delimited stretch of the plan; offsets are into the cleaned text."""

    start: int
    end: int
    kind: str  # "preamble" | "section" | "measure"
    title: str
    heading_path: tuple[str, ...]
    measure: Measure | None = None


@dataclass(frozen=True)
class ParsedPlan:
    doc_id: str
    title: str
    title_span: Span | None
    units: tuple[Unit, ...]

    @property
    def measures(self) -> tuple[Measure, ...]:
        """Each measure once (a table row about a measure of the text shares its measure)."""
        seen = {u.measure.index: u.measure for u in self.units if u.measure is not None}
        return tuple(seen[i] for i in sorted(seen))


_Start = tuple[int, str, str, int]  # a unit's start: (paragraph index, kind, title, level)
_Rows = dict[int, tuple[TaskTable, list[Cell]]]  # paragraph index -> its table and cells


def parse_plan(doc_id: str, cleaned: Cleaned) -> ParsedPlan:
    """Find the title, headings and measures of a cleaned document."""
    text = cleaned.text
    paras = _paragraphs(text)
    title, title_span, first = _doc_title(paras, cleaned)
    starts = _unit_starts(paras, first, title)

    tables = task_tables(text, paras)
    if tables:  # a table's header and rows are units of their own; so is the text after it
        starts = _table_starts(starts, tables, paras)
    rows = {i: (t, cells) for t in tables for i, cells in t.rows.items()}

    units = _preamble(paras, starts, first, title)
    row_units = _add_units(units, doc_id, cleaned, paras, starts, rows)
    if tables:
        units = _join_rows(units, row_units)
    return ParsedPlan(doc_id, title, title_span, tuple(units))


def _doc_title(paras: list[_Para], cleaned: Cleaned) -> tuple[str, Span | None, int]:
    """(title, its source span, its paragraph index) of the document; ("", None, 0) if none."""
    title, title_span, first = "", None, 0
    for i, p in enumerate(paras[:5]):
        if _is_doc_title(p.text) and not heading_level(p.text)[0]:
            title = p.text
            title_span = Span(*cleaned.source_span(p.start, p.end))
            first = i
            break
    return title, title_span, first


def _unit_starts(paras: list[_Para], first: int, title: str) -> list[_Start]:
    """Where units start: at headings, or (in plans whose numbering was lost) at
    paragraphs led by a short title sentence."""
    numbered = sum(1 for p in paras if heading_level(p.text)[0] >= 3) >= 3
    starts: list[_Start] = []
    for i, p in enumerate(paras):
        if i == first and title:
            continue
        level, n = heading_level(p.text)
        if level:
            body = p.text[n:]
            end = _TITLE_END.search(body)
            if end and end.start() <= _MAX_HEADING_ONLY and body[end.end() :].strip(_WS):
                starts.append((i, "measure", body[: end.start()].strip(_WS), level))
            else:
                head = body.strip(_WS).rstrip("。")
                kind = "section" if len(p.text) <= _MAX_HEADING_ONLY else "measure"
                starts.append((i, kind, head[:_MAX_HEADING_ONLY], level))
        elif not numbered and not _YEAR_LEAD.match(p.text):
            ts = _title_sentence(p.text)
            if ts and ts[1].strip(_WS):
                starts.append((i, "measure", ts[0], 9))
    return starts


def _table_starts(starts: list[_Start], tables: list[TaskTable], paras: list[_Para]) -> list[_Start]:
    """The unit starts with each table's header, its rows and the text after it as units."""
    taken = {i for t in tables for i in (t.header, *t.rows)}
    starts = [st for st in starts if st[0] not in taken]
    for t in tables:
        starts += [(t.header, "table", "任务分工表", 99)] + [(i, "row", "", 99) for i in t.rows]
        after = max(t.rows) + 1
        if after < len(paras) and after not in taken and all(st[0] != after for st in starts):
            starts.append((after, "after", "", 99))
    starts.sort(key=lambda st: st[0])
    return starts


def _preamble(paras: list[_Para], starts: list[_Start], first: int, title: str) -> list[Unit]:
    """The text before the first unit (or all of it, when no unit starts) as a unit."""
    units: list[Unit] = []
    body_from = paras[first].start if paras else 0
    if starts and paras and paras[starts[0][0]].start > body_from:
        units.append(Unit(body_from, paras[starts[0][0] - 1].end, "preamble", title or "前言", ()))
    elif not starts and paras:
        units.append(Unit(body_from, paras[-1].end, "preamble", title or "正文", ()))
    return units


def _add_units(
    units: list[Unit],
    doc_id: str,
    cleaned: Cleaned,
    paras: list[_Para],
    starts: list[_Start],
    rows: _Rows,
) -> set[int]:
    """Append a unit for each start, under the headings that enclose it; return the id()s
    of the units that are table rows."""
    text = cleaned.text
    row_units: set[int] = set()  # id() of the units that are table rows
    first_leads = False
    stack: list[tuple[int, str]] = []  # (level, heading title) of enclosing sections
    for k, (i, kind, head, level) in enumerate(starts):
        j_end = starts[k + 1][0] if k + 1 < len(starts) else len(paras)
        unit_paras = paras[i:j_end]
        while stack and stack[-1][0] >= level:
            stack.pop()
        path = tuple(h for _, h in stack)
        if kind == "section":
            stack.append((level, head))
        u_start, u_end = unit_paras[0].start, unit_paras[-1].end
        first_leads = first_leads or bool(FIRST_LEADS.search(text[u_start:u_end]))
        measure = None
        n = len([u for u in units if u.measure])
        if kind == "row":
            table, cells = rows[i]
            measure = _row_measure(doc_id, n, path, table, cells, cleaned, first_leads)
            units.append(Unit(u_start, u_end, "measure", measure.title, path, measure))
            row_units.add(id(units[-1]))
            continue
        if kind in ("table", "after"):
            units.append(Unit(u_start, u_end, "section", head or (path[-1] if path else "正文"), path))
            continue
        if kind == "measure":
            measure = _measure(doc_id, n, head, path, unit_paras, cleaned, first_leads)
        units.append(Unit(u_start, u_end, kind, head, path, measure))
    return row_units


def _join_rows(units: list[Unit], row_units: set[int]) -> list[Unit]:
    """A table row whose task names a measure of the text (the same title) is that
    measure's division of labour: the measure takes the row's units and deadline, cited to
    the row, and the row's unit points at the measure (one ledger entry, found from either)."""
    prose = {u.measure.title: u.measure for u in units if u.measure is not None and id(u) not in row_units}
    merged: dict[int, Measure] = {}  # prose measure index -> the measure with its row's facts
    out: list[Unit] = []
    for u in units:
        m = u.measure
        base = prose.get(m.title) if m is not None and id(u) in row_units else None
        if m is None or base is None or base.lead or base.support:
            out.append(u)
            continue
        merged[base.index] = replace(
            base,
            lead=m.lead,
            support=m.support,
            resp_span=m.resp_span,
            deadline_spans=base.deadline_spans + m.deadline_spans,
        )
        out.append(replace(u, measure=merged[base.index]))
    out = [
        replace(u, measure=merged[u.measure.index]) if u.measure and u.measure.index in merged else u
        for u in out
    ]
    # measures numbered again in reading order, each once
    order: dict[int, int] = {}
    for u in out:
        if u.measure is not None:
            order.setdefault(u.measure.index, len(order))
    return [
        replace(u, measure=replace(u.measure, index=order[u.measure.index])) if u.measure else u for u in out
    ]
