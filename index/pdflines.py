"""Printed lines from positioned characters: ``Line`` and ``Page``, characters grouped by
baseline, spaces put only where the print has them, radical glyphs read as ideographs.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

# CJK Radicals Supplement glyphs that PDF fonts map instead of the ideograph they draw
# (Unicode's EquivalentUnifiedIdeograph.txt; the Kangxi radicals are mapped by NFKC)
# (pairs: the radical, then the ideograph; checked against the Unicode names in the tests)
_RADICAL_PAIRS = (
    "⺆冂⺇几⺊卜⺋㔾⺌小⺍小⺎兀⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺗㣺⺘扌⺙攵⺛旡⺜日⺝月"
    "⺞歺⺠民⺡氵⺢氺⺣灬⺤爫⺥爫⺦丬⺧牛⺨犭⺩王⺪疋⺫罒⺬礻⺭礻⺮竹⺯糹⺰纟⺱罓⺲罒"
    "⺳㓁⺴罓⺶羊⺷羊⺹耂⺺肀⺻聿⺼月⺽臼⺾艹⺿艹⻀艹⻁虎⻂衤⻃覀⻄西⻅见⻆角⻈讠⻉贝"
    "⻋车⻌辶⻍辶⻎辶⻏阝⻐钅⻑長⻒镸⻓长⻔门⻖阝⻗雨⻘青⻙韦⻚页⻛风⻜飞⻝食⻟飠⻠饣"
    "⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻭歯⻮齿⻯竜⻰龙⻱龜⻲亀"
)
_RADICALS = {_RADICAL_PAIRS[i]: _RADICAL_PAIRS[i + 1] for i in range(0, len(_RADICAL_PAIRS), 2)}
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass
class Line:
    """One printed line: its text and box (points, top-down), the font size."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    head: float = 0.0  # width of the line's first unbreakable unit (what a line above could take)
    table: bool = False  # a table row (cells tab-joined): never joined to its neighbours
    ocr: bool = False  # read from the page's image


@dataclass
class Page:
    lines: list[Line]
    width: float
    height: float


def ideograph(ch: str) -> str:
    """The ideograph a radical or compatibility glyph stands for; other characters as they are."""
    o = ord(ch)
    if 0x2F00 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF:
        return unicodedata.normalize("NFKC", ch)
    return _RADICALS.get(ch, ch)


def chars_to_lines(chars: list[dict]) -> list[Line]:  # type: ignore[type-arg]
    """Characters to lines: a character joins the line whose vertical middle it shares."""
    lines: list[list[dict]] = []  # type: ignore[type-arg]
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        mid = (c["top"] + c["bottom"]) / 2
        for line in reversed(lines[-3:]):
            lt = statistics.median(x["top"] for x in line[:8])
            lb = statistics.median(x["bottom"] for x in line[:8])
            if lt - 1 <= mid <= lb + 1:
                line.append(c)
                break
        else:
            lines.append([c])
    return [x for x in map(line_of, lines) if x is not None]


def line_of(chars: list[dict], ordered: bool = False, gap: float = 0.6) -> Line | None:  # type: ignore[type-arg]
    """One printed line from its characters (sorted left to right unless ``ordered``);
    None if none of them has ink. ``gap``: the space, in font sizes, beside a Chinese
    character that reads as a space (OCR boxes are tight around the ink: wider)."""
    if not ordered:
        chars = sorted(chars, key=lambda c: c["x0"])
    ink = [c for c in chars if c["text"].strip()]
    if not ink:
        return None
    size = statistics.median(c.get("size") or (c["bottom"] - c["top"]) for c in ink)
    m = _FIRST_UNIT.match("".join(c["text"] for c in ink))
    n = max(len(m.group(0)) if m else 1, 1)
    x0 = min(c["x0"] for c in ink)
    return Line(
        _line_text(chars, size, gap),
        x0,
        max(c["x1"] for c in ink),
        min(c["top"] for c in ink),
        max(c["bottom"] for c in ink),
        size,
        head=ink[min(n, len(ink)) - 1]["x1"] - x0,
    )


def _line_text(chars: list[dict], size: float, cjk_gap: float) -> str:  # type: ignore[type-arg]
    """A line's characters in order, a space only where the print has one: a space glyph,
    or a gap between letters or digits, or a wide gap anywhere (never between a Chinese
    character and a digit set close: "到2025年")."""
    out: list[str] = []
    prev = None
    for c in chars:
        if not c["text"].strip():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        ch = "".join(ideograph(x) for x in c["text"])
        if prev is not None and out[-1] != " ":
            gap = c["x0"] - prev["x1"]
            latin = not _CJK.match(out[-1][-1]) and not _CJK.match(ch[0])
            if gap > (0.2 if latin else cjk_gap) * size:
                out.append(" ")
        out.append(ch)
        prev = c
    return "".join(out).strip()


def join_lines(lines: list[str]) -> str:
    """Printed lines of one paragraph as one: no space at a break between Chinese
    characters or digits (a number broken at a line end is one number), a space between
    two words of Latin script."""
    text = ""
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if text and text[-1].isascii() and text[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            text += " "
        text += line
    return text


# What the start of a line needs on the line above to have gone there (UAX #14): no break
# before closing punctuation or after opening, none between a separator and a digit
# ("革,2023年" breaks only before 年), none on either side of a quotation mark ("主”企").
_QUOTES = "“”‘’\"'"
_ATOM = rf"(?:[A-Za-z0-9.%]+|[^{_QUOTES}\s])"
_FIRST_UNIT = re.compile(
    rf"[（(〔《\[【「『]*[{_QUOTES}]*{_ATOM}(?:[,.:][A-Za-z0-9%]+)*(?:[{_QUOTES}]+{_ATOM}?)*"
    r"[，,。.、；;：:？?！!）)〕》\]】」』]*"
)
