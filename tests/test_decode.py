"""index.decode through index.load: a plan's text in every encoding offices save it in, back exactly."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from index.decode import _common_chars, decode_bytes
from index.load import load_document
from tests.loadfiles import TRADITIONAL, is_utf8, plan_text, reason_of, write

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
