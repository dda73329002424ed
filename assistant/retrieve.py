"""Hybrid retrieval: jieba-BM25 and dense search, fused by reciprocal rank.

Returns ``Hit`` objects (chunk, fused score, the rank each retriever gave it).
Failures of either backend propagate: an outage must never look like "no answer".
"""

from __future__ import annotations

from collections.abc import Callable

from index.plan_index import PlanIndex
from index.tokenize import normalize
from index.types import Chunk, Hit

RRF_K = 60
CANDIDATES = 20


def retrieve(
    index: PlanIndex,
    question: str,
    k: int = 4,
    candidates: int = CANDIDATES,
    doc_id: str | None = None,
    phrases: tuple[str, ...] = (),
) -> list[Hit]:
    """Top ``k`` chunks for ``question``, optionally within one document.

    ``phrases`` (matching form, e.g. a quoted measure title): when some chunks
    contain them all, only those chunks are candidates.
    """
    keep = _keep(index, doc_id, phrases)
    n = candidates if keep is None else len(index.chunks)
    sparse = index.search_bm25(question, n)
    dense = index.search_dense(question, n)
    if keep is not None:
        sparse = [(c, s) for c, s in sparse if keep(c)]
        dense = [(c, s) for c, s in dense if keep(c)]
    return fuse(sparse, dense)[:k]


def _keep(index: PlanIndex, doc_id: str | None, phrases: tuple[str, ...]) -> Callable[[Chunk], bool] | None:
    def in_doc(c: Chunk) -> bool:
        return doc_id is None or c.doc_id == doc_id

    def has_phrases(c: Chunk) -> bool:
        text = normalize(c.measure_title + "\n" + c.text)
        return all(p in text for p in phrases)

    if phrases and any(in_doc(c) and has_phrases(c) for c in index.chunks):
        return lambda c: in_doc(c) and has_phrases(c)
    return None if doc_id is None else in_doc


def fuse(sparse: list, dense: list, rrf_k: int = RRF_K) -> list[Hit]:
    """Reciprocal rank fusion of two ranked ``(chunk, score)`` lists."""
    score: dict[str, float] = {}
    ranks: dict[str, list[int]] = {}
    chunks = {}
    for which, results in ((0, sparse), (1, dense)):
        for rank, (chunk, _) in enumerate(results, start=1):
            score[chunk.id] = score.get(chunk.id, 0.0) + 1.0 / (rrf_k + rank)
            ranks.setdefault(chunk.id, [0, 0])[which] = rank
            chunks[chunk.id] = chunk
    order = sorted(score, key=lambda cid: (-score[cid], cid))
    return [
        Hit(chunk=chunks[cid], score=score[cid], bm25_rank=ranks[cid][0], dense_rank=ranks[cid][1])
        for cid in order
    ]


def with_preamble(index: PlanIndex, hits: list[Hit], k: int) -> list[Hit]:
    """Make sure the preamble of the best hit's document is among the hits: questions
    about the document itself (its basis, number) are answered there."""
    if not hits:
        return hits
    doc = hits[0].chunk.doc_id
    if any(h.chunk.doc_id == doc and h.chunk.kind == "preamble" for h in hits):
        return hits
    pre = next((c for c in index.chunks if c.doc_id == doc and c.kind == "preamble"), None)
    if pre is None:
        return hits
    return [Hit(chunk=pre, score=hits[0].score), *hits][:k]
