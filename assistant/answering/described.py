"""A body named by what it does, and something else asked of it ("负责盯长江上游船舶污染的那个部门，
在巴朗山隧道那事上要干啥？"): two asks in turn. The first finds the body ("负责盯长江上游船舶污染的是哪个
部门？" → "交通部将着重做好对长江上游船舶污染的监督管理工作"); the second is the rest of the question
asked of it by name ("交通部在巴朗山隧道那事上要干啥？"). The answer says both, each cited.

It splits and names; asking is the caller's (``Assistant``), so each ask takes the path its
own words take (a department's list, a who-question, a figure).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answering.intent import detect_intent, key_found, match_form
from assistant.answering.phrases import pattern
from assistant.answering.types import Answer

_DESCRIBED = pattern("described.body")
_DESCRIBED_MEASURE = pattern("described.measure")
# a body's name as the documents write it where it does something: "交通部将…", "湖北省地震局在…",
# "由国土资源部牵头"
_BODY = re.compile(
    r"(?:^|(?<=[由经请，,；;、：:]))\s*(?P<body>[\u4e00-\u9fff]{1,14}?"
    r"(?:部|委员会|委|总局|局|办公室|办|厅|署|院|中心|人民政府|政府|公司|银行))"
    r"(?=将|要|应|负责|牵头|会同|组织|在|于|已|对|把|按|根据|为|是|、|和|与|及|，|,)"
)
_CLAUSE = re.compile(r"[^，,；;。：:]+")


def split_described(question: str) -> tuple[str, str] | None:
    """(the first ask, the rest) of a question naming a body by what it does:
    ("负责盯长江上游船舶污染的是哪个部门？", "在巴朗山隧道那事上要干啥？"); None when it names
    none so."""
    m = _DESCRIBED.match(question.strip())
    if not m:
        return None
    what, kind, rest = m.group("what"), m.group("kind"), m.group("rest").strip()
    if len(what) < 4 or len(rest) < 4:
        return None
    return f"{what}的是哪个{kind}？", rest


def split_described_measure(question: str) -> tuple[str, str] | None:
    """(what names the measure, the rest) of a question naming a measure by what it says:
    ("提到中联大坝超低排放改造", "到2025年达到标杆水平的产能要超过多少？"); None when it names
    none so."""
    m = _DESCRIBED_MEASURE.match(question.strip())
    if not m or len(m.group("what")) < 4 or len(m.group("rest").strip()) < 4:
        return None
    return m.group("what"), m.group("rest").strip()


def body_found(answer: Answer, first: str, known: Callable[[str], list[str]]) -> str:
    """The body the first ask's answer names where it says what the question describes: in the
    quote that says most of the description's words, the first body named in its clause that
    says most of them, or before it ("湖北省地震局在马鬃山村设立了地震监测站"); ``known``: the
    departments the index knows in a text, in order (else a body's name as the text writes it
    doing something). "" when the answer names none."""
    keys = detect_intent(first).keys
    if answer.refused or not answer.citations or not keys:
        return ""

    def said(text: str) -> int:
        own = match_form(text)
        return sum(key_found(k, own) for k in keys)

    quote = max((c.quote for c in answer.citations), key=said)  # the first of those that tie
    clauses = list(_CLAUSE.finditer(quote))
    if not clauses:
        return ""
    best = max(clauses, key=lambda c: said(c.group(0)))
    for text in (best.group(0), quote[: best.end()], quote):
        names = known(text)
        if names:
            return names[0]
        m = _BODY.search(text)
        if m:
            return m.group("body")
    return ""
