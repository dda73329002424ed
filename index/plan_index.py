"""Read side of the stored index: documents, chunks, measures, and the two searches.

``PlanIndex`` opens the live generation once and serves searches from memory
(bm25s) and Chroma (dense). It follows a newer generation when one is published
(``refresh``). Fusing the two result lists is the assistant's job, not this module's.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from index import store
from index.dense import ChromaStore, open_dense
from index.metadata import collection_of
from index.sentences import SentenceVectors, embed_form, sentence_spans
from index.tokenize import normalize, tokenize
from index.types import Chunk, Measure


class PlanIndex:
    def __init__(self, home: Path, embedder: Any, chroma_url: str = "") -> None:
        self.home = Path(home)
        self.embedder = embedder
        self.chroma_url = chroma_url
        self._query_vectors: dict[str, Any] = {}  # recent queries' vectors (the embedder is fixed)
        self._sentence_cache: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}
        self._lock = threading.Lock()
        self._dense: ChromaStore | None = None
        self._open(store.require_generation(self.home))

    def _open(self, gen: Path) -> None:
        self.generation = gen
        self.documents = {d["id"]: d for d in store.read_documents(gen)}
        self.chunks = store.read_chunks(gen)
        self._pos = {c.id: i for i, c in enumerate(self.chunks)}
        self._by_doc: dict[str, list[int]] = {}
        for i, c in enumerate(self.chunks):
            self._by_doc.setdefault(c.doc_id, []).append(i)
        self.measures = store.read_measures(gen)
        self._bm25 = store.BM25Store.load(gen / "bm25", len(self.chunks))
        self._sources: dict[str, str] = {}
        self._match_texts: list[str] | None = None
        self._traditional: bool | None = None
        self._sentences = SentenceVectors.load(gen)
        self._titles: set[str] | None = None
        self._sentence_cache = {}
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

    def page_of(self, doc_id: str, offset: int) -> int | None:
        """The page (1-based) of a paged document (pdf) on which ``offset`` lies."""
        pages = self.documents.get(doc_id, {}).get("pages")
        return bisect.bisect_right(pages, offset) if pages else None

    def doc_title(self, doc_id: str) -> str:
        return str(self.documents.get(doc_id, {}).get("title", doc_id))

    def collections(self) -> dict[str, list[str]]:
        """Collection name -> its document ids (sorted)."""
        out: dict[str, list[str]] = {}
        for doc_id in sorted(self.documents):
            out.setdefault(collection_of(self.documents[doc_id]), []).append(doc_id)
        return dict(sorted(out.items()))

    def measure_of(self, chunk: Chunk) -> Measure | None:
        ms = self.measures.get(chunk.doc_id, [])
        return ms[chunk.measure_index] if 0 <= chunk.measure_index < len(ms) else None

    def measure_titles_in(self, text: str) -> set[str]:
        """The measure titles (four characters or more, matching form) that ``text`` contains."""
        if self._titles is None:
            self._titles = {
                normalize(m.title) for ms in self.measures.values() for m in ms if len(m.title) >= 4
            }
        return {t for t in self._titles if t in text}

    def all_measures(self) -> list[Measure]:
        return [m for doc in sorted(self.measures) for m in self.measures[doc]]

    @property
    def traditional(self) -> bool:
        """Whether the documents are mostly written in traditional characters (繁體)."""
        if self._traditional is None:
            import zhconv

            sample = "".join(c.text[:200] for c in self.chunks[:: max(len(self.chunks) // 50, 1)])
            changed = sum(a != b for a, b in zip(sample, zhconv.convert(sample, "zh-cn")))
            self._traditional = changed > 0.02 * max(len(sample), 1)
        return self._traditional

    def vocabulary(self) -> list[str]:
        """The words the sparse index knows (jieba tokens of the chunks)."""
        return list(self._bm25.vocabulary())

    @property
    def match_texts(self) -> list[str]:
        """Each chunk's title and text in matching form (NFKC, …), in chunk order."""
        texts = self._match_texts
        if texts is None:
            texts = self._match_texts = [normalize(c.measure_title + "\n" + c.text) for c in self.chunks]
        return texts

    def search_bm25(
        self,
        query: str,
        n: int,
        doc_ids: Collection[str] | None = None,
        chunk_ids: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """BM25 over the chunks, only those of ``doc_ids`` / ``chunk_ids`` when given."""
        mask = None
        if doc_ids is not None or chunk_ids is not None:
            mask = np.array(
                [
                    (doc_ids is None or c.doc_id in doc_ids) and (chunk_ids is None or c.id in chunk_ids)
                    for c in self.chunks
                ],
                dtype=np.float32,
            )
            if not mask.any():
                return []
        return [(self.chunks[i], s) for i, s in self._bm25.search(tokenize(query), n, mask)]

    def without_stored_sentence_vectors(self) -> None:
        """Embed sentences when they are asked for, as if the generation had none stored
        (for the benchmark that compares the two ways)."""
        self._sentences = SentenceVectors.empty()
        self._sentence_cache = {}

    def query_vector(self, query: str) -> Any:
        """The query's vector (recent ones cached: a question asked of many documents, or
        searched and then compared with sentences, embeds once)."""
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.embedder.embed_query(query)
            with self._lock:  # questions arrive from many threads
                if len(self._query_vectors) >= 64:
                    self._query_vectors.pop(next(iter(self._query_vectors)), None)
                self._query_vectors[query] = vector
        return vector

    def sentences(self, chunk: Chunk) -> tuple[list[tuple[int, int]], np.ndarray]:
        """The chunk's sentences (source spans) and their vectors, one row each: stored at
        ingest; embedded here (and kept) for a generation written before they were."""
        cached = self._sentence_cache.get(chunk.id)
        if cached is not None:
            return cached
        spans = sentence_spans(self.source_text(chunk.doc_id), chunk)
        vectors = (
            self._sentences.get(chunk.id, spans) if self._sentences.model == self.embedder.name else None
        )
        if vectors is None:
            src = self.source_text(chunk.doc_id)
            vectors = (
                np.asarray(self.embedder.embed_documents([embed_form(chunk, src[a:b]) for a, b in spans]))
                if spans
                else np.zeros((0, 0), dtype=np.float32)
            )
        with self._lock:
            if len(self._sentence_cache) >= 4096:
                self._sentence_cache.pop(next(iter(self._sentence_cache)), None)
            self._sentence_cache[chunk.id] = (spans, vectors)
        return spans, vectors

    def search_sentences(
        self,
        query: str,
        n: int,
        doc_ids: Collection[str],
        chunk_ids: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """The ``n`` chunks of ``doc_ids`` whose best sentence is nearest the query, with
        that sentence's cosine: a passage the chunk's own vector hides when one sentence of
        it answers and the rest are on other things. Stored sentence vectors only (none are
        embedded here: empty for a generation written before they were stored)."""
        if self._sentences.model != self.embedder.name:
            return []
        vector = np.asarray(self.query_vector(query), dtype=np.float32)
        scored: list[tuple[float, int]] = []
        for doc in doc_ids:
            for pos in self._by_doc.get(doc, ()):
                chunk = self.chunks[pos]
                if chunk_ids is not None and chunk.id not in chunk_ids:
                    continue
                spans, vectors = self.sentences(chunk)
                if len(spans) and vectors.ndim == 2 and vectors.shape[1] == vector.shape[0]:
                    scored.append((float((vectors @ vector).max()), pos))
        scored.sort(key=lambda sp: (-sp[0], sp[1]))
        return [(self.chunks[pos], cos) for cos, pos in scored[:n]]

    def search_dense(
        self,
        query: str,
        n: int,
        doc_ids: Collection[str] | None = None,
        chunk_ids: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        return self.search_by_vector(self.query_vector(query), n, doc_ids, chunk_ids)

    def search_by_vector(
        self,
        vector: Any,
        n: int,
        doc_ids: Collection[str] | None = None,
        chunk_ids: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        with self._lock:
            if self._dense is None:
                self._dense = open_dense(self.generation, self.embedder, self.chroma_url)
            dense = self._dense
        hits = dense.search(vector, n, doc_ids, chunk_ids)
        return [(self.chunks[self._pos[cid]], s) for cid, s in hits if cid in self._pos]
