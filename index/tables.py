"""Task-division tables (任务分工表): a header row naming the columns, then one row per task.

Loaders write a table row as one line of tab-joined cells (html, docx, doc, pdf). This
module finds the tables whose header names a task column and a responsible-unit column
and returns, for each row, its cells with their offsets; ``index.parse`` makes each row a
measure (task, lead, support, deadline) cited to the row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Para(Protocol):
    """A stripped paragraph: its offsets in the text, and its text."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


_WS = " \t\r\n\u3000\xa0\ufeff"
# 任务分工表: the columns of a task-division table, told by the words of its header row
# (the common wordings: 重点任务/工作任务/工作内容, 牵头单位/责任单位/责任部门, 配合单位/协办单位,
# 完成时限/完成时间/时间节点; 主管部门/指导部门, the units that guide a reform: responsible for it).
# A header names a task column and a responsible-unit column.
_COLUMNS = (
    ("lead", re.compile(r"(牵头|责任|主责|负责|承办|主管|指导)(单位|部门|处室)")),
    ("support", re.compile(r"(配合|协办|参与|协助)(单位|部门|处室)")),
    ("due", re.compile(r"时限|时间|期限|节点|进度")),
    ("task", re.compile(r"任务|工作|事项|内容|措施|举措")),
)
_MAX_HEADER_CELL = 12
_MAX_GROUP = 40  # characters of a line grouping a table's rows
_MAX_GROUPS = 3  # such lines in a row


Cell = tuple[int, int, str]  # cleaned offsets of a table cell's stripped text, and the text


@dataclass(frozen=True)
class TaskTable:
    header: int  # paragraph index of the header row
    columns: dict[str, tuple[int, str]]  # role -> (column, header words)
    rows: dict[int, list[Cell]]  # paragraph index -> its cells (an empty task cell: the one above)


def _cells(text: str, p: Para) -> list[Cell]:
    """A row's cells, empty ones at either end included (the paragraph is stripped of them)."""
    at = text.rfind("\n", 0, p.start) + 1
    end = text.find("\n", p.end)
    out = []
    for raw in text[at : len(text) if end < 0 else end].split("\t"):
        cell = raw.strip(_WS)
        a = at + (raw.index(cell) if cell else 0)
        out.append((a, a + len(cell), cell))
        at += len(raw) + 1
    return out


def _columns(cells: list[Cell]) -> dict[str, tuple[int, str]]:
    """Roles of a header row's columns (each role its first column), if it is one."""
    cols: dict[str, tuple[int, str]] = {}
    for j, (_, _, text) in enumerate(cells):
        if not text or len(text) > _MAX_HEADER_CELL:
            return {}
        for role, rx in _COLUMNS:
            if rx.search(text):
                cols.setdefault(role, (j, text))
                break
    return cols if "task" in cols and ("lead" in cols or "support" in cols) else {}


def _group_heading(text: str, paras: Sequence[Para], j: int, width: int) -> bool:
    """A short line inside a table grouping the rows below it ("一、知识产权保护方面（共5项）"):
    rows of the table's width go on after it (or after the next such lines, a group whose
    rows were left out of the page)."""
    for k in range(j, min(j + _MAX_GROUPS, len(paras))):
        if "\t" in paras[k].text:
            return k > j and len(_cells(text, paras[k])) == width
        if len(paras[k].text) > _MAX_GROUP:
            return False
    return False


def task_tables(text: str, paras: Sequence[Para]) -> list[TaskTable]:
    """Task-division tables: a header row, then the rows with as many cells below it."""
    tables: list[TaskTable] = []
    i = 0
    while i < len(paras):
        cells = _cells(text, paras[i]) if "\t" in paras[i].text else []
        cols = _columns(cells) if len(cells) >= 2 else {}
        if not cols:
            i += 1
            continue
        rows: dict[int, list[Cell]] = {}
        task_col, above = cols["task"][0], None
        j = i + 1
        while j < len(paras):
            if "\t" not in text[paras[j].start - 1 : paras[j].end + 1]:
                if not _group_heading(text, paras, j, len(cells)):
                    break
                j, above = j + 1, None
                continue
            row = _cells(text, paras[j])
            if len(row) != len(cells) or _columns(row):
                break
            if not row[task_col][2] and above is not None:
                row[task_col] = above  # a task spanning rows (merged cell)
            above = row[task_col]
            if row[task_col][2]:
                rows[j] = row
            j += 1
        if rows:
            tables.append(TaskTable(i, cols, rows))
        i = max(j, i + 1)
    return tables
