"""Tests for index.load: encodings, html/docx/pdf extraction, errors, ids, file walking.

Every fixture is generated in tmp_path; the only files read from the repo are the
bundled plan (index/samples) and four gov-policy pages copied to tests/data.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from index.decode import _common_chars, decode_bytes
from index.errors import LoadError
from index.load import (
    SUPPORTED,
    doc_id_for,
    iter_source_files,
    load_document,
)

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"
DATA = Path(__file__).resolve().parent / "data"

TRADITIONAL = """為深入貫徹落實黨中央、國務院決策部署，加快推動高質量發展，結合本市實際，制定本實施方案。
一、總體要求。堅持以人民為中心的發展思想，著力補齊短板，強化科技創新，推進產業轉型升級，擴大對外開放，保障和改善民生。
二、主要任務。加強科技創新主體培育，實施科技型中小企業創新能力提升工程，落實研發費用加計扣除等政策。到2025年，全市高新技術企業達到1000家。
三、保障措施。各級各部門要提高思想認識，加強組織領導，明確責任分工，確保各項任務落到實處。
"""
SHORT_SIMPLIFIED = [
    "为深入贯彻落实党中央决策部署，加快推进高质量发展。",
    "加强科技创新主体培育，到2025年高新技术企业达到1000家。",
    "德州市人民政府办公室关于印发实施方案的通知",
]
SHORT_TRADITIONAL = [
    "為深入貫徹落實黨中央決策部署，加快推進高質量發展。",
    "加強科技創新主體培育，到2025年高新技術企業達到1000家。",
    "德州市人民政府辦公室關於印發實施方案的通知",
]


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


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("gbk"), "gb18030"),
        (lambda t: t.encode("utf-16"), "utf-16"),
        (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_real_plan_decodes_exactly_in_each_encoding(tmp_path, encode, expected):
    raw = encode(plan_text())
    doc = load_document(write(tmp_path, "dezhou-plan-2023.txt", raw))
    assert doc.encoding == expected
    assert doc.text == plan_text()  # BOM gone, nothing else touched
    assert raw.decode(doc.encoding) == doc.text
    assert doc.kind == "txt" and doc.id == "dezhou-plan-2023"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()


def test_gb18030_only_characters_are_detected(tmp_path):
    text = plan_text() + "\n© 2023 德州市 — 单位：€ 𠀀\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")  # so this really is a GB18030 file, not GBK
    raw = text.encode("gb18030")
    assert decode_bytes(raw, "x.txt") == (text, "gb18030")


def test_traditional_big5_text_is_not_mistaken_for_gb18030():
    raw = TRADITIONAL.encode("big5")
    raw.decode("gb18030")  # decodes without error: the scorer must choose
    assert decode_bytes(raw, "x.txt") == (TRADITIONAL, "big5")


@pytest.mark.parametrize("line", SHORT_TRADITIONAL)
def test_one_short_traditional_line_in_big5(line):
    raw = line.encode("big5")
    raw.decode("gb18030")
    assert decode_bytes(raw, "x.txt") == (line, "big5")


@pytest.mark.parametrize("line", SHORT_SIMPLIFIED)
def test_one_short_simplified_line_in_gbk(line):
    assert decode_bytes(line.encode("gbk"), "x.txt") == (line, "gb18030")


def test_cp950_only_characters_fall_back_from_big5():
    text = "本方案自發布之日起施行，碁盤式管理。"  # 碁 is a CP950 extension of Big5
    raw = text.encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("big5")
    assert decode_bytes(raw, "x.txt") == (text, "cp950")


def test_crlf_and_offsets_are_kept_exactly(tmp_path):
    text = "德州市实施方案\r\n\r\n  一、加强科技创新主体培育。\r\n（市科技局负责）\r\n"
    doc = load_document(write(tmp_path, "crlf.txt", text.encode("gbk")))
    assert doc.text == text
    start = doc.text.index("（市科技局负责）")
    assert doc.text[start : start + 8] == "（市科技局负责）"


def test_markdown_is_loaded_like_text(tmp_path):
    doc = load_document(write(tmp_path, "Notes.MD", "# 标题\n\n正文。\n"))
    assert (doc.kind, doc.text, doc.encoding) == ("md", "# 标题\n\n正文。\n", "utf-8")


def test_bytes_no_candidate_decodes_are_refused(tmp_path):
    reason = reason_of(write(tmp_path, "bad.txt", b"plain \x80\xff text \xff"))
    assert "cannot decode" in reason and "offset 6" in reason


def test_text_that_only_decodes_as_gibberish_is_refused(tmp_path):
    raw = "日本語のテキストです。これはテストです。東京都".encode("shift_jis")
    raw.decode("gb18030")  # it "decodes", into nonsense
    assert "not Chinese" in reason_of(write(tmp_path, "sjis.txt", raw))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1))
def test_any_utf8_text_round_trips(text):
    assume(not text.startswith("\ufeff"))  # that would be UTF-8 with a BOM
    assert decode_bytes(text.encode("utf-8"), "x.txt") == (text, "utf-8")


# common simplified and traditional characters GBK can encode, some punctuation and ASCII
GBK_ALPHABET = sorted(c for c in _common_chars() if len(c) == 1 and c.encode("gbk", "ignore"))
GBK_ALPHABET += list("，。：；、（）abc 123\n")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(GBK_ALPHABET), min_size=1))
def test_common_chinese_in_gbk_decodes_back_exactly(text):
    raw = text.encode("gbk")
    assume(not is_utf8(raw))  # ASCII, and a few tiny GBK strings, are UTF-8 too
    assert decode_bytes(raw, "x.txt") == (text, "gb18030")


# ---------------------------------------------------------------- file errors


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


def test_png_renamed_to_txt_is_binary(tmp_path):
    assert "binary" in reason_of(write(tmp_path, "scan.txt", png_bytes()))


def test_control_characters_mean_binary(tmp_path):
    raw = bytes(range(1, 9)) * 20 + "正文".encode()
    assert "binary" in reason_of(write(tmp_path, "blob.txt", raw))


def test_unsupported_extension_lists_supported_ones(tmp_path):
    reason = reason_of(write(tmp_path, "plan.rtf", "文字"))
    assert ".rtf" in reason and all(ext in reason for ext in SUPPORTED)
    assert "no file extension" in reason_of(write(tmp_path, "README", "文字"))


def test_missing_file_and_directory(tmp_path):
    assert reason_of(tmp_path / "nope.txt") == "file not found"
    (tmp_path / "folder.txt").mkdir()
    assert "directory" in reason_of(tmp_path / "folder.txt")


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", " \r\n\t\u3000\n".encode("gbk"), "whitespace"),
        ("blank.md", b"\xef\xbb\xbf\n\n", "whitespace"),
        ("blank.html", b"<html><head><title>T</title></head><body> </body>", "visible"),
    ],
)
def test_empty_or_blank_files(tmp_path, name, raw, words):
    assert words in reason_of(write(tmp_path, name, raw))


# ---------------------------------------------------------------- html

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title> 德州市 实施方案 </title><style>p {color: red}</style>
<script>var x = "<p>不可见</p>";</script></head>
<body><nav><a href="/">首页</a> | <a href="/x">导航</a></nav>
<h1>一、总体要求</h1>
<p>为深入贯彻落实&ldquo;三年行动计划&rdquo;&nbsp;精神，
   结合实际。</p><p>A &amp; B &lt;tag&gt; &#x5fb7;州</p>
<div>第一行<br>第二行</div><p></p><p><br></p><p><br></p><p>下一段</p>
<noscript>请启用脚本</noscript>
<table><tr><th>序号</th><th>任务</th><th>牵头单位</th></tr>
<tr><td>1</td><td><p>建设</p><p>机场</p></td><td>市发改委</td></tr></table>
<ul><li>甲</li><li>乙</li></ul></body></html>"""


