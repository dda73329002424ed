"""Word and WPS documents (.docx, .doc, .wps) read into text: paragraphs as lines, table rows
as tab-joined cells; an OLE .doc/.wps is converted to .docx by LibreOffice (``index.office``) first.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree import ElementTree

from index.errors import LoadError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# paragraph/run properties hold tab *stops*; mc:Fallback repeats mc:Choice content
_DOCX_SKIP = frozenset({_W + "pPr", _W + "rPr", _MC_FALLBACK})
_DOCX_WRAPPERS = frozenset(_W + t for t in ("sdt", "sdtContent", "customXml", "ins"))
_DOCX_CHARS = {_W + "tab": "\t", _W + "br": "\n", _W + "cr": "\n"}


def _load_word(data: bytes, path: str, kind: str) -> tuple[str, str, str]:
    """.docx, .doc or .wps, by what the bytes are: a zip is read as .docx, an OLE file
    (Word 97-2003, Kingsoft WPS; often misnamed) converted by LibreOffice first."""
    from index.office import OLE_MAGIC, to_docx

    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise LoadError(path, f"password-protected .{kind} file is not supported (it needs a password)")
        word = {"docx": ".doc (Word 97-2003)", "doc": ".doc", "wps": ".wps"}[kind]
        data = to_docx(data, path, word)
    elif not data.startswith(b"PK"):
        raise LoadError(path, f"not a .{kind} file: neither a Word/WPS document nor a zip archive")
    return _load_docx(data, path)


def _load_docx(data: bytes, path: str) -> tuple[str, str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise LoadError(path, "corrupt .docx: it has no word/document.xml")
            document = archive.read("word/document.xml")
            core = b""
            if "docProps/core.xml" in names:
                core = archive.read("docProps/core.xml")
        root = ElementTree.fromstring(document)
        title = ElementTree.fromstring(core).findtext(_DC_TITLE) if core else ""
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as err:
        raise LoadError(path, f"corrupt .docx: not a readable zip archive ({err})") from err
    except ElementTree.ParseError as err:
        raise LoadError(path, f"corrupt .docx: broken XML ({err})") from err
    body = root.find(_W + "body")
    if body is None:
        raise LoadError(path, "corrupt .docx: word/document.xml has no <w:body>")
    lines = [line.rstrip(" ") for line in _docx_blocks(body)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text, "", (title or "").strip()


def _docx_blocks(container: ElementTree.Element) -> Iterator[str]:
    """Lines of a body or table cell: one per paragraph, one per table row."""
    for child in container:
        if child.tag == _W + "p":
            yield "".join(_docx_runs(child))
        elif child.tag == _W + "tbl":
            for row in child.findall(_W + "tr"):
                cells = [_docx_cell(cell) for cell in row.findall(_W + "tc")]
                if any(cells):
                    yield "\t".join(cells)
        elif child.tag in _DOCX_WRAPPERS:
            yield from _docx_blocks(child)


def _docx_cell(cell: ElementTree.Element) -> str:
    return " ".join(line.strip() for line in _docx_blocks(cell) if line.strip())


def _docx_runs(element: ElementTree.Element) -> Iterator[str]:
    for child in element:
        if child.tag == _W + "t":
            yield child.text or ""
        elif child.tag in _DOCX_CHARS:
            yield _DOCX_CHARS[child.tag]
        elif child.tag not in _DOCX_SKIP:
            yield from _docx_runs(child)
