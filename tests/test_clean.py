"""Cleaning: scraped boilerplate goes, the body stays, offsets map back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.clean import clean_text
from index.load import load_document
from tests.conftest import DATA


def _lines(text: str) -> list[str]:
    return [line.strip(" \u3000\t\r") for line in text.split("\n") if line.strip(" \u3000\t\r")]


def test_bundled_plan_loses_spam_header_and_teaser(sample_text: str) -> None:
    cleaned = clean_text(sample_text)
    lines = _lines(cleaned.text)
    reasons = sorted({r for _, _, r in cleaned.removed})
    assert reasons == ["duplicated teaser", "line led by repeated junk", "repeated junk line", "site header"]
    # the document now opens with its real title and then its opening paragraph
    assert lines[0].endswith("实施方案") and lines[0].startswith("德州市贯彻落实")
    assert lines[1].startswith("为深入贯彻落实")
    # nothing left that repeats as a short unpunctuated line, no site metadata
    short = [line for line in lines if len(line) <= 40 and "。" not in line and "," not in line]
    assert len(short) == len(set(short))
    assert not any("发布时间" in line for line in lines)
    # every measure paragraph survives
    assert sum(1 for line in lines if "牵头负责" in line or "分别负责" in line) == 31
    assert len(cleaned.text) > 0.95 * len(sample_text)


def test_offset_map_is_exact(sample_text: str) -> None:
    cleaned = clean_text(sample_text)
    for i, ch in enumerate(cleaned.text):
        assert sample_text[cleaned.to_source(i)] == ch
    # a range ending right before dropped text does not swallow it
    for cs, _, n in cleaned.pieces:
        start, end = cleaned.source_span(cs, cs + n)
        assert sample_text[start:end] == cleaned.text[cs : cs + n]


@pytest.mark.parametrize("name", ["05.html", "10.html", "15.html", "52.html"])
def test_government_pages_keep_their_body(name: str) -> None:
    doc = load_document(DATA / name)
    cleaned = clean_text(doc.text)
    # article pages: only chrome may go; every sentence-bearing line stays
    kept = set(_lines(cleaned.text))
    for line in _lines(doc.text):
        if "。" in line or len(line) > 40:
            assert line in kept, line


def test_generic_web_page_chrome_is_dropped() -> None:
    page = (
        "首页 > 政策文件 > 通知公告\n"
        "来源：市政府办公室 发布时间：2024-03-01 浏览次数：1023\n"
        "某某市数字经济发展行动计划\n"
        "为加快数字经济发展，制定本行动计划。\n"
        "（一）推进算力建设。到2025年，全市数据中心机架达到5000架。（市发展改革委牵头负责）\n"
        "免费领取彩票大礼包\n"
        "（二）培育数字产业。引进数字企业100家。（市工业和信息化局牵头负责）\n"
        "免费领取彩票大礼包\n"
        "【打印】【关闭】\n"
    )
    cleaned = clean_text(page)
    text = cleaned.text
    assert "免费领取彩票大礼包" not in text
    assert "发布时间" not in text
    assert "【打印】" not in text
    assert "首页" not in text
    for keep in ("数字经济发展行动计划", "5000架", "引进数字企业100家", "（市工业和信息化局牵头负责）"):
        assert keep in text


def test_repeated_heading_with_punctuation_is_kept() -> None:
    text = "一、总体要求。\n内容一。\n一、总体要求。\n内容二。\n"
    assert clean_text(text).text == text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "到2025年，全市高新技术企业达到1000家。",
                "半岛体育入口",
                "栏目:资讯 发布时间:2023-05-03",
                "",
                "  ",
                "完成时限:4月底前。",
            ]
        )
        | st.text(max_size=30),
        max_size=30,
    )
)
def test_cleaning_never_rewrites_characters(parts: list[str]) -> None:
    source = "\n".join(parts)
    cleaned = clean_text(source)
    assert len(cleaned.text) <= len(source)
    for i, ch in enumerate(cleaned.text):
        assert source[cleaned.to_source(i)] == ch


def test_repeated_content_lines_are_kept() -> None:
    """Repetition alone is not spam: a table of contents repeats the headings, an
    issuer's name heads and signs the document, a place name is also a caption."""
    text = (
        "国务院办公厅\n"
        "国务院办公厅关于印发粮食应急预案的通知\n"
        "目录\n1\u3000总则\n2\u3000组织机构和职责\n"
        "1\u3000总则\n为保障粮食供应，制定本预案。\n"
        "2\u3000组织机构和职责\n国家粮食应急工作指挥部负责组织。\n"
        "湖北省巴东县马鬃山村\n"
        "关于湖北省巴东县马鬃山村地质险情的报告已收悉。\n"
        "湖北省巴东县马鬃山村\n"
        "坐标\t编号\tX\tY\n1\t2\t3\t4\n坐标\t编号\tX\tY\n"
        "国务院办公厅\n"
    )
    cleaned = clean_text(text)
    assert cleaned.removed == ()
    assert cleaned.text == text


@pytest.mark.parametrize("name", ["05.html", "10.html", "15.html", "52.html"])
def test_clean_article_pages_lose_nothing(name: str) -> None:
    doc = load_document(DATA / name)
    assert clean_text(doc.text).removed == ()