def test_html_visible_text_blocks_tables_and_entities(tmp_path):
    doc = load_document(write(tmp_path, "page.htm", PAGE))
    assert doc.kind == "html" and doc.encoding == "utf-8"
    assert doc.title == "德州市 实施方案"
    assert doc.text == (
        "一、总体要求\n"
        "为深入贯彻落实“三年行动计划” 精神，结合实际。\n"  # no space for the CJK line break
        "A & B <tag> 德州\n"
        "第一行\n第二行\n\n"
        "下一段\n"
        "序号\t任务\t牵头单位\n"
        "1\t建设 机场\t市发改委\n"
        "甲\n乙"
    )


def test_html_meta_charset_gbk(tmp_path):
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    page += "<title>通知</title></head><body><p>德州市人民政府</p></body></html>"
    doc = load_document(write(tmp_path, "gbk.html", page.encode("gbk")))
    assert (doc.encoding, doc.title, doc.text) == ("gb18030", "通知", "德州市人民政府")


def test_html_big5_page(tmp_path):
    page = '<html><head><meta charset="big5"><title>通知</title></head><body>'
    page += f"<p>{TRADITIONAL}</p></body></html>"
    doc = load_document(write(tmp_path, "big5.html", page.encode("big5")))
    assert doc.encoding == "big5"
    assert "為深入貫徹落實黨中央" in doc.text


def test_html_wrong_meta_charset_falls_back_to_detection(tmp_path):
    page = '<html><head><meta charset="utf-8"></head><body><p>德州市人民政府办公室</p>'
    doc = load_document(write(tmp_path, "liar.html", page.encode("gbk")))
    assert (doc.encoding, doc.text) == ("gb18030", "德州市人民政府办公室")


