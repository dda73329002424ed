"""The ``planqa`` commands on the documents and the task ledger: ingest (and ``--watch``), docs,
remove and tasks."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.answering.session import Assistant
from assistant.surfaces.clioutput import EXIT_ERROR, _print_report, _progress
from index.errors import PlanQAError
from index.ingest import IngestReport


def _ingest(assistant: Assistant, paths: list[str], collection: str = "default") -> int:
    t0 = time.perf_counter()
    report = assistant.ingest(paths, progress=_progress, collection=collection)
    _print_report(report, time.perf_counter() - t0)
    return EXIT_ERROR if report.failed else 0


def _watch(
    assistant: Assistant,
    paths: list[str],
    interval: float,
    rounds: int | None = None,
    collection: str = "default",
) -> int:
    """``ingest --watch``: ingest now, then again whenever a file changes (Ctrl+C stops)."""
    from index.ingest import watch

    if interval <= 0:
        raise PlanQAError(f"--interval must be positive, got {interval}")
    print(f"watching {', '.join(paths)} (every {interval:g} s; Ctrl+C stops)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()

    def report(r: IngestReport) -> None:
        nonlocal t0
        _print_report(r, time.perf_counter() - t0)
        t0 = time.perf_counter()

    watch(
        paths,
        assistant.settings.home,
        assistant.embedder,
        interval,
        report,
        rounds,
        assistant.settings.chroma_url,
        collection,
    )
    return 0


def _remove(assistant: Assistant, ids: list[str]) -> int:
    gone = assistant.remove(ids)
    missing = [i for i in ids if i not in gone]
    for i in gone:
        print(f"removed {i}")
    for i in missing:
        print(f"planqa: error: no document with id {i!r}", file=sys.stderr)
    return EXIT_ERROR if missing else 0


def _tasks(assistant: Assistant, args: argparse.Namespace) -> int:
    from assistant.answering.export import export, select

    ledger = assistant.ledger
    scope = assistant.scope(args.doc, args.collection) if args.doc or args.collection else None
    rows = select(ledger, args.dept or "", args.role, args.due_before or "", scope)
    text = export(ledger, rows, args.format, Path(args.out) if args.out else None)
    if text is not None:
        sys.stdout.write(text)
    elif args.out:
        print(f"wrote {len(rows)} measures to {args.out}", file=sys.stderr)
    return 0


def _docs(assistant: Assistant) -> int:
    from index.metadata import FIELDS, collection_of
    from index.store import current_generation, read_documents

    gen = current_generation(assistant.settings.home)
    if gen is None:
        print("no documents indexed yet: run `planqa ingest FILE...`")
        return 0
    docs = sorted(read_documents(gen), key=lambda d: (collection_of(d), d["id"]))
    for d in docs:
        kind = f"{d['kind']}/{d['encoding']}" if d["encoding"] else d["kind"]
        meta = "\t".join(str(d.get(k) or "—") for k in FIELDS)
        print(
            f"{d['id']}\t{collection_of(d)}\t{d['title']}\t{meta}\t{kind}\t"
            f"{d['measures']} measures\t{d['chunks']} chunks"
        )
    return 0
