"""Chunking: one unit per chunk (never two measures), exact source offsets, metadata."""

from __future__ import annotations

from index.chunk import chunk_plan, embed_text
from index.clean import clean_text
from index.parse import parse_plan


def _chunks(text: str, **kw):
    cleaned = clean_text(text)
    plan = parse_plan("doc", cleaned)
    return plan, chunk_plan("doc", plan, cleaned, **kw)


def test_one_chunk_per_measure_with_metadata(sample_text: str) -> None:
    plan, chunks = _chunks(sample_text)
    measures = plan.measures
    by_index = {}
    for c in chunks:
        if c.kind == "measure":
            by_index.setdefault(c.measure_index, []).append(c)
    assert sorted(by_index) == list(range(len(measures)))
    for i, m in enumerate(measures):
        (c,) = by_index[i]  # every bundled measure fits one chunk
        assert c.measure_title == m.title
        assert (c.lead, c.support) == (m.lead, m.support)
        assert m.span.start <= c.start < c.end <= m.span.end
    assert chunks[0].kind == "preamble" and "鲁政字〔2023〕18号" in chunks[0].text
    assert [c.id for c in chunks] == [f"doc#{n:04d}" for n in range(len(chunks))]


def test_chunk_offsets_cover_their_text(sample_text: str) -> None:
    cleaned = clean_text(sample_text)
    _, chunks = _chunks(sample_text)
    for c in chunks:
        # the source range minus what cleaning dropped is exactly the chunk text
        kept = [
            sample_text[max(a, c.start) : min(b, c.end)]
            for cs, a, n in cleaned.pieces
            for b in [a + n]
            if a < c.end and b > c.start
        ]
        assert "".join(kept) == c.text
    assert [c for c in chunks if "半岛" in c.text] == []


def test_chunks_never_mix_measures(sample_text: str) -> None:
    plan, chunks = _chunks(sample_text)
    for c in chunks:
        titles_inside = [m.title for m in plan.measures if c.start <= m.title_span.start < c.end]
        assert len(titles_inside) <= 1


def test_long_measure_is_split_within_itself() -> None:
    body = "".join(f"第{i}项任务要按期完成并持续推进。" for i in range(80))
    text = f"（一）推进长任务建设。{body}（市发展改革委牵头负责）\n（二）另一项措施。内容。（市财政局牵头负责）\n"
    _, chunks = _chunks(text, max_chars=200)
    first = [c for c in chunks if c.measure_title == "推进长任务建设"]
    assert len(first) > 3
    assert all(len(c.text) <= 200 for c in first)
    assert all(c.lead == ("市发展改革委",) for c in first)
    assert not any("另一项措施" in c.text for c in first)
    # the embedder still sees which measure a middle piece belongs to
    assert embed_text(first[2]).startswith("推进长任务建设")
    covered = "".join(c.text for c in first)
    assert covered.replace(" ", "") == text.split("\n")[0].replace(" ", "")
