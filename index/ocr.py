"""OCR for PDF pages that have no text layer (scans, text drawn as paths): RapidOCR.

Why RapidOCR (``rapidocr==3.10.0``): its wheel carries the PP-OCR detection, orientation and
recognition models as ONNX files, so it installs from PyPI like every other dependency and
reads offline, with no download at run time. On the scanned plan it reads the figures a
plan is asked about ("55%", "7.9%", "〔2023〕") where Tesseract's ``chi_sim`` model misread
them ("5596", "7.99%", "(2023]") — measured in the README; it costs onnxruntime and OpenCV
(about 190 MB). cnocr and PaddleOCR fetch their models at run time, which a government
intranet does not allow.

A page is rendered by pypdfium2 (200 dpi), read as text lines with a box for every
character, and handed back in page points, so ``index.pdf`` rebuilds paragraphs from them as
from a text layer. Boxes the detector cut from one printed line are joined by height.
"""

from __future__ import annotations

import statistics
import threading
from typing import Any

from index.errors import LoadError
from index.pdflines import Line, Page, line_of

DPI = 200  # the models read print at this size; 300 dpi costs twice the time, reads no better
INSTALL_HINT = "install RapidOCR (pip install rapidocr==3.10.0 onnxruntime; make install does it)"

_engine: Any = None
_lock = threading.Lock()


def engine() -> Any:
    """The OCR engine, loaded once a process (its models take about a second)."""
    global _engine
    with _lock:
        if _engine is None:
            from rapidocr import RapidOCR

            # no per-line orientation classifier: a page's lines are upright, and it turned a
            # clean line of the scanned plan upside down (read as four wrong characters)
            _engine = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})
        return _engine


def ocr_page(data: bytes, index: int, path: str) -> Page:
    """The lines of page ``index`` of a PDF, read from its image."""
    import pypdfium2 as pdfium

    try:
        ocr = engine()
    except ImportError as err:
        raise LoadError(
            path, f"page {index + 1} is an image (a scan?): reading it needs OCR, {INSTALL_HINT}"
        ) from err
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()
        image = page.render(scale=DPI / 72).to_numpy()
    finally:
        pdf.close()
    try:
        result = ocr(image, return_word_box=True, return_single_char_box=True)
    except Exception as err:  # onnxruntime and OpenCV raise their own types
        raise LoadError(path, f"OCR of page {index + 1} failed ({type(err).__name__}: {err})") from err
    return Page(box_lines(result.word_results or (), 72 / DPI), width, height)


def box_lines(found: Any, scale: float) -> list[Line]:
    """RapidOCR's text lines, each a sequence of (character, score, box), as printed lines
    in page points. Boxes that share most of their height are one printed line (the
    detector cuts a line at a wide gap), left to right."""
    boxes = []
    for chars in found:
        cs = []
        for text, _score, quad in chars:
            xs, ys = [p[0] * scale for p in quad], [p[1] * scale for p in quad]
            cs.append({"text": text, "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys)})
        if cs:
            boxes.append(cs)
    boxes.sort(key=lambda cs: (statistics.median(c["top"] + c["bottom"] for c in cs), cs[0]["x0"]))
    rows: list[list[list[dict[str, Any]]]] = []
    for cs in boxes:
        top, bottom = min(c["top"] for c in cs), max(c["bottom"] for c in cs)
        if rows:
            last = [c for box in rows[-1] for c in box]
            lt, lb = min(c["top"] for c in last), max(c["bottom"] for c in last)
            if min(bottom, lb) - max(top, lt) > 0.5 * min(bottom - top, lb - lt):
                rows[-1].append(cs)
                continue
        rows.append([cs])
    out = []
    for row in rows:
        chars = [c for cs in sorted(row, key=lambda cs: cs[0]["x0"]) for c in cs]
        size = _size(chars)
        for c in chars:
            c["size"] = size
        line = line_of(chars, ordered=True, gap=1.0)
        if line is not None:
            line.ocr = True
            out.append(line)
    out.sort(key=lambda line: (round(line.top), line.x0))
    return out


def _size(chars: list[dict[str, Any]]) -> float:
    """A line's font size: the width of its ideographs' boxes (one em each); a line with
    none, its boxes' height."""
    wide = [c["x1"] - c["x0"] for c in chars if ord(c["text"][0]) >= 0x2E80]
    return statistics.median(wide) if wide else statistics.median(c["bottom"] - c["top"] for c in chars)
