"""OCR for PDF pages that have no text layer (scans, text drawn as paths): Tesseract.

Why Tesseract: it installs from Debian (``tesseract-ocr``, ``tesseract-ocr-chi-sim``, about
50 MB with the Chinese model) like LibreOffice does, needs no Python package and no
download at run time, and reads a 200-dpi degraded plan page at better than 98% of
characters. RapidOCR reads as well but brings onnxruntime and OpenCV (about 370 MB) into
every install; cnocr and PaddleOCR fetch their models at run time, which a government
intranet does not allow.

A page is rendered by pypdfium2 (300 dpi), read by ``tesseract … tsv`` (words with boxes,
grouped in lines), and its lines handed back in page points, so ``index.pdf`` rebuilds
paragraphs from them as from a text layer. Tesseract writes spaces between Chinese
characters; the boxes say where the print has a gap, so those spaces go.
"""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from index.errors import LoadError
from index.pdf import Line, Page, line_of

DPI = 300
PSM = "6"  # one block of text: the automatic layout analysis drops lines of a noisy scan
LANGS = "chi_sim"  # its model reads Latin letters and digits too; +eng misreads Chinese as Latin
OCR_TIMEOUT_S = 120  # a page takes about 2 s; a stuck one is killed
INSTALL_HINT = "install Tesseract (Debian/Ubuntu: apt install tesseract-ocr tesseract-ocr-chi-sim)"


def ocr_page(data: bytes, index: int, path: str) -> Page:
    """The lines of page ``index`` of a PDF, read from its image."""
    import pypdfium2 as pdfium
    from PIL import ImageFilter

    exe = shutil.which("tesseract")
    if exe is None:
        raise LoadError(path, f"page {index + 1} is an image (a scan?): reading it needs OCR, {INSTALL_HINT}")
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()
        # a 3-pixel median filter takes out a scan's speckles, which Tesseract reads as marks
        image = page.render(scale=DPI / 72, grayscale=True).to_pil().filter(ImageFilter.MedianFilter(3))
    finally:
        pdf.close()
    with tempfile.TemporaryDirectory(prefix="planqa-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        cmd = [exe, str(png), "stdout", "-l", LANGS, "--dpi", str(DPI), "--psm", PSM, "tsv"]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=OCR_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as err:
            raise LoadError(path, f"OCR of page {index + 1} took over {OCR_TIMEOUT_S} s") from err
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LoadError(path, f"OCR of page {index + 1} failed: {why[-1] if why else 'tesseract error'}")
    return Page(tsv_lines(done.stdout.decode("utf-8", "replace"), 72 / DPI), width, height)


def tsv_lines(tsv: str, scale: float) -> list[Line]:
    """Tesseract's TSV words, grouped by its line ids, as lines in page points. The words
    keep Tesseract's order (its boxes overlap; sorting them by x scrambles characters)."""
    lines: dict[tuple[str, str, str], list[dict[str, float | str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row.get("conf") or -1) < 0:
            continue
        left, top = float(row["left"]) * scale, float(row["top"]) * scale
        w, h = float(row["width"]) * scale, float(row["height"]) * scale
        lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(
            {"text": text, "x0": left, "x1": left + w, "top": top, "bottom": top + h}
        )
    out = []
    for words in lines.values():
        size = statistics.median((float(w["bottom"]) - float(w["top"])) for w in words)
        chars: list[dict[str, float | str]] = []
        for word in words:  # a word's characters share its box evenly
            text, x0, x1 = str(word["text"]), float(word["x0"]), float(word["x1"])
            step = (x1 - x0) / len(text)
            for i, ch in enumerate(text):
                chars.append(
                    {**word, "text": ch, "x0": x0 + i * step, "x1": x0 + (i + 1) * step, "size": size}
                )
        line = line_of(chars, ordered=True, gap=2.0)
        if line is not None:
            line.ocr = True
            out.append(line)
    out.sort(key=lambda line: (round(line.top), line.x0))
    return out
