"""``planqa bench --sizes 1,10,60 --corpus DIR``: how PlanQA grows with the corpus.

For each size N the bundled plan plus the first N−1 corpus documents are indexed in a
fresh data directory, in a fresh process (so peak RSS is that size's own), and the
question set is asked once warm. Reports ingest throughput (chars/s, chunks/s), warm
``ask`` latency p50/p95 and peak RSS; prints a table, saves ``scale.json`` and a plot
``scale.png`` of latency against size. A benchmark: nothing asserts on time.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.settings import Settings


def _measure(args: tuple[Settings, list[str], list[str]]) -> dict[str, Any]:
    """One size, in a child process."""
    from assistant.session import Assistant
    from index.embed import SentenceTransformerEmbedder
    from index.load import load_document

    settings, files, questions = args
    with tempfile.TemporaryDirectory(prefix="planqa-scale-") as tmp:
        embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
        embedder.embed_query("预热")  # model load is not ingest
        a = Assistant(replace(settings, home=Path(tmp)), embedder=embedder)
        chars = sum(len(load_document(f).text) for f in files)
        t0 = time.perf_counter()
        report = a.ingest(files)
        ingest_s = time.perf_counter() - t0
        a.ask(questions[0])
        lat = []
        for q in questions:
            t0 = time.perf_counter()
            a.ask(q)
            lat.append((time.perf_counter() - t0) * 1000)
        a.close()
        size_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 1e6
    lat.sort()
    return {
        "documents": len(files),
        "chars": chars,
        "chunks": report.total_chunks,
        "ingest_s": round(ingest_s, 1),
        "chars_per_s": round(chars / ingest_s),
        "chunks_per_s": round(report.total_chunks / ingest_s, 1),
        "ask_p50_ms": round(statistics.median(lat), 1),
        "ask_p95_ms": round(lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))], 1),
        "index_mb": round(size_mb, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def run_scale(
    settings: Settings, sizes: list[int], corpus: list[str], questions: list[str], out: Path
) -> int:
    from assistant.session import SAMPLE_PLAN
    from index.load import iter_source_files

    extra = [str(p) for p in iter_source_files(corpus)]
    ctx = multiprocessing.get_context("spawn")
    rows = []
    for n in sizes:
        files = [str(SAMPLE_PLAN), *extra[: max(n - 1, 0)]]
        with ctx.Pool(1) as pool:
            rows.append(pool.apply(_measure, ((settings, files, questions),)))
        print(f"  {rows[-1]}", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("| " + " | ".join("---" for _ in cols) + " |")
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    _plot(rows, out / "scale.png")
    print(f"saved {out / 'scale.json'} and {out / 'scale.png'}")
    return 0


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    docs = [r["documents"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(docs, [r["ask_p50_ms"] for r in rows], "o-", label="p50")
    left.plot(docs, [r["ask_p95_ms"] for r in rows], "s--", label="p95")
    left.set_xlabel("documents indexed")
    left.set_ylabel("warm ask latency (ms)")
    left.set_ylim(bottom=0)
    left.legend()
    left.set_title("query latency vs corpus size")
    right.plot(docs, [r["chunks_per_s"] for r in rows], "o-", color="tab:green")
    right.set_xlabel("documents indexed")
    right.set_ylabel("ingest chunks/s")
    right.set_ylim(bottom=0)
    right.set_title("ingest throughput")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
