"""Ingest files into the stored index: load → clean → parse → chunk → embed → store.

Incremental and atomic: an unchanged file (same id, same content hash) costs no
embedding; a changed one replaces its old chunks; everything is written into a new
generation that goes live only when complete (see ``index.store``). A file that
cannot be loaded is reported by name with the reason and does not stop the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from index import store
from index.chunk import chunk_plan, embed_text
from index.clean import clean_text
from index.dense import ChromaStore, backend_for, copy_dense, dense_backend, open_dense
from index.errors import LoadError
from index.ledger import enrich, plan_year
from index.load import iter_source_files, load_document
from index.metadata import DEFAULT_COLLECTION, check_collection, collection_doc_id, collection_of, doc_meta
from index.parse import parse_plan
from index.sentences import SentenceVectors, build_sentence_vectors
from index.tokenize import tokenize
from index.types import Chunk, Document, Measure, Span

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# Bumped when cleaning, parsing, chunking or extraction change what is stored for a
# file: documents ingested by another version are processed again on the next ingest.
PIPELINE = "9"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # their files are gone from an ingested folder
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    total_chunks: int = 0
    total_documents: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


@dataclass(frozen=True)
class Prepared:
    document: Document
    chunks: list[Chunk]
    measures: list[Measure]
    title: str
    title_span: Span | None  # where the title stands in the source, when read from the text


def prepare(document: Document) -> Prepared:
    """Everything ingest derives from one loaded document, before embedding."""
    cleaned = clean_text(document.text)
    plan = parse_plan(document.id, cleaned)
    # a loader's title (html <title>, docx core title) beats a guess from the text
    title = document.title or plan.title or document.id
    chunks = chunk_plan(document.id, plan, cleaned, doc_title=title)
    year = plan_year(document.text)
    measures = [enrich(m, document.text, year) for m in plan.measures]
    span = plan.title_span if plan.title_span and title == plan.title else None
    return Prepared(document, chunks, measures, title, span)


def ingest(
    paths: Sequence[str | Path],
    home: Path,
    embedder: Any,
    progress: Progress | None = None,
    chroma_url: str = "",
    collection: str = DEFAULT_COLLECTION,
) -> IngestReport:
    """Add or refresh the given files (directories expand recursively) in ``collection``.

    ``chroma_url``: keep the vectors on that Chroma server ("" = embedded, under ``home``).
    An index kept in the other place is moved there (its vectors copied, not re-embedded)."""
    report = IngestReport()
    collection = check_collection(collection)
    files = iter_source_files(paths)
    loaded: list[Document] = []
    for i, path in enumerate(files):
        if progress:
            progress("load", i, len(files))
        try:
            doc = load_document(path, _page_progress(progress))
            loaded.append(replace(doc, id=collection_doc_id(collection, doc.id)))
        except LoadError as e:
            report.failed.append((e.path, e.reason))
    if progress:
        progress("load", len(files), len(files))

    with store.writer_lock(home):  # another writer's generation would be lost otherwise
        _ingest_loaded(paths, files, loaded, home, embedder, progress, chroma_url, collection, report)
    return report


def _page_progress(progress: Progress | None) -> Callable[[int, int], None] | None:
    """Pages read by OCR, reported as their own stage (a scan takes seconds a page)."""
    if progress is None:
        return None
    return lambda page, pages: progress("ocr", page, pages)


def _ingest_loaded(
    paths: Sequence[str | Path],
    files: Sequence[Path],
    loaded: list[Document],
    home: Path,
    embedder: Any,
    progress: Progress | None,
    chroma_url: str,
    collection: str,
    report: IngestReport,
) -> None:
    """Compare the loaded documents with the live index and commit what changed."""
    live = store.current_generation(home)
    old_docs = {d["id"]: d for d in store.read_documents(live)} if live else {}
    todo: list[Document] = []
    seen: set[str] = set()
    for doc in loaded:
        if doc.id in seen:
            report.failed.append((doc.path, f"another file in this ingest has the same id {doc.id!r}"))
            continue
        seen.add(doc.id)
        old = old_docs.get(doc.id)
        if old and old["sha256"] == doc.sha256 and old.get("pipeline") == PIPELINE:
            report.unchanged.append(doc.id)
        else:
            todo.append(doc)
            (report.replaced if old else report.added).append(doc.id)
    gone = _deleted(paths, files, {d: r for d, r in old_docs.items() if collection_of(r) == collection}, seen)
    report.removed = sorted(gone)
    moved = live is not None and dense_backend(live) != backend_for(chroma_url)
    # an index written before sentence vectors existed gets them on its next ingest
    backfill = live is not None and not SentenceVectors.stored_in(live)
    if not todo and not gone and not moved and not backfill:
        report.total_documents = len(old_docs)
        report.total_chunks = sum(d["chunks"] for d in old_docs.values())
        return

    prepared = [prepare(d) for d in todo]
    _commit(home, live, old_docs, prepared, gone, embedder, progress, report, chroma_url, collection)


def _source(record: dict[str, Any]) -> Path:
    return Path(record.get("source") or record["path"]).resolve()


def _deleted(
    paths: Sequence[str | Path], files: Sequence[Path], old_docs: dict[str, dict[str, Any]], seen: set[str]
) -> set[str]:
    """Indexed documents whose file lay in one of the ingested folders and is gone now."""
    folders = [Path(p).resolve() for p in paths if Path(p).is_dir()]
    if not folders:
        return set()
    present = {f.resolve() for f in files}
    return {
        doc_id
        for doc_id, record in old_docs.items()
        if doc_id not in seen
        and any(_source(record).is_relative_to(folder) for folder in folders)
        and _source(record) not in present
    }


def _signature(paths: Sequence[str | Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every source file under ``paths``: a cheap test for changes."""
    out = {}
    for f in iter_source_files(paths):
        try:
            st = f.stat()
        except OSError:
            continue
        out[str(f)] = (st.st_mtime_ns, st.st_size)
    return out


