"""A plan whose division of labour is an appendix table (任务分工表) gives the ledger its
notes would: Word, OFD, printed PDF, .doc and HTML tables, row for row."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation import formatfiles as build
from index.load import load_document
from tests.conftest import needs_tools

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"
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
