"""Load source files (txt, md, html, docx, doc, wps, pdf, ofd) into ``Document``s.

For .txt/.md, ``Document.text`` is the file exactly as decoded (only a byte-order
mark removed, newlines untouched), so citation offsets index into the file.
For the others it is the extracted visible text, which is our definition of "source
text" for those kinds: html (``index.htmltext``), .docx/.doc/.wps (``index.word``; .doc/.wps
through LibreOffice, ``index.office``), PDF pages rebuilt from their layout or read by OCR
(``index.pdf``, ``index.ocr``), OFD (``index.ofd``); the type is told by the bytes where a
name can lie (an OLE .doc named .docx). The encoding of text files is detected from
the bytes (BOM, UTF-8, else GB18030 vs Big5 scored as Chinese; ``index.decode``), never
guessed from the extension. Every failure is a ``LoadError`` naming the file and why.

This module does not clean, parse or chunk: boilerplate removal and titles
beyond the file's own metadata belong to later steps.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from index.decode import decode_bytes
from index.errors import LoadError
from index.htmltext import _load_html
from index.ofd import load_ofd
from index.types import Document
from index.word import _load_word

PageProgress = Callable[[int, int], None]  # (page, pages)
SUPPORTED = (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".wps", ".pdf", ".ofd")
# The largest file read: plans are kilobytes to a few megabytes (a 600-page PDF is ~20 MB);
# anything bigger is refused before it is read, not parsed for minutes.
MAX_FILE_BYTES = 40 * 10**6


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