def watch(
    paths: Sequence[str | Path],
    home: Path,
    embedder: Any,
    interval: float = 2.0,
    on_report: Any = None,
    rounds: int | None = None,
    chroma_url: str = "",
    collection: str = DEFAULT_COLLECTION,
) -> None:
    """Ingest ``paths`` now and again whenever a file under them is added, changed or
    deleted (polled every ``interval`` seconds; ``rounds`` polls, or until interrupted).
    Each ingest is incremental and atomic; ``on_report(report)`` is told of each."""
    last: dict[str, tuple[int, int]] | None = None
    n = 0
    while rounds is None or n < rounds:
        current = _signature(paths)
        if current != last:
            report = ingest(paths, home, embedder, chroma_url=chroma_url, collection=collection)
            last = current
            if on_report is not None:
                on_report(report)
        n += 1
        if rounds is None or n < rounds:
            time.sleep(interval)


def _commit(
    home: Path,
    live: Path | None,
    old_docs: dict[str, dict[str, Any]],
    prepared: list[Prepared],
    removed: set[str],
    embedder: Any,
    progress: Progress | None,
    report: IngestReport,
    chroma_url: str = "",
    collection: str = DEFAULT_COLLECTION,
) -> None:
    """Build the next generation and publish it, or discard it on any failure."""
    gen = store.new_generation(home, chroma_url)
    try:
        _write_generation(
            gen, live, old_docs, prepared, removed, embedder, progress, report, chroma_url, collection
        )
        store.publish_generation(home, gen, live, chroma_url)
    except BaseException:
        store.discard_generation(gen, chroma_url)
        raise


