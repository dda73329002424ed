"""OFD (GB/T 33190, the national fixed-layout e-document format) read into text.

An OFD file is a zip of XML: ``OFD.xml`` names each document's ``Document.xml``, which
lists its pages; a page's ``Content.xml`` holds ``TextObject``s whose ``TextCode`` gives
characters with a baseline position and per-character advances (``DeltaX``, with the
``g N d`` run-length form). Every character is placed where it is printed, and the text
is rebuilt as for a PDF (``index.pdf``): lines by baseline, paragraphs by geometry,
running headers and page numbers (often on a template page) dropped. Units are
millimetres; only relative positions matter.

Guarded: the archive's declared sizes are checked before anything is inflated (a zip
bomb is refused), XML is read without entity expansion (``xml.etree`` does not fetch
external entities), and every failure names the file and why.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree

from index.errors import LoadError
from index.pdflines import Page, ideograph
from index.pdfparagraphs import assemble, drop_furniture
from index.pdftables import grid_tables, tables_and_lines

MAX_UNPACKED_BYTES = 200 * 10**6  # a long plan's OFD unpacks to a few MB
MAX_RATIO = 200  # declared unpacked / packed size of one entry; text XML compresses ~10x
TABLE_TOLERANCE_MM = 1.0  # ruling lines this close are one line (pdfplumber's 3 pt)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _numbers(text: str | None) -> list[float]:
    return [float(x) for x in (text or "").split()]


def _deltas(spec: str | None) -> list[float]:
    """``DeltaX="g 3 4.2 5"`` → [4.2, 4.2, 4.2, 5.0]."""
    out: list[float] = []
    parts = (spec or "").split()
    i = 0
    while i < len(parts):
        if parts[i] == "g" and i + 2 < len(parts):
            out += [float(parts[i + 2])] * int(float(parts[i + 1]))
            i += 3
        else:
            out.append(float(parts[i]))
            i += 1
    return out


class _Archive:
    def __init__(self, data: bytes, path: str) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise LoadError(path, f"corrupt OFD: not a readable zip archive ({err})") from err
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED_BYTES or any(
            i.file_size > MAX_RATIO * max(i.compress_size, 1) and i.file_size > 10**6 for i in infos
        ):
            raise LoadError(path, f"refused OFD: it would unpack to {total / 1e6:.0f} MB (a zip bomb?)")
        self.names = {i.filename.lstrip("/"): i for i in infos}

    def xml(self, name: str) -> ElementTree.Element:
        name = posixpath.normpath(name.lstrip("/"))
        if name not in self.names:
            raise LoadError(self.path, f"corrupt OFD: {name} is missing")
        try:
            return ElementTree.fromstring(self.zip.read(self.names[name]))
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as err:
            raise LoadError(self.path, f"corrupt OFD: cannot unpack {name} ({err})") from err
        except ElementTree.ParseError as err:
            raise LoadError(self.path, f"corrupt OFD: broken XML in {name} ({err})") from err


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip()
    return loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)


def load_ofd(data: bytes, path: str) -> tuple[str, tuple[int, ...]]:
    """The text of an OFD's first document and where each page starts in it."""
    if not data.startswith(b"PK"):
        raise LoadError(path, "not an OFD file (it is not a zip archive)")
    ar = _Archive(data, path)
    root = ar.xml("OFD.xml")
    doc_roots = [e.text for e in _children(root, "DocRoot") if e.text]
    if not doc_roots:
        raise LoadError(path, "corrupt OFD: OFD.xml names no DocRoot")
    doc_loc = _resolve("", doc_roots[0])
    doc_dir = posixpath.dirname(doc_loc)
    document = ar.xml(doc_loc)
    box = [_numbers(e.text) for e in _children(document, "PhysicalBox")]
    width, height = (box[0][2], box[0][3]) if box and len(box[0]) == 4 else (210.0, 297.0)
    templates = {
        t.get("ID", ""): _resolve(doc_dir, t.get("BaseLoc", ""))
        for t in _children(document, "TemplatePage")
        if t.get("BaseLoc")
    }
    pages: list[Page] = []
    for page in _children(document, "Page"):
        loc = page.get("BaseLoc")
        if not loc:
            continue
        content = ar.xml(_resolve(doc_dir, loc))
        layers = [
            ar.xml(templates[t.get("TemplateID", "")])
            for t in _children(content, "Template")
            if t.get("TemplateID") in templates
        ]  # headers, footers, page numbers
        layers.append(content)
        chars = [c for layer in layers for c in _page_chars(layer)]
        edges = [e for layer in layers for e in _page_edges(layer)]
        tables = grid_tables(edges, TABLE_TOLERANCE_MM) if edges else []
        pages.append(Page(tables_and_lines(chars, tables), width, height))
    if not pages:
        raise LoadError(path, "corrupt OFD: Document.xml lists no pages")
    if not any(p.lines for p in pages):
        return "", ()
    text, starts = assemble(drop_furniture(pages))
    return text, tuple(starts)