GOV_PAGES = {
    "05": (
        "国务院关于促进综合保税区高水平开放高质量发展的若干意见",
        "国发〔2019〕3号",
        "（税务总局、财政部、海关总署负责，排在第一位的部门为牵头部门，下同）",
    ),
    "15": (
        "国务院关于加快推进农业机械化和农机装备产业转型升级的指导意见",
        "国发〔2018〕42号",
        "（工业和信息化部、发展改革委、科技部、农业农村部等负责。列第一位者为牵头单位，下同）",
    ),
    "10": (
        "国务院办公厅关于推广第二批支持创新相关改革举措的通知",
        "国办发〔2018〕126号",
        "序号\t改革举措\t主 要 内 容\t指导部门\t推广范围\n"
        "一、知识产权保护方面（共5项）\n"  # a row of one spanning cell
        "1\t知识产权民事、刑事、行政案件“三合一”审判\t整合分散的审判资源",
    ),
    "52": (
        "国务院办公厅转发国家教委关于内地西藏班（校）扩大规模有关问题请示的通知",
        "国办发〔1996〕32号",
        "总计\t1445\t555\t1600\t1800\t2000\n江苏\t100\t100\t120\t140\t200\n",
    ),
}


@pytest.mark.parametrize("stem", sorted(GOV_PAGES))
def test_real_gov_pages(stem):
    title, number, passage = GOV_PAGES[stem]
    doc = load_document(DATA / f"{stem}.html")
    assert (doc.title, doc.encoding, doc.id) == (title, "utf-8", stem)
    lines = doc.text.split("\n")
    assert number in lines[:6]
    assert title.startswith(lines[0])  # the heading, split over lines as on the page
    assert passage in doc.text
    assert "各省、自治区、直辖市人民政府" in doc.text or "人民政府：" in doc.text
    assert "<" not in doc.text and "&nbsp;" not in doc.text and "\xa0" not in doc.text
    assert "\n\n\n" not in doc.text and doc.text == doc.text.strip()


def test_gov_page_keeps_every_visible_character():
    import html
    import re

    raw = (DATA / "05.html").read_text(encoding="utf-8").split("</head>", 1)[1]
    naive = html.unescape(re.sub(r"<[^>]+>", "", raw))
    text = load_document(DATA / "05.html").text
    assert re.sub(r"\s", "", naive) == re.sub(r"\s", "", text)


# ---------------------------------------------------------------- docx

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


def test_docx_paragraphs_tabs_breaks_tables_and_title(tmp_path):
    cell = "<w:tc>{}</w:tc>"
    table = (
        "<w:tbl>"
        + "<w:tr>"
        + cell.format(para("<w:t>序号</w:t>"))
        + cell.format(para("<w:t>任务</w:t>"))
        + "</w:tr><w:tr>"
        + cell.format(para("<w:t>1</w:t>"))
        + cell.format(para("<w:t>建设</w:t>") + para("<w:t>机场</w:t>"))
        + "</w:tr></w:tbl>"
    )
    body = (
        para("<w:t>一、总体要求</w:t>")
        + para("<w:t>德州</w:t>", "<w:tab/><w:t>市</w:t>", "<w:br/><w:t>第二行</w:t>")
        + para()
        + para()
        + table
        + para("<w:t xml:space='preserve'>完成时限：</w:t>", "<w:t>2025年</w:t>")
    )
    doc = load_document(make_docx(tmp_path, body, title="德州市实施方案"))
    assert (doc.kind, doc.title, doc.encoding) == ("docx", "德州市实施方案", "")
    assert doc.text == ("一、总体要求\n德州\t市\n第二行\n\n序号\t任务\n1\t建设 机场\n完成时限：2025年")


