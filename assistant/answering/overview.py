"""The plan at a glance, for someone new to it: built from the task ledger.

Per document: what it implements (the document it answers to, its number, the
date), its areas and measures, the headline targets, the deadlines month by month,
and who leads or supports which measure. Every fact carries the source span it was
read from (``Ref``), so a surface can link each one back to the document's words.
Counts here are the ledger's counts: nothing is parsed twice.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.answering.ledger import Ledger, Task
from index.types import Deadline, Target

# "《山东省人民政府关于印发…的通知》(鲁政字〔2023〕18号" — the document implemented, and its number
_IMPLEMENTS = re.compile(
    r"(?:贯彻落实|贯彻|落实|根据|依据|按照)[^。《]{0,12}《([^《》]{4,80})》\s*[（(]?\s*([^，,。；;（()）《》]{0,8}〔\d{4}〕\d+号)?"
)
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
_DATE = re.compile(r"(20\d\d)(?:年(1[0-2]|0?[1-9])月([12]\d|3[01]|0?[1-9])日|-(\d\d)-(\d\d))")


@dataclass(frozen=True)
class Ref:
    """A fact and where the document says it: ``source_text(doc)[start:end]``."""

    text: str
    doc: str
    start: int
    end: int


@dataclass(frozen=True)
class TargetRow:
    measure: str
    period: str
    metric: str
    value: str  # "1000家", "3—5个"
    ref: Ref


@dataclass(frozen=True)
class DeadlineRow:
    due: str  # ISO date
    when: str  # as written: "4月底前"
    measure: str
    item: str
    ref: Ref


@dataclass(frozen=True)
class Area:
    name: str  # the top heading ("" when the plan has none)
    measures: tuple[Ref, ...]  # measure titles, each its title span


@dataclass
class DocOverview:
    doc_id: str
    title: str
    implements: Ref | None = None  # "《…的通知》": what it carries out (贯彻落实/根据…)
    basis_number: Ref | None = None  # that document's number: "鲁政字〔2023〕18号"
    number: Ref | None = None  # its own number, when its opening gives one: "国发〔2019〕5号"
    date: Ref | None = None  # "2023-05-03", "2023年5月3日"
    areas: list[Area] = field(default_factory=list)
    measures: int = 0
    with_lead: int = 0
    targets: list[TargetRow] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)  # display names, most measures first
    # (department display name, measure index) → ("牵头" | "配合", ref of the responsibility note)
    roles: dict[tuple[str, int], tuple[str, Ref]] = field(default_factory=dict)
    measure_titles: list[str] = field(default_factory=list)

    def by_month(self) -> list[tuple[str, list[DeadlineRow]]]:
        """Deadlines grouped by the month they fall due ("2023-04"), in date order."""
        months: dict[str, list[DeadlineRow]] = {}
        for row in sorted(self.deadlines, key=lambda r: (r.due, r.ref.start)):
            months.setdefault(row.due[:7], []).append(row)
        return list(months.items())


def build_overview(ledger: Ledger) -> list[DocOverview]:
    """One overview per indexed document, in the ledger's order."""
    index = ledger.index
    out: list[DocOverview] = []
    for doc_id in index.documents:
        tasks = [t for t in ledger.tasks if t.doc_id == doc_id]
        source = index.source_text(doc_id)
        ov = DocOverview(doc_id, index.doc_title(doc_id))
        _header(ov, source, index.documents[doc_id], tasks)
        ov.measures = len(tasks)
        ov.with_lead = sum(1 for t in tasks if t.lead)
        ov.measure_titles = [t.measure.title for t in tasks]
        areas: dict[str, list[Ref]] = {}
        for t in tasks:
            m = t.measure
            area = m.heading_path[0] if m.heading_path else ""
            areas.setdefault(area, []).append(Ref(m.title, doc_id, m.title_span.start, m.title_span.end))
            ov.targets.extend(_target_row(t, x, source) for x in m.targets if x.year)
            ov.deadlines.extend(_deadline_row(t, d) for d in m.deadlines if d.due)
        ov.areas = [Area(name, tuple(refs)) for name, refs in areas.items()]
        _roles(ov, ledger, tasks)
        out.append(ov)
    return out


def _header(ov: DocOverview, source: str, record: dict[str, object], tasks: list[Task]) -> None:
    """What the document implements, its number and date, read from its opening."""
    first = min((t.measure.span.start for t in tasks), default=len(source))
    title_span = record.get("title_span") or {}
    begin = int(title_span.get("end", 0)) if isinstance(title_span, dict) else 0
    opening = source[:first] if first > begin else source[: begin + 600]
    found = list(_IMPLEMENTS.finditer(opening, begin))
    m = next((x for x in found if x.group(2)), found[0] if found else None)
    if m:
        ov.implements = Ref(f"《{m.group(1)}》", ov.doc_id, m.start(1) - 1, m.end(1) + 1)
        if m.group(2):
            ov.basis_number = Ref(m.group(2), ov.doc_id, m.start(2), m.end(2))
    for n in _NUMBER.finditer(opening):
        if not re.search(r"》\s*[（(]?\s*$", opening[max(0, n.start() - 3) : n.start()]):  # not a reference's
            ov.number = Ref(n.group(0), ov.doc_id, n.start(), n.end())
            break
    d = _DATE.search(source[: first + 200])
    if d:
        ov.date = Ref(d.group(0), ov.doc_id, d.start(), d.end())


def _target_row(t: Task, x: Target, source: str) -> TargetRow:
    after = x.qualifier in ("以上", "左右", "以内", "以下")  # "5家以上", written after the figure
    value = f"{x.value}{x.unit}{x.qualifier}" if after else f"{x.qualifier}{x.value}{x.unit}"
    clause = source[x.span.start : x.span.end]
    return TargetRow(
        t.measure.title, x.period, x.metric, value, Ref(clause, t.doc_id, x.span.start, x.span.end)
    )


def _deadline_row(t: Task, d: Deadline) -> DeadlineRow:
    return DeadlineRow(
        d.due, d.when, t.measure.title, d.item, Ref(d.item, t.doc_id, d.span.start, d.span.end)
    )


def _roles(ov: DocOverview, ledger: Ledger, tasks: list[Task]) -> None:
    show = ledger.departments.display
    count: Counter[str] = Counter()
    for i, t in enumerate(tasks):
        span = t.measure.resp_span
        if span is None:
            continue
        ref = Ref(t.measure.title, t.doc_id, span.start, span.end)
        for role, names in (("牵头", t.lead), ("配合", t.support)):
            for name in names:
                ov.roles.setdefault((show(name), i), (role, ref))
                count[show(name)] += 1
    ov.departments = [name for name, _ in sorted(count.items(), key=lambda x: (-x[1], x[0]))]