def _page_chars(content: ElementTree.Element) -> list[dict[str, float | str]]:
    """Every character of a page's text objects, with its box in page millimetres."""
    out: list[dict[str, float | str]] = []
    for obj in _children(content, "TextObject"):
        bx, by = [*_numbers(obj.get("Boundary")), 0.0, 0.0][:2]
        size = float(obj.get("Size") or 3.5)
        for code in _children(obj, "TextCode"):
            text = re.sub(r"[\r\n]", "", code.text or "")
            if not text:
                continue
            x = bx + float(code.get("X") or 0)
            base = by + float(code.get("Y") or 0)
            deltas = _deltas(code.get("DeltaX"))
            for i, ch in enumerate(text):
                adv = deltas[i] if i < len(deltas) else size
                out.append(
                    {
                        "text": ideograph(ch),
                        "x0": x,
                        "x1": x + (size if not ch.isascii() else min(adv, size)),
                        "top": base - 0.88 * size,
                        "bottom": base + 0.12 * size,
                        "size": size,
                        "upright": True,
                    }
                )
                x += adv
    return out


def _page_edges(content: ElementTree.Element) -> list[dict[str, float | str]]:
    """The straight horizontal and vertical strokes of a page's paths (table rulings), in
    page millimetres, as pdfplumber's edges: ``M``/``L`` segments and ``C`` closing a
    rectangle; curves are not rulings and are skipped."""
    out: list[dict[str, float | str]] = []
    for obj in _children(content, "PathObject"):
        if obj.get("Stroke", "true") == "false":
            continue
        bx, by = [*_numbers(obj.get("Boundary")), 0.0, 0.0][:2]
        for data in _children(obj, "AbbreviatedData"):
            start = at = None
            tokens = (data.text or "").split()
            i = 0
            while i < len(tokens):
                op = tokens[i]
                if op in ("M", "L") and i + 2 < len(tokens):
                    point = (bx + float(tokens[i + 1]), by + float(tokens[i + 2]))
                    if op == "L" and at is not None:
                        out += _edge(at, point)
                    start = point if op == "M" else start
                    at, i = point, i + 3
                elif op == "C":
                    if at is not None and start is not None:
                        out += _edge(at, start)
                    at, i = start, i + 1
                else:  # B, Q, A, S: curves and arcs, never a ruling
                    at, i = None, i + 1
    return out


def _edge(a: tuple[float, float], b: tuple[float, float]) -> list[dict[str, float | str]]:
    (x0, y0), (x1, y1) = sorted([a, b])
    if abs(y1 - y0) < 0.1 and x1 - x0 > 0.5:
        return [
            {
                "x0": x0,
                "x1": x1,
                "top": y0,
                "bottom": y0,
                "width": x1 - x0,
                "height": 0.0,
                "orientation": "h",
                "object_type": "line",
            }
        ]
    if abs(x1 - x0) < 0.1 and abs(y1 - y0) > 0.5:
        top, bottom = min(y0, y1), max(y0, y1)
        return [
            {
                "x0": x0,
                "x1": x0,
                "top": top,
                "bottom": bottom,
                "width": 0.0,
                "height": bottom - top,
                "orientation": "v",
                "object_type": "line",
            }
        ]
    return []
