"""The paragraphs of a cleaned plan and what opens a unit: numbered headings (一、 （一）
1. （1） 第一章), short title sentences, and the document's own title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "一二三四五六七八九十百零〇"
_HEADING_LEVELS = (
    (1, re.compile(rf"^第[{_CN_NUM}\d]+[章节部分篇]\s*")),
    (2, re.compile(rf"^[{_CN_NUM}]+[、.．]\s*")),
    (3, re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*")),
    (4, re.compile(r"^\d{1,2}[.．、](?!\d)\s*")),
    (5, re.compile(r"^[（(]\d{1,2}[）)]\s*")),
)
_WS = " \t\r\n\u3000\xa0\ufeff"
_TITLE_END = re.compile(r"[。！？!?]")
_MAX_TITLE = 30


@dataclass(frozen=True)
class _Para:
    start: int  # cleaned offsets of the stripped paragraph
    end: int
    text: str


def _paragraphs(text: str) -> list[_Para]:
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        s = line.strip(_WS)
        if s:
            a = pos + line.index(s[0])
            out.append(_Para(a, a + len(s), s))
        pos += len(line)
    return out


def heading_level(text: str) -> tuple[int, int]:
    """(level, length of the numbering prefix) of a heading paragraph, (0, 0) if none."""
    for level, rx in _HEADING_LEVELS:
        m = rx.match(text)
        if m:
            return level, m.end()
    return 0, 0


def _title_sentence(text: str, offset: int = 0) -> tuple[str, str] | None:
    """(title, rest) when ``text[offset:]`` opens with a short title sentence."""
    m = _TITLE_END.search(text, offset)
    if not m:
        return None
    title = text[offset : m.start()].strip(_WS)
    if not (2 <= len(title) <= _MAX_TITLE) or re.search(r"[，,：:；;]", title):
        return None
    return title, text[m.end() :]


def _is_doc_title(text: str) -> bool:
    return len(text) <= 80 and not _TITLE_END.search(text) and not text.endswith(("：", ":"))
