"""Department names: one canonical name per department, and the aliases people use.

A plan writes "市农业农村局(市乡村振兴局)"; officials ask about "乡村振兴局", "农业农村局"
or "农业局"; they say "发改委" for "市发展改革委" and "人社局" for
"市人力资源社会保障局". ``Departments`` is built from the names a document set
actually uses, so the canonical name is always the document's own wording, and it
resolves a mention in a question to those names.

Known abbreviations are listed below (general government usage, not one plan's);
anything else is matched as an in-order abbreviation of a known name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

# Everyday short forms -> the wording plans use (without the 市/省/县 prefix).
ABBREVIATIONS = {
    "发改委": "发展改革委",
    "发改局": "发展改革局",
    "发展和改革委员会": "发展改革委",
    "工信局": "工业和信息化局",
    "工信委": "工业和信息化局",
    "经信局": "工业和信息化局",
    "住建局": "住房城乡建设局",
    "住建委": "住房城乡建设局",
    "住房和城乡建设局": "住房城乡建设局",
    "文旅局": "文化和旅游局",
    "人社局": "人力资源社会保障局",
    "人力资源和社会保障局": "人力资源社会保障局",
    "卫健委": "卫生健康委",
    "卫健局": "卫生健康委",
    "卫生健康委员会": "卫生健康委",
    "教体局": "教育体育局",
    "教育局": "教育体育局",
    "体育局": "教育体育局",
    "农业局": "农业农村局",
    "农委": "农业农村局",
    "环保局": "生态环境局",
    "生态局": "生态环境局",
    "自规局": "自然资源局",
    "国土局": "自然资源局",
    "交通局": "交通运输局",
    "市监局": "市场监管局",
    "市场监督管理局": "市场监管局",
    "审批局": "审批服务局",
    "行政审批局": "审批服务局",
    "金融办": "地方金融监管局",
    "金融局": "地方金融监管局",
    "宣传部": "委宣传部",
    "编办": "委编办",
    "改革办": "委改革办",
    "农办": "委农办",
    "国资委": "国资委",
    "统计局": "统计局",
    "商务局": "商务局",
    "大数据局": "大数据局",
    "医保局": "医疗保障局",
    "应急局": "应急管理局",
    "水务局": "水利局",
    "城管局": "城管局",
    "司法局": "司法局",
    "民政局": "民政局",
    "公安局": "公安局",
    "税务局": "税务局",
    "人行": "人民银行",
    "科协": "科协",
}
_PREFIX = re.compile(r"^(市|省|县|区|州|盟)")
_BRACKETED = re.compile(r"^(.+?)[（(](.+?)[）)]$")
# names of bodies (and zones, which people abbreviate the same way: 综保区)
ORG_SUFFIX = re.compile(r"(局|委|办|部|厅|署|院|会|区|中心|公司|海关|银行|支行|分局|集团|办公室|小组)$")
# the one-character organs a short form may be written with (工信局, 工信部, 工信委)
_ORGANS = "局委办部厅署"


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def split_bracketed(name: str) -> tuple[str, tuple[str, ...]]:
    """ "市农业农村局(市乡村振兴局)" -> ("市农业农村局", ("市乡村振兴局",))."""
    m = _BRACKETED.match(norm(name))
    if not m:
        return name, ()
    return m.group(1), (m.group(2),)


def _bare(name: str) -> str:
    return _PREFIX.sub("", norm(name))


def _stem(short: str, long: str) -> str:
    """The short form without its organ ("住建局" → 住建: "住建那边配合哪几项？"), when it is a
    compression of the name (住房城乡建设) and so no everyday word; "" otherwise ("交通局" →
    交通 is one, "应急局" → 应急 another)."""
    stem = short[:-1]
    if len(short) != 3 or short[-1] not in "局委办" or stem in long or _PREFIX.match(stem):
        return ""  # nor one that begins like a place ("市监" in "城市监测")
    rest = iter(long)
    return stem if all(ch in rest for ch in stem) else ""


class Departments:
    """Canonical names of a document set, and alias resolution."""

    def __init__(self, names: Iterable[str], in_text: Callable[[str], bool] | None = None) -> None:
        """``in_text``: whether the documents' text contains a word; a short form without its
        organ ("住建") is a name only where they never write it (where they do, "文旅项目",
        it is a word of theirs)."""
        self.canonical: list[str] = []
        self._alias: dict[str, str] = {}  # normalised alias -> canonical
        self._display: dict[str, str] = {}  # canonical -> fullest form as written
        for raw in names:
            main, extra = split_bracketed(raw)
            canon = norm(main)
            if canon not in self.canonical:
                self.canonical.append(canon)
            if extra or canon not in self._display:
                self._display[canon] = norm(raw)
            for alias in (raw, main, *extra):
                self._add(alias, canon)
        for short, long in ABBREVIATIONS.items():
            for canon in self.canonical:
                if _bare(canon) == long:
                    self._add(short, canon)
                    stem = _stem(short, long)
                    if stem and in_text is not None and not in_text(stem):
                        self._add(stem, canon)

    def _add(self, alias: str, canon: str) -> None:
        for form in {norm(alias), _bare(alias)}:
            if len(form) >= 2:
                self._alias.setdefault(form, canon)

    def forms(self, canon: str) -> list[str]:
        """The names of one department as a text may write it (three characters or more),
        longest first."""
        return sorted(
            (a for a, c in self._alias.items() if c == canon and len(a) >= 3), key=len, reverse=True
        )

    def aliases(self) -> list[str]:
        """Every name a question may use for a department (normalised)."""
        return list(self._alias)

    def display(self, canon: str) -> str:
        """The name as the documents write it, with a bracketed alias if they give one
        ("市农业农村局(市乡村振兴局)")."""
        return self._display.get(canon, canon)

    def canonical_of(self, name: str) -> str:
        """The canonical form of a name as written in a note (itself if unknown)."""
        main, _ = split_bracketed(name)
        return self._alias.get(norm(name)) or self._alias.get(norm(main)) or norm(main)

    def resolve(self, mention: str) -> list[str]:
        """Canonical names a user's mention refers to: exact alias, then known short
        form, then an in-order abbreviation ("人社局" -> "市人力资源社会保障局")."""
        m = norm(mention)
        for form in (m, _bare(m)):
            if form in self._alias:
                return [self._alias[form]]
        rx = re.compile(".{0,6}".join(re.escape(ch) for ch in _bare(m)))
        return [c for c in self.canonical if rx.search(_bare(c)) and ORG_SUFFIX.search(m)]

    def _organ_after(self, q: str, alias: str, end: int) -> list[str]:
        """The departments a short form without its organ names with the organ the question
        writes after it, where that is another organ than its own: "工信部" is 工业和信息化部, not
        the 市工业和信息化局 the stem 工信 stands for ("人社部门" is a department in general)."""
        if ORG_SUFFIX.search(alias) or end >= len(q) or q[end] not in _ORGANS or q[end : end + 2] == "部门":
            return []
        canons = self.resolve(q[end - len(alias) : end + 1])
        return [] if canons == [self._alias[alias]] else canons

    def find_in(self, question: str) -> list[tuple[str, int, int]]:
        """Department mentions in a question: (canonical, start, end), longest first,
        non-overlapping. Known aliases are matched as substrings."""
        q = norm(question)
        found: list[tuple[str, int, int]] = []
        taken: set[int] = set()
        for alias in sorted(self._alias, key=len, reverse=True):
            for m in re.finditer(re.escape(alias), q):
                span = set(range(m.start(), m.end()))
                if span & taken:
                    continue
                taken |= span
                organ = self._organ_after(q, alias, m.end())
                if organ:
                    taken.add(m.end())
                    found.extend((canon, m.start(), m.end() + 1) for canon in organ)
                else:
                    found.append((self._alias[alias], m.start(), m.end()))
        if not found:
            for m in re.finditer(r"[\u4e00-\u9fff]{2,8}?(局|委|办|部|厅|署|海关|中心|公司|集团|银行)", q):
                # the match may begin with the question's own words ("请问供电公司"): the
                # longest tail that names a department is the mention; a tail is tried from four
                # characters on (a shorter one is as often a word: "去政府办事"), the whole
                # match at any length
                for at in range(m.start(), max(m.start() + 1, m.end() - 3)):
                    canons = self.resolve(q[at : m.end()])
                    if canons:
                        found.extend((canon, at, m.end()) for canon in canons)
                        break
        return sorted(found, key=lambda x: x[1])
