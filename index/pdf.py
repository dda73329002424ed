"""The text of a PDF as a reader sees it: lines joined into paragraphs, page furniture dropped.

A PDF stores glyphs at positions, not paragraphs. ``pdf_text`` rebuilds the text from
each character's box (pdfplumber): characters become lines by their baseline, lines
become paragraphs by the page's geometry (a paragraph ends where a line stops short of
the right margin, the next one starts indented or after a wider gap), printed line
breaks inside a paragraph are joined without a space between Chinese characters, and no
space is put between Chinese and digits ("到2025年", not "到 2025 年"). Lines that repeat
at the top or bottom of most pages (running headers, footers) and page numbers are
dropped. Tables are found by their ruling lines and read as rows of tab-joined cells, as
the html and docx loaders do. Glyphs that a PDF maps to Kangxi radicals or compatibility
ideographs (Chromium's output does: "⽅案" for "方案") are read as the ideograph shown.

Pages without a usable text layer (scans, text drawn as paths) are read by OCR when
``index.ocr`` finds its engine; their lines go through the same paragraph rebuilding.
Returns the text and where each page starts in it, so citations can name their page.

It does not clean boilerplate or parse measures: later steps do.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from index.errors import LoadError

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
_PAGE_NUMBER = re.compile(r"[-—–\s]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–\s]*")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_MIN_PAGE_CHARS = 20  # fewer usable characters than this: the page has no text layer


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


def pdf_text(
    data: bytes,
    path: str,
    ocr: Callable[[bytes, int, str], Page] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, list[int]]:
    """Text of a PDF and the offset where each page starts in it.

    ``ocr(data, page_index, path)`` reads a page that has no usable text layer; without it
    such pages are skipped (and a PDF with no text at all is refused by the caller)."""
    import pdfplumber  # heavy import, only once a PDF shows up
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings are not the user's
    pages: list[Page] = []
    ocred = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            total = len(pdf.pages)
            for i, page in enumerate(pdf.pages):
                read = _page_lines(page)
                if ocr is not None and _needs_ocr(page, read):
                    read = ocr(data, i, path)
                    ocred += 1
                    if progress is not None:
                        progress(i + 1, total)
                pages.append(read)
            if ocred and progress is not None:
                progress(total, total)
    except LoadError:
        raise
    except PDFPasswordIncorrect as err:
        raise LoadError(path, "encrypted PDF is not supported (it needs a password)") from err
    except Exception as err:  # pdfminer raises many exception types on malformed files
        raise LoadError(path, f"corrupt PDF ({type(err).__name__}: {err})") from err
    if not pages:
        raise LoadError(path, "corrupt PDF: it has no pages")
    return assemble(drop_furniture(pages))


def _needs_ocr(page: object, read: Page) -> bool:
    """Next to no text, yet something is drawn: an image (a scan) or many paths (glyphs
    drawn as outlines). A blank page needs nothing."""
    if sum(len(line.text) for line in read.lines) >= _MIN_PAGE_CHARS:
        return False
    return bool(page.images) or len(page.curves) > _MIN_PAGE_CHARS  # type: ignore[attr-defined]


def _page_lines(page: object) -> Page:
    """The lines of one page's text layer, tables as rows, in reading order."""
    tables = page.find_tables()  # type: ignore[attr-defined]
    chars = [
        c
        for c in page.chars  # type: ignore[attr-defined]
        if c.get("upright", True) and "(cid:" not in c["text"]
    ]
    lines = tables_and_lines(chars, tables)
    return Page(lines, float(page.width), float(page.height))  # type: ignore[attr-defined]


def tables_and_lines(chars: list[dict], tables: list) -> list[Line]:  # type: ignore[type-arg]
    """A page's lines in reading order: the characters outside the tables as printed lines,
    each table's rows as lines of tab-joined cells."""
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, float]) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    lines = chars_to_lines([c for c in chars if outside(c)])
    for table in tables:
        lines += _table_lines(table, chars)
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines


def grid_tables(edges: list[dict], tolerance: float) -> list:  # type: ignore[type-arg]
    """Tables found from ruling lines alone (pdfplumber's lattice method): for files whose
    tables are drawn as paths, such as OFD. Each edge: x0, x1, top, bottom, orientation."""
    from pdfplumber.table import (
        Table,
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )

    edges = merge_edges(edges, tolerance, tolerance, tolerance, tolerance)
    cells = intersections_to_cells(edges_to_intersections(edges, tolerance, tolerance))
    return [Table(None, group) for group in cells_to_tables(cells) if len(group) > 1]  # type: ignore[arg-type]


def _table_lines(table: object, chars: list[dict]) -> list[Line]:  # type: ignore[type-arg]
    """A table's rows as lines: cells tab-joined, a cell's wrapped lines joined, merged cells
    (None in pdfplumber's grid) filled from the cell above (a task spanning rows)."""

    def inside(cell: tuple[float, float, float, float]) -> list[dict]:  # type: ignore[type-arg]
        x0, top, x1, bottom = cell
        return [
            c
            for c in chars
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        ]

    out: list[Line] = []
    above: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        values = []
        for j, cell in enumerate(row.cells):
            if cell is None:
                values.append(above[j] if j < len(above) else "")
            else:
                values.append(join_lines([line.text for line in chars_to_lines(inside(cell))]))
        above = values
        if any(values):
            x0, top, x1, bottom = row.bbox
            out.append(Line("\t".join(values), x0, x1, top, bottom, 0.0, table=True))
    return out


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


# What the start of a line needs on the line above to have gone there (UAX #14): no break
# before closing punctuation or after opening, none between a separator and a digit
# ("革,2023年" breaks only before 年), none on either side of a quotation mark ("主”企").
_QUOTES = "“”‘’\"'"
_ATOM = rf"(?:[A-Za-z0-9.%]+|[^{_QUOTES}\s])"
_FIRST_UNIT = re.compile(
    rf"[（(〔《\[【「『]*[{_QUOTES}]*{_ATOM}(?:[,.:][A-Za-z0-9%]+)*(?:[{_QUOTES}]+{_ATOM}?)*"
    r"[，,。.、；;：:？?！!）)〕》\]】」』]*"
)


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