def test_docx_written_by_python_docx(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.core_properties.title = "实施方案"
    document.add_heading("德州市实施方案", level=1)
    document.add_paragraph("加强科技创新主体培育。")
    table = document.add_table(rows=2, cols=2)
    for (r, c), value in {(0, 0): "单位", (0, 1): "任务", (1, 0): "市科技局", (1, 1): "牵头"}.items():
        table.cell(r, c).text = value
    path = tmp_path / "real.docx"
    document.save(str(path))
    doc = load_document(path)
    assert doc.title == "实施方案"
    assert doc.text == "德州市实施方案\n加强科技创新主体培育。\n单位\t任务\n市科技局\t牵头"


def test_docx_errors(tmp_path):
    assert "zip" in reason_of(write(tmp_path, "a.docx", "just text"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "word/document.xml" in reason_of(write(tmp_path, "b.docx", buf.getvalue()))
    assert "XML" in reason_of(make_docx(tmp_path, "<w:p><w:t>oops</w:p>", name="c.docx"))
    assert "no text" in reason_of(make_docx(tmp_path, para(), name="d.docx"))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert ".doc" in reason_of(write(tmp_path, "e.docx", ole))


# ---------------------------------------------------------------- pdf


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


def test_pdf_text_including_chinese(tmp_path):
    text = "Dezhou plan 2023\n德州市实施方案：加强科技创新主体培育。"
    doc = load_document(write(tmp_path, "plan.pdf", make_pdf(text)))
    assert doc.kind == "pdf" and doc.encoding == "" and doc.title == ""
    assert doc.text == text


def test_pdf_pages_are_joined_with_newlines(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for text in ("第一页", "第二页"):
        writer.add_page(PdfReader(io.BytesIO(make_pdf(text))).pages[0])
    buf = io.BytesIO()
    writer.write(buf)
    doc = load_document(write(tmp_path, "two.pdf", buf.getvalue()))
    assert doc.text.split("\n") == ["第一页", "第二页"]


def test_pdf_blank_page_has_no_text(tmp_path):
    assert "no extractable text" in reason_of(write(tmp_path, "scan.pdf", make_pdf()))


def test_encrypted_pdf_is_refused(tmp_path):
    raw = make_pdf("secret plan", password="s3cret")
    assert "encrypted PDF is not supported" in reason_of(write(tmp_path, "e.pdf", raw))


def test_pdf_encryption_pypdf_cannot_handle_is_refused(tmp_path, monkeypatch):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def needs_cryptography(self, password):
        raise DependencyError("cryptography is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)
    raw = make_pdf("secret plan", password="", owner="owner")
    assert "encrypted PDF is not supported" in reason_of(write(tmp_path, "aes.pdf", raw))


def test_pdf_with_only_an_owner_password_opens(tmp_path):
    raw = make_pdf("open plan", password="", owner="owner")
    assert load_document(write(tmp_path, "o.pdf", raw)).text.strip() == "open plan"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "corrupt PDF"),
        (b"%PDF-1.7\ntrailer\n<<>>\n%%EOF", "corrupt PDF"),
        (b"Hello, I am a text file.", "not a PDF"),
    ],
)
def test_corrupt_pdfs(tmp_path, raw, words):
    assert words in reason_of(write(tmp_path, "x.pdf", raw))


# ---------------------------------------------------------------- ids and walking


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("dezhou-plan-2023.txt", "dezhou-plan-2023"),
        ("/data/in/Dezhou Plan 2023.TXT", "dezhou-plan-2023"),
        ("德州市 实施方案（2023）.docx", "德州市-实施方案(2023)"),
        ("a..b...c.html", "a.b.c"),
        ("..hidden.md", "hidden"),
        ("tab\tand\x07bell?.txt", "tab-and-bell"),
        ("CON.txt", "con-doc"),
    ],
)
def test_doc_id_for(path, expected):
    assert doc_id_for(path) == expected
    assert doc_id_for(Path(path)) == expected


def test_doc_id_for_long_and_empty_names():
    long_a, long_b = "甲" * 100 + "a.txt", "甲" * 100 + "b.txt"
    assert len(doc_id_for(long_a)) <= 80 and doc_id_for(long_a) != doc_id_for(long_b)
    assert doc_id_for("???.txt").startswith("doc-")
    assert doc_id_for("???.txt") != doc_id_for("***.txt")


@given(st.text(min_size=1, max_size=120))
def test_doc_id_is_always_safe(name):
    doc_id = doc_id_for(name + ".txt")
    assert doc_id and doc_id == doc_id_for(name + ".txt")
    assert not any(ch in doc_id for ch in '/\\:*?"<>|') and ".." not in doc_id
    assert doc_id.isprintable() and not doc_id.startswith((".", "-"))
    assert not any(ch.isspace() for ch in doc_id)


def test_iter_source_files(tmp_path):
    for rel in [
        "b.txt",
        "a/z.md",
        "a/y.PDF",
        "a/deep/x.docx",
        "a/.hidden.txt",
        ".git/c.txt",
        "a/skip.rtf",
        "c.htm",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    explicit = write(tmp_path.parent, f"{tmp_path.name}-notes.rtf", "x")
    found = iter_source_files([tmp_path, tmp_path / "b.txt", explicit])
    assert found == sorted(
        [
            tmp_path / "a" / "deep" / "x.docx",
            tmp_path / "a" / "y.PDF",
            tmp_path / "a" / "z.md",
            tmp_path / "b.txt",
            tmp_path / "c.htm",
            explicit,
        ]
    )
    with pytest.raises(LoadError, match="no such file"):
        iter_source_files([tmp_path / "missing"])


def test_document_path_is_kept_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "plan.txt", "德州")
    assert load_document("plan.txt").path == "plan.txt"
    assert load_document(Path("plan.txt")).path == "plan.txt"
