"""A document's issuer, number and date, read from its text (index/metadata.py); the
expected values of the State Council files are those of the shared data's manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest import ingest
from index.load import load_document
from index.metadata import DocMeta, doc_meta
from tests.conftest import DATA, ROOT, SAMPLE, FakeEmbedder


@pytest.mark.parametrize(
    ("name", "issuer", "number", "date"),
    [
        ("05.html", "国务院", "国发〔2019〕3号", "2019-01-12"),
        ("10.html", "国务院办公厅", "国办发〔2018〕126号", "2018-12-23"),  # signed above a long attachment
        ("15.html", "国务院", "国发〔2018〕42号", "2018-12-21"),
        ("52.html", "国务院办公厅", "国办发〔1996〕32号", "1996-07-17"),  # 一九九六年七月十七日
    ],
)
def test_state_council_documents(name: str, issuer: str, number: str, date: str) -> None:
    doc = load_document(DATA / name)
    assert doc_meta(doc.text, doc.title) == DocMeta(issuer, number, date)


def test_a_number_quoted_in_the_text_is_another_documents() -> None:
    doc = load_document(SAMPLE)
    assert "鲁政字〔2023〕18号" in doc.text  # the plan it implements, not its own number
    assert doc_meta(doc.text, doc.title).number == ""


def test_a_decree_and_a_signature_block() -> None:
    decree = "中华人民共和国国务院令\n第706号\n\n《专利代理条例》已经国务院常务会议修订通过。\n总理　李克强\n2018年11月6日\n"
    assert doc_meta(decree, "专利代理条例") == DocMeta("国务院", "国令第706号", "2018-11-06")
    signed = "某某实施方案\n\n一、总体要求\n正文。\n\n德州市人民政府\n2023年3月8日\n"
    assert doc_meta(signed, "某某实施方案") == DocMeta("德州市人民政府", "", "2023-03-08")


def test_the_date_is_the_documents_own_not_an_attachments() -> None:
    """A reply or a forwarding notice signs before the reports it attaches, each signed and
    dated by its own author: the document's date is the one under the issuer its title names."""
    reply = (
        "国务院办公厅关于某县地质灾害险情有关问题的复函\n国办函〔2004〕80号\n\n某省人民政府：\n正文。\n"
        "附件：专家组意见\n国务院办公厅\n二〇〇四年十一月四日\n\n附件\n\n专家组意见\n意见正文。\n"
        "国土资源部\n二〇〇四年十月十日\n\n地质险情调查专家组\n二〇〇四年九月二十三日\n"
    )
    title = "国务院办公厅关于某县地质灾害险情有关问题的复函"
    assert doc_meta(reply, title) == DocMeta("国务院办公厅", "国办函〔2004〕80号", "2004-11-04")
    corpus = ROOT / "evals" / "corpus" / "gov-policies"
    for name, date in (("20.html", "1996-02-05"), ("23.html", "2004-11-04"), ("51.html", "1997-02-04")):
        doc = load_document(corpus / name)
        assert doc_meta(doc.text, doc.title).date == date


def test_ingest_keeps_them_in_the_document_record(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    from index.plan_index import PlanIndex

    home = tmp_path / "home"
    ingest([DATA / "05.html"], home, fake_embedder)
    index = PlanIndex(home, fake_embedder)
    try:
        record = index.documents["05"]
        assert (record["issuer"], record["number"], record["date"]) == (
            "国务院",
            "国发〔2019〕3号",
            "2019-01-12",
        )
    finally:
        index.close()
