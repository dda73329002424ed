"""Ingest and the stored index: round trip, idempotence, atomic failure, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.ingest import ingest, remove
from index.plan_index import PlanIndex
from tests.conftest import DATA, SAMPLE, FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        self.documents_embedded = 0

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.documents_embedded += len(texts)
        return super().embed_documents(texts)


class FailingEmbedder(FakeEmbedder):
    """Fails after a few batches, like a model crash halfway through an ingest."""

    def __init__(self, after: int) -> None:
        self.after = after

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        if self.after <= 0:
            raise RuntimeError("embedding backend crashed")
        self.after -= 1
        return super().embed_documents(texts)


def test_index_save_load_round_trip(built_home: Path, fake_embedder: FakeEmbedder) -> None:
    idx = PlanIndex(built_home, fake_embedder)
    try:
        (doc,) = idx.documents.values()
        assert doc["id"] == "dezhou-plan-2023"
        assert doc["encoding"] == "utf-8" and doc["measures"] == 33
        assert idx.source_text("dezhou-plan-2023") == SAMPLE.read_text(encoding="utf-8")
        assert len(idx.chunks) == doc["chunks"] == 34
        assert len(idx.all_measures()) == 33
        # both searches find the measure about water-disaster defence
        q = "水旱灾害防御"
        (bm25_top, _), *_ = idx.search_bm25(q, 3)
        (dense_top, _), *_ = idx.search_dense(q, 3)
        assert bm25_top.measure_title == dense_top.measure_title == "提高水旱灾害防御能力"
        m = idx.measure_of(bm25_top)
        assert m is not None and m.lead == ("市水利局",)
    finally:
        idx.close()


def test_reingest_same_file_does_no_work(fresh_home: Path) -> None:
    emb = CountingEmbedder()
    before = (store.current_generation(fresh_home) / "chunks.jsonl").read_text(encoding="utf-8")
    report = ingest([SAMPLE], fresh_home, emb)
    assert report.unchanged == ["dezhou-plan-2023"] and not report.changed
    assert emb.documents_embedded == 0
    after = (store.current_generation(fresh_home) / "chunks.jsonl").read_text(encoding="utf-8")
    assert before == after


def test_changed_file_is_replaced_and_others_kept(fresh_home: Path, tmp_path: Path) -> None:
    emb = CountingEmbedder()
    other = tmp_path / "extra-plan.txt"
    other.write_text(
        "某市行动计划\n\n（一）推进算力建设。到2025年，机架达到5000架。（市发展改革委牵头负责）\n",
        encoding="utf-8",
    )
    ingest([other], fresh_home, emb)
    first = emb.documents_embedded
    assert first >= 1
    other.write_text(
        "某市行动计划\n\n（一）推进算力建设。到2025年，机架达到8000架。（市发展改革委牵头负责）\n",
        encoding="utf-8",
    )
    report = ingest([other], fresh_home, emb)
    assert report.replaced == ["extra-plan"]
    idx = PlanIndex(fresh_home, emb)
    try:
        assert sorted(idx.documents) == ["dezhou-plan-2023", "extra-plan"]
        texts = [c.text for c in idx.chunks if c.doc_id == "extra-plan"]
        assert any("8000架" in t for t in texts) and not any("5000架" in t for t in texts)
        hits = idx.search_dense("机架达到8000架", 50)
        assert sum(1 for c, _ in hits if c.doc_id == "extra-plan") == len(texts)
    finally:
        idx.close()


def test_failed_ingest_leaves_previous_index_intact(fresh_home: Path, tmp_path: Path) -> None:
    live = store.current_generation(fresh_home)
    assert live is not None
    big = tmp_path / "big-plan.txt"
    big.write_text(
        "某市方案\n\n"
        + "".join(f"（{i}）措施{i}。内容很多{i}。（市财政局牵头负责）\n" for i in range(1, 100)),
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match="crashed"):
        ingest([big], fresh_home, FailingEmbedder(after=1))
    assert store.current_generation(fresh_home) == live
    assert [p.name for p in store.index_root(fresh_home).glob("gen-*")] == [live.name]
    idx = PlanIndex(fresh_home, FakeEmbedder())
    try:
        assert list(idx.documents) == ["dezhou-plan-2023"]
    finally:
        idx.close()
    # and the next ingest succeeds
    assert ingest([big], fresh_home, FakeEmbedder()).added == ["big-plan"]


def test_bad_files_are_named_and_good_ones_ingested(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    home = tmp_path / "home"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "05.html", folder / "05.html")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    report = ingest([folder], home, fake_embedder)
    assert report.added == ["05"]
    failed = dict(report.failed)
    assert set(failed) == {str(folder / "empty.txt"), str(folder / "image.txt")}
    assert "empty" in failed[str(folder / "empty.txt")]
    assert "binary" in failed[str(folder / "image.txt")]


def test_gbk_file_gets_same_offsets_as_its_text(
    tmp_path: Path, fake_embedder: FakeEmbedder, sample_text: str
) -> None:
    gbk = tmp_path / "plan-gbk.txt"
    gbk.write_bytes(sample_text.encode("gb18030"))
    home = tmp_path / "home"
    ingest([gbk], home, fake_embedder)
    idx = PlanIndex(home, fake_embedder)
    try:
        assert idx.documents["plan-gbk"]["encoding"] in ("gb18030", "gbk")
        assert idx.source_text("plan-gbk") == sample_text
        assert len(idx.all_measures()) == 33
    finally:
        idx.close()


def test_remove_document(fresh_home: Path, fake_embedder: FakeEmbedder) -> None:
    assert remove(["nope"], fresh_home, fake_embedder) == []
    assert remove(["dezhou-plan-2023"], fresh_home, fake_embedder) == ["dezhou-plan-2023"]
    idx = PlanIndex(fresh_home, fake_embedder)
    try:
        assert idx.documents == {} and idx.chunks == []
        assert idx.search_bm25("水利", 4) == [] and idx.search_dense("水利", 4) == []
    finally:
        idx.close()


def test_vectors_are_normalised(fake_embedder: FakeEmbedder) -> None:
    v = fake_embedder.embed_documents(["到2025年，全市高新技术企业达到1000家。"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)


def test_files_from_an_older_pipeline_are_processed_again(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import ingest as ingest_module

    monkeypatch.setattr(ingest_module, "PIPELINE", "next")
    report = ingest([SAMPLE], fresh_home, FakeEmbedder())
    assert report.replaced == ["dezhou-plan-2023"] and report.chunks_embedded == 34
    assert ingest([SAMPLE], fresh_home, FakeEmbedder()).unchanged == ["dezhou-plan-2023"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in ("05.html", "10.html", "15.html"):
        shutil.copy(DATA / name, folder / name)
    return folder


def test_a_folder_reingested_skips_unchanged_files_and_drops_deleted_ones(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    home = tmp_path / "home"
    folder = _folder(tmp_path)
    first = ingest([folder], home, fake_embedder)
    assert sorted(first.added) == ["05", "10", "15"] and first.chunks_embedded > 0
    again = ingest([folder], home, fake_embedder)  # nothing changed: no embedding work
    assert (again.chunks_embedded, sorted(again.unchanged), again.removed) == (0, ["05", "10", "15"], [])
    (folder / "10.html").unlink()
    (folder / "15.html").write_bytes((DATA / "52.html").read_bytes())  # same name, new content
    third = ingest([folder], home, fake_embedder)
    assert third.removed == ["10"] and third.replaced == ["15"] and third.unchanged == ["05"]
    index = PlanIndex(home, fake_embedder)
    try:
        assert sorted(index.documents) == ["05", "15"]
        assert {c.doc_id for c in index.chunks} == {"05", "15"}
    finally:
        index.close()
    # a file named on its own is never taken for deleted when its folder is not ingested
    assert ingest([folder / "05.html"], home, fake_embedder).removed == []


def test_watch_reingests_when_a_file_changes(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    from index.ingest import watch

    home = tmp_path / "home"
    folder = _folder(tmp_path)
    reports = []

    def on_report(report: object) -> None:
        reports.append(report)
        if len(reports) == 1:  # between two polls, a file is deleted
            (folder / "05.html").unlink()

    watch([folder], home, fake_embedder, interval=0.01, on_report=on_report, rounds=3)
    assert len(reports) == 2  # the first ingest, the deletion; the third poll saw no change
    assert sorted(reports[0].added) == ["05", "10", "15"]
    assert reports[1].removed == ["05"] and reports[1].chunks_embedded == 0
