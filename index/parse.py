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
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from index.clean import Cleaned
from index.tables import Cell, TaskTable, task_tables
from index.types import Measure, Note, Span

_CN_NUM = "一二三四五六七八九十百零〇"
_HEADING_LEVELS = (
    (1, re.compile(rf"^第[{_CN_NUM}\d]+[章节部分篇]\s*")),
    (2, re.compile(rf"^[{_CN_NUM}]+[、.．]\s*")),
    (3, re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*")),
    (4, re.compile(r"^\d{1,2}[.．、](?!\d)\s*")),
    (5, re.compile(r"^[（(]\d{1,2}[）)]\s*")),
)
_WS = " \t\r\n\u3000\xa0\ufeff"
_TITLE_END = re.compile(r"[。！？!?]")
_YEAR_LEAD = re.compile(r"^(\d{4}年|完成时限|时间节点|工作目标|到\d{4}年)")
_BRACKETS = {"(": ")", "（": "）", "〔": "〕", "[": "]", "【": "】"}
_RESP_WORDS = ("负责", "牵头", "配合", "参与", "协助", "落实", "指导")
# "列第一位者为牵头单位" / "排在第一位的部门为牵头部门": the first listed leads
FIRST_LEADS = re.compile(r"(列|排在?)第一位[的者]?(部门|单位)?为牵头(部门|单位)?")
# how a note ends, saying the part of the departments it lists ("（生态环境部、国家卫生健康委
# 指导）": the units that guide a task are responsible for it)
_ROLE_VERBS = "牵头负责|分别牵头负责|分别负责|共同负责|牵头|负责|配合|参与|协助|指导"
_CLAUSE_SPLIT = re.compile(r"[,，;；。]")
# "牵头单位：A、B；配合单位：C" — labelled responsibility; the label decides the role
_LABEL = re.compile(r"^(牵头|责任|负责|主责|承办|配合|协办|参与|协助)(单位|部门)\s*[:：]\s*")
_SUPPORT_LABELS = ("配合", "协办", "参与", "协助")
_LABELLED_NOTE = re.compile(
    r"(?:^|[（(〔【\[]|(?<=[。；;]))\s*(牵头|责任|负责|主责|承办)(单位|部门)\s*[:：][^。]*$"
)
_MAX_TITLE = 30
_MAX_HEADING_ONLY = 40
_CELL_SPLIT = re.compile(r"[、，,；;/\n]")
# a body's name: "人力资源社会保障部", "各省级人民政府", "有关部门和单位"
_ORG = re.compile(r"(局|委|办|部|厅|署|院|会|中心|公司|海关|银行|集团|办公室|小组|政府|单位|部门)$")


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


@dataclass(frozen=True)
class _Para:
    start: int  # cleaned offsets of the stripped paragraph
    end: int
    text: str


def _paragraphs(text: str) -> list[_Para]:
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        s = line.strip(_WS)
        if s:
            a = pos + line.index(s[0])
            out.append(_Para(a, a + len(s), s))
        pos += len(line)
    return out


def heading_level(text: str) -> tuple[int, int]:
    """(level, length of the numbering prefix) of a heading paragraph, (0, 0) if none."""
    for level, rx in _HEADING_LEVELS:
        m = rx.match(text)
        if m:
            return level, m.end()
    return 0, 0


def _title_sentence(text: str, offset: int = 0) -> tuple[str, str] | None:
    """(title, rest) when ``text[offset:]`` opens with a short title sentence."""
    m = _TITLE_END.search(text, offset)
    if not m:
        return None
    title = text[offset : m.start()].strip(_WS)
    if not (2 <= len(title) <= _MAX_TITLE) or re.search(r"[，,：:；;]", title):
        return None
    return title, text[m.end() :]


def _is_doc_title(text: str) -> bool:
    return len(text) <= 80 and not _TITLE_END.search(text) and not text.endswith(("：", ":"))


def find_responsibility(text: str) -> tuple[int, int] | None:
    """(start, end) of a responsibility note in a paragraph: a trailing bracketed
    note "（A牵头负责，B配合）", or a labelled one "责任单位：A、B" / "牵头单位：A；配合单位：B"
    (standing as the whole paragraph or at its end)."""
    labelled = _LABELLED_NOTE.search(text)
    if labelled:
        return labelled.start(), len(text.rstrip("。；;. " + _WS))
    t = text.rstrip("。；;. ")
    if not t or t[-1] not in _BRACKETS.values():
        return None
    depth = 0
    for i in range(len(t) - 1, -1, -1):
        ch = t[i]
        if ch in _BRACKETS.values():
            depth += 1
        elif ch in _BRACKETS:
            depth -= 1
            if depth == 0:
                inner = t[i + 1 : -1]
                if any(w in inner for w in _RESP_WORDS):
                    return i, len(t)
                return None
    return None


def _split_top(text: str, seps: re.Pattern[str]) -> list[str]:
    """Split at separators outside brackets."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in _BRACKETS:
            depth += 1
        elif ch in _BRACKETS.values():
            depth = max(depth - 1, 0)
        if depth == 0 and seps.match(ch):
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [s.strip(_WS) for s in out if s.strip(_WS)]


def parse_responsibility(
    note: str, first_leads: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(lead, support, each_responsible) from a note like "（A、B牵头负责，C配合）".

    ``first_leads``: the document's convention that in "A、B负责" the first listed
    unit leads and the rest support.
    """
    inner = note[1:-1] if note and note[0] in _BRACKETS else note
    lead: list[str] = []
    support: list[str] = []
    each = False
    waiting: list[str] = []  # bodies listed before a comma, whose verb follows it
    for clause in _split_top(inner, _CLAUSE_SPLIT):
        label = _LABEL.match(clause)
        if label:
            names = [_clean_dept(n) for n in _split_top(clause[label.end() :], re.compile(r"[、/，,]"))]
            names = [n for n in names if n]
            kind = label.group(1)
            if kind in _SUPPORT_LABELS:
                support.extend(names)
            elif kind in ("责任", "负责", "主责", "承办") and first_leads and not lead:
                lead.extend(names[:1])
                support.extend(names[1:])
            else:
                lead.extend(names)
            continue
        m = re.match(rf"^(.*?)({_ROLE_VERBS})$", clause)
        if not m:
            listed = [_clean_dept(n) for n in _split_top(clause, re.compile(r"[、/]"))]
            # "A、B，各省级人民政府按职责分工负责": A and B share the verb after the comma
            waiting = waiting + listed if all(_ORG.search(n) for n in listed) else []
            continue
        by_duty = re.search(r"(依|按)(照)?(各自)?职责(分工)?$", m.group(1))
        names_part = m.group(1)[: by_duty.start()] if by_duty else m.group(1)
        if waiting:
            names_part, waiting = "、".join([*waiting, names_part]), []
        # "…、财政部等和各有关省级人民政府负责": the departments, and the provinces besides
        names_part = re.sub(r"等(?:有关部门)?(?:和|及|与)(?=各)", "、", names_part)
        names = [_clean_dept(n) for n in _split_top(names_part, re.compile(r"[、/]"))]
        names = [n for n in names if n]
        role = m.group(2)
        if role in ("配合", "参与", "协助"):
            support.extend(names)
        elif role == "负责" and first_leads and not lead and not by_duty:
            lead.extend(names[:1])
            support.extend(names[1:])
        else:
            lead.extend(names)
            each = each or role.startswith("分别") or bool(by_duty)
    return tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(support)), each


