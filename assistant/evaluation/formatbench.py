"""``planqa bench --formats``: the bundled plan in every format offices send, read back.

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

For each file the bench reports how long reading it takes (OCR seconds per page for the
scan), how many characters of the plan come back (``difflib`` matches over the source's
non-space characters), how many paragraphs come back exactly, and the public question
set asked of an index of that file alone: key-fact accuracy, refusals and citations whose
quote is not the extracted source. A benchmark: nothing asserts on time.

Needs LibreOffice and Chromium to make the converted files (``make formats``, ``make
browser``); what cannot be made is skipped with a message.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from html import escape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from assistant.answering.settings import Settings

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


# ---------------------------------------------------------------- OFD


def _width(ch: str, size: float) -> float:
    return size / 2 if ch.isascii() else size


def ofd_layout(
    paras: list[str], size: float = 5.57, per_line: int = 28
) -> list[list[tuple[float, float, str]]]:
    """Pages of (x, baseline y, line text) in millimetres: A4, 28 characters a line, 22
    lines a page, first lines indented two characters (GB/T 9704)."""
    left, top, pitch, lines_per_page = 28.0, 37.0 + size, 10.4, 22
    width = per_line * size
    lines: list[tuple[float, str]] = []
    for p in paras:
        x0, cur, used = left + 2 * size, "", 2 * size
        for ch in p:
            w = _width(ch, size)
            if used + w > width + 0.01:
                lines.append((x0, cur))
                x0, cur, used = left, "", 0.0
            cur += ch
            used += w
        lines.append((x0, cur))
    pages = []
    for i in range(0, len(lines), lines_per_page):
        chunk = lines[i : i + lines_per_page]
        pages.append([(x, top + j * pitch, t) for j, (x, t) in enumerate(chunk)])
    return pages


TABLE_COLUMNS_MM = (12.0, 58.0, 34.0, 30.0, 22.0)  # 序号 / 任务 / 牵头 / 配合 / 时限: 156 mm


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, cur, used = [], "", 0.0
    for ch in text:
        if used + _width(ch, size) > width + 0.01 and cur:
            lines.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += _width(ch, size)
    return [*lines, cur] if cur or not lines else lines


def ofd_table_layout(
    rows: list[tuple[str, ...]], pages: list[list[tuple[float, float, str]]], size: float = 3.7
) -> tuple[list[list[tuple[float, float, str, float]]], list[list[tuple[float, float, float, float]]]]:
    """A ruled table after the text's last line (rows never split; one that does not fit
    starts a page): per page, its cells' lines (x, baseline, text, size) and its rulings."""
    left, pad, pitch, bottom_limit = 28.0, 1.5, size * 1.4, 265.0
    y = (pages[-1][-1][1] + 10.4) if pages and pages[-1] else 37.0
    texts: list[list[tuple[float, float, str, float]]] = [[] for _ in pages]
    rules: list[list[tuple[float, float, float, float]]] = [[] for _ in pages]
    right = left + sum(TABLE_COLUMNS_MM)
    top = y
    for row in rows:
        cells = [_wrap(v, w - 2 * pad, size) for v, w in zip(row, TABLE_COLUMNS_MM, strict=True)]
        height = max(len(c) for c in cells) * pitch + 2 * pad
        if y + height > bottom_limit:
            texts.append([])
            rules.append([])
            y = top = 37.0
        if y == top:
            rules[-1].append((left, y, right, y))
        x = left
        for cell, w in zip(cells, TABLE_COLUMNS_MM, strict=True):
            for k, line in enumerate(cell):
                texts[-1].append((x + pad, y + pad + size + k * pitch, line, size))
            rules[-1].append((x, y, x, y + height))
            x += w
        rules[-1].append((right, y, right, y + height))
        y += height
        rules[-1].append((left, y, right, y))
    return texts, rules


def write_ofd(
    paras: list[str], out: Path, title: str = "", table: list[tuple[str, ...]] | None = None
) -> Path:
    """A minimal, valid OFD: one document, a template page holding the page-number footer;
    ``table`` (its header first) printed after the text as a ruled table, as OFD writers
    draw one (path strokes, text in the cells)."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    size = 5.57
    pages = ofd_layout(paras, size)
    cell_texts, rules = ofd_table_layout(table, pages) if table else ([], [])
    pages += [[] for _ in range(len(cell_texts) - len(pages))]
    files: dict[str, str] = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>planqa</ofd:DocID><ofd:Title>{xml_escape(title)}</ofd:Title>"
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res">'
        '<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
    }
    page_refs = "".join(
        f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    files["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData>'
        "<ofd:MaxUnitID>99999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
        "</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        '<ofd:TemplatePage ID="5" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
        f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>"
    )
    files["Doc_0/Tpls/Tpl_0/Content.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID="6">'
        "</ofd:Layer></ofd:Content></ofd:Page>"
    )
    for i, lines in enumerate(pages):
        objs = [_text_object(100 + j, x, y, text, size) for j, (x, y, text) in enumerate(lines)]
        if i < len(cell_texts):
            objs += [_text_object(1000 + j, x, y, t, sz) for j, (x, y, t, sz) in enumerate(cell_texts[i])]
            objs += [_path_object(5000 + j, *rule) for j, rule in enumerate(rules[i])]
        number = f"— {i + 1} —"
        nx = 105 - sum(_width(c, size) for c in number) / 2
        objs.append(_text_object(99, nx, 280.0, number, size))
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Template TemplateID="5"/>'
            f'<ofd:Content><ofd:Layer ID="7">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in files.items():
            z.writestr(name, xml)
    return out


def _path_object(oid: int, x0: float, y0: float, x1: float, y1: float) -> str:
    """One ruling as a PathObject: its Boundary the line's box, the stroke drawn inside it."""
    return (
        f'<ofd:PathObject ID="{oid}" Boundary="{x0:.2f} {y0:.2f} {max(x1 - x0, 0.25):.2f} '
        f'{max(y1 - y0, 0.25):.2f}" LineWidth="0.25"><ofd:AbbreviatedData>M 0 0 L {x1 - x0:.2f} '
        f"{y1 - y0:.2f}</ofd:AbbreviatedData></ofd:PathObject>"
    )


