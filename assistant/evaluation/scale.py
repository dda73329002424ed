"""``planqa bench --sizes 1,60,600 --corpus DIR [--modes embedded,server]``: how PlanQA grows.

For each size N and mode, the bundled plan plus N−1 corpus documents are indexed in a
fresh data directory, in a fresh process (so peak RSS is that size's own), and the
question set is asked once warm. When N−1 exceeds the corpus, variants of its
documents are generated (see ``make_variants``). Mode ``server`` starts a real Chroma
server (``chroma run``) on loopback for the run and keeps the vectors there.

Reports ingest time and throughput, chunks embedded, the time and embedding work of
re-ingesting the same unchanged files, index size on disk (the data
directory, plus the server's directory in server mode), warm ``ask`` latency p50/p95,
peak RSS of PlanQA (and of the Chroma server); prints a table, saves ``scale.json``
and a plot ``scale.png``. A benchmark: nothing asserts on time.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from assistant.answering.settings import Settings
from index.errors import PlanQAError

MODES = ("embedded", "server")

# Issuers a variant is re-attributed to: the same policy as a province would re-issue it
_ISSUERS = ("山东省人民政府", "河北省人民政府", "江苏省人民政府", "四川省人民政府", "广东省人民政府",
            "浙江省人民政府", "河南省人民政府", "湖北省人民政府", "陕西省人民政府")  # fmt: skip


@contextlib.contextmanager
def chroma_server(path: Path, timeout: float = 60.0) -> Iterator[tuple[str, int]]:
    """A real Chroma server (``chroma run``) on a free loopback port: (url, pid).
    Stopped on exit; its log is ``<path>.log``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.log", "wb") as log:
        proc = subprocess.Popen(
            [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise PlanQAError(f"chroma run did not start: see {path}.log") from None
                    time.sleep(0.2)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def make_variants(files: list[str], n: int, out: Path) -> list[str]:
    """``n`` new documents made from ``files`` (round robin): each is re-attributed to a
    province, its figures changed (every figure +k) and its title marked as a variant, so
    that every variant is a distinct document with its own text, chunks and embeddings."""
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        src = Path(files[i % len(files)])
        k = i // len(files) + 1
        text = src.read_text(encoding="utf-8")
        text = text.replace("国务院", _ISSUERS[i % len(_ISSUERS)])
        # figures in the text ("2025年", "1000家", "30%"), not markup ("utf-8")
        text = re.sub(r"\d{1,5}(?=[\u4e00-\u9fff%％])", partial(_bump, k), text)
        text = re.sub(r"(<title>)", rf"\1（第{k}稿）", text, count=1)
        dest = out / f"{src.stem}-v{k}{src.suffix}"
        dest.write_text(text, encoding="utf-8")
        made.append(str(dest))
    return made


def _bump(k: int, m: re.Match[str]) -> str:
    return str(int(m.group()) + k)


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _hwm_mb(pid: int) -> int:
    """Peak resident memory of a running process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``values``."""
    s = sorted(values)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def ask_latencies(a: Any, questions: list[str], forget: bool = False) -> list[float]:
    """Warm ``ask`` latency of each question, ms (``forget``: no sentence vector kept from
    one question to the next, so each pays for embedding its candidates)."""
    out = []
    for q in questions:
        if forget:
            a.index.without_stored_sentence_vectors()
        t0 = time.perf_counter()
        a.ask(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _measure(args: tuple[Settings, list[str], list[str], str]) -> dict[str, Any]:
    """One size in one mode, in a child process."""
    from assistant.answering.session import Assistant
    from index.embed import SentenceTransformerEmbedder
    from index.load import load_document

    settings, files, questions, mode = args
    with tempfile.TemporaryDirectory(prefix="planqa-scale-") as tmp, contextlib.ExitStack() as stack:
        home = Path(tmp) / "home"
        server_pid = 0
        if mode == "server":
            url, server_pid = stack.enter_context(chroma_server(Path(tmp) / "chroma"))
            settings = replace(settings, chroma_url=url)
        embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
        embedder.embed_query("预热")  # model load is not ingest
        a = Assistant(replace(settings, home=home), embedder=embedder)
        chars = sum(len(load_document(f).text) for f in files)
        t0 = time.perf_counter()
        report = a.ingest(files)
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = a.ingest(files)  # the same files, unchanged: nothing to embed
        reingest_s = time.perf_counter() - t0
        a.ask(questions[0])
        lat = ask_latencies(a, questions)
        # the other way: sentences embedded when a question needs them (not stored at ingest)
        otf = ask_latencies(a, questions, forget=True)
        a.close()
        size_mb = _dir_mb(Path(tmp))
        server_mb = _hwm_mb(server_pid) if server_pid else 0
    return {
        "mode": mode,
        "documents": len(files),
        "chars": chars,
        "chunks": report.total_chunks,
        "embedded": report.chunks_embedded,
        "ingest_s": round(ingest_s, 1),
        "chunks_per_s": round(report.total_chunks / ingest_s, 1),
        "reingest_s": round(reingest_s, 2),
        "reingest_embedded": again.chunks_embedded,
        "sentences_embedded": report.sentences_embedded,
        "ask_p50_ms": round(statistics.median(lat), 1),
        "ask_p95_ms": round(p95(lat), 1),
        "ask_p50_ms_sentences_on_the_fly": round(statistics.median(otf), 1),
        "ask_p95_ms_sentences_on_the_fly": round(p95(otf), 1),
        "index_mb": round(size_mb, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "server_rss_mb": server_mb,
    }


def save_table(rows: list[dict[str, Any]], path: Path) -> None:
    """A benchmark's rows saved as JSON and printed as a Markdown table (every column any
    row has, in the order first seen; blank where a row has none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    cols = list(dict.fromkeys(c for r in rows for c in r))
    print("| " + " | ".join(cols) + " |")
    print("| " + " | ".join("---" for _ in cols) + " |")
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")


def run_scale(
    settings: Settings,
    sizes: list[int],
    corpus: list[str],
    questions: list[str],
    out: Path,
    modes: tuple[str, ...] = ("embedded",),
) -> int:
    from assistant.answering.session import SAMPLE_PLAN
    from index.load import iter_source_files

    bad = [m for m in modes if m not in MODES]
    if bad:
        raise PlanQAError(f"--modes: unknown mode(s) {', '.join(bad)}; use {', '.join(MODES)}")
    extra = [str(p) for p in iter_source_files(corpus)]
    missing = max(sizes, default=1) - 1 - len(extra)
    if missing > 0 and not extra:
        raise PlanQAError(f"--sizes up to {max(sizes)} needs a --corpus to draw documents from")
    ctx = multiprocessing.get_context("spawn")
    rows = []
    with tempfile.TemporaryDirectory(prefix="planqa-variants-") as tmp:
        if missing > 0:
            extra += make_variants(extra, missing, Path(tmp))
        for n in sizes:
            files = [str(SAMPLE_PLAN), *extra[: max(n - 1, 0)]]
            for mode in modes:
                with ctx.Pool(1) as pool:
                    rows.append(pool.apply(_measure, ((settings, files, questions, mode),)))
                print(f"  {rows[-1]}", flush=True)
    save_table(rows, out / "scale.json")
    _plot(rows, out / "scale.png")
    print(f"saved {out / 'scale.json'} and {out / 'scale.png'}")
    return 0


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    panels = (
        ("warm query latency", "ms", (("ask_p50_ms", "p50", "o"), ("ask_p95_ms", "p95", "s"))),
        ("ingest time (embedding on 2 CPU cores)", "s", (("ingest_s", "", "o"),)),
        ("index size on disk", "MB", (("index_mb", "", "o"),)),
        (
            "peak memory (RSS)",
            "MB",
            (("peak_rss_mb", "PlanQA", "o"), ("server_rss_mb", "Chroma server", "s")),
        ),
    )
    sizes = sorted({r["documents"] for r in rows})
    for ax, (title, unit, series) in zip(axes.flat, panels):
        for mode, style in zip(MODES, ("-", "--")):
            mine = [r for r in rows if r["mode"] == mode]
            for key, label, marker in series:
                points = [(r["documents"], r[key]) for r in mine if r[key]]
                if points:
                    xs, ys = zip(*points)
                    ax.plot(xs, ys, marker + style, label=f"{mode} {label}".strip())
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.set_xlabel("documents indexed")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
