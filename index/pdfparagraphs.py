"""Paragraphs from a document's printed lines: page furniture (running headers, footers,
page numbers) dropped, lines joined by the page's geometry, OCR'd paragraphs repaired.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter

from index.pdflines import Line, Page, join_lines

_PAGE_NUMBER = re.compile(r"[-—–\s]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–\s]*")


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: list[Page]) -> list[Page]:
    """Without page numbers and the lines that repeat at the top or bottom of most pages."""
    edge_lines = [_edge_lines(page) for page in pages]
    edge: Counter[str] = Counter()
    for lines in edge_lines:
        edge.update({_furniture_key(line.text) for line in lines})
    repeated = {k for k, n in edge.items() if n >= 2 and n >= 0.5 * len(pages)}
    out = []
    for page, lines in zip(pages, edge_lines, strict=True):
        edges = {id(line) for line in lines}
        kept = [
            line
            for line in page.lines
            if id(line) not in edges
            or not (_furniture_key(line.text) in repeated or _PAGE_NUMBER.fullmatch(line.text))
        ]
        out.append(Page(kept, page.width, page.height))
    return out


def _edge_lines(page: Page) -> list[Line]:
    """The first and last two lines of a page, where they lie in its top or bottom tenth."""
    lines = page.lines
    ends = lines[:2] + lines[-2:] if len(lines) > 4 else lines
    return [x for x in ends if x.bottom < 0.1 * page.height or x.top > 0.9 * page.height]


def assemble(pages: list[Page]) -> tuple[str, list[int]]:
    """Paragraphs from the pages' lines; the offset at which each page's text starts."""
    done: list[str] = []  # finished paragraphs
    ocred: set[int] = set()  # those read by OCR (repaired before they are joined)
    done_len = -1  # len("\n".join(done)); -1 while there is none
    cur: str | None = None  # the paragraph being read
    starts: list[int] = []
    last: Line | None = None  # the line read before, on this page or the one before
    last_right = 0.0  # the right margin of that line's page
    for page in pages:
        body = [x for x in page.lines if not x.table]
        left = _mode([round(x.x0) for x in body]) if body else 0
        # the right margin: most full lines reach it (a few hang punctuation beyond); on a
        # page of a few lines, as far from the edge as the left one
        right = statistics.quantiles([x.x1 for x in body], n=4)[2] if len(body) >= 4 else page.width - left
        gaps = [g for a, b in itertools.pairwise(body) if (g := _below(a, b)) > 0]
        pitch = statistics.quantiles(gaps, n=4)[0] if len(gaps) > 1 else sum(gaps)  # within a paragraph
        first = True
        for line in page.lines:
            size = line.size or 10.0
            new = (
                cur is None
                or last is None
                or line.table
                or last.table
                or line.x0 > left + 0.8 * size
                or (
                    not first
                    and pitch > 0
                    and _below(last, line) > pitch + (0.5 if line.ocr else 0.25) * size
                )
                or ended(last, last_right, line)
            )
            if first and cur is not None and _continues_row(cur, line, last):
                cur = "\t".join(join_lines([a, b]) for a, b in zip(cur.split("\t"), line.text.split("\t")))
                at = done_len + 1  # (the page is said to start at the row it continues)
            elif new:
                if cur is not None:
                    done_len += len(cur) + 1
                    done.append(cur)
                cur = line.text
                if line.ocr:
                    ocred.add(len(done))
                at = done_len + 1
            else:
                assert cur is not None
                joined = join_lines([cur, line.text])
                at = done_len + 1 + len(joined) - len(line.text.strip())
                cur = joined
            if first:
                starts.append(max(at, 0))
                first = False
            last, last_right = line, right
        if first:  # a page with no text: it starts where the next text will
            starts.append(max(done_len + 1 + (len(cur) + 1 if cur is not None else 0), 0))
    if cur is not None:
        done.append(cur)
    done = [repair_ocr(p) if i in ocred else p for i, p in enumerate(done)]  # same lengths
    text = "\n".join(done)
    return text, [min(s, len(text)) for s in starts]


_QUOTE_PAIRS = (('“”"＂', "“", "”"), ("‘’'", "‘", "’"))  # what OCR reads, then open and close


def repair_ocr(text: str) -> str:
    """What OCR cannot see but the text's own structure tells, each character replaced by
    one (offsets keep): double and single quotation marks alternate opening and closing
    within a paragraph (OCR confuses “, ” and "); a dash between two digits is a dash
    ("2023一2025" → "2023—2025"; OCR reads — as 一)."""
    chars = list(text)
    for marks, open_, close in _QUOTE_PAIRS:
        n = 0
        for i, ch in enumerate(chars):
            if ch in marks:
                chars[i] = open_ if n % 2 == 0 else close
                n += 1
    for i in range(1, len(chars) - 1):
        if chars[i] == "一" and chars[i - 1].isdigit() and chars[i + 1].isdigit():
            chars[i] = "—"
    return "".join(chars)


def ended(line: Line, right: float, following: Line) -> bool:
    """A line ends its paragraph when the start of the next line would have fitted on it."""
    return right - line.x1 > following.head + 0.5 * line.size


def _below(line: Line, following: Line) -> float:
    """How far ``following`` lies below ``line``: tops in print; centres for OCR lines,
    whose boxes hug the ink (a line of digits and commas sits lower than one of ideographs)."""
    if line.ocr and following.ocr:
        return (following.top + following.bottom - line.top - line.bottom) / 2
    return following.top - line.top


def _continues_row(row: str, line: Line, last: Line | None) -> bool:
    """A table row at the top of a page, its first cell (the number) empty, under a row
    that ended the page before: the same row, broken by the page."""
    if not (line.table and last is not None and last.table):
        return False
    cells = line.text.split("\t")
    return len(cells) == len(row.split("\t")) and not cells[0].strip()


def _mode(values: list[int]) -> int:
    counts = Counter(values)
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)
