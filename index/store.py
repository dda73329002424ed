"""The stored index: Chroma (dense, see ``index.dense``) + bm25s (sparse) + our records,
in generations.

Layout under ``<home>/index``::

    CURRENT              name of the live generation (replaced atomically)
    gen-<stamp>/
        dense.json       where the vectors are: embedded (chroma/) or on a Chroma server
        chroma/          Chroma PersistentClient directory (our embedding function), embedded only
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
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from index import dense
from index.errors import IndexMissingError
from index.types import Chunk, Deadline, Measure, Note, Span, Target

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
    # names sort by creation time, to the nanosecond
    ns = time.time_ns()
    gen = (
        root
        / f"gen-{time.strftime('%Y%m%d%H%M%S', time.gmtime(ns // 10**9))}-{ns % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    )
    gen.mkdir()
    dense.record_backend(gen, chroma_url)
    return gen


def publish_generation(home: Path, gen: Path, previous: Path | None = None, chroma_url: str = "") -> None:
    """Make ``gen`` live (atomic rename of the pointer file), then delete every other
    generation but ``previous`` (the one live until now: readers may still be on it).
    Call it holding ``writer_lock``: what else is there was left by a writer that died."""
    root = index_root(home)
    tmp = root / f".{_CURRENT}.{uuid.uuid4().hex}"
    tmp.write_text(gen.name, encoding="utf-8")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, root / _CURRENT)
    for old in root.glob("gen-*"):
        if old.is_dir() and old not in (gen, previous):
            discard_generation(old, chroma_url)
    for stale in root.glob(f".{_CURRENT}.*"):  # pointer files a dead writer never renamed
        stale.unlink(missing_ok=True)


@contextlib.contextmanager
def writer_lock(home: Path) -> Iterator[None]:
    """One writer at a time per data directory, across processes: an exclusive lock on
    ``<home>/index/writer.lock``, which the system releases if the process dies."""
    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "writer.lock", "a+b") as f:
        if sys.platform == "win32":  # pragma: no cover
            import msvcrt

            msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def discard_generation(gen: Path, chroma_url: str = "") -> None:
    dense.drop(gen, chroma_url)
    shutil.rmtree(gen, ignore_errors=True)


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

    def vocabulary(self) -> list[str]:
        return [str(t) for t in getattr(self._retriever, "vocab_dict", {}) or {}]

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
        terms=tuple(Target(**{**t, "span": Span(**t["span"])}) for t in d.get("terms", ())),
        deadlines=tuple(Deadline(**{**x, "span": Span(**x["span"])}) for x in d.get("deadlines", ())),
        notes=tuple(
            Note(
                tuple(n["lead"]),
                tuple(n["support"]),
                Span(**n["span"]),
                n["each_responsible"],
                n.get("title", ""),
            )
            for n in d.get("notes", ())
        ),
    )


def read_source(gen: Path, doc_id: str) -> str:
    with open(gen / "sources" / f"{doc_id}.txt", encoding="utf-8", newline="") as f:
        return f.read()


def require_generation(home: Path) -> Path:
    gen = current_generation(home)
    if gen is None:
        raise IndexMissingError(f"no index under {index_root(home)}: run `planqa ingest FILE...` first")
    return gen
