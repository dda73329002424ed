"""Ledger exports: table, JSON, CSV, Excel (task sheet + responsibility matrix), iCalendar.

Works on a selection of ledger rows (``select``); writes text to a stream or a file.
Every exported item keeps its source offsets, so a reader can go back to the words.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering.ledger import Ledger, Task
from index.errors import PlanQAError
from index.types import Deadline

FORMATS = ("table", "json", "csv", "xlsx", "ics")
COLUMNS = ("文件", "措施", "章节", "牵头单位", "配合单位", "目标", "政策标准", "完成时限", "原文位置")


@dataclass(frozen=True)
class Row:
    task: Task
    deadlines: tuple[Deadline, ...]  # the task's deadlines (those due in the window, when filtered)


def select(
    ledger: Ledger,
    dept: str = "",
    role: str = "any",
    due_before: str = "",
    doc_ids: Collection[str] | None = None,
) -> list[Row]:
    """Ledger rows by department (any alias) and role, and/or deadline (of ``doc_ids`` only, when given)."""
    tasks = ledger.tasks if doc_ids is None else [t for t in ledger.tasks if t.doc_id in doc_ids]
    if dept:
        found = ledger.departments.resolve(dept)
        if not found:
            known = "、".join(ledger.departments.canonical[:12])
            raise PlanQAError(f"no department matches {dept!r}; departments include: {known}")
        tasks = [
            t for t in tasks if any(t.role_of(d) and (role == "any" or t.role_of(d) == role) for d in found)
        ]
    elif role != "any":
        raise PlanQAError("--role needs --dept")
    if due_before:
        try:
            dt.date.fromisoformat(due_before)
        except ValueError:
            raise PlanQAError(f"--due-before must be a date like 2023-06-30, got {due_before!r}") from None
        rows = [Row(t, tuple(d for d in t.measure.deadlines if d.due and d.due <= due_before)) for t in tasks]
        return [r for r in rows if r.deadlines]
    return [Row(t, t.measure.deadlines) for t in tasks]


def row_fields(ledger: Ledger, row: Row) -> dict[str, str]:
    t, m = row.task, row.task.measure
    show = ledger.departments.display
    src = ledger.index.source_text(t.doc_id)
    return {
        "文件": t.doc_title,
        "措施": m.title,
        "章节": " > ".join(m.heading_path),
        "牵头单位": "、".join(show(d) for d in t.lead) + ("（分别负责）" if m.each_responsible else ""),
        "配合单位": "、".join(show(d) for d in t.support),
        # targets and deadlines in the document's own words, with what they resolve to
        "目标": "；".join(f"{x.period}：{src[x.span.start : x.span.end]}" for x in m.targets),
        # policy figures (caps, rates, amounts) as written, each with the condition it applies under
        "政策标准": "；".join(
            (f"{x.condition}：" if x.condition else "") + src[x.span.start : x.span.end] for x in m.terms
        ),
        "完成时限": "；".join(f"{d.due} {d.item}" for d in row.deadlines),
        "原文位置": f"{t.doc_id}:{m.span.start}-{m.span.end}",
    }


def to_json(ledger: Ledger, rows: Sequence[Row]) -> str:
    def span(s: Any) -> dict[str, int] | None:
        return None if s is None else {"start": s.start, "end": s.end}

    out = []
    for r in rows:
        t, m = r.task, r.task.measure
        out.append(
            {
                "doc": t.doc_id,
                "doc_title": t.doc_title,
                "measure": m.title,
                "heading_path": list(m.heading_path),
                "span": span(m.span),
                "lead": list(t.lead),
                "support": list(t.support),
                "each_responsible": m.each_responsible,
                "responsibility_span": span(m.resp_span),
                "targets": [
                    {
                        "period": x.period,
                        "year": x.year,
                        "metric": x.metric,
                        "value": x.value,
                        "unit": x.unit,
                        "qualifier": x.qualifier,
                        "span": span(x.span),
                    }
                    for x in m.targets
                ],
                "terms": [
                    {
                        "condition": x.condition,
                        "metric": x.metric,
                        "value": x.value,
                        "unit": x.unit,
                        "qualifier": x.qualifier,
                        "span": span(x.span),
                    }
                    for x in m.terms
                ],
                "deadlines": [
                    {"when": d.when, "due": d.due, "item": d.item, "span": span(d.span)} for d in r.deadlines
                ],
            }
        )
    return json.dumps(out, ensure_ascii=False, indent=1)


def to_csv(ledger: Ledger, rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow(row_fields(ledger, r))
    return buf.getvalue()


def to_table(ledger: Ledger, rows: Sequence[Row]) -> str:
    cols = ("措施", "牵头单位", "配合单位", "完成时限")
    data = [[row_fields(ledger, r)[c] for c in cols] for r in rows]
    widths = [min(max([_width(c)] + [_width(row[i]) for row in data]), 40) for i, c in enumerate(cols)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(cols, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for row in data:
        lines.append("  ".join(_pad(_clip(v, w), w) for v, w in zip(row, widths)))
    lines.append(f"共 {len(rows)} 项")
    return "\n".join(lines) + "\n"


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, w: int) -> str:
    out, n = "", 0
    for ch in s:
        n += _width(ch)
        if n > w - 1:
            return out + "…"
        out += ch
    return out


def _pad(s: str, w: int) -> str:
    return s + " " * max(w - _width(s), 0)


def write_xlsx(ledger: Ledger, rows: Sequence[Row], path: Path) -> None:
    """Sheet 任务台账 (one row per measure) and sheet 责任矩阵 (measures × departments,
    牵头/配合)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "任务台账"
    ws.append(list(COLUMNS))
    for r in rows:
        f = row_fields(ledger, r)
        ws.append([f[c] for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGH", (30, 26, 20, 30, 40, 50, 50, 18)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"

    depts = [d for d in ledger.departments.canonical if any(r.task.role_of(d) for r in rows)]
    mx = wb.create_sheet("责任矩阵")
    mx.append(["措施", *(ledger.departments.display(d) for d in depts)])
    for r in rows:
        marks = {"lead": "牵头", "support": "配合", "": ""}
        mx.append([r.task.measure.title, *(marks[r.task.role_of(d)] for d in depts)])
    for cell in mx[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    mx.column_dimensions["A"].width = 30
    mx.freeze_panes = "B2"
    wb.save(path)


def to_ics(ledger: Ledger, rows: Sequence[Row], stamp: dt.datetime | None = None) -> str:
    """One all-day event per dated deadline item (RFC 5545)."""
    stamp = stamp or dt.datetime.now(dt.UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PlanQA//任务台账//ZH", "CALSCALE:GREGORIAN"]
    for r in rows:
        m = r.task.measure
        for i, d in enumerate(r.deadlines):
            if not d.due:
                continue
            day = dt.date.fromisoformat(d.due)
            lead = "、".join(ledger.departments.display(x) for x in r.task.lead)
            lines += [
                "BEGIN:VEVENT",
                f"UID:{r.task.doc_id}-{m.index}-{i}-{d.span.start}@planqa",
                f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{_ics_text(m.title + '：' + d.item)}",
                f"DESCRIPTION:{_ics_text(f'{d.when}；牵头：{lead}；{r.task.doc_title}')}",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ics_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    cur = ""
    for ch in line:
        if len((cur + ch).encode("utf-8")) > (75 if not out else 74):
            out.append(cur)
            cur = ""
        cur += ch
    out.append(cur)
    return "\r\n ".join(out)


def export(ledger: Ledger, rows: Sequence[Row], fmt: str, out: Path | None) -> str | None:
    """Write ``rows`` in ``fmt``; returns text for stdout when ``out`` is None
    (binary xlsx always goes to a file)."""
    if fmt not in FORMATS:
        raise PlanQAError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "xlsx":
        path = out or Path("planqa-tasks.xlsx")
        write_xlsx(ledger, rows, path)
        return None if out else f"wrote {path}\n"
    text = {"table": to_table, "json": to_json, "csv": to_csv, "ics": to_ics}[fmt](ledger, rows)
    if out is None:
        return text
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # Excel opens BOM-marked CSV as UTF-8
    out.write_text(text, encoding=encoding, newline="")
    return None
