"""The task ledger's facts: quantitative targets and dated deadlines of each measure.

Reads a measure's source text (offsets kept) and finds:

- **targets**: clauses with a figure in a target context ("到2025年，全市高新技术企业达到
  1000家", a "2023年，…" paragraph, "年均提高2个百分点"), split into metric, value, unit
  and qualifier in the document's own words;
- **deadlines**: dated items, from "完成时限：" paragraphs and inline ("4月份开工",
  "2023年年底前，…"), each resolved to a date within the plan's year — a year the
  document states, never one assumed here.

Departments are parsed in ``index.parse``; querying the ledger is the assistant's job.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import replace

from index.types import Deadline, Measure, Span, Target

_WS = " \t\r\n\u3000\xa0\ufeff"
_CLAUSE = re.compile(r"[^。；;\n]+")
_PART = re.compile(r"[^,，、：:]+")

# -- deadlines -------------------------------------------------------------------

_WHEN = re.compile(
    r"(?:(?P<year>20\d\d)年)?"
    r"(?:(?P<month>1[0-2]|[1-9])月(?:(?P<day>[1-3]?\d)日)?(?P<tail>底|末|中旬|上旬|下旬)?份?(?:前|之前)?"
    r"|(?P<yearend>年底|年末)(?:前|之前)?|(?P<within>年内)"
    r"|(?P<half>上|下)半年|(?P<quarter>一|二|三|四|1|2|3|4)季度末?(?:前)?)"
)
_QUARTER = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}


def plan_year(text: str) -> str:
    """The year a plan's work is scheduled in, as the document states it: the most
    common year leading a paragraph ("2023年，…"), else the first year of a range in
    the title area ("2023—2025年"), else the most common year mentioned."""
    leads = Counter(re.findall(r"(?m)^[\s\u3000]*(20\d\d)年[,，]", text))
    if leads:
        return leads.most_common(1)[0][0]
    head = text[:500]
    rng = re.search(r"(20\d\d)\s*[—\-－~～至]\s*20\d\d年", head)
    if rng:
        return rng.group(1)
    years = Counter(re.findall(r"(20\d\d)年", text))
    return years.most_common(1)[0][0] if years else ""


def resolve_due(m: re.Match[str], year: str) -> str:
    """ISO date a time expression resolves to (last day of the period)."""
    y = m.group("year") or year
    if not y:
        return ""
    yi = int(y)
    if m.group("month"):
        month = int(m.group("month"))
        tail = m.group("tail") or ""
        if m.group("day"):
            day = int(m.group("day"))
        elif tail == "上旬":
            day = 10
        elif tail == "中旬":
            day = 20
        else:
            day = calendar.monthrange(yi, month)[1]
        return f"{yi:04d}-{month:02d}-{min(day, calendar.monthrange(yi, month)[1]):02d}"
    if m.group("half"):
        return f"{yi:04d}-06-30" if m.group("half") == "上" else f"{yi:04d}-12-31"
    if m.group("quarter"):
        month = _QUARTER[m.group("quarter")]
        return f"{yi:04d}-{month:02d}-{calendar.monthrange(yi, month)[1]:02d}"
    return f"{yi:04d}-12-31"  # 年底 / 年末 / 年内


def extract_deadlines(source: str, span: Span, year: str) -> list[Deadline]:
    """Dated items within ``source[span]``: one per time expression, the item being
    the clause (between ；。 and line breaks) that carries it."""
    out: list[Deadline] = []
    for cm in _CLAUSE.finditer(source, span.start, span.end):
        clause = cm.group(0)
        lead = len(clause) - len(clause.lstrip(_WS))
        body_start = cm.start() + lead
        body = clause.strip(_WS)
        for label in ("完成时限", "时间节点", "完成时间"):
            if body.startswith(label):
                skip = len(label) + (1 if body[len(label) : len(label) + 1] in ":：" else 0)
                body_start += skip
                body = body[skip:].lstrip(_WS)
                break
        if not body:
            continue
        body_start = source.index(body, body_start)
        for m in _WHEN.finditer(body):
            if not (
                m.group("month")
                or m.group("yearend")
                or m.group("within")
                or m.group("half")
                or m.group("quarter")
            ):
                continue
            if m.group("month") and not (
                m.group("tail") or "份" in m.group(0) or "前" in m.group(0) or m.group("day")
            ):
                continue  # "12月" alone is rarely a deadline ("12月举办" is, but is rare)
            out.append(
                Deadline(
                    when=m.group(0),
                    due=resolve_due(m, year),
                    item=body,
                    span=Span(body_start, body_start + len(body)),
                )
            )
    return out


# -- targets ---------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?(?:\s*[—\-－~～至]\s*\d+(?:\.\d+)?)?"
_UNIT = (
    r"个百分点|万千瓦时|亿千瓦时|万千瓦|千瓦时|亿元|万元|元|万亩|亩|平方公里|公里|千米|万人|人次|人|万户|户|"
    r"家|个|项|座|所|处|条|次|台|辆|吨|万吨|倍|级|%|‰|年"
)
_FIGURE = re.compile(rf"(?P<value>{_NUM})\s*(?P<unit>{_UNIT})(?P<after>以上|左右|以内|以下)?")
# verbs between a metric and its figure that say how the figure is meant
_QUALIFIERS = (
    "下降至",
    "下降到",
    "降低至",
    "降低到",
    "降至",
    "提高到",
    "提高至",
    "提升至",
    "提升到",
    "增长到",
    "增加到",
    "达到",
    "突破",
    "超过",
    "不低于",
    "不少于",
    "不超过",
    "控制在",
    "保持在",
    "稳定在",
    "达",
)
_QUALIFIER_TAIL = re.compile("(" + "|".join(_QUALIFIERS) + ")$")
_PERIOD = re.compile(r"(到|至|截至)(20\d\d)年(底|末)?|年均|每年")
_LEAD_YEAR = re.compile(r"^[\s\u3000]*(20\d\d)年[,，]")  # a "2023年，…" paragraph's year


def extract_targets(source: str, span: Span) -> list[Target]:
    """Figures in a target context within ``source[span]``, one per figure."""
    out: list[Target] = []
    para_year = ""
    for cm in _CLAUSE.finditer(source, span.start, span.end):
        sentence = cm.group(0)
        para_start = cm.start() == span.start or source[cm.start() - 1] == "\n"
        lead_year = _LEAD_YEAR.match(sentence)
        if para_start:
            para_year = lead_year.group(1) if lead_year else ""
        period, year = "", ""
        pm = _PERIOD.search(sentence)
        if pm:
            period, year = pm.group(0), pm.group(2) or ""
        if not period and para_year:
            period, year = f"{para_year}年", para_year
        if not period:
            continue
        if re.match(r"^[\s\u3000]*(完成时限|时间节点)", sentence):
            continue  # dated items, not targets
        out.extend(_targets_in(sentence, cm.start(), period, year))
    return out


def _targets_in(sentence: str, offset: int, period: str, year: str) -> list[Target]:
    out = []
    for part in _PART.finditer(sentence):
        text = part.group(0)
        own = re.search(r"年均|每年", text)  # "…占比年均提高2个百分点": this part's own period
        part_period = own.group(0) if own else period
        for fm in _FIGURE.finditer(text):
            if fm.group("unit") == "年" or re.fullmatch(r"20\d\d", fm.group("value")):
                continue  # a year, not a figure
            nxt, prev = text[fm.end() : fm.end() + 1], text[fm.start() - 1 : fm.start()]
            if nxt in ("千", "伏", "G") or (prev.isascii() and prev.isalpha()):
                continue  # "500千伏", "10G-PON": names, not figures
            before = re.sub(r"^(到|至)?20\d\d年(底|末)?", "", text[: fm.start()].strip(_WS)).strip(_WS)
            q = _QUALIFIER_TAIL.search(before)
            metric = (before[: q.start()] if q else before).strip(_WS)
            qualifier = q.group(0) if q else ""
            if fm.group("after"):
                qualifier = f"{qualifier}…{fm.group('after')}" if qualifier else fm.group("after")
            if len(metric) <= 4:  # "完成171个行政村…治理": the thing counted follows the figure
                after = text[fm.end() :].strip(_WS).lstrip("的")[:20]
                metric = f"{metric}…{after}" if metric and after else metric or after
            start = offset + part.start()
            out.append(
                Target(
                    period=part_period,
                    year=year,
                    metric=metric,
                    value=re.sub(r"\s+", "", fm.group("value")),
                    unit=fm.group("unit"),
                    qualifier=qualifier,
                    span=Span(start + len(text) - len(text.lstrip(_WS)), start + len(text.rstrip(_WS))),
                )
            )
    return out


# -- policy figures ------------------------------------------------------------

# how policy language states a figure it grants or bounds: "最高不超过300万元", "可返还…的50%",
# "按…50%的标准", "不低于…", "给予…万元"; read where no year frames the sentence (a target)
_TERM_QUALIFIERS = re.compile(
    r"(最高不超过|最高可达|最高|最多不超过|最多|不超过|不得超过|不高于|不低于|不少于|至少|可返还|返还|按照|按|给予|补贴|补助|奖励|"
    r"提高到|提高至|达到|上浮|下浮|低于|高于|减按|减半|免征|降低|降至|降到|控制在|每人|每户|每年)"
)
_TERM_UNIT = re.compile(r"亿元|万元|元|%|‰|个百分点|倍|年|个月|天|日|个工作日|小时")
# a clause that says whom a figure applies to: "对…的参保企业", "…并与其签订1年以上劳动合同的"
_CONDITION = re.compile(r"^(对|凡|符合|在)[^，,]*|[^，,]*的$")


def extract_terms(source: str, span: Span) -> list[Target]:
    """Policy figures within ``source[span]`` stated without a year: an amount, a rate, a
    cap or a period a policy grants or bounds, with the condition it applies under (the
    sentence's clause before it saying whom: "对不裁员或少裁员的参保企业")."""
    out: list[Target] = []
    for sm in re.finditer(r"[^。；;\n]+", source[span.start : span.end]):
        sentence, offset = sm.group(0), span.start + sm.start()
        if _PERIOD.search(sentence) or _LEAD_YEAR.match(sentence):
            continue  # a target, framed by a year
        condition = ""
        for cm in re.finditer(r"[^，,]+", sentence):
            clause = cm.group(0).strip(_WS)
            start = offset + cm.start() + (len(cm.group(0)) - len(cm.group(0).lstrip(_WS)))
            own = re.match(r"^(对|凡)", clause)  # "对…的主体收取的费率不超过1.5%": its own condition
            found = list(_terms_in(clause, start, "" if own else condition))
            out.extend(found)
            if _CONDITION.search(clause):  # "…达到…25%…劳动合同的": a condition, thresholds and all
                condition = clause
            elif found:
                condition = ""  # the next figure's condition is its own
    return out


def _terms_in(clause: str, start: int, condition: str) -> list[Target]:
    out, since = [], 0  # a qualifier counts between the previous figure and this one
    for fm in _FIGURE.finditer(clause):
        unit, value = fm.group("unit"), re.sub(r"\s+", "", fm.group("value"))
        before, since = clause[since : fm.start()], fm.end()
        if not _TERM_UNIT.fullmatch(unit) or re.fullmatch(r"(19|20)\d\d", value):
            continue  # a count of things, or a year: not what a policy grants
        q = ([None, *_TERM_QUALIFIERS.finditer(before)])[-1]  # the nearest before the figure
        if q is None and unit in ("%", "‰"):  # "可返还其上年度…的50%": a share of what it names
            q = next(iter(_TERM_QUALIFIERS.finditer(clause[: fm.start()])), None)
        if q is None:
            continue  # "签订1年以上劳动合同", "单户担保金额500万元及以下的": no grant or bound
        qualifier = q.group(0) if q else ""
        if fm.group("after"):
            qualifier = f"{qualifier}…{fm.group('after')}" if qualifier else fm.group("after")
        out.append(
            Target(
                period="",
                year="",
                metric=clause[: fm.start()].strip(_WS),
                value=value,
                unit=unit,
                qualifier=qualifier,
                span=Span(start, start + len(clause)),
                condition=condition,
            )
        )
    return out


def enrich(measure: Measure, source: str, year: str) -> Measure:
    """The measure with its targets, policy figures and deadlines filled in."""
    return replace(
        measure,
        targets=tuple(extract_targets(source, measure.span)),
        terms=tuple(extract_terms(source, measure.span)),
        deadlines=tuple(extract_deadlines(source, measure.span, year)),
    )
