"""Files as offices have them: OFD, .doc/.wps, scans, the plan in every format, pages cited.

How a PDF's lines become paragraphs is test_pdf_layout.py; appendix task tables are
test_table_plans.py. Unit tests write files themselves; the ``formats`` tier converts
the bundled plan with LibreOffice and Chromium (installed by ``make formats`` and ``make
browser``; ``make test`` does both) and reads a scan of it with RapidOCR."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.evaluation import formatfiles as build
from index.errors import LoadError
from index.load import load_document
from index.ofd import load_ofd
from tests.conftest import needs_tools

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"


def paragraphs(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", p).strip() for p in text.splitlines() if p.strip()]


# ---------------------------------------------------------------- OFD


def test_ofd_reads_back_the_plan_exactly_with_pages(tmp_path):
    paras = build.paragraphs(PLAN.read_text(encoding="utf-8"))
    path = build.write_ofd(paras, tmp_path / "plan.ofd", title="plan")
    doc = load_document(path)
    assert doc.kind == "ofd" and paragraphs(doc.text) == [re.sub(r"\s+", " ", p) for p in paras]
    assert len(doc.pages) > 5 and doc.pages[0] == 0
    assert "— 2 —" not in doc.text  # the template page's page numbers are dropped
    for start in doc.pages[1:]:  # every page starts inside the text, on a character it shows
        assert 0 < start < len(doc.text) and not doc.text[start].isspace()


def _zip(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_ofd_rulings_are_read_from_lines_and_closed_rectangles():
    from xml.etree import ElementTree

    from index.ofd import _page_edges

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    content = ElementTree.fromstring(
        f"<ofd:Page {ns}><ofd:Content><ofd:Layer>"
        '<ofd:PathObject Boundary="10 20 50 8"><ofd:AbbreviatedData>M 0 0 L 50 0 L 50 8 L 0 8 C'
        "</ofd:AbbreviatedData></ofd:PathObject>"
        '<ofd:PathObject Boundary="0 0 9 9"><ofd:AbbreviatedData>M 0 0 B 1 1 2 2 3 3 L 5 5'
        "</ofd:AbbreviatedData></ofd:PathObject>"  # a curve, then a slanted line: no ruling
        "</ofd:Layer></ofd:Content></ofd:Page>"
    )
    edges = sorted((e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in _page_edges(content))
    assert edges == [
        ("h", 10.0, 20.0, 60.0, 20.0),
        ("h", 10.0, 28.0, 60.0, 28.0),
        ("v", 10.0, 20.0, 10.0, 28.0),
        ("v", 60.0, 20.0, 60.0, 28.0),
    ]


def test_bad_ofd_files_get_clear_errors(tmp_path):
    with pytest.raises(LoadError, match="not a zip"):
        load_ofd(b"%PDF-1.4 not an ofd", "x.ofd")
    with pytest.raises(LoadError, match=r"OFD\.xml is missing"):
        load_ofd(_zip({"a.txt": "x"}), "x.ofd")
    with pytest.raises(LoadError, match="names no DocRoot"):
        load_ofd(_zip({"OFD.xml": "<OFD/>"}), "x.ofd")
    with pytest.raises(LoadError, match="broken XML"):
        load_ofd(
            _zip({"OFD.xml": "<OFD><DocRoot>Doc_0/Document.xml</DocRoot></OFD>", "Doc_0/Document.xml": "<"}),
            "x.ofd",
        )
    bomb = _zip({"OFD.xml": "<OFD/>", "Doc_0/big.xml": b"\0" * (60 * 10**6)})
    with pytest.raises(LoadError, match="zip bomb"):
        load_ofd(bomb, "bomb.ofd")
    with pytest.raises(LoadError, match=r"truncated|not a readable zip"):
        (tmp_path / "t.ofd").write_bytes(bomb[: len(bomb) // 2])
        load_document(tmp_path / "t.ofd")


# ---------------------------------------------------------------- .doc / .wps


def test_doc_without_libreoffice_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)
    for name in ("plan.doc", "plan.wps", "old.docx"):
        (tmp_path / name).write_bytes(ole)
        with pytest.raises(LoadError, match="needs LibreOffice: install LibreOffice"):
            load_document(tmp_path / name)


def test_password_protected_word_file_is_refused_as_such(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64) + "EncryptedPackage".encode("utf-16-le")
    (tmp_path / "secret.docx").write_bytes(ole)
    with pytest.raises(LoadError, match="password-protected"):
        load_document(tmp_path / "secret.docx")


def test_a_docx_named_doc_is_read_as_what_it_is(tmp_path):
    paras = ["德州市实施方案", "加强科技创新主体培育。"]
    build.write_docx(paras, tmp_path / "a.docx")
    (tmp_path / "a.doc").write_bytes((tmp_path / "a.docx").read_bytes())
    assert paragraphs(load_document(tmp_path / "a.doc").text) == paras


# ---------------------------------------------------------------- OCR


def _box(text, x0, top, width=40, height=44):
    """RapidOCR's characters of one detected box: (character, score, quadrilateral)."""
    step = width / len(text) if len(text) > 1 else width
    return [
        (
            ch,
            0.99,
            [
                [x0 + i * step, top],
                [x0 + (i + 1) * step, top],
                [x0 + (i + 1) * step, top + height],
                [x0 + i * step, top + height],
            ],
        )
        for i, ch in enumerate(text)
    ]


