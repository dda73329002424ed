"""Chroma client/server mode against a real ``chroma run`` on loopback (fake embedder):
the same index and answers as the embedded store, moves between the two without
re-embedding, old generations' collections freed, and a clear error when no server answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import chromadb
import pytest

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from index import dense, store
from index.errors import PlanQAError
from index.ingest import ingest
from tests.conftest import SAMPLE, FakeEmbedder

pytestmark = pytest.mark.integration

QUESTIONS = [
    "强化能源保障谁牵头？",
    "京杭运河复航的目标是什么？",
    "到2025年5G基站要建多少个？",
    "市教育局负责哪些任务？",
]


def _server_collections(url: str) -> set[str]:
    host, port, _ = dense.parse_chroma_url(url)
    return {c.name for c in chromadb.HttpClient(host=host, port=port).list_collections()}


def _answers(a: Assistant) -> list[tuple[str, list[tuple[int, int]]]]:
    out = []
    for q in QUESTIONS:
        ans = a.ask(q)
        out.append((ans.text, [(c.start, c.end) for c in ans.citations]))
    return out


def test_server_mode_answers_as_the_embedded_store(
    tmp_path: Path, chroma_url: str, built_home: Path, fake_embedder: FakeEmbedder
) -> None:
    home = tmp_path / "home"
    report = ingest([SAMPLE], home, fake_embedder, chroma_url=chroma_url)
    assert report.added == ["dezhou-plan-2023"] and report.chunks_embedded == 34
    gen = store.current_generation(home)
    assert gen is not None and not (gen / "chroma").exists()  # the vectors are on the server
    assert dense.server_collection(gen) in _server_collections(chroma_url)

    server = Assistant(Settings(home=home, chroma_url=chroma_url), embedder=fake_embedder)
    embedded = Assistant(Settings(home=built_home), embedder=fake_embedder)
    try:
        assert _answers(server) == _answers(embedded)
        scoped = server.index.search_dense("能源保障", 5)
        assert scoped and all(c.doc_id == "dezhou-plan-2023" for c, _ in scoped)
    finally:
        server.close()
        embedded.close()


def test_move_to_the_server_and_back_without_embedding(
    tmp_path: Path, chroma_url: str, built_home: Path, fake_embedder: FakeEmbedder
) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    before = _answers(a := Assistant(Settings(home=home), embedder=fake_embedder))
    a.close()

    wrong = Assistant(Settings(home=home, chroma_url=chroma_url), embedder=fake_embedder)
    with pytest.raises(PlanQAError, match=r"embedded Chroma.*run `planqa ingest` once"):
        wrong.ask("强化能源保障谁牵头？")
    wrong.close()

    moved = ingest([SAMPLE], home, fake_embedder, chroma_url=chroma_url)
    assert moved.unchanged == ["dezhou-plan-2023"] and moved.chunks_embedded == 0
    gen = store.current_generation(home)
    assert gen is not None and dense.dense_backend(gen) == "server"
    server = Assistant(Settings(home=home, chroma_url=chroma_url), embedder=fake_embedder)
    assert _answers(server) == before
    server.close()

    back = ingest([SAMPLE], home, fake_embedder)
    assert back.chunks_embedded == 0 and dense.dense_backend(store.current_generation(home)) == "embedded"
    again = Assistant(Settings(home=home), embedder=fake_embedder)
    assert _answers(again) == before
    again.close()
    # the server generation is kept one round (readers may still be on it), then freed
    assert dense.server_collection(gen) in _server_collections(chroma_url)
    edited = tmp_path / "dezhou-plan-2023.txt"
    edited.write_text(SAMPLE.read_text(encoding="utf-8") + "\n（修订）\n", encoding="utf-8")
    assert ingest([edited], home, fake_embedder).replaced == ["dezhou-plan-2023"]
    assert dense.server_collection(gen) not in _server_collections(chroma_url)


def test_replacing_frees_old_collections(
    tmp_path: Path, chroma_url: str, fake_embedder: FakeEmbedder
) -> None:
    home = tmp_path / "home"
    plan = tmp_path / "plan.txt"
    text = SAMPLE.read_text(encoding="utf-8")
    names = []
    for edit in range(4):
        plan.write_text(text + f"\n（第{edit}次修订）\n", encoding="utf-8")
        ingest([plan], home, fake_embedder, chroma_url=chroma_url)
        names.append(dense.server_collection(store.current_generation(home)))
    mine = {n for n in _server_collections(chroma_url) if n in names}
    assert mine == set(names[-2:])  # the live generation and the one before it (kept for readers)


def test_a_failed_ingest_leaves_the_server_index_intact(
    tmp_path: Path, chroma_url: str, fake_embedder: FakeEmbedder
) -> None:
    home = tmp_path / "home"
    ingest([SAMPLE], home, fake_embedder, chroma_url=chroma_url)
    live = store.current_generation(home)
    collections = _server_collections(chroma_url)

    class Broken(FakeEmbedder):
        def embed_documents(self, texts):  # type: ignore[no-untyped-def]
            raise RuntimeError("embedding failed")

    other = tmp_path / "other.txt"
    other.write_text("关于推进某项工作的实施方案\n一、目标\n到2025年，完成10项任务。\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        ingest([other], home, Broken(), chroma_url=chroma_url)
    assert store.current_generation(home) == live
    assert _server_collections(chroma_url) == collections  # the half-built collection is gone
    a = Assistant(Settings(home=home, chroma_url=chroma_url), embedder=fake_embedder)
    assert "市发展改革委" in a.ask("强化能源保障谁牵头？").text
    a.close()


def test_no_server_is_a_clear_error(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(PlanQAError, match=f"cannot reach the Chroma server at http://127.0.0.1:{port}"):
        ingest([SAMPLE], tmp_path / "home", fake_embedder, chroma_url=f"http://127.0.0.1:{port}")
    assert store.current_generation(tmp_path / "home") is None


def test_a_reader_sees_what_another_instance_ingests(
    tmp_path: Path, chroma_url: str, fake_embedder: FakeEmbedder
) -> None:
    """Two PlanQA instances on one home and one server, as two processes of a deployment
    would be: a writer ingests while a reader serves, and the reader answers from the new
    generation on its next question (records in the shared home, vectors on the server)."""
    home = tmp_path / "home"
    ingest([SAMPLE], home, fake_embedder, chroma_url=chroma_url)
    settings = Settings(home=home, chroma_url=chroma_url)
    reader = Assistant(settings, embedder=fake_embedder)
    writer = Assistant(settings, embedder=fake_embedder)
    assert reader.ask("银发驿站建设谁牵头？").refused
    other = tmp_path / "elderly.txt"
    other.write_text(
        "某市养老服务体系建设实施方案\n一、重点任务\n（一）推进银发驿站建设。到2025年，银发驿站覆盖率"
        "达到90%。（牵头单位：市民政局）\n",
        encoding="utf-8",
    )
    assert writer.ingest([other]).added == ["elderly"]
    ans = reader.ask("银发驿站建设谁牵头？")
    assert "市民政局" in ans.text and {c.doc for c in ans.citations} == {"elderly"}
    assert reader.ask("各个方案里的牵头单位有哪些？").text  # both documents are there for it
    reader.close()
    writer.close()
