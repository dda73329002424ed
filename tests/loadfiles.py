"""Files the loader tests build: plain text in any encoding, a PNG, a docx, a PDF.

Every builder writes into the test's tmp_path; the only files read from the repo are the
bundled plan (index/samples) and the gov-policy pages copied to tests/data.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from index.errors import LoadError
from index.load import load_document

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"
DATA = Path(__file__).resolve().parent / "data"

TRADITIONAL = """為深入貫徹落實黨中央、國務院決策部署，加快推動高質量發展，結合本市實際，制定本實施方案。
一、總體要求。堅持以人民為中心的發展思想，著力補齊短板，強化科技創新，推進產業轉型升級，擴大對外開放，保障和改善民生。
二、主要任務。加強科技創新主體培育，實施科技型中小企業創新能力提升工程，落實研發費用加計扣除等政策。到2025年，全市高新技術企業達到1000家。
三、保障措施。各級各部門要提高思想認識，加強組織領導，明確責任分工，確保各項任務落到實處。
"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def plan_text() -> str:
    return PLAN.read_bytes().decode("utf-8")


def reason_of(path: Path) -> str:
    with pytest.raises(LoadError) as info:
        load_document(path)
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value.reason


def is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx(tmp_path: Path, body: str, title: str | None = None, name: str = "d.docx") -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}">'
            f"<w:body>{body}</w:body></w:document>",
        )
        if title is not None:
            archive.writestr(
                "docProps/core.xml",
                '<cp:coreProperties xmlns:cp="urn:cp" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}'
                "</dc:title></cp:coreProperties>",
            )
    return write(tmp_path, name, buf.getvalue())


def para(*runs: str) -> str:
    return "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>" + (
        "".join(f"<w:r>{r}</w:r>" for r in runs) + "</w:p>"
    )


def make_pdf(text: str = "", password: str | None = None, owner: str = "") -> bytes:
    """A one-page PDF; its text drawn with a font whose ToUnicode map covers it."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    def name(value: str) -> NameObject:
        return NameObject("/" + value)

    def stream(data: str) -> DecodedStreamObject:
        obj = DecodedStreamObject()
        obj.set_data(data.encode("ascii"))
        return obj

    writer = PdfWriter()  # _add_object: pypdf 7 has no public "add indirect object"
    page = writer.add_blank_page(width=595, height=842)
    if text:
        chars = sorted(set(text) - {"\n"})
        cid = {ch: i + 1 for i, ch in enumerate(chars)}
        bfchar = " ".join(f"<{cid[c]:04X}> <{ord(c):04X}>" for c in chars)
        cmap = (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(chars)} beginbfchar {bfchar} endbfchar endcmap "
            "CMapName currentdict /CMap defineresource pop end end"
        )
        cid_font = DictionaryObject({name("Type"): name("Font"), name("Subtype"): name("CIDFontType2")})
        font = DictionaryObject(
            {
                name("Type"): name("Font"),
                name("Subtype"): name("Type0"),
                name("BaseFont"): name("SimSun"),
                name("Encoding"): name("Identity-H"),
                name("DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
                name("ToUnicode"): writer._add_object(stream(cmap)),
            }
        )
        fonts = DictionaryObject({name("F1"): writer._add_object(font)})
        page[name("Resources")] = DictionaryObject({name("Font"): fonts})
        lines = " 0 -20 Td ".join(
            "<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj" for line in text.split("\n")
        )
        page[name("Contents")] = writer._add_object(stream(f"BT /F1 12 Tf 72 770 Td {lines} ET"))
    if password is not None:
        writer.encrypt(password, owner_password=owner or None, algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
