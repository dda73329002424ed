"""Responsibility notes: where a paragraph names who is responsible ("（A牵头负责，B配合）",
"牵头单位：A；配合单位：B", "A会同B研究提出了办理意见"), and the lead and support units it names.
"""

from __future__ import annotations

import re

_WS = " \t\r\n\u3000\xa0\ufeff"
_BRACKETS = {"(": ")", "（": "）", "〔": "〕", "[": "]", "【": "】"}
_RESP_WORDS = ("负责", "牵头", "配合", "参与", "协助", "落实", "指导")
# "列第一位者为牵头单位" / "排在第一位的部门为牵头部门": the first listed leads
FIRST_LEADS = re.compile(r"(列|排在?)第一位[的者]?(部门|单位)?为牵头(部门|单位)?")
# how a note ends, saying the part of the departments it lists ("（生态环境部、国家卫生健康委
# 指导）": the units that guide a task are responsible for it)
_ROLE_VERBS = "牵头负责|分别牵头负责|分别负责|共同负责|牵头|负责|配合|参与|协助|指导"
_CLAUSE_SPLIT = re.compile(r"[,，;；。]")
# "牵头单位：A、B；配合单位：C" — labelled responsibility; the label decides the role
_ROLE_LABEL = r"(牵头|责任|负责|主责|承办|配合|协办|参与|协助)(单位|部门)"
_LABEL = re.compile(rf"^{_ROLE_LABEL}\s*[:：]\s*")
# a label inside a bracketed note ("负责部门：", "适用范围：")
_ANY_LABEL = re.compile(r"([^(（〔\[【，,；;：:]{1,8})[：:]")
_SUPPORT_LABELS = ("配合", "协办", "参与", "协助")
_LABELLED_NOTE = re.compile(
    r"(?:^|[（(〔【\[]|(?<=[。；;]))\s*(牵头|责任|负责|主责|承办)(单位|部门)\s*[:：][^。]*$"
)
# a body's name: "人力资源社会保障部", "各省级人民政府", "有关部门和单位"
_ORG = re.compile(r"(局|委|办|部|厅|署|院|会|中心|公司|海关|银行|集团|办公室|小组|政府|单位|部门)$")


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


def is_note_sentence(text: str) -> bool:
    """The sentence is a bracketed responsibility note and nothing more ("（市科技局牵头负责，市财政局
    配合）", "（负责部门：人力资源社会保障部）"), as ``find_responsibility`` reads notes; not one that
    says more under a label of its own ("（负责部门：民航局，适用范围：河南自贸试验区）")."""
    note = find_responsibility(text) if text[:1] in _BRACKETS else None
    return (
        note is not None
        and note[0] == 0
        and all(re.fullmatch(_ROLE_LABEL, label.strip()) for label in _ANY_LABEL.findall(text))
    )


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
        # "国家发展改革委会同有关部门负责": who leads, and whom they act together with
        names_part, _, together = names_part.partition("会同")
        names = [_clean_dept(n) for n in _split_top(names_part, re.compile(r"[、/]"))]
        names = [n for n in names if n]
        support.extend(
            n
            for n in (_clean_dept(x) for x in _split_top(together, re.compile(r"[、/]")))
            if n and not _UNNAMED.fullmatch(n)
        )
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


# bodies a note names by no name ("会同有关部门负责")
_UNNAMED = re.compile(r"(?:各)?(?:有关|相关|其他)(?:部门|单位|方面)(?:和单位)?")


def _clean_dept(name: str) -> str:
    """ "商务部等有关部门" -> "商务部"; the wording of the note otherwise kept."""
    name = name.strip(_WS)
    stripped = re.sub(r"等(有关|相关)?(部门|单位)?(和|及|、)?(部门|单位)?$", "", name)
    return stripped if len(stripped) >= 2 else name


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


def _inline_notes(text: str) -> list[tuple[int, int]]:
    """(start, end) of every bracket in the paragraph that ends as a note does."""
    return [(m.start(), m.end()) for m in _INLINE_NOTE.finditer(text)]