def _write_generation(
    gen: Path,
    live: Path | None,
    old_docs: dict[str, dict[str, Any]],
    prepared: list[Prepared],
    removed: set[str],
    embedder: Any,
    progress: Progress | None,
    report: IngestReport,
    chroma_url: str,
    collection: str,
) -> None:
    """Write a complete generation: the live one minus ``removed`` and the
    documents being replaced, plus the ``prepared`` ones (embedded here)."""
    new_ids = {p.document.id for p in prepared} | removed
    kept_chunks = [c for c in store.read_chunks(live) if c.doc_id not in new_ids] if live else []
    measures = store.read_measures(live) if live else {}
    sources = {}
    documents = [d for d in old_docs.values() if d["id"] not in new_ids]

    if live is not None:
        copy_dense(live, gen, embedder, chroma_url)
    dense = open_dense(gen, embedder, chroma_url)
    try:
        for doc_id in removed | {p.document.id for p in prepared}:
            dense.delete_document(doc_id)
        _embed_into(dense, [c for p in prepared for c in p.chunks], embedder, progress)
        for p in prepared:
            doc = p.document
            measures[doc.id] = p.measures
            sources[doc.id] = doc.text
            documents.append(
                {
                    "id": doc.id,
                    "collection": collection,
                    "path": doc.path,
                    "kind": doc.kind,
                    "encoding": doc.encoding,
                    "sha256": doc.sha256,
                    "source": str(Path(doc.path).resolve()),  # the file, to notice when it is deleted
                    "pipeline": PIPELINE,
                    "title": p.title,
                    **asdict(doc_meta(doc.text, p.title)),  # issuer, number, date: when the text says
                    "title_span": [p.title_span.start, p.title_span.end] if p.title_span else None,
                    "chars": len(doc.text),
                    **({"pages": list(doc.pages)} if doc.pages else {}),
                    "chunks": len(p.chunks),
                    "measures": len(p.measures),
                }
            )
        report.chunks_embedded = sum(len(p.chunks) for p in prepared)
    finally:
        dense.close()

    chunks = kept_chunks + [c for p in prepared for c in p.chunks]
    if live:
        for d in documents:
            if d["id"] not in new_ids:
                sources[d["id"]] = store.read_source(live, d["id"])
    store.write_records(gen, sorted(documents, key=lambda d: d["id"]), chunks, measures, sources)
    sentences, report.sentences_embedded = build_sentence_vectors(
        chunks, sources.__getitem__, embedder, SentenceVectors.load(live), progress
    )
    sentences.save(gen)
    bm25 = store.BM25Store.build([tokenize(embed_text(c)) for c in chunks])
    bm25.save(gen / "bm25")
    report.total_chunks = len(chunks)
    report.total_documents = len(documents)


EMBED_BATCH = 64  # chunks per call of the model
STORE_BATCH = 512  # chunks per write to Chroma (each write has a fixed cost)


def _embed_into(dense: ChromaStore, chunks: list[Chunk], embedder: Any, progress: Progress | None) -> None:
    """Embed ``chunks`` and add them to ``dense``. Chunks of similar length are embedded
    together (across documents): a batch is padded to its longest text, so this
    wastes the least model time."""
    order = sorted(chunks, key=lambda c: len(embed_text(c)))
    pending: list[Chunk] = []
    vectors: list[Any] = []
    for a in range(0, len(order), EMBED_BATCH):
        if progress:
            progress("embed", a, len(order))
        batch = order[a : a + EMBED_BATCH]
        pending += batch
        vectors += list(embedder.embed_documents([embed_text(c) for c in batch]))
        if len(pending) >= STORE_BATCH or a + EMBED_BATCH >= len(order):
            dense.add(pending, np.asarray(vectors))
            pending, vectors = [], []
    if progress:
        progress("embed", len(order), len(order))


def remove(doc_ids: Sequence[str], home: Path, embedder: Any, chroma_url: str = "") -> list[str]:
    """Remove documents by id; returns the ids that were present."""
    with store.writer_lock(home):
        live = store.require_generation(home)
        old_docs = {d["id"]: d for d in store.read_documents(live)}
        gone = [d for d in doc_ids if d in old_docs]
        if gone:
            _commit(home, live, old_docs, [], set(gone), embedder, None, IngestReport(), chroma_url)
    return gone
