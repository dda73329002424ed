"""The files of ``planqa bench --formats``: the bundled plan in every format offices send.

The corpus (``build``), from a plan's text (paragraphs, one per line):

- ``plan.txt`` (the source as it is) and ``plan.html`` (paragraphs as ``<p>``);
- ``plan.docx`` (python-docx: 2-character first-line indents, a CJK font, as offices write);
- ``plan.doc`` and ``plan.wps`` (LibreOffice: Word 97-2003; a Kingsoft WPS file is the same
  OLE Word format under another name, which is how it reaches an office);
- ``plan-lo.pdf`` (LibreOffice prints the .docx) and ``plan-chromium.pdf`` (headless Chromium
  prints the html as a portal page is printed, with its header and footer: date, title, URL,
  page x/y);
- ``plan-scan.pdf`` (the LibreOffice PDF rendered at 200 dpi, tilted, blurred, speckled, a
  red seal on its last page: images only, no text layer);
- ``plan.ofd`` (``write_ofd``: a GB/T 9704 page — 28 characters a line, a page number
  "— n —" on a template page, every character placed with its advance);
- ``plan-tasks.docx``, ``.doc``, ``.pdf`` and ``.ofd``: the plan with its responsibility notes moved
  into an appendix 任务分工表 (``write_task_table_plan``, from the plan's own parsed ledger).

Needs LibreOffice and Chromium to make the converted files (``make formats``, ``make
browser``); what cannot be made is skipped with a message.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from html import escape
from pathlib import Path

from assistant.evaluation.formatofd import write_ofd

PLAN = Path(__file__).resolve().parents[2] / "index" / "samples" / "dezhou-plan-2023.txt"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]


def write_html(paras: list[str], out: Path, title: str = "plan") -> Path:
    body = "\n".join(f'<p style="text-indent:2em">{escape(p)}</p>' for p in paras)
    out.write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )
    return out


def write_docx(paras: list[str], out: Path) -> Path:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    style.font.size = Pt(12)
    for p in paras:
        para = d.add_paragraph(p)
        para.paragraph_format.first_line_indent = Pt(24)
    d.save(str(out))
    return out


def soffice_convert(src: Path, fmt: str, out: Path) -> Path | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        print(f"skipped {out.name}: LibreOffice (soffice) is not installed", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        profile = f"-env:UserInstallation={Path(tmp, 'p').as_uri()}"

        def convert(path: Path, to: str, where: Path) -> Path:
            where.mkdir(exist_ok=True)
            cmd = [exe, profile, "--headless", "--convert-to", to, "--outdir", str(where), str(path)]
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
            return next(p for p in where.iterdir() if p.is_file())

        if fmt.startswith("doc:") and src.suffix == ".docx":
            # LibreOffice's direct .docx → .doc export drops python-docx's tables (whose
            # width is "auto"); through its own format the table is kept, as Word saves it
            src = convert(src, "odt", Path(tmp, "odt"))
        shutil.move(str(convert(src, fmt, Path(tmp, "out"))), out)
    return out


def chromium_pdf(html: Path, out: Path) -> Path | None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        print(f"skipped {out.name}: Chromium is not installed", file=sys.stderr)
        return None
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}", html.as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return out


def scanned_pdf(pdf: Path, out: Path, dpi: int = 200, seed: int = 7) -> Path:
    """An image-only copy of a PDF, as a scanner makes it: each page rendered at ``dpi``,
    tilted half a degree, blurred, speckled with noise, the last page stamped with a red
    seal; no text layer."""
    import random

    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    images = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for i in range(len(doc)):
            img = doc[i].render(scale=dpi / 72).to_pil().convert("RGB")
            if i == len(doc) - 1:  # a seal over the signature, as on a stamped copy
                draw = ImageDraw.Draw(img)
                w, h = img.size
                box = (int(w * 0.55), int(h * 0.6), int(w * 0.55) + dpi, int(h * 0.6) + dpi)
                draw.ellipse(box, outline=(220, 40, 40), width=max(dpi // 40, 2))
            img = img.rotate(
                rng.uniform(-0.6, 0.6), resample=Image.Resampling.BICUBIC, expand=False, fillcolor="white"
            )
            img = img.filter(ImageFilter.GaussianBlur(0.6))
            px = img.load()
            w, h = img.size
            for _ in range(w * h // 400):  # salt and pepper
                x, y = rng.randrange(w), rng.randrange(h)
                px[x, y] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
            images.append(img.convert("L"))
    finally:
        doc.close()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out


def build(out: Path, source: Path = PLAN) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    paras = paragraphs(text)
    made: list[Path | None] = [out / "plan.txt"]
    (out / "plan.txt").write_text(text, encoding="utf-8")
    html = write_html(paras, out / "plan.html")
    docx_path = write_docx(paras, out / "plan.docx")
    made += [html, docx_path]
    doc = soffice_convert(docx_path, "doc:MS Word 97", out / "plan.doc")
    if doc is not None:
        shutil.copy(doc, out / "plan.wps")
        made += [doc, out / "plan.wps"]
    lo_pdf = soffice_convert(docx_path, "pdf:writer_pdf_Export", out / "plan-lo.pdf")
    if lo_pdf is not None:
        made += [lo_pdf, scanned_pdf(lo_pdf, out / "plan-scan.pdf")]
    made.append(chromium_pdf(html, out / "plan-chromium.pdf"))
    made.append(write_ofd(paras, out / "plan.ofd"))
    write_task_table_plan(source, out / "plan-tasks.docx")
    made += [out / "plan-tasks.docx"]
    made.append(soffice_convert(out / "plan-tasks.docx", "pdf:writer_pdf_Export", out / "plan-tasks.pdf"))
    made.append(soffice_convert(out / "plan-tasks.docx", "doc:MS Word 97", out / "plan-tasks.doc"))
    write_task_table_plan(source, out / "plan-tasks.ofd")
    made.append(out / "plan-tasks.ofd")
    return [p for p in made if p is not None]


# ---------------------------------------------------------------- task-division tables

TABLE_HEADER = ("序号", "重点任务", "牵头单位", "配合单位", "完成时限")


def task_table_rows(source: Path) -> tuple[str, list[tuple[str, str, str, str]]]:
    """A real document's text without its responsibility notes, and its ledger as the rows
    of a 任务分工表 (task, lead, support, deadline): how many plans put the same facts."""
    from index.ingest import prepare
    from index.load import load_document

    doc = load_document(source)
    measures = [m for m in prepare(doc).measures if m.lead or m.support]
    text, cut = doc.text, 0
    body = []
    for m in sorted(measures, key=lambda m: m.resp_span.start if m.resp_span else 0):
        if m.resp_span is not None:  # the note goes to the table
            body.append(text[cut : m.resp_span.start])
            cut = m.resp_span.end
    body.append(text[cut:])
    rows = []
    for m in measures:
        due = "；".join(
            re.sub(r"^(完成时限|时间节点)[:：]?", "", text[s.start : s.end]) for s in m.deadline_spans
        )
        rows.append((m.title, "、".join(m.lead), "、".join(m.support), due))
    return "".join(body), rows


def write_task_table_plan(source: Path, out: Path) -> list[tuple[str, str, str, str]]:
    """A .docx (or, named ``.ofd``, an OFD) of ``source`` whose division of labour is an
    appendix table, not notes."""
    import docx

    text, rows = task_table_rows(source)
    if out.suffix == ".ofd":
        grid: list[tuple[str, ...]] = [TABLE_HEADER, *((str(i), *row) for i, row in enumerate(rows, 1))]
        write_ofd([*paragraphs(text), "附件：重点任务分工表"], out, table=grid)
        return rows
    d = docx.Document()
    for p in paragraphs(text):
        d.add_paragraph(p)
    d.add_paragraph("附件：重点任务分工表")
    table = d.add_table(rows=len(rows) + 1, cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    for cell, value in zip(table.rows[0].cells, TABLE_HEADER, strict=True):
        cell.text = value
    for i, row in enumerate(rows, 1):
        for cell, value in zip(table.rows[i].cells, (str(i), *row), strict=True):
            cell.text = value
    d.save(str(out))
    return rows
