"""OFD files for ``planqa bench --formats``: a plan laid out as GB/T 9704 pages (28 characters a
line, a page number on a template page), its task-division table drawn as a ruled table."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape


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
