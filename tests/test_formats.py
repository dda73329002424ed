"""Files as offices have them: PDF layout rebuilt into paragraphs, OFD, .doc/.wps, scans.

Unit tests build pages from lines or write files themselves; the ``formats`` tier converts
the bundled plan with LibreOffice and Chromium (installed by ``make formats`` and ``make
browser``; ``make test`` does both) and reads a scan of it with RapidOCR."""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest

from assistant.evaluation import formatfiles as build
from index.errors import LoadError
from index.load import load_document
from index.ofd import load_ofd
from index.pdflines import _FIRST_UNIT, _RADICALS, Line, Page, ideograph, join_lines
from index.pdfparagraphs import assemble, drop_furniture

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"


def paragraphs(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", p).strip() for p in text.splitlines() if p.strip()]


# ---------------------------------------------------------------- glyphs and joins


def test_radicals_a_pdf_maps_read_as_the_ideograph_drawn():
    # as Chromium's PDFs map them: 鲁⻄ 山东省人⺠政府 ⻩河 增⻓ ⻬河 实施⽅案 (Kangxi, by NFKC)
    assert "".join(map(ideograph, "鲁⻄⺠⻩⻓⻬⽅⾼⻋")) == "鲁西民黄长齐方高车"
    for radical, han in _RADICALS.items():
        assert unicodedata.name(radical).startswith("CJK RADICAL")
        assert unicodedata.name(han).startswith("CJK UNIFIED IDEOGRAPH")
    assert ideograph("，") == "，" and ideograph("a") == "a"  # punctuation and Latin untouched


def test_printed_lines_join_without_spaces_between_chinese_or_digits():
    assert (
        join_lines(["到2025年，全市高新技术企", "业达到1000家。"]) == "到2025年，全市高新技术企业达到1000家。"
    )
    assert join_lines(["成交额5", "0亿元"]) == "成交额50亿元"  # a number broken at a line end
    assert join_lines(["Dezhou", "plan"]) == "Dezhou plan"


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("主”企业", "主”企"),
        ("成“六纵", "成“六"),
        ("革,2023年年", "革,2023"),
        ("2025年", "2025"),
        ("（市科技局", "（市"),
        ("。其他", "。"),
    ],
)
def test_what_a_line_start_needs_on_the_line_above(line, unit):
    assert _FIRST_UNIT.match(line).group(0) == unit


# ---------------------------------------------------------------- paragraphs from geometry


def _line(text: str, x0: float, top: float, size: float = 12.0) -> Line:
    return Line(text, x0, x0 + size * len(text), top, top + size, size, head=size)


def _page(rows: list[tuple[str, float]], top: float = 100.0) -> Page:
    """Rows of (text, x0) on a 500-point page, one line every 20 points."""
    return Page([_line(t, x, top + 20 * i) for i, (t, x) in enumerate(rows)], 500.0, 800.0)


def test_paragraphs_rebuilt_from_indents_and_short_last_lines():
    full = "一" * 30  # a line that reaches the right margin (50 + 360)
    page = _page(
        [
            ("　　" + full[:28], 50),
            (full, 50),
            ("到2025年。", 50),  # short: the paragraph ends here
            (full[:28], 74),  # indented: a new one
            (full, 50),
            (full, 50),
        ]
    )
    text, starts = assemble([page])
    lines = text.split("\n")
    assert len(lines) == 2 and lines[0].endswith("到2025年。") and lines[1].startswith(full[:28] + full)
    assert starts == [0]


def test_a_paragraph_runs_on_over_a_page_break_and_the_page_offsets_say_where():
    full = "二" * 30
    one = _page([(full[:28], 74), (full, 50), (full, 50), (full, 50)])
    two = _page([("三" * 30, 50), ("完。", 50), ("四" * 28, 74), ("四" * 10, 50)])
    text, starts = assemble([one, two])
    paras = text.split("\n")
    assert len(paras) == 2 and paras[0] == full[:28] + full * 3 + "三" * 30 + "完。"
    assert text[starts[1] :].startswith("三" * 30)  # page 2 starts mid-paragraph


def test_running_headers_footers_and_page_numbers_are_dropped():
    pages = []
    for n in range(1, 4):
        lines = [
            _line("德州市人民政府文件", 50, 20),  # header, every page
            _line(f"第{n}段正文内容，足够长的一行文字在这里。", 74, 100),
            _line(f"- {n} -", 240, 760),  # page number
        ]
        pages.append(Page(lines, 500.0, 800.0))
    text, _ = assemble(drop_furniture(pages))
    assert "德州市人民政府文件" not in text and "- 2 -" not in text
    assert text.count("正文内容") == 3


def test_a_title_on_the_first_page_only_is_kept():
    pages = [Page([_line("关于印发某方案的通知", 150, 30), _line("正文" * 10, 74, 100)], 500.0, 800.0)]
    pages += [Page([_line("正文" * 10, 74, 100)], 500.0, 800.0) for _ in range(3)]
    assert "关于印发某方案的通知" in assemble(drop_furniture(pages))[0]


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

needs_tools = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("chromium")),
    reason="LibreOffice and Chromium come with `make formats` and `make browser`",
)


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