def test_ocr_boxes_of_one_printed_line_become_one_line_in_page_points():
    from index.ocr import box_lines

    found = [
        _box("第二", 100, 160, width=80),
        _box("2025", 344, 103, width=64),  # cut from the line above at a gap, sits lower
        _box("德州市实施方", 100, 100, width=240),
    ]
    lines = box_lines(found, 0.36)
    assert [x.text for x in lines] == ["德州市实施方2025", "第二"]  # no space: the gap is small
    assert lines[0].x0 == pytest.approx(36.0) and lines[1].top == pytest.approx(57.6)
    assert all(x.ocr for x in lines) and lines[0].size == pytest.approx(40 * 0.36)
    wide = box_lines([_box("建设", 100, 100, width=80), _box("德州", 400, 100, width=80)], 0.36)
    assert [x.text for x in wide] == ["建设 德州"]  # a gap of several characters is a space


def test_a_scan_without_the_ocr_engine_names_what_to_install(tmp_path, monkeypatch):
    from PIL import Image, ImageDraw

    import index.ocr

    image = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 60), fill="black")
    image.save(tmp_path / "scan.pdf")  # a page that is only an image

    def missing():
        raise ImportError("No module named 'rapidocr'")

    monkeypatch.setattr(index.ocr, "engine", missing)
    with pytest.raises(LoadError) as err:
        load_document(tmp_path / "scan.pdf")
    assert "scan.pdf" in str(err.value) and "rapidocr" in str(err.value).lower()


# ---------------------------------------------------------------- the plan in every format


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return {p.name: p for p in build.build(tmp_path_factory.mktemp("formats"))}


@pytest.mark.formats
@needs_tools
@pytest.mark.parametrize(
    "name", ["plan.docx", "plan.doc", "plan.wps", "plan-lo.pdf", "plan-chromium.pdf", "plan.ofd"]
)
def test_every_format_reads_back_the_plan_paragraph_for_paragraph(corpus, name):
    want = paragraphs(PLAN.read_text(encoding="utf-8"))
    doc = load_document(corpus[name])
    assert paragraphs(doc.text) == want
    assert "⽅" not in doc.text and "⻄" not in doc.text  # no radical glyphs left (Chromium)
    if name.endswith((".pdf", ".ofd")):
        assert len(doc.pages) == len(set(doc.pages)) > 3


@pytest.mark.formats
@needs_tools
def test_a_scanned_plan_is_read_by_ocr_nearly_exactly(corpus):
    import difflib

    pages = []
    doc = load_document(corpus["plan-scan.pdf"], progress=lambda page, total: pages.append((page, total)))
    want = re.sub(r"\s", "", PLAN.read_text(encoding="utf-8"))
    got = re.sub(r"\s", "", doc.text)
    matched = sum(
        b.size for b in difflib.SequenceMatcher(None, want, got, autojunk=False).get_matching_blocks()
    )
    assert matched / len(want) >= 0.98  # the bar (the bench measures 99.4%)
    assert len(paragraphs(doc.text)) == len(paragraphs(PLAN.read_text(encoding="utf-8")))
    assert pages and pages[-1][0] == pages[-1][1] == len(doc.pages)  # progress per page, to the last


# ---------------------------------------------------------------- citations name their page


def test_citations_of_a_paged_file_carry_the_page_their_quote_is_on(tmp_path, fake_embedder):
    from assistant.answering.session import Assistant
    from assistant.answering.settings import Settings
    from assistant.surfaces.webhtml import source_page

    paras = build.paragraphs(PLAN.read_text(encoding="utf-8"))
    path = build.write_ofd(paras, tmp_path / "plan.ofd")
    a = Assistant(Settings(home=tmp_path / "home"), embedder=fake_embedder)
    a.ingest([path])
    answer = a.ask("推进精神文明建设谁牵头？")
    assert answer.citations and not answer.refused
    doc = load_document(path)
    for c in answer.citations:
        assert c.quote == doc.text[c.start : c.end]
        assert c.page is not None and doc.pages[c.page - 1] <= c.start
        assert c.page == len(doc.pages) or c.start < doc.pages[c.page]
        assert c.to_dict()["page"] == c.page
    c = answer.citations[0]
    assert f"第 {c.page} 页" in source_page(a.index, c.doc, c.start, c.end)
    a.close()
    # a file without pages says none
    txt = Assistant(Settings(home=tmp_path / "home2"), embedder=fake_embedder)
    txt.ingest([PLAN])
    assert all(
        c.page is None and "page" not in c.to_dict() for c in txt.ask("推进精神文明建设谁牵头？").citations
    )
    txt.close()


@pytest.mark.formats
@needs_tools
def test_a_printed_table_reads_back_row_by_row_as_in_the_docx(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("附件：重点任务分工表")
    rows = [
        ("序号", "重点任务", "牵头单位", "完成时限"),
        (
            "1",
            "加强科技创新主体培育，建立高新技术企业梯次培育库，分类分级建立企业培育台账",
            "市科技局",
            "2023年12月底前",
        ),
        ("2", "强化能源保障", "市发展改革委、市能源局", "长期坚持"),
    ]
    table = d.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    d.add_paragraph("以上任务各单位要抓好落实。")
    d.save(str(tmp_path / "tasks.docx"))
    pdf = build.soffice_convert(tmp_path / "tasks.docx", "pdf:writer_pdf_Export", tmp_path / "tasks.pdf")
    assert pdf is not None
    assert load_document(pdf).text == load_document(tmp_path / "tasks.docx").text
    assert "2\t强化能源保障\t市发展改革委、市能源局\t长期坚持" in load_document(pdf).text.splitlines()
