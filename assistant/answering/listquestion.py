"""How a list question is read: the time window it asks about ("4月底前", "下个月", "第二季度"), the
role it asks a department in, and a body it names as the documents' prose does ("国办")."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass

from assistant.answering.phrases import pattern, table
from index.tokenize import normalize

_SUPPORT = pattern("listquestion.support")
_LEAD = pattern("listquestion.lead")
MONTH = re.compile(r"(?:(20\d\d)年)?(1[0-2]|[1-9]|[一二三四五六七八九十]|十一|十二)月(底|末|份)?(前|之前)?")
_DATE_BEFORE = re.compile(r"(?:(20\d\d)年)?(1[0-2]|[1-9])月([1-3]?\d)日(前|之前|以前)")
_RELATIVE = table("listquestion.relative")
_CN_MONTH = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}

_ORGAN_END = "办社部委局厅府署行院会"  # the last character of a body's short name: "国办", "供销社"


@dataclass(frozen=True)
class Query:
    """What a list question asks for, as ``Ledger.route`` reads it."""

    kind: str  # "department" | "due" | "has_deadlines" | "no_support"
    dept: str = ""
    role: str = "any"
    first: str = ""  # due window, ISO dates, inclusive
    last: str = ""
    when: str = ""  # how the question put it ("4月底前", "下个月")
    label: str = ""  # a body no note names, as the question names it: its sentences answer


def find_body(q: str, bodies: Collection[str], text: str = "") -> tuple[str, int, int] | None:
    """(body, start, end) of the first of ``bodies`` the question names: whole, with
    "政府" for "人民政府" ("湖北省政府"), or shortened keeping characters in order from its
    first ("国办" for 国务院办公厅, "供销社" for 供销合作总社) — but not where the question
    goes on into a word of ``text``, the documents' (the 教育部 of "教育部际联席会议")."""

    def a_name(a: int, b: int) -> bool:  # not the head of a longer word ("教育部际联席会议")
        return b >= len(q) or not text or q[a : b + 1] not in text

    for b in sorted(bodies, key=len, reverse=True):
        for form in (b, b.replace("人民政府", "政府")):
            at = q.find(form)
            if at >= 0 and a_name(at, at + len(form)):
                return b, at, at + len(form)
    for b in sorted(bodies, key=len, reverse=True):
        for m in re.finditer(f"{re.escape(b[0])}[\u4e00-\u9fff]{{0,3}}?[{_ORGAN_END}]", q):
            short = m.group(0)
            if (
                short[-1] in b
                and re.search(".*?".join(map(re.escape, short)), b)
                and a_name(m.start(), m.end())
            ):
                return b, m.start(), m.end()
    return None


def role_in(question: str) -> str | None:
    """The role a question asks a department in ("列为负责单位", "配合"), None when it names none."""
    q = normalize(question)
    if _LEAD.search(q) or _SUPPORT.search(q) or "参与" in q or "单位" in q:
        return asked_role(q)
    return None


def asked_role(q: str) -> str:
    support, lead = bool(_SUPPORT.search(q)), bool(_LEAD.search(q))
    if support and lead:  # "牵头和配合都算", "负责或配合"
        return "any"
    if support:
        return "support"
    if "参与" in q or "涉及" in q:  # "负责或参与": either role
        return "any"
    if lead and not re.search(r"牵头|主责", q):  # "负责哪些": as the document's notes mean it
        return "responsible"
    return "lead" if lead else "any"


def month_window(month: int, year: int | None) -> tuple[str, str]:
    last = calendar.monthrange(year or 2001, month)[1]  # any common year when unknown
    if month == 2 and year is None:
        last = 29
    prefix = f"{year:04d}-" if year else ""
    return f"{prefix}{month:02d}-01", f"{prefix}{month:02d}-{last:02d}"


def due_window(q: str, today: dt.date | None) -> tuple[str, str, str] | None:
    """(first, last, as asked): ISO dates when the question fixes the year
    ("2023年4月", "下个月"), else "MM-DD" within each plan's year ("4月底前")."""
    m = _DATE_BEFORE.search(q)
    if m:
        day = f"{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        return "", f"{m.group(1)}-{day}" if m.group(1) else day, m.group(0)
    for word, delta in _RELATIVE.items():
        if word in q:
            base = today or dt.date.today()
            month0 = base.month - 1 + delta
            return (*month_window(month0 % 12 + 1, base.year + month0 // 12), word)
    half = re.search(r"(上|下)半年", q)
    if half:
        return (
            ("01-01", "06-30", half.group(0)) if half.group(1) == "上" else ("07-01", "12-31", half.group(0))
        )
    quarter = re.search(r"(第)?(一|二|三|四|1|2|3|4)季度", q)
    if quarter:
        n = "一二三四".find(quarter.group(2)) + 1 or int(quarter.group(2))
        first = month_window(3 * n - 2, None)[0]
        return first, month_window(3 * n, None)[1], quarter.group(0)
    m = MONTH.search(q)
    if m:
        month = int(m.group(2)) if m.group(2).isdigit() else _CN_MONTH[m.group(2)]
        return (*month_window(month, int(m.group(1)) if m.group(1) else None), m.group(0))
    if re.search(r"年底前|年底|年内", q):
        return (*month_window(12, None), "年底前")
    return None