# ---------------------------------------------------------------- 任务分工表 into the ledger

DATA = ROOT / "tests" / "data"


@pytest.mark.parametrize("kind", ["docx", "ofd"])
@pytest.mark.parametrize("source", [PLAN, DATA / "05.html", DATA / "15.html"], ids=lambda p: p.name)
def test_a_task_division_table_becomes_the_ledger_row_for_row(tmp_path, source, kind):
    """Real documents' division of labour moved from their notes into an appendix table
    (a Word table; an OFD's ruled table, strokes and text placed in cells): the ledger read
    from the table is the table, row for row (task, lead, support, deadline)."""
    from index.ingest import prepare

    rows = build.write_task_table_plan(source, tmp_path / f"tasks.{kind}")
    doc = load_document(tmp_path / f"tasks.{kind}")
    assert "牵头负责" not in doc.text.split("附件：重点任务分工表")[0]  # the notes are gone from the body
    measures = [m for m in prepare(doc).measures if m.lead or m.support]
    table_at = doc.text.index("附件：重点任务分工表")
    got = [
        (
            m.title,
            "、".join(m.lead),
            "、".join(m.support),
            "；".join(doc.text[s.start : s.end] for s in m.deadline_spans if s.start > table_at),
        )
        for m in measures
    ]
    assert got == rows and len(rows) >= 18
    for m in measures:  # each cited to its row: the row's words, numbered as in the table
        row = doc.text[m.resp_span.start : m.resp_span.end]
        assert row.split("\t")[1].startswith(m.title) and "\n" not in row and m.resp_span.start > table_at
    # a measure of the text and its row are one ledger entry: no task is listed twice
    titles = [m.title for m in prepare(doc).measures]
    assert len(titles) == len(set(titles))


def test_the_table_plan_is_listed_by_department_like_the_notes(tmp_path, fake_embedder):
    from assistant.answering.export import select
    from assistant.answering.session import Assistant
    from assistant.answering.settings import Settings

    build.write_task_table_plan(PLAN, tmp_path / "tasks.docx")
    notes = Assistant(Settings(home=tmp_path / "notes"), embedder=fake_embedder)
    notes.ingest([PLAN])
    table = Assistant(Settings(home=tmp_path / "table"), embedder=fake_embedder)
    table.ingest([tmp_path / "tasks.docx"])
    for dept, role in [("财政局", "support"), ("市科技局", "lead"), ("城管局", "any")]:
        want = [r.task.measure.title for r in select(notes.ledger, dept=dept, role=role)]
        got = [r.task.measure.title for r in select(table.ledger, dept=dept, role=role)]
        assert got == want and want
    who = table.ask("强化能源保障谁牵头？")  # answered from the measure's row, cited to it
    assert not who.refused and "市发展改革委" in who.text
    assert any(c.quote.startswith(("2", "1", "3")) and "\t" in c.quote for c in who.citations)
    answer = table.ask("市科技局牵头哪些工作？")
    assert not answer.refused and all(
        t in answer.text for t in ("加强科技创新主体培育", "促进科技成果落地转化")
    )
    notes.close()
    table.close()


@pytest.mark.formats
@needs_tools
@pytest.mark.parametrize("to", ["pdf:writer_pdf_Export", "doc:MS Word 97"], ids=["pdf", "doc"])
@pytest.mark.parametrize("source", [PLAN, DATA / "15.html"], ids=lambda p: p.name)
def test_the_table_plan_printed_to_pdf_or_saved_as_doc_gives_the_same_ledger(tmp_path, source, to):
    """Rows a page break cuts in two (the second part under an empty number) are one row."""
    from index.ingest import prepare

    rows = build.write_task_table_plan(source, tmp_path / "tasks.docx")
    pdf = build.soffice_convert(tmp_path / "tasks.docx", to, tmp_path / f"tasks.{to.split(':')[0]}")
    assert pdf is not None
    got = [
        (m.title, "、".join(m.lead), "、".join(m.support))
        for m in prepare(load_document(pdf)).measures
        if m.lead or m.support
    ]
    assert got == [r[:3] for r in rows]


def test_an_html_task_table_gives_the_same_ledger(tmp_path):
    """The same appendix as a web page's <table> (how portals publish it)."""
    from html import escape

    from index.ingest import prepare

    text, rows = build.task_table_rows(DATA / "05.html")
    body = "".join(f"<p>{escape(p)}</p>" for p in build.paragraphs(text))
    cells = lambda values, tag: "".join(f"<{tag}>{escape(v)}</{tag}>" for v in values)  # noqa: E731
    table = f"<table><tr>{cells(build.TABLE_HEADER, 'th')}</tr>"
    table += "".join(f"<tr>{cells((str(i), *r), 'td')}</tr>" for i, r in enumerate(rows, 1)) + "</table>"
    (tmp_path / "tasks.html").write_text(
        f"<html><body>{body}<p>附件：重点任务分工表</p>{table}</body></html>", "utf-8"
    )
    measures = prepare(load_document(tmp_path / "tasks.html")).measures
    assert [(m.title, "、".join(m.lead), "、".join(m.support)) for m in measures if m.lead or m.support] == [
        r[:3] for r in rows
    ]
