"""Peer-style retrieval pipelines built with LangChain, for side-by-side evaluation.

What a team would otherwise build, on the same embedding model as PlanQA:

- **naive**: ``RecursiveCharacterTextSplitter`` 500/50 + dense top-k (LangChain's
  in-memory vector store);
- **chatchat**: Langchain-Chatchat's recipe: Chinese separators (\\n\\n \\n 。！？；，)
  250/50, jieba-tokenised BM25 (``BM25Retriever``) + dense, fused by reciprocal rank.

They retrieve only (no answer composer), over the raw decoded text of each document
(no cleaning), so retrieved offsets are source offsets like PlanQA's. LangChain is
imported here and nowhere else in the evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.tokenize import tokenize
from index.types import Document

NAMES = ("naive", "chatchat")
_RRF_K = 60


def _lc_embeddings(embedder: Any) -> Any:
    from langchain_core.embeddings import Embeddings

    class PlanQAEmbeddings(Embeddings):
        """Our embedder (same model, same prefixes) behind LangChain's interface."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [v.tolist() for v in embedder.embed_documents(texts)]

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return PlanQAEmbeddings()


@dataclass
class PeerPipeline:
    name: str
    store: Any  # InMemoryVectorStore
    bm25: Any | None  # BM25Retriever, chatchat only
    chunks: int
    ingest_s: float

    def ranked(self, question: str, k: int) -> list[Any]:
        """The top ``k`` LangChain documents for ``question``."""
        dense = [d for d, _ in self.store.similarity_search_with_score(question, k=max(k, 20))]
        if self.bm25 is None:
            return dense[:k]
        self.bm25.k = 20
        return _rrf([self.bm25.invoke(question), dense])[:k]

    def ask(self, question: str, k: int) -> dict[str, Any]:
        """The ``ask --json`` shape, retrieval only: no answer, no citations."""
        return self.result(question, self.ranked(question, k))

    @staticmethod
    def result(question: str, ranked: list[Any]) -> dict[str, Any]:
        return {
            "question": question,
            "answer": "",
            "refused": None,
            "citations": [],
            "retrieved": [
                {
                    "doc": d.metadata["doc"],
                    "start": d.metadata["start"],
                    "end": d.metadata["end"],
                    "score": 0.0,
                }
                for d in ranked
            ],
        }


def _rrf(lists: Sequence[list[Any]]) -> list[Any]:
    score: dict[tuple[str, int], float] = {}
    docs: dict[tuple[str, int], Any] = {}
    for results in lists:
        for rank, d in enumerate(results, start=1):
            key = (d.metadata["doc"], d.metadata["start"])
            score[key] = score.get(key, 0.0) + 1.0 / (_RRF_K + rank)
            docs[key] = d
    return [docs[key] for key in sorted(score, key=lambda x: -score[x])]


def build(name: str, documents: Sequence[Document], embedder: Any) -> PeerPipeline:
    from langchain_core.documents import Document as LCDocument
    from langchain_core.vectorstores import InMemoryVectorStore
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    if name not in NAMES:
        raise ValueError(f"unknown peer pipeline {name!r}; choose from {', '.join(NAMES)}")
    t0 = time.perf_counter()
    if name == "naive":
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
    else:
        splitter = RecursiveCharacterTextSplitter(
            separators=["\n\n", "\n", "。", "！", "？", "；", "，", ""],
            keep_separator="end",
            chunk_size=250,
            chunk_overlap=50,
            add_start_index=True,
        )
    pieces = []
    for doc in documents:
        for piece in splitter.split_documents([LCDocument(page_content=doc.text, metadata={"doc": doc.id})]):
            start = piece.metadata["start_index"]
            piece.metadata.update(start=start, end=start + len(piece.page_content))
            pieces.append(piece)
    store = InMemoryVectorStore(_lc_embeddings(embedder))
    store.add_documents(pieces)
    bm25 = None
    if name == "chatchat":
        from langchain_community.retrievers import BM25Retriever

        bm25 = BM25Retriever.from_documents(pieces, preprocess_func=tokenize)
    return PeerPipeline(name, store, bm25, len(pieces), time.perf_counter() - t0)


RAG_PROMPT = (
    "请根据以下内容回答问题。如果内容中没有答案，请回答“文中未提及”。\n\n"
    "内容：\n{context}\n\n问题：{question}"
)


@dataclass
class RagPipeline:
    """A plain LangChain RAG on the same chat model: the naive retriever's top k chunks,
    a one-line prompt, the model's text as the answer (no citations, no verification)."""

    retriever: PeerPipeline
    model: Any
    name: str = "langchain-rag"

    def ask(self, question: str, k: int) -> dict[str, Any]:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        ranked = self.retriever.ranked(question, k)
        chain = ChatPromptTemplate.from_template(RAG_PROMPT) | self.model | StrOutputParser()
        answer = chain.invoke({"context": "\n\n".join(d.page_content for d in ranked), "question": question})
        return {
            **self.retriever.result(question, ranked),
            "answer": answer,
            "refused": "文中未提及" in answer,
        }
