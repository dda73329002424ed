"""Property tests (hypothesis) on cleaning, parsing, chunking and extraction: for random
plan-shaped text and for mutations of the bundled plan, nothing raises, and every chunk,
measure, target and deadline span maps back exactly to the source."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunk import chunk_plan
from index.clean import clean_text
from index.ledger import enrich, plan_year
from index.parse import parse_plan
from tests.conftest import SAMPLE

PLAN = SAMPLE.read_text(encoding="utf-8")

HEADINGS = [
    "一、重点任务",
    "二、保障措施",
    "（一）加快5G网络建设",
    "（二）推进产业升级。",
    "1.强化能源保障。",
    "（3）其他",
]
SENTENCES = [
    "到2025年，全市高新技术企业达到1000家以上。",
    "2023年新建5G基站3000个，10G-PON端口占比超过45%。",
    "（市发展改革委牵头负责，市财政局、国网德州供电公司配合）",
    "（牵头单位：市工业和信息化局；配合单位：市通信发展办公室）",
    "（工业和信息化部、发展改革委负责。列第一位者为牵头单位，下同）",
    "完成时限：4月底前。",
    "6月底前，完成试点县(市)2022年度生态产品总值核算；12月份开工建设。",
    "半岛体育入口",
    "栏目:资讯 发布时间:2023-05-03",
    "德州市人民政府",
    "2023年3月15日",
    "",
]
piece = st.sampled_from(HEADINGS + SENTENCES) | st.text(max_size=40)
plan_text = st.lists(piece, max_size=40).map("\n".join) | st.builds("".join, st.lists(piece, max_size=40))


def _mutated() -> st.SearchStrategy[str]:
    """The bundled plan with slices deleted, duplicated or replaced by random text."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = PLAN
        for _ in range(draw(st.integers(1, 6))):
            a = draw(st.integers(0, len(text)))
            b = draw(st.integers(a, min(len(text), a + 400)))
            op = draw(st.sampled_from(["delete", "duplicate", "replace"]))
            if op == "delete":
                text = text[:a] + text[b:]
            elif op == "duplicate":
                text = text[:b] + text[a:b] + text[b:]
            else:
                text = text[:a] + draw(st.text(max_size=60)) + text[b:]
        return text

    return build()


def _check(source: str) -> int:
    """Check ``source`` all the way to its measures' extracted fields; the number of chunks."""
    cleaned = clean_text(source)
    for i, ch in enumerate(cleaned.text):  # the cleaned text is the source's characters, mapped exactly
        assert source[cleaned.to_source(i)] == ch
    plan = parse_plan("doc", cleaned)
    chunks = chunk_plan("doc", plan, cleaned)
    for c in chunks:
        assert 0 <= c.start <= c.end <= len(source)
        if c.text:
            assert source[c.start] == c.text[0] and source[c.end - 1] == c.text[-1]
        # every character of the chunk, in order, from its source span
        pos = c.start
        for ch in c.text:
            pos = source.index(ch, pos) + 1
            assert pos <= c.end
    assert [c.id for c in chunks] == [f"doc#{n:04d}" for n in range(len(chunks))]
    year = plan_year(source)
    for m in plan.measures:
        m = enrich(m, source, year)
        spans = [m.span, m.title_span, *m.deadline_spans, *(t.span for t in m.targets)]
        spans += [d.span for d in m.deadlines] + ([m.resp_span] if m.resp_span else [])
        for s in spans:
            assert 0 <= s.start <= s.end <= len(source)
        for d in m.deadlines:  # a deadline's item is its span's words
            assert source[d.span.start : d.span.end] == d.item
    return len(chunks)


def test_the_check_sees_the_whole_bundled_plan() -> None:
    assert _check(PLAN) == 34


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_text)
def test_random_plan_text_maps_back_exactly(source: str) -> None:
    _check(source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_plan_maps_back_exactly(source: str) -> None:
    _check(source)
