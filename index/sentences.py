"""Sentences of the chunks, as exact source spans, and their vectors.

A sentence is a stretch of the source text ending at 。！？；; or a line break, trimmed
of whitespace, so ``source[start:end]`` is exactly what an answer quotes. Answers are
made of sentences, so each one is embedded at ingest (with its measure's title in
front: "加强科技创新主体培育：到2025年，全市高新技术企业达到1000家。" says what the
figure belongs to) and the vectors are stored with the generation, beside the chunks:

    sentences.npy    float16 [n, dim], L2-normalised rows
    sentences.json   {"model": …, "dim": …, "chunks": {chunk id: [first row, [[start, end], …]]}}

Embedding a sentence costs about as much as embedding its share of a chunk, so ingest
pays for it once; a question only looks rows up. Chunks of a generation written
before this existed have no rows: ``SentenceVectors.get`` says so (None) and the
reader embeds those few sentences itself. Unchanged documents' rows are copied from
the previous generation, not embedded again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from index.responsibility import is_note_sentence
from index.types import Chunk

_SENT = re.compile(r"[^。！？；;!?\n]*(?:[。！？；;!?]|\n|$)")
_WS = " \t\r\n\u3000\xa0\ufeff"
_OPEN, _CLOSE = "（(", "）)"
_VECTORS = "sentences.npy"
_TABLE = "sentences.json"
EMBED_BATCH = 128


def sentence_spans(source: str, chunk: Chunk) -> list[tuple[int, int]]:
    """The sentences of ``chunk``: source spans, in order, whitespace trimmed; text that
    cleaning dropped from the chunk (a spam line) is no sentence of it. A department note
    closes the tasks before it, so a note the line goes on after ("…准入环境。（市场监管总局负责）
    加强体育产业创新创业教育服务…") is a sentence of its own, not the start of the next."""
    out: list[tuple[int, int]] = []
    for m in _SENT.finditer(source, chunk.start, chunk.end):
        a, b = m.start(), m.end()
        if a == b:
            if b >= chunk.end:
                break
            continue
        raw = source[a:b]
        s = raw.strip(_WS)
        if not s:
            continue
        a += raw.index(s[0])
        b = a + len(s)
        for x, y in _after_note(s):
            part = s[x:y]
            if part in chunk.text:
                out.append((a + x, a + y))
    return out


def _after_note(s: str) -> list[tuple[int, int]]:
    """``s`` as (start, end) spans: itself, or the department note it starts with and the
    rest (whitespace trimmed)."""
    end = _bracket_end(s)
    if end is None or end >= len(s) or not is_note_sentence(s[:end]):
        return [(0, len(s))]
    rest = len(s[end:]) - len(s[end:].lstrip(_WS))
    return [(0, end), (end + rest, len(s))]


def _bracket_end(s: str) -> int | None:
    """Where the bracketed group ``s`` starts with ends (just past its closing bracket)."""
    if s[:1] not in _OPEN:
        return None
    depth = 0
    for i, ch in enumerate(s):
        depth += ch in _OPEN
        depth -= ch in _CLOSE
        if depth == 0:
            return i + 1
    return None


def embed_form(chunk: Chunk, sentence: str) -> str:
    """What the embedder sees of a sentence: its measure's title in front, unless the
    sentence begins with it."""
    title = chunk.measure_title
    if title and not sentence.startswith(title[:6]):
        return f"{title}：{sentence}"
    return sentence


class SentenceVectors:
    """A generation's sentence vectors, by chunk id (rows aligned with ``sentence_spans``)."""

    def __init__(self, model: str, vectors: np.ndarray, rows: dict[str, tuple[int, list[tuple[int, int]]]]):
        self.model = model
        self.vectors = vectors
        self.rows = rows

    @classmethod
    def empty(cls) -> SentenceVectors:
        return cls("", np.zeros((0, 0), dtype=np.float16), {})

    @staticmethod
    def stored_in(gen: Path) -> bool:
        return (gen / _TABLE).is_file()

    @classmethod
    def load(cls, gen: Path | None) -> SentenceVectors:
        """The generation's vectors; empty when it has none (written before they existed)."""
        if gen is None or not (gen / _TABLE).is_file():
            return cls.empty()
        table = json.loads((gen / _TABLE).read_text(encoding="utf-8"))
        vectors = np.load(gen / _VECTORS, mmap_mode="r")
        rows = {cid: (int(r[0]), [(int(a), int(b)) for a, b in r[1]]) for cid, r in table["chunks"].items()}
        return cls(str(table.get("model", "")), vectors, rows)

    def get(self, chunk_id: str, spans: list[tuple[int, int]]) -> np.ndarray | None:
        """Float32 rows for ``spans`` of the chunk, or None when not stored for exactly them."""
        entry = self.rows.get(chunk_id)
        if entry is None or entry[1] != spans:
            return None
        first = entry[0]
        return np.asarray(self.vectors[first : first + len(spans)], dtype=np.float32)

    def save(self, gen: Path) -> None:
        table = {
            "model": self.model,
            "dim": int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0,
            "chunks": {cid: [first, spans] for cid, (first, spans) in self.rows.items()},
        }
        np.save(gen / _VECTORS, np.asarray(self.vectors, dtype=np.float16))
        (gen / _TABLE).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")


def build_sentence_vectors(
    chunks: Iterable[Chunk],
    source_of: Callable[[str], str],
    embedder: Any,
    previous: SentenceVectors,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[SentenceVectors, int]:
    """Vectors of every sentence of ``chunks``: copied from ``previous`` where it holds
    them for the same spans (same model), embedded otherwise. Returns them and how many
    sentences were embedded."""
    chunks = list(chunks)
    same_model = previous.model == embedder.name
    spans = {c.id: sentence_spans(source_of(c.doc_id), c) for c in chunks}
    rows: dict[str, tuple[int, list[tuple[int, int]]]] = {}
    parts: list[np.ndarray] = []
    todo: list[tuple[str, int, str]] = []  # (chunk id, row, text) still to embed
    n = 0
    for c in chunks:
        sp = spans[c.id]
        rows[c.id] = (n, sp)
        old = previous.get(c.id, sp) if same_model else None
        if old is not None:
            parts.append(old)
        else:
            src = source_of(c.doc_id)
            todo += [(c.id, n + i, embed_form(c, src[a:b])) for i, (a, b) in enumerate(sp)]
            parts.append(np.zeros((len(sp), 0), dtype=np.float32))  # filled below
        n += len(sp)
    fresh = _embed(embedder, [t for _, _, t in todo], progress)
    dim = fresh.shape[1] if len(todo) else next((p.shape[1] for p in parts if p.shape[1]), 0)
    vectors = np.zeros((n, dim), dtype=np.float16)
    at = 0
    for p in parts:
        if p.shape[1]:
            vectors[at : at + len(p)] = p
        at += len(p)
    for (_, row, _), v in zip(todo, fresh):
        vectors[row] = v
    return SentenceVectors(embedder.name, vectors, rows), len(todo)


def _embed(embedder: Any, texts: list[str], progress: Callable[[str, int, int], None] | None) -> np.ndarray:
    """Embed in batches of similar length (a batch is padded to its longest text)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: np.ndarray | None = None
    for a in range(0, len(order), EMBED_BATCH):
        if progress:
            progress("sentences", a, len(order))
        batch = order[a : a + EMBED_BATCH]
        vecs = embedder.embed_documents([texts[i] for i in batch])
        if out is None:
            out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        out[batch] = vecs
    if progress:
        progress("sentences", len(order), len(order))
    assert out is not None
    return out
