"""Questions asked across documents ("各个方案里关于5G基站的目标分别是多少？"): one answer
per document, grouped under the document's title, citations numbered across the whole.

Picks the documents whose text best matches the question (hybrid retrieval over the
scope), asks each of them the question within that document only, and keeps the
answers the evidence check accepts. It composes; it does not retrieve across the
whole index by itself nor decide when a question is cross-document (see ``intent``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from assistant.answering.answer import Composer
from assistant.answering.intent import retrieval_query
from assistant.answering.retrieve import retrieve
from assistant.answering.types import Answer, Citation
from assistant.answering.wording import REFUSAL, shift_markers
from index.plan_index import PlanIndex
from index.types import Hit

MAX_DOCUMENTS = 8  # documents answered at most; the answer says when it stopped there
POOL = 40  # chunks retrieved over the scope to pick the documents


def answer_per_document(
    index: PlanIndex,
    composer: Composer,
    question: str,
    asked: str,
    doc_ids: Collection[str] | None,
    k: int,
) -> Answer:
    """``asked``: the question as each document is asked it (see ``across_documents``)."""
    query = retrieval_query(asked)
    pool = retrieve(index, query, k=POOL, candidates=POOL, doc_ids=doc_ids, dense_query=asked)
    order: list[str] = []
    for h in pool:
        if h.chunk.doc_id not in order:
            order.append(h.chunk.doc_id)
    parts: list[str] = []
    cites: list[Citation] = []
    hits: list[Hit] = []
    answered = 0
    capped = False
    for doc in order:
        if answered == MAX_DOCUMENTS:
            capped = True
            break
        own = retrieve(index, query, k=k, doc_ids={doc}, dense_query=asked)
        answer = composer.compose(asked, own)
        if answer.refused:
            continue
        answered += 1
        shift = len(cites)
        cites += [replace(c, n=c.n + shift) for c in answer.citations]
        text = shift_markers(answer.text, shift)
        parts.append(f"{answered}.{_name(index, doc)}：{text}")
        hits += own
    if not parts:
        text = f"{REFUSAL}：在{len(order) or '所选'}份文件中没有找到能回答这个问题的内容。"
        return Answer(question, text, True, (), tuple(pool[:k]), "across")
    head = f"共{answered}份文件谈到这个问题" + (f"（只列出最相关的{answered}份）" if capped else "") + "："
    return Answer(question, head + "\n" + "\n".join(parts), False, tuple(cites), tuple(hits), "across")


def _name(index: PlanIndex, doc: str) -> str:
    number = str(index.documents.get(doc, {}).get("number") or "")
    return f"《{index.doc_title(doc)}》" + (f"（{number}）" if number else "")
