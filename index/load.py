"""Load source files (txt, md, html, docx, doc, wps, pdf, ofd) into ``Document``s.

For .txt/.md, ``Document.text`` is the file exactly as decoded (only a byte-order
mark removed, newlines untouched), so citation offsets index into the file.
For the others it is the extracted visible text, which is our definition of "source
text" for those kinds: .doc/.wps through LibreOffice (``index.office``), PDF pages rebuilt
from their layout or read by OCR (``index.pdf``, ``index.ocr``), OFD (``index.ofd``); the
type is told by the bytes where a name can lie (an OLE .doc named .docx). The encoding of text files is detected from
the bytes (BOM, UTF-8, else GB18030 vs Big5 scored as Chinese), never guessed
from the extension. Every failure is a ``LoadError`` naming the file and why.

This module does not clean, parse or chunk: boilerplate removal and titles
beyond the file's own metadata belong to later steps.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import io
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from index.errors import LoadError
from index.ofd import load_ofd
from index.types import Document

PageProgress = Callable[[int, int], None]  # (page, pages)
SUPPORTED = (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".wps", ".pdf", ".ofd")
# The largest file read: plans are kilobytes to a few megabytes (a 600-page PDF is ~20 MB);
# anything bigger is refused before it is read, not parsed for minutes.
MAX_FILE_BYTES = 40 * 10**6

_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ("gb18030", "big5", "cp950")  # this order breaks ties in plausibility
_MIN_PLAUSIBLE = 0.5  # real Chinese scores > 0.9, GB18030/Big5 mix-ups 0.2-0.45
_MIN_SCORED = 10  # non-ASCII chars needed before an implausible decoding is refused
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1a\x1b")


def decode_bytes(data: bytes, path: str, declared: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding)``.

    ``data.decode(encoding) == text`` always holds (the ``utf-8-sig``, ``utf-16``
    and ``utf-32`` codecs strip the BOM). Order: BOM; ``declared`` (an encoding the
    file names itself, e.g. HTML ``<meta charset>``) if it decodes strictly; strict
    UTF-8; else whichever of GB18030 / Big5 / CP950 decodes strictly and reads
    most like Chinese. Raises ``LoadError`` for binary or undecodable data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as err:
                reason = f"has a {encoding} byte-order mark but is not valid {encoding}"
                raise LoadError(path, reason) from err
            _check_not_binary(text.encode("utf-8", "surrogatepass"), path)
            return text, encoding
    _check_not_binary(data, path)
    if declared:
        with contextlib.suppress(UnicodeDecodeError):  # pages often mislabel: detect
            return data.decode(declared), declared
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        bad = f"byte 0x{data[err.start]:02x} at offset {err.start}"
    candidates = []
    for rank, encoding in enumerate(_LEGACY):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_chinese_score(text), -rank, text, encoding))
    why = f"cannot decode the text: not UTF-8 ({bad})"
    if not candidates:
        raise LoadError(path, f"{why}, nor GB18030/GBK or Big5")
    score, _, text, encoding = max(candidates)
    if score < _MIN_PLAUSIBLE and sum(not c.isascii() for c in text) >= _MIN_SCORED:
        raise LoadError(path, f"{why}, and as GB18030 or Big5 it is not Chinese")
    return text, encoding


@functools.cache
def _common_chars() -> frozenset[str]:
    """The ~6,700 common Chinese characters, simplified and traditional, + punctuation.

    Read off the codecs themselves: GB2312 level 1 (rows B0-D7: the 3,755 most
    common simplified characters) and Big5's 常用字 block (A440-C67E: 5,401
    common traditional characters).
    """
    trails = (*range(0x40, 0x7F), *range(0xA1, 0xFF))
    gb2312 = [bytes((a, b)) for a in range(0xB0, 0xD8) for b in range(0xA1, 0xFF)]
    big5 = [bytes((a, b)) for a in range(0xA4, 0xC7) for b in trails]
    # "ignore": unassigned pairs give "" (or an ASCII char, which is never scored)
    chars = {raw.decode("gb2312", "ignore") for raw in gb2312}
    chars.update(raw.decode("big5", "ignore") for raw in big5 if raw < b"\xc6\xa1")
    # CJK punctuation (、。《》「」〔〕) and full-width forms (，：；（）)
    chars.update(map(chr, (*range(0x3000, 0x3040), *range(0xFF01, 0xFF5F))))
    chars.update("“”‘’—–…·•")
    return frozenset(chars)


def _chinese_score(text: str) -> float:
    """Share of non-ASCII chars that are common CJK characters or CJK punctuation.

    A wrong GB18030/Big5 decoding yields private-use, rare, kana, bopomofo or
    box-drawing characters instead, so the right candidate scores far higher.
    """
    common = _common_chars()
    rest = [ch for ch in text if not ch.isascii()]
    return sum(ch in common for ch in rest) / len(rest) if rest else 1.0


def _check_not_binary(data: bytes, path: str) -> None:
    if b"\x00" in data:
        raise LoadError(path, "binary file (NUL bytes; UTF-16 text needs a byte-order mark)")
    head = data[:65536]
    controls = sum((b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F for b in head)
    if controls > 0.05 * len(head):
        raise LoadError(path, f"binary file ({controls} control bytes), not text")


# ---------------------------------------------------------------- html

_WS = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace; U+3000 and NBSP are not in it
_CJK = "\u2e80-\u9fff\uff00-\uffef"  # a source line break between two of these is no space (CSS)
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_CJK}])")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_SKIP_TAGS = "script style head noscript template nav iframe object svg"
_BLOCK_TAGS = """address article aside blockquote caption center dd details dialog div dl dt fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main ol p pre section summary ul"""
_SKIP = frozenset(_SKIP_TAGS.split())
_BLOCK = frozenset(_BLOCK_TAGS.split())


def _declared_charset(data: bytes) -> str | None:
    """The codec an HTML ``<meta charset>`` names, if Python knows it."""
    match = _META_CHARSET.search(data[:4096])
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name if match else ""
    except LookupError:
        return None
    if name in ("gb2312", "gbk", "cp936"):
        return "gb18030"  # pages labelled gb2312 routinely contain GBK characters
    if not name or name.startswith(("utf-16", "utf-32")):
        return None  # a label readable as ASCII cannot be right about UTF-16
    return name


@dataclass
class _Table:
    cells: list[str] = field(default_factory=list)  # of the open row
    cell_open: bool = False


class _HTMLText(HTMLParser):
    """Collects visible text: blocks become lines, table rows tab-joined cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self._bufs: list[list[str]] = [[]]  # the document, then one per open cell
        self._tables: list[_Table] = []
        self._skip = 0  # depth inside skipped elements
        self._in_title = False
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        table = self._tables[-1] if self._tables else None
        if tag in _SKIP:
            self._skip += 1
        elif tag == "body":
            self._skip = 0  # an unclosed <head> ends here
        elif tag == "title":
            self._in_title = True
        elif self._skip:
            return
        elif tag == "br":
            self._emit("\n")
        elif tag == "table":
            self._line_break()
            self._tables.append(_Table())
        elif tag == "tr" and table:
            self._close_row(table)
        elif tag in ("td", "th") and table:
            self._close_cell(table)
            table.cell_open = True
            self._bufs.append([])
        elif tag in _BLOCK:
            self._pre += tag == "pre"
            self._line_break()

    def handle_endtag(self, tag: str) -> None:
        table = self._tables[-1] if self._tables else None
        if tag in _SKIP:
            self._skip = max(self._skip - 1, 0)
        elif tag == "title":
            self._in_title = False
        elif self._skip:
            return
        elif tag == "table" and table:
            self._close_row(self._tables.pop())
            self._line_break()
        elif tag == "tr" and table:
            self._close_row(table)
        elif tag in ("td", "th") and table:
            self._close_cell(table)
        elif tag in _BLOCK:
            self._pre = max(self._pre - (tag == "pre"), 0)
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._skip:
            return
        data = data.replace("\xa0", " ")
        if self._pre:
            data = data.replace("\r\n", "\n")
        else:
            data = _WS.sub(" ", _CJK_BREAK.sub("", data))
            if self._tables and not self._tables[-1].cell_open and data == " ":
                return  # indentation between rows and cells
            if data.startswith(" ") and self._last_char() in ("", " ", "\n"):
                data = data[1:]
        self._emit(data)

    def close(self) -> None:
        super().close()
        while self._tables:
            self._close_row(self._tables.pop())

    def text(self) -> str:
        lines = [line.strip(" ") for line in "".join(self._bufs[0]).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

    def _emit(self, text: str) -> None:
        if text:
            self._bufs[-1].append(text)

    def _last_char(self) -> str:
        return self._bufs[-1][-1][-1] if self._bufs[-1] else ""

    def _line_break(self) -> None:
        if self._last_char() not in ("", "\n"):
            self._emit("\n")

    def _close_cell(self, table: _Table) -> None:
        if table.cell_open:
            table.cells.append("".join(self._bufs.pop()).strip())
            table.cell_open = False

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        cells, table.cells = table.cells, []
        if len(cells) > 1:  # a data row is one line; a lone cell is a layout box
            cells = [re.sub(r"\s*\n\s*", " ", cell) for cell in cells]
        if any(cells):
            self._line_break()
            self._emit("\t".join(cells))
            self._line_break()


def _load_html(data: bytes, path: str) -> tuple[str, str, str]:
    text, encoding = decode_bytes(data, path, declared=_declared_charset(data))
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    title = _WS.sub(" ", "".join(parser.title_parts)).strip()
    return parser.text(), encoding, title


# ---------------------------------------------------------------- docx

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


# ---------------------------------------------------------------- pdf


def _load_pdf(data: bytes, path: str, progress: PageProgress | None) -> tuple[str, tuple[int, ...]]:
    """The text of a PDF (``index.pdf``: paragraphs rebuilt from the page layout) and where
    each page starts in it. The file is opened by pypdf first, to refuse what needs a password."""
    from pypdf import PdfReader  # heavy import, only once a PDF shows up
    from pypdf.errors import DependencyError

    from index.ocr import ocr_page
    from index.pdf import pdf_text

    if b"%PDF-" not in data[:1024]:
        raise LoadError(path, "not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # owner-password-only PDFs open with ""
            raise LoadError(path, "encrypted PDF is not supported (it needs a password)")
        if not reader.pages:
            raise LoadError(path, "corrupt PDF: it has no pages")
    except LoadError:
        raise
    except Exception as err:  # pypdf raises many exception types on malformed files
        if isinstance(err, DependencyError | NotImplementedError) and b"/Encrypt" in data:
            raise LoadError(path, f"encrypted PDF is not supported ({err})") from err  # e.g. AES
        raise LoadError(path, f"corrupt PDF ({type(err).__name__}: {err})") from err
    text, starts = pdf_text(data, path, ocr=ocr_page, progress=progress)
    return text, tuple(starts)


# ---------------------------------------------------------------- public API

_NO_TEXT = {
    "html": "no visible text (only markup)",
    "docx": "the document has no text",
    "doc": "the document has no text",
    "wps": "the document has no text",
    "ofd": "no text (a scanned OFD? its pages are images)",
    "pdf": "no extractable text (its pages are blank, or images OCR found no text in)",
}


def load_document(path: str | os.PathLike[str], progress: PageProgress | None = None) -> Document:
    """Read one supported file into a ``Document``; raise ``LoadError`` saying why not.

    ``progress(page, pages)`` is called as each scanned page of a PDF is read by OCR.

    ``encoding`` is the detected text encoding for txt/md/html, "" for docx/pdf.
    """
    name = os.fspath(path)
    file = Path(name)
    if not file.exists():
        raise LoadError(name, "file not found")
    if file.is_dir():
        raise LoadError(name, "is a directory, not a file")
    ext = file.suffix.lower()
    if ext not in SUPPORTED:
        what = f"unsupported file type {ext}" if ext else "no file extension"
        raise LoadError(name, f"{what}; supported: {', '.join(SUPPORTED)}")
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(
                name,
                f"file is too large ({size / 1e6:.1f} MB; at most {MAX_FILE_BYTES // 10**6} MB): "
                "a plan is far smaller — split it or check that it is the right file",
            )
        data = file.read_bytes()
    except OSError as err:
        raise LoadError(name, f"cannot read the file ({err.strerror})") from err
    if not data:
        raise LoadError(name, "file is empty (0 bytes)")
    kind = "html" if ext == ".htm" else ext[1:]
    title = ""
    pages: tuple[int, ...] = ()
    if kind in ("txt", "md"):
        text, encoding = decode_bytes(data, name)
    elif kind == "pdf":
        (text, pages), encoding = _load_pdf(data, name, progress), ""
    elif kind == "ofd":
        (text, pages), encoding = load_ofd(data, name), ""
    elif kind == "html":
        text, encoding, title = _load_html(data, name)
    else:
        text, encoding, title = _load_word(data, name, kind)
    if not text.strip():
        raise LoadError(name, _NO_TEXT.get(kind, "file contains only whitespace"))
    return Document(
        id=doc_id_for(name),
        path=name,
        text=text,
        kind=kind,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        title=title,
        pages=pages,
    )


_ID_UNSAFE = frozenset('/\\:*?"<>|')
_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?")  # refused by Windows


def doc_id_for(path: str | os.PathLike[str]) -> str:
    """A stable, filesystem-safe id from the file's stem, e.g. ``dezhou-plan-2023``.

    NFKC-normalised and lower-cased; whitespace, control/format characters and
    ``/\\:*?"<>|`` become ``-``; dot runs shrink to one dot; no leading or trailing
    ``-``/``.``. Chinese names are kept. Long or empty results get a hash suffix.
    """
    name = Path(os.fspath(path)).name
    stem = unicodedata.normalize("NFKC", Path(name).stem).lower()
    chars = ["-" if ch in _ID_UNSAFE or unicodedata.category(ch)[0] in "CZ" else ch for ch in stem]
    slug = re.sub(r"\.{2,}", ".", re.sub(r"-{2,}", "-", "".join(chars))).strip("-._")
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if not slug:
        return f"doc-{digest}"
    if len(slug) > 80:
        return f"{slug[:71].rstrip('-.')}-{digest}"
    return f"{slug}-doc" if _RESERVED.fullmatch(slug) else slug


def iter_source_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand directories recursively to their supported, non-hidden files.

    Returns a sorted list without duplicates. Files named explicitly are kept
    whatever their type, so that ``load_document`` can say why one is refused;
    a path that does not exist raises ``LoadError``.
    """
    found: set[Path] = set()
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            for file in root.rglob("*"):
                hidden = any(p.startswith(".") for p in file.relative_to(root).parts)
                if file.suffix.lower() in SUPPORTED and file.is_file() and not hidden:
                    found.add(file)
        elif root.exists():
            found.add(root)
        else:
            raise LoadError(os.fspath(raw), "no such file or directory")
    return sorted(found)
