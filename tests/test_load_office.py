"""index.load on Word and PDF files: paragraphs, tabs, tables, titles, pages, passwords and broken files."""

from __future__ import annotations

import io
import zipfile

import pytest

from index.load import load_document
from tests.loadfiles import make_docx, make_pdf, para, reason_of, write

# ---------------------------------------------------------------- docx


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
