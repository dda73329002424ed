"""HTML pages read into their visible text: blocks become lines, table rows tab-joined cells.

The encoding is the page's ``<meta charset>`` if it decodes, else detected (``index.decode``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from index.decode import decode_bytes

_WS = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace; U+3000 and NBSP are not in it
_CJK = "\u2e80-\u9fff\uff00-\uffef"  # a source line break between two of these is no space (CSS)
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_CJK}])")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_SKIP_TAGS = "script style head noscript template nav iframe object svg"
_BLOCK_TAGS = """address article aside blockquote caption center dd details dialog div dl dt fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main ol p pre section summary ul"""
_SKIP = frozenset(_SKIP_TAGS.split())
_BLOCK = frozenset(_BLOCK_TAGS.split())


def _declared_charset(data: bytes) -> str | None:
    """The codec an HTML ``<meta charset>`` names, if Python knows it."""
    match = _META_CHARSET.search(data[:4096])
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name if match else ""
    except LookupError:
        return None
    if name in ("gb2312", "gbk", "cp936"):
        return "gb18030"  # pages labelled gb2312 routinely contain GBK characters
    if not name or name.startswith(("utf-16", "utf-32")):
        return None  # a label readable as ASCII cannot be right about UTF-16
    return name


@dataclass
class _Table:
    cells: list[str] = field(default_factory=list)  # of the open row
    cell_open: bool = False


class _HTMLText(HTMLParser):
    """Collects visible text: blocks become lines, table rows tab-joined cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self._bufs: list[list[str]] = [[]]  # the document, then one per open cell
        self._tables: list[_Table] = []
        self._skip = 0  # depth inside skipped elements
        self._in_title = False
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        table = self._tables[-1] if self._tables else None
        if tag in _SKIP:
            self._skip += 1
        elif tag == "body":
            self._skip = 0  # an unclosed <head> ends here
        elif tag == "title":
            self._in_title = True
        elif self._skip:
            return
        elif tag == "br":
            self._emit("\n")
        elif tag == "table":
            self._line_break()
            self._tables.append(_Table())
        elif tag == "tr" and table:
            self._close_row(table)
        elif tag in ("td", "th") and table:
            self._close_cell(table)
            table.cell_open = True
            self._bufs.append([])
        elif tag in _BLOCK:
            self._pre += tag == "pre"
            self._line_break()

    def handle_endtag(self, tag: str) -> None:
        table = self._tables[-1] if self._tables else None
        if tag in _SKIP:
            self._skip = max(self._skip - 1, 0)
        elif tag == "title":
            self._in_title = False
        elif self._skip:
            return
        elif tag == "table" and table:
            self._close_row(self._tables.pop())
            self._line_break()
        elif tag == "tr" and table:
            self._close_row(table)
        elif tag in ("td", "th") and table:
            self._close_cell(table)
        elif tag in _BLOCK:
            self._pre = max(self._pre - (tag == "pre"), 0)
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._skip:
            return
        data = data.replace("\xa0", " ")
        if self._pre:
            data = data.replace("\r\n", "\n")
        else:
            data = _WS.sub(" ", _CJK_BREAK.sub("", data))
            if self._tables and not self._tables[-1].cell_open and data == " ":
                return  # indentation between rows and cells
            if data.startswith(" ") and self._last_char() in ("", " ", "\n"):
                data = data[1:]
        self._emit(data)

    def close(self) -> None:
        super().close()
        while self._tables:
            self._close_row(self._tables.pop())

    def text(self) -> str:
        lines = [line.strip(" ") for line in "".join(self._bufs[0]).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

    def _emit(self, text: str) -> None:
        if text:
            self._bufs[-1].append(text)

    def _last_char(self) -> str:
        return self._bufs[-1][-1][-1] if self._bufs[-1] else ""

    def _line_break(self) -> None:
        if self._last_char() not in ("", "\n"):
            self._emit("\n")

    def _close_cell(self, table: _Table) -> None:
        if table.cell_open:
            table.cells.append("".join(self._bufs.pop()).strip())
            table.cell_open = False

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        cells, table.cells = table.cells, []
        if len(cells) > 1:  # a data row is one line; a lone cell is a layout box
            cells = [re.sub(r"\s*\n\s*", " ", cell) for cell in cells]
        if any(cells):
            self._line_break()
            self._emit("\t".join(cells))
            self._line_break()


def _load_html(data: bytes, path: str) -> tuple[str, str, str]:
    text, encoding = decode_bytes(data, path, declared=_declared_charset(data))
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    title = _WS.sub(" ", "".join(parser.title_parts)).strip()
    return parser.text(), encoding, title