def _text_object(oid: int, x: float, y: float, text: str, size: float) -> str:
    """One line as a TextObject: Boundary at the line's box, the baseline at Y=size."""
    deltas = " ".join(f"{_width(c, size):.2f}" for c in text[:-1])
    w = sum(_width(c, size) for c in text)
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x:.2f} {y - size:.2f} {w:.2f} {size * 1.2:.2f}" '
        f'Font="2" Size="{size}"><ofd:TextCode X="0" Y="{size:.2f}" DeltaX="{deltas}">'
        f"{xml_escape(text)}</ofd:TextCode></ofd:TextObject>"
    )


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


# ---------------------------------------------------------------- the bench


def char_recall(source: str, text: str) -> float:
    """Share of the source's non-space characters that come back, in order (difflib)."""
    import difflib

    want, got = re.sub(r"\s", "", source), re.sub(r"\s", "", text)
    blocks = difflib.SequenceMatcher(None, want, got, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / max(len(want), 1)


def read_back(path: Path, source: str) -> dict[str, Any]:
    """How one file reads: seconds, pages (and how many were OCRed), characters and
    paragraphs of the source recovered."""
    from index.load import load_document

    ocred: list[int] = []
    t0 = time.perf_counter()
    doc = load_document(path, progress=lambda page, pages: ocred.append(page))
    seconds = time.perf_counter() - t0
    pages = len(doc.pages) or 1
    ocr_pages = len(ocred) - 1 if ocred else 0  # one call a page read, then one at the end
    want = [re.sub(r"\s+", " ", p) for p in paragraphs(source)]
    got = {re.sub(r"\s+", " ", p) for p in paragraphs(doc.text)}
    return {
        "read_s": round(seconds, 2),
        "pages": pages,
        "ocr_pages": ocr_pages,
        "s_per_ocr_page": round(seconds / ocr_pages, 2) if ocr_pages else None,
        "char_recall": round(char_recall(source, doc.text), 4),
        "paragraphs_exact": f"{sum(p in got for p in want)}/{len(want)}",
    }


def ledger_rows(path: Path, source: Path) -> str:
    """Rows of the appendix table made from ``source`` that came back as ledger entries,
    exactly (task, lead, support): "right/all"."""
    from index.ingest import prepare
    from index.load import load_document

    want = [r[:3] for r in task_table_rows(source)[1]]
    got = [
        (m.title, "、".join(m.lead), "、".join(m.support))
        for m in prepare(load_document(path)).measures
        if m.lead or m.support
    ]
    return f"{sum(g in want for g in got[: len(want)])}/{len(want)}"


def run_formats(settings: Settings, questions_path: str | None, out: str = "bench-out") -> int:
    """Build the corpus, read every file back, ask the question set of each alone."""
    from assistant.evaluation.bench import PUBLIC_QUESTIONS
    from assistant.evaluation.evaluate import run_eval
    from assistant.evaluation.scale import save_table

    out_dir = Path(out)
    questions = questions_path or str(PUBLIC_QUESTIONS)
    source = PLAN.read_text(encoding="utf-8")
    rows = []
    with tempfile.TemporaryDirectory(prefix="planqa-formats-") as tmp:
        files = build(Path(tmp) / "corpus")
        for path in files:
            row: dict[str, Any] = {"file": path.name, **read_back(path, source)}
            if path.stem == "plan-tasks":  # its text differs on purpose: how its ledger reads
                row |= {
                    "char_recall": None,
                    "paragraphs_exact": None,
                    "ledger_rows": ledger_rows(path, PLAN),
                }
            summary = run_eval(
                settings, questions, Path(tmp) / "eval" / path.stem, plan=path, strict_evidence=False
            )
            figures = summary["pipelines"]["planqa"]
            row |= {
                "key_fact": figures["key_fact_accuracy"],
                "refusal_recall": figures.get("refusal_recall"),
                "answerable_refused": figures.get("answerable_refused"),
                "citation_precision": figures["citation_precision"],
                "unverifiable_citations": figures["unverifiable_citations"],
            }
            rows.append(row)
            print(f"  {row}", flush=True)
    base = next((r["key_fact"] for r in rows if r["file"] == "plan.txt"), None)
    for r in rows:
        r["key_fact_vs_txt"] = round(r["key_fact"] - base, 4) if base is not None else None
    save_table(rows, out_dir / "formats.json")
    print(f"saved {out_dir / 'formats.json'}")
    return 0
