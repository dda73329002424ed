"""Rosters: the lists of who holds which post in a body (组成人员名单), as documents print them.

A notice that sets up or reshuffles a leading group, a committee or a joint conference
lists its members one per line, the post first, the person's name and office after it,
the lines after the first of a post indented under it:

    组　长：韩　正　　国务院副总理
    副组长：丁学东　　国务院副秘书长
    李干杰　　生态环境部部长

An emergency plan names the posts by office instead ("总指挥：国家发展改革委主要负责人。").
Each line is one ``Post``, its span exactly the source's line, with the post it falls under
carried down to the indented lines (which name none). Read as sentences, those lines lose
their post, and "主　任" (spaced to line up with 副主任) is not "主任"; ``roster`` keeps both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = r"[\u4e00-\u9fff]"
_SP = r"[ \u3000\xa0]"
_LABEL = rf"{_CJK}(?:{_SP}?{_CJK}){{1,5}}"
_NAME = rf"{_CJK}(?:{_SP}?{_CJK}){{1,3}}"
# a person's name, two spaces or more, the office they hold (a name is never spaced twice)
_ENTRY = rf"(?P<name>{_NAME}){_SP}{{2,}}(?P<title>\S.*?)"
_POST_LINE = re.compile(rf"^{_SP}*(?P<label>{_LABEL})[：:]{_SP}*(?:{_ENTRY})?{_SP}*$")
_MORE = re.compile(rf"^{_SP}*{_ENTRY}{_SP}*$")
# a heading inside a post's list: "（一）部门委员", "（二）专家委员（按姓氏笔划为序）"
_GROUP = re.compile(rf"^{_SP}*[（(][一二三四五六七八九十]+[）)][^。；;：:]{{2,24}}$")
# a post named by office: the post ends as posts end ("总指挥", "副组长", "成员")
_BY_OFFICE = re.compile(
    rf"^{_SP}*(?P<label>{_CJK}{{0,4}}(?:长|任|员|指挥|书记|召集人))[：:](?P<title>[^：:。]{{2,}})。?{_SP}*$"
)


@dataclass(frozen=True)
class Post:
    role: str  # the post, unspaced: 组长, 副主任, 成员
    name: str  # the person, unspaced ("" where the post is named by office)
    title: str  # the office they hold: 国务院副总理
    group: str  # the heading it is listed under within its post ("（一）部门委员"), if any
    start: int  # the line's source span (without its indent)
    end: int


def unspaced(text: str) -> str:
    return re.sub(_SP, "", text)


def _lines(text: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for line in text.split("\n"):
        out.append((at, line))
        at += len(line) + 1
    return out


def _span(at: int, line: str) -> tuple[int, int]:
    body = line.strip(" \u3000\xa0\r")
    start = at + line.index(body) if body else at
    return start, start + len(body)


def roster(text: str) -> list[Post]:
    """Every post of every roster in ``text``, in order (none in most documents)."""
    posts: list[Post] = []
    role, group = "", ""  # the post the lines below fall under, while its list runs on
    run: list[Post] = []  # the lines of the list being read (named, or named by office)
    for at, line in _lines(text):
        office = None if role else _BY_OFFICE.match(line)
        if office and all(not p.name for p in run):
            a, b = _span(at, line)
            run.append(Post(unspaced(office.group("label")), "", office.group("title").strip(), "", a, b))
            continue
        if not role:  # a list of people named by office ended, if one was read
            posts += _run(run)
            run = []
        head = _POST_LINE.match(line)
        if head:
            role, group = unspaced(head.group("label")), ""
            if head.group("name"):  # else its people are listed below it ("委　员：")
                a, b = _span(at, line)
                run.append(Post(role, unspaced(head.group("name")), head.group("title").strip(), "", a, b))
            continue
        if role and (g := _GROUP.match(line)):
            group = g.group(0).strip(" \u3000\xa0")
            continue
        more = _MORE.match(line) if role else None
        if more:
            a, b = _span(at, line)
            run.append(Post(role, unspaced(more.group("name")), more.group("title").strip(), group, a, b))
            continue
        role = ""
        posts += _run(run)
        run = []
    return posts + _run(run)


def _run(lines: list[Post]) -> list[Post]:
    """Lines are a roster when two or more run together ("总指挥：…" then "副总指挥：…"; "组　长：…"
    then "副组长：…"); one such line alone is any label ("负责人：…", "联系人：王　明　　电话")."""
    return lines if len(lines) >= 2 else []
