"""The stored index: Chroma (dense) + bm25s (sparse) + our records, in generations.

Layout under ``<home>/index``::

    CURRENT              name of the live generation (replaced atomically)
    gen-<stamp>/
        chroma/          Chroma PersistentClient directory (our embedding function)
        bm25/            bm25s index over the chunks, in chunks.jsonl order
        documents.json   one record per document (no text)
        chunks.jsonl     every chunk, with metadata and source offsets
        measures.json    parsed measures per document
        sources/<id>.txt the source text each document's offsets refer to

A writer builds a new generation beside the live one and switches ``CURRENT`` only
when everything is written; a crash or error leaves the previous generation live.
Readers open whatever ``CURRENT`` names. This module stores and searches; it does
not load, parse or decide what to ingest (see ``index.ingest``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from index.errors import IndexMissingError, PlanQAError
from index.types import Chunk, Deadline, Measure, Span, Target

COLLECTION = "planqa"
_CURRENT = "CURRENT"


def index_root(home: Path) -> Path:
    return Path(home) / "index"


def current_generation(home: Path) -> Path | None:
    root = index_root(home)
    try:
        name = (root / _CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = root / name
    return gen if name and gen.is_dir() else None


def new_generation(home: Path, chroma_url: str = "") -> Path:
    """Create an empty generation directory; ``chroma_url`` says where its vectors go."""
    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    # names sort by creation time (pruning keeps the newest), to the nanosecond
    ns = time.time_ns()
    gen = (
        root
        / f"gen-{time.strftime('%Y%m%d%H%M%S', time.gmtime(ns // 10**9))}-{ns % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    )
    gen.mkdir()
    _write_json(gen / _DENSE, {"backend": "server" if chroma_url else "embedded", "url": chroma_url})
    return gen


def publish_generation(home: Path, gen: Path, keep: int = 2, chroma_url: str = "") -> None:
    """Make ``gen`` live (atomic rename of the pointer file), then prune old ones."""
    root = index_root(home)
    tmp = root / f".{_CURRENT}.{uuid.uuid4().hex}"
    tmp.write_text(gen.name, encoding="utf-8")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, root / _CURRENT)
    gens = sorted(p for p in root.glob("gen-*") if p.is_dir() and p != gen)
    for old in gens[: max(len(gens) - (keep - 1), 0)]:
        discard_generation(old, chroma_url)


def discard_generation(gen: Path, chroma_url: str = "") -> None:
    record = _dense_record(gen)
    url = chroma_url or record["url"]
    if record["backend"] == "server" and url:
        # cleanup: a collection never made, or a server gone, must not hide the error at hand
        with contextlib.suppress(Exception):
            _client(url).delete_collection(server_collection(gen))
    shutil.rmtree(gen, ignore_errors=True)


# -- Chroma -------------------------------------------------------------------

_DENSE = "dense.json"  # where a generation's vectors are: {"backend": "embedded" | "server", "url": …}


def _dense_record(gen: Path) -> dict[str, str]:
    try:
        return dict(json.loads((gen / _DENSE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {"backend": "embedded", "url": ""}  # generations written before server mode existed


def dense_backend(gen: Path) -> str:
    return _dense_record(gen)["backend"]


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
    wanted = "server" if chroma_url else "embedded"
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
    if dense_backend(live) == "embedded" and not chroma_url:
        if (live / "chroma").is_dir():
            shutil.copytree(live / "chroma", gen / "chroma")
        return
    # a server index moving back home is read from the server it was written to
    source_url = (chroma_url or _dense_record(live)["url"]) if dense_backend(live) == "server" else ""
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


class ChromaStore:
    """Dense side: one Chroma collection per generation (embedded or on a server)."""

    def __init__(self, client: Any, name: str, embedder: Any) -> None:
        self._client = client
        self._collection = client.get_or_create_collection(
            name,
            embedding_function=_embedding_function(embedder),
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:  # a published collection never changes: asked once, not per query
            self._count = int(self._collection.count())
        return self._count

    def delete_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})
        self._count = None

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._count = None
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
        self._count = None
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
        ``chunk_ids`` when given (filtered by Chroma, not after the fact)."""
        total = self.count()
        if total == 0 or (doc_ids is not None and not doc_ids) or (chunk_ids is not None and not chunk_ids):
            return []
        kw: dict[str, Any] = {}
        if chunk_ids is not None:
            kw["ids"] = sorted(chunk_ids)
        elif doc_ids is not None:
            kw["where"] = {"doc_id": {"$in": sorted(doc_ids)}}
        res = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=min(n, total), include=["distances"], **kw
        )
        distances = res["distances"] or [[]]
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], distances[0])]

    def close(self) -> None:
        close = getattr(self._client, "close", None)  # the embedded client has it
        if close is not None:
            close()


