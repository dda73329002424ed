"""PDF layout rebuilt into text: radical glyphs, joins across printed lines, paragraphs from
indents and short last lines, running headers and footers (index.pdflines, index.pdfparagraphs).

Pages are built from lines here; reading real files is test_formats.py."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from index.pdflines import _FIRST_UNIT, _RADICALS, Line, Page, ideograph, join_lines
from index.pdfparagraphs import assemble, drop_furniture

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"

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
