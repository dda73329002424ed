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

import json
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

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


def new_generation(home: Path) -> Path:
    """Create an empty generation directory, copying the live one's Chroma data."""
    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    gen = root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    live = current_generation(home)
    if live is not None and (live / "chroma").is_dir():
        shutil.copytree(live / "chroma", gen / "chroma")
    gen.mkdir(exist_ok=True)
    return gen


def publish_generation(home: Path, gen: Path, keep: int = 2) -> None:
    """Make ``gen`` live (atomic rename of the pointer file), then prune old ones."""
    root = index_root(home)
    tmp = root / f".{_CURRENT}.{uuid.uuid4().hex}"
    tmp.write_text(gen.name, encoding="utf-8")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, root / _CURRENT)
    gens = sorted(p for p in root.glob("gen-*") if p.is_dir() and p != gen)
    for old in gens[: max(len(gens) - (keep - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)


def discard_generation(gen: Path) -> None:
    shutil.rmtree(gen, ignore_errors=True)


# -- Chroma -------------------------------------------------------------------


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
    """Dense side: one Chroma collection per generation."""

    def __init__(self, path: Path, embedder: Any) -> None:
        import chromadb
        from chromadb.config import Settings

        self._client = chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False)
        )
        self._collection = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=_embedding_function(embedder),
            configuration={"hnsw": {"space": "cosine"}},
        )

    def count(self) -> int:
        return int(self._collection.count())

    def delete_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._collection.add(
            ids=[c.id for c in chunks],
            embeddings=[v.tolist() for v in vectors],
            documents=[c.text for c in chunks],
            metadatas=[
                {"doc_id": c.doc_id, "start": c.start, "end": c.end, "title": c.measure_title} for c in chunks
            ],
        )

    def search(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        total = self.count()
        if total == 0:
            return []
        res = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=min(n, total), include=["distances"]
        )
        distances = res["distances"] or [[]]
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], distances[0])]

    def close(self) -> None:
        self._client.close()  # type: ignore[attr-defined]  # Client has it; the protocol lacks it


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

    def search(self, tokens: list[str], n: int) -> list[tuple[int, float]]:
        """(chunk position, score) with score > 0, best first."""
        if not tokens or self._size == 0:
            return []
        docs, scores = self._retriever.retrieve([tokens], k=min(n, self._size), show_progress=False)
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