def _clean_dept(name: str) -> str:
    """ "商务部等有关部门" -> "商务部"; the wording of the note otherwise kept."""
    name = name.strip(_WS)
    stripped = re.sub(r"等(有关|相关)?(部门|单位)?(和|及|、)?(部门|单位)?$", "", name)
    return stripped if len(stripped) >= 2 else name


def parse_plan(doc_id: str, cleaned: Cleaned) -> ParsedPlan:
    """Find the title, headings and measures of a cleaned document."""
    text = cleaned.text
    paras = _paragraphs(text)
    numbered = sum(1 for p in paras if heading_level(p.text)[0] >= 3) >= 3

    title, title_span, first = "", None, 0
    for i, p in enumerate(paras[:5]):
        if _is_doc_title(p.text) and not heading_level(p.text)[0]:
            title = p.text
            title_span = Span(*cleaned.source_span(p.start, p.end))
            first = i
            break

    # unit starts: (paragraph index, kind, title, level)
    starts: list[tuple[int, str, str, int]] = []
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

    tables = task_tables(text, paras)
    if tables:  # a table's header and rows are units of their own; so is the text after it
        taken = {i for t in tables for i in (t.header, *t.rows)}
        starts = [st for st in starts if st[0] not in taken]
        for t in tables:
            starts += [(t.header, "table", "任务分工表", 99)] + [(i, "row", "", 99) for i in t.rows]
            after = max(t.rows) + 1
            if after < len(paras) and after not in taken and all(st[0] != after for st in starts):
                starts.append((after, "after", "", 99))
        starts.sort(key=lambda st: st[0])
    rows = {i: (t, cells) for t in tables for i, cells in t.rows.items()}

    units: list[Unit] = []
    row_units: set[int] = set()  # id() of the units that are table rows
    body_from = paras[first].start if paras else 0
    if starts and paras and paras[starts[0][0]].start > body_from:
        units.append(Unit(body_from, paras[starts[0][0] - 1].end, "preamble", title or "前言", ()))
    elif not starts and paras:
        units.append(Unit(body_from, paras[-1].end, "preamble", title or "正文", ()))

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
    if tables:
        units = _join_rows(units, row_units)
    return ParsedPlan(doc_id, title, title_span, tuple(units))


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


