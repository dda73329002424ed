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

The steps live in ``index.pdflines`` (characters to lines), ``index.pdftables`` (tables as
rows) and ``index.pdfparagraphs`` (furniture dropped, paragraphs); this module reads the file.

It does not clean boilerplate or parse measures: later steps do.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from index.errors import LoadError
from index.pdflines import Page
from index.pdfparagraphs import assemble, drop_furniture
from index.pdftables import tables_and_lines

_MIN_PAGE_CHARS = 20  # fewer usable characters than this: the page has no text layer


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
