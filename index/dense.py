"""The dense side of the stored index: Chroma, embedded or on a server.

Each index generation has its own Chroma collection: a ``PersistentClient`` directory
inside the generation (embedded), or a collection ``planqa-<generation>`` on the Chroma
server named by ``chroma_url`` (reached through ``HttpClient``). ``dense.json`` in the
generation says which. A generation never changes once published, so readers see
whole documents only. This module stores and searches vectors; the generations
themselves and the other records are ``index.store``'s.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from index.errors import PlanQAError
from index.types import Chunk

COLLECTION = "planqa"  # the collection's name in an embedded store


_DENSE = "dense.json"  # where a generation's vectors are: {"backend": "embedded" | "server", "url": …}


def _dense_record(gen: Path) -> dict[str, str]:
    try:
        return dict(json.loads((gen / _DENSE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {"backend": "embedded", "url": ""}  # generations written before server mode existed


def dense_backend(gen: Path) -> str:
    return _dense_record(gen)["backend"]


def backend_for(chroma_url: str) -> str:
    """The backend a setting of ``chroma_url`` asks for: "server", or "embedded" when empty."""
    return "server" if chroma_url else "embedded"


def record_backend(gen: Path, chroma_url: str) -> None:
    """Note in a new generation where its vectors will be."""
    record = {"backend": backend_for(chroma_url), "url": chroma_url}
    (gen / _DENSE).write_text(json.dumps(record), encoding="utf-8")


def drop(gen: Path, chroma_url: str = "") -> None:
    """Delete a discarded generation's collection on the server (if it has one)."""
    record = _dense_record(gen)
    url = chroma_url or record["url"]
    if record["backend"] == "server" and url:
        # cleanup: a collection never made, or a server gone, must not hide the error at hand
        with contextlib.suppress(Exception):
            _client(url).delete_collection(server_collection(gen))


def server_collection(gen: Path) -> str:
    """A generation's collection on a Chroma server: one per generation, like the
    embedded store's directory, so a reader never sees a half-written one."""
    return f"planqa-{gen.name}"


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of ``http[s]://host[:port]``; PlanQAError naming the setting if not."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or port == -1
        or parts.path not in ("", "/")
    ):
        raise PlanQAError(f"setting chroma_url must look like http://host:port, got {url!r}")
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 8000), ssl


def _client(chroma_url: str) -> Any:
    import chromadb
    from chromadb.config import Settings

    host, port, ssl = parse_chroma_url(chroma_url)
    try:
        return chromadb.HttpClient(
            host=host, port=port, ssl=ssl, settings=Settings(anonymized_telemetry=False)
        )
    except Exception as e:  # chromadb raises ValueError or httpx errors when no server answers
        raise PlanQAError(f"cannot reach the Chroma server at {chroma_url}: {e}") from e


def open_dense(gen: Path, embedder: Any, chroma_url: str = "") -> ChromaStore:
    """The dense store of ``gen``: embedded (``gen/chroma``) or on the Chroma server."""
    backend = dense_backend(gen)
    wanted = backend_for(chroma_url)
    if backend != wanted:
        raise PlanQAError(
            f"the index {gen.name} keeps its vectors in the {backend} Chroma, but PlanQA is set up "
            f"for the {wanted} one: run `planqa ingest` once to move them there (nothing is re-embedded)"
        )
    if chroma_url:
        return ChromaStore(_client(chroma_url), server_collection(gen), embedder)
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(
        path=str(gen / "chroma"), settings=Settings(anonymized_telemetry=False)
    )
    return ChromaStore(client, COLLECTION, embedder)


def copy_dense(live: Path, gen: Path, embedder: Any, chroma_url: str = "") -> None:
    """Give ``gen`` the vectors of ``live`` (no embedding), wherever either keeps them:
    moving an index from the embedded store to a server is one ``planqa ingest``."""
    record = _dense_record(live)
    if record["backend"] == "embedded" and not chroma_url:
        if (live / "chroma").is_dir():
            shutil.copytree(live / "chroma", gen / "chroma")
        return
    # a server index moving back home is read from the server it was written to
    source_url = (chroma_url or record["url"]) if record["backend"] == "server" else ""
    source = open_dense(live, embedder, source_url)
    target = open_dense(gen, embedder, chroma_url)
    try:
        for batch in source.batches():
            target.add_raw(batch)
    finally:
        source.close()
        target.close()


