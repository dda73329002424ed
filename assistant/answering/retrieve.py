"""Hybrid retrieval: jieba-BM25 and dense search, fused by reciprocal rank.

Returns ``Hit`` objects (chunk, fused score, the rank each retriever gave it).
Failures of either backend propagate: an outage must never look like "no answer".
"""

from __future__ import annotations

from collections.abc import Collection

from index.plan_index import PlanIndex
from index.types import Hit

RRF_K = 60
CANDIDATES = 20
# passages added by their nearest sentences (a question's answer is often one sentence of a
# passage about something else), and the most documents searched sentence by sentence
SENTENCE_HITS = 4
SENTENCE_DOCS = 3


def retrieve(
    index: PlanIndex,
    question: str,
    k: int = 4,
    candidates: int = CANDIDATES,
    doc_ids: Collection[str] | None = None,
    phrases: tuple[str, ...] = (),
    chunk_ids: Collection[str] | None = None,
    dense_query: str | None = None,
    sentences: int = 0,
) -> list[Hit]:
    """Top ``k`` chunks for ``question``, optionally within some documents or chunks.

    ``question`` is what BM25 searches for (the question's content words); the dense
    search embeds ``dense_query`` when given (the question as asked: the model reads
    the whole of it better than its keywords, and its vector then scores sentences).

    ``phrases`` (matching form, e.g. a quoted measure title): when some chunks
    contain them all, only those chunks are candidates. Both searches are filtered
    before ranking (not after), so a narrow scope still gets ``candidates`` each.

    ``sentences``: then also up to ``sentences`` chunks not among them, those holding the
    sentences nearest the question (``PlanIndex.search_sentences``), after them.
    """
    if phrases:
        chunk_ids = _with_phrases(index, doc_ids, phrases, chunk_ids) or chunk_ids
    sparse = index.search_bm25(question, candidates, doc_ids=doc_ids, chunk_ids=chunk_ids)
    dense = index.search_dense(dense_query or question, candidates, doc_ids=doc_ids, chunk_ids=chunk_ids)
    fused = fuse(sparse, dense)
    hits = fused[:k]
    if not sentences or not hits:
        return hits
    # the passages whose best sentence is nearest the question, within the scope when it is
    # a few documents, else within the documents of the passages found
    docs = (
        doc_ids if doc_ids is not None and len(doc_ids) <= SENTENCE_DOCS else {h.chunk.doc_id for h in hits}
    )
    have = {h.chunk.id for h in hits}
    ranked = {h.chunk.id: h for h in fused}
    # up to ``sentences`` passages not found already: the nearest ones are often the same
    added = 0
    for chunk, _ in index.search_sentences(dense_query or question, sentences + len(hits), docs, chunk_ids):
        if chunk.id not in have and added < sentences:
            hits.append(ranked.get(chunk.id) or Hit(chunk=chunk, score=0.0))
            have.add(chunk.id)
            added += 1
    return hits


def _with_phrases(
    index: PlanIndex,
    doc_ids: Collection[str] | None,
    phrases: tuple[str, ...],
    chunk_ids: Collection[str] | None,
) -> set[str]:
    """Ids of the chunks (in scope) containing every phrase."""
    return {
        c.id
        for c, text in zip(index.chunks, index.match_texts)
        if (doc_ids is None or c.doc_id in doc_ids)
        and (chunk_ids is None or c.id in chunk_ids)
        and all(p in text for p in phrases)
    }


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
