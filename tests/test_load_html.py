"""index.load on HTML: visible text, tables, entities, declared and undeclared charsets, real gov pages."""

from __future__ import annotations

import pytest

from index.load import load_document
from tests.loadfiles import DATA, TRADITIONAL, write

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