def _embedding_function(embedder: Any) -> Any:
    """Wrap our Embedder for Chroma so Chroma never falls back to its default
    (which downloads a model)."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class PlanQAEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __call__(self, input: Documents) -> Embeddings:
            return list(self._inner.embed_documents(list(input)))

        def embed_query(self, input: Documents) -> Embeddings:
            return [self._inner.embed_query(t) for t in input]

        @staticmethod
        def name() -> str:
            return "planqa"

        def get_config(self) -> dict[str, Any]:
            return {"model": getattr(self._inner, "name", "")}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> EmbeddingFunction[Documents]:
            raise PlanQAError("the PlanQA collection needs PlanQA's embedder; open it through planqa")

        def default_space(self) -> Any:
            return "cosine"

    return PlanQAEmbeddingFunction(embedder)


class _Exact:
    """All vectors of a published collection, L2-normalised, for exact cosine search."""

    def __init__(self, ids: list[str], doc_ids: list[str], matrix: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=object)
        self.doc_ids = np.asarray(doc_ids, dtype=object)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(matrix) else matrix
        self.matrix = matrix / np.maximum(norms, 1e-12) if len(matrix) else matrix
        self._row = {i: k for k, i in enumerate(ids)}

    @classmethod
    def read(cls, batches: Iterator[dict[str, Any]]) -> _Exact:
        ids: list[str] = []
        doc_ids: list[str] = []
        rows: list[np.ndarray] = []
        for batch in batches:
            ids += batch["ids"]
            doc_ids += [str(m["doc_id"]) for m in batch["metadatas"]]
            rows.append(np.asarray(batch["embeddings"], dtype=np.float32))
        return cls(ids, doc_ids, np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32))

    def search(
        self,
        vector: np.ndarray,
        n: int,
        doc_ids: Collection[str] | None,
        chunk_ids: Collection[str] | None,
    ) -> list[tuple[str, float]]:
        if chunk_ids is not None:
            rows = np.asarray(sorted(self._row[i] for i in chunk_ids if i in self._row), dtype=np.int64)
        elif doc_ids is not None:
            rows = np.flatnonzero(np.isin(self.doc_ids, list(doc_ids)))
        else:
            rows = np.arange(len(self.ids))
        if not len(rows):
            return []
        query = np.asarray(vector, dtype=np.float32)
        # einsum, not "@": a BLAS call here leaves OpenBLAS threads spinning on the cores the
        # embedder's next forward pass needs (warm ask p50 25 → 55 ms on 2 cores)
        sims = np.einsum("ij,j->i", self.matrix[rows], query / max(float(np.linalg.norm(query)), 1e-12))
        order = np.lexsort((self.ids[rows], -sims))[:n]  # ties go by id: the same order every time
        return [(str(self.ids[rows[k]]), float(sims[k])) for k in order]


class ChromaStore:
    """Dense side: one Chroma collection per generation (embedded or on a server)."""

    def __init__(self, client: Any, name: str, embedder: Any) -> None:
        self._client = client
        self._collection = client.get_or_create_collection(
            name,
            embedding_function=_embedding_function(embedder),
            # one thread builds the graph Chroma keeps (searches are exact, see search): the same
            # files give the same index
            configuration={"hnsw": {"space": "cosine", "num_threads": 1}},
        )
        self._count: int | None = None
        self._exact: _Exact | None = None

    def _changed(self) -> None:
        """The collection was written to: its count and vectors are read again when asked."""
        self._count = None
        self._exact = None

    def count(self) -> int:
        if self._count is None:  # a published collection never changes: asked once, not per query
            self._count = int(self._collection.count())
        return self._count

    def delete_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})
        self._changed()

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._changed()
        self._collection.add(
            ids=[c.id for c in chunks],
            embeddings=[v.tolist() for v in vectors],
            documents=[c.text for c in chunks],
            metadatas=[
                {"doc_id": c.doc_id, "start": c.start, "end": c.end, "title": c.measure_title} for c in chunks
            ],
        )

    def batches(self, size: int = 500) -> Iterator[dict[str, Any]]:
        """Everything stored, ``size`` items at a time (ids, embeddings, documents, metadatas)."""
        for offset in range(0, self.count(), size):
            yield self._collection.get(
                include=["embeddings", "documents", "metadatas"], limit=size, offset=offset
            )

    def add_raw(self, batch: dict[str, Any]) -> None:
        self._changed()
        if batch["ids"]:
            self._collection.add(
                ids=batch["ids"],
                embeddings=batch["embeddings"],
                documents=batch["documents"],
                metadatas=batch["metadatas"],
            )

    def search(
        self,
        vector: np.ndarray,
        n: int,
        doc_ids: Collection[str] | None = None,
        chunk_ids: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; only within ``doc_ids`` /
        ``chunk_ids`` when given.

        Exact: every stored vector is compared, not Chroma's approximate HNSW graph, whose
        neighbours for the same query over the same index differed between two processes
        (and with them the answers). Chroma stays the store; its vectors are read once."""
        if (
            self.count() == 0
            or (doc_ids is not None and not doc_ids)
            or (chunk_ids is not None and not chunk_ids)
        ):
            return []
        if self._exact is None:
            self._exact = _Exact.read(self.batches(size=5000))
        return self._exact.search(vector, n, doc_ids, chunk_ids)

    def close(self) -> None:
        close = getattr(self._client, "close", None)  # the embedded client has it
        if close is not None:
            close()
