"""Read side of the stored index: documents, chunks, measures, and the two searches.

``PlanIndex`` opens the live generation once and serves searches from memory
(bm25s) and Chroma (dense). It follows a newer generation when one is published
(``refresh``). Fusing the two result lists is the assistant's job, not this module's.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from index import store
from index.tokenize import tokenize
from index.types import Chunk, Citation, Measure


class PlanIndex:
    def __init__(self, home: Path, embedder: Any) -> None:
        self.home = Path(home)
        self.embedder = embedder
        self._lock = threading.Lock()
        self._dense: store.ChromaStore | None = None
        self._open(store.require_generation(self.home))

    def _open(self, gen: Path) -> None:
        self.generation = gen
        self.documents = {d["id"]: d for d in store.read_documents(gen)}
        self.chunks = store.read_chunks(gen)
        self._pos = {c.id: i for i, c in enumerate(self.chunks)}
        self.measures = store.read_measures(gen)
        self._bm25 = store.BM25Store.load(gen / "bm25", len(self.chunks))
        self._sources: dict[str, str] = {}
        if self._dense is not None:
            self._dense.close()
        self._dense = None

    def refresh(self) -> bool:
        """Switch to the live generation if a newer one was published."""
        gen = store.current_generation(self.home)
        if gen is None or gen == self.generation:
            return False
        with self._lock:
            self._open(gen)
        return True

    def close(self) -> None:
        if self._dense is not None:
            self._dense.close()
            self._dense = None

    def source_text(self, doc_id: str) -> str:
        text = self._sources.get(doc_id)
        if text is None:
            text = store.read_source(self.generation, doc_id)
            self._sources[doc_id] = text
        return text

    def cite(self, n: int, doc_id: str, title: str, start: int, end: int) -> Citation:
        """Citation [n] of ``source_text(doc_id)[start:end]``: the quote is the source."""
        quote = self.source_text(doc_id)[start:end]
        return Citation(n=n, doc=doc_id, title=title, quote=quote, start=start, end=end)

    def doc_title(self, doc_id: str) -> str:
        return str(self.documents.get(doc_id, {}).get("title", doc_id))

    def measure_of(self, chunk: Chunk) -> Measure | None:
        ms = self.measures.get(chunk.doc_id, [])
        return ms[chunk.measure_index] if 0 <= chunk.measure_index < len(ms) else None

    def all_measures(self) -> list[Measure]:
        return [m for doc in sorted(self.measures) for m in self.measures[doc]]

    def search_bm25(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        return [(self.chunks[i], s) for i, s in self._bm25.search(tokenize(query), n)]

    def search_dense(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        return self.search_by_vector(self.embedder.embed_query(query), n)

    def search_by_vector(self, vector: Any, n: int) -> list[tuple[Chunk, float]]:
        with self._lock:
            if self._dense is None:
                self._dense = store.ChromaStore(self.generation / "chroma", self.embedder)
            dense = self._dense
        hits = dense.search(vector, n)
        return [(self.chunks[self._pos[cid]], s) for cid, s in hits if cid in self._pos]