# prose saying who answers for an item, in the letters that report how a province's requests
# were handled (办理情况的函, 复函): "发展改革委会同水利部研究提出了办理意见：", "证监会、发展改革委
# 提出了以下意见：" — the first named lead, those they act together with (会同) support
_PROSE_RESP = re.compile(
    r"(?:^|(?<=[。：:；;]))(?:[一二三四五六七八九十\d]+[、.．]|[（(][一二三四五六七八九十\d]+[）)])?"
    r"(?:关于[^。]{1,40}?问题。)?"
    r"(?P<lead>[^。：:，,；;（）()]{2,40}?)(?:会同(?P<support>[^。：:，,；;（）()]{2,60}?))?"
    r"(?:等有关部门|等部门|有关部门)?(?:研究)?提出(?:了)?(?:办理意见|以下意见|如下意见)"
)
_DEPT_END = re.compile(r"(?:部|委|办|局|署|行|会|院|厅|总社|公司)$")


def _prose_responsibility(text: str) -> tuple[int, int, tuple[str, ...], tuple[str, ...]] | None:
    """(start, end, lead, support) of a prose responsibility clause in a paragraph; None when
    the paragraph has none, or it names no department ("有关部门研究提出了办理意见")."""
    for m in _PROSE_RESP.finditer(text):

        def names(part: str | None) -> tuple[str, ...]:
            out = [_clean_dept(n) for n in _split_top(part or "", re.compile(r"[、/]"))]
            return tuple(n for n in dict.fromkeys(out) if n and _DEPT_END.search(n) and n != "有关部门")

        lead, support = names(m.group("lead")), names(m.group("support"))
        if lead:
            return m.start("lead"), m.end(), lead, support
    return None


# a bracketed note naming who is responsible for the sentences before it, anywhere in a
# paragraph: "…准入环境。（市场监管总局负责）加强…"
_INLINE_NOTE = re.compile(rf"[（(][^（）()]{{2,160}}?(?:{_ROLE_VERBS})[）)]")


def _task_title(text: str) -> str:
    """What a sub-item is called: its first sentence, numbering taken off
    ("1.加强制度政策集成创新，增强试点方案系统性。…"), cut at a comma when long."""
    text = text.strip(_WS)
    text = text[heading_level(text)[1] :].strip(_WS)
    first = re.split(r"[。；;！!？?]", text, maxsplit=1)[0]
    if len(first) > _MAX_TITLE:
        first = re.split(r"[，,：:]", first, maxsplit=1)[0][:_MAX_TITLE]
    return first


def _inline_notes(text: str) -> list[tuple[int, int]]:
    """(start, end) of every bracket in the paragraph that ends as a note does."""
    return [(m.start(), m.end()) for m in _INLINE_NOTE.finditer(text)]


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
