"""Measures built from a unit's paragraphs or from a row of a task-division table: title,
span, lead and support units, deadlines, and the notes of its sub-items.
"""

from __future__ import annotations

import re
import unicodedata

from index.clean import Cleaned
from index.headings import _MAX_TITLE, _TITLE_END, _WS, _Para, heading_level
from index.responsibility import (
    _clean_dept,
    _inline_notes,
    _prose_responsibility,
    _split_top,
    find_responsibility,
    parse_responsibility,
)
from index.tables import Cell, TaskTable
from index.types import Measure, Note, Span

_CELL_SPLIT = re.compile(r"[、，,；;/\n]")


def _measure(
    doc_id: str,
    index: int,
    title: str,
    path: tuple[str, ...],
    paras: list[_Para],
    cleaned: Cleaned,
    first_leads: bool,
) -> Measure:
    first = paras[0]
    t_off = first.text.find(title)
    title_span = Span(*cleaned.source_span(first.start + t_off, first.start + t_off + len(title)))
    lead: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    each = False
    resp_span = None
    deadlines = []
    for p in paras:
        norm = unicodedata.normalize("NFKC", p.text)
        if norm.startswith(("完成时限", "时间节点")):
            deadlines.append(Span(*cleaned.source_span(p.start, p.end)))
        found = find_responsibility(p.text)
        if found and resp_span is None:
            a, b = found
            note = p.text[a:b]
            lead, support, each = parse_responsibility(note, first_leads)
            if lead or support:
                resp_span = Span(*cleaned.source_span(p.start + a, p.start + b))
    if resp_span is None:  # a letter's "X会同Y研究提出了办理意见：": who answers for the item
        for p in paras:
            found_prose = _prose_responsibility(p.text)
            if found_prose:
                a, b, lead, support = found_prose
                resp_span = Span(*cleaned.source_span(p.start + a, p.start + b))
                break
    notes = []
    for k, p in enumerate(paras):
        # a later paragraph with notes of its own is a sub-item, named by its first sentence;
        # notes in the measure's own paragraph are the measure's
        sub = _task_title(p.text) if k else ""
        for a, b in _inline_notes(p.text):
            n_lead, n_support, n_each = parse_responsibility(p.text[a:b], first_leads)
            if n_lead or n_support:  # a bracket ending in a role word, naming no department
                span = Span(*cleaned.source_span(p.start + a, p.start + b))
                notes.append(Note(n_lead, n_support, span, n_each, sub))
    return Measure(
        doc_id=doc_id,
        index=index,
        title=title,
        title_span=title_span,
        span=Span(*cleaned.source_span(paras[0].start, paras[-1].end)),
        heading_path=path,
        lead=lead,
        support=support,
        each_responsible=each,
        resp_span=resp_span,
        deadline_spans=tuple(deadlines),
        notes=tuple(notes) if len(notes) > 1 else (),
    )


def _task_title(text: str) -> str:
    """What a sub-item is called: its first sentence, numbering taken off
    ("1.加强制度政策集成创新，增强试点方案系统性。…"), cut at a comma when long."""
    text = text.strip(_WS)
    text = text[heading_level(text)[1] :].strip(_WS)
    first = re.split(r"[。；;！!？?]", text, maxsplit=1)[0]
    if len(first) > _MAX_TITLE:
        first = re.split(r"[，,：:]", first, maxsplit=1)[0][:_MAX_TITLE]
    return first


def _row_measure(
    doc_id: str,
    index: int,
    path: tuple[str, ...],
    table: TaskTable,
    cells: list[Cell],
    cleaned: Cleaned,
    first_leads: bool,
) -> Measure:
    """One row of a task-division table as a measure: its task, units and deadline."""
    a, _, task = cells[table.columns["task"][0]]
    title = task.rstrip("。；;")
    cut = _TITLE_END.search(title) or (re.search(r"[，,；;]", title) if len(title) > _MAX_TITLE else None)
    title = title[: cut.start()] if cut else title
    title = title[:_MAX_TITLE]

    def names(role: str) -> list[str]:
        if role not in table.columns:
            return []
        text = cells[table.columns[role][0]][2]
        return [n for n in (_clean_dept(x) for x in _split_top(text, _CELL_SPLIT)) if n]

    lead, support = names("lead"), names("support")
    header = table.columns.get("lead", (0, ""))[1]
    if lead and first_leads and not header.startswith("牵头") and not support:
        lead, support = lead[:1], lead[1:]  # "责任单位" under "列第一位者为牵头单位"
    filled = [c for c in cells if c[2]]
    row_start, row_end = filled[0][0], filled[-1][1]
    due = []
    if "due" in table.columns:
        da, db, dt = cells[table.columns["due"][0]]
        if dt:
            due.append(Span(*cleaned.source_span(da, db)))
    return Measure(
        doc_id=doc_id,
        index=index,
        title=title,
        title_span=Span(*cleaned.source_span(a, a + len(title))),
        span=Span(*cleaned.source_span(row_start, row_end)),
        heading_path=path,
        lead=tuple(dict.fromkeys(lead)),
        support=tuple(dict.fromkeys(support)),
        resp_span=Span(*cleaned.source_span(row_start, row_end)) if lead or support else None,
        deadline_spans=tuple(due),
    )