# -- BM25 ---------------------------------------------------------------------


class BM25Store:
    """Sparse side: bm25s over jieba tokens; documents are chunk positions."""

    def __init__(self, retriever: Any, size: int) -> None:
        self._retriever = retriever
        self._size = size

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> BM25Store:
        import bm25s

        retriever = bm25s.BM25()
        # bm25s cannot index an empty vocabulary; a placeholder keeps the files
        # well-formed while ``size`` (0) makes every search return nothing
        placeholder = [["\u0000empty"]]
        retriever.index(token_lists if any(token_lists) else placeholder, show_progress=False)
        return cls(retriever, len(token_lists))

    def save(self, path: Path) -> None:
        self._retriever.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, size: int) -> BM25Store:
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False), size)

    def search(self, tokens: list[str], n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(chunk position, score) with score > 0, best first; ``mask`` (one 0/1 per
        chunk) leaves out the chunks it zeroes."""
        if not tokens or self._size == 0:
            return []
        docs, scores = self._retriever.retrieve(
            [tokens], k=min(n, self._size), show_progress=False, weight_mask=mask
        )
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


# -- records ------------------------------------------------------------------


def write_records(
    gen: Path,
    documents: list[dict[str, Any]],
    chunks: list[Chunk],
    measures: dict[str, list[Measure]],
    sources: dict[str, str],
) -> None:
    (gen / "sources").mkdir(parents=True, exist_ok=True)
    for doc_id, text in sources.items():
        (gen / "sources" / f"{doc_id}.txt").write_text(text, encoding="utf-8", newline="")
    _write_json(gen / "documents.json", documents)
    _write_json(gen / "measures.json", {d: [asdict(m) for m in ms] for d, ms in measures.items()})
    with open(gen / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_documents(gen: Path) -> list[dict[str, Any]]:
    return list(json.loads((gen / "documents.json").read_text(encoding="utf-8")))


def read_chunks(gen: Path) -> list[Chunk]:
    out = []
    with open(gen / "chunks.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            for key in ("heading_path", "lead", "support"):
                d[key] = tuple(d[key])
            out.append(Chunk(**d))
    return out


def read_measures(gen: Path) -> dict[str, list[Measure]]:
    raw = json.loads((gen / "measures.json").read_text(encoding="utf-8"))
    return {doc: [_measure(m) for m in ms] for doc, ms in raw.items()}


def _measure(d: dict[str, Any]) -> Measure:
    return Measure(
        doc_id=d["doc_id"],
        index=d["index"],
        title=d["title"],
        title_span=Span(**d["title_span"]),
        span=Span(**d["span"]),
        heading_path=tuple(d["heading_path"]),
        lead=tuple(d["lead"]),
        support=tuple(d["support"]),
        each_responsible=d["each_responsible"],
        resp_span=Span(**d["resp_span"]) if d["resp_span"] else None,
        deadline_spans=tuple(Span(**s) for s in d["deadline_spans"]),
        targets=tuple(Target(**{**t, "span": Span(**t["span"])}) for t in d.get("targets", ())),
        deadlines=tuple(Deadline(**{**x, "span": Span(**x["span"])}) for x in d.get("deadlines", ())),
    )


def read_source(gen: Path, doc_id: str) -> str:
    with open(gen / "sources" / f"{doc_id}.txt", encoding="utf-8", newline="") as f:
        return f.read()


def require_generation(home: Path) -> Path:
    gen = current_generation(home)
    if gen is None:
        raise IndexMissingError(f"no index under {index_root(home)}: run `planqa ingest FILE...` first")
    return gen
