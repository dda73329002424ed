"""The dense store's search: exact cosine over every stored vector, the same every time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.dense import open_dense
from index.types import Chunk
from tests.conftest import FakeEmbedder


def _store(tmp_path: Path, n: int = 300, dim: int = 16):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    chunks = [Chunk(f"d{i % 5}#{i:04d}", f"d{i % 5}", f"第{i}段", i * 10, i * 10 + 9) for i in range(n)]
    store = open_dense(tmp_path, FakeEmbedder())
    store.add(chunks, vectors)
    return store, chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_search_is_exact_cosine_within_any_filter(tmp_path: Path) -> None:
    store, chunks, unit = _store(tmp_path)
    try:
        query = np.random.default_rng(8).normal(size=unit.shape[1]).astype(np.float32)
        sims = unit @ (query / np.linalg.norm(query))
        best = [chunks[i].id for i in np.argsort(-sims)[:20]]
        got = store.search(query, 20)
        assert [i for i, _ in got] == best
        assert np.allclose([s for _, s in got], np.sort(sims)[::-1][:20], atol=1e-5)
        within = [k for k, c in enumerate(chunks) if c.doc_id in ("d1", "d3")]
        want = [chunks[k].id for k in sorted(within, key=lambda k: -sims[k])[:7]]
        assert [i for i, _ in store.search(query, 7, doc_ids={"d1", "d3"})] == want
        ids = {chunks[k].id for k in (3, 50, 99, 250)}
        assert [i for i, _ in store.search(query, 10, chunk_ids=ids)] == sorted(
            ids, key=lambda i: -sims[int(i.split("#")[1])]
        )
        assert store.search(query, 5, doc_ids=set()) == [] and store.search(query, 5, doc_ids={"none"}) == []
        # a second store over the same collection (another process's reader) answers the same
        other = open_dense(tmp_path, FakeEmbedder())
        try:
            assert other.search(query, 20) == got
        finally:
            other.close()
    finally:
        store.close()


def test_a_changed_collection_is_read_again(tmp_path: Path) -> None:
    store, chunks, unit = _store(tmp_path, n=20)
    try:
        query = unit[4]
        assert store.search(query, 1)[0][0] == chunks[4].id
        store.delete_document(chunks[4].doc_id)
        assert all(not i.startswith(chunks[4].doc_id + "#") for i, _ in store.search(query, 20))
    finally:
        store.close()
