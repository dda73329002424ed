"""How many sentences beyond the quoted ones the model reads (``generate.CONTEXT_SENTENCES``):
the dev split of plan question sets asked in answer mode llm once per setting, with what each
costs and gives. The setting in the code was chosen with this script, on dev only.

    python evals/llm_context.py --settings 1 0 3 --sets public colloquial

A setting is a number of sentences or ``none`` (whole chunks). The rule before it (300
characters of sentences beyond the quotes) is the code of commit 800ee8a. Needs the local LLM
(`make llm`); asks the bundled plan, indexed once in a temporary home.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import assistant.generate as generate
from assistant.evaluate import gold_spans, load_questions, score, with_gate
from assistant.llm import chat_model_for
from assistant.session import SAMPLE_PLAN, Assistant, final
from assistant.settings import load_settings
from index.embed import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parent.parent


def run(assistant: Assistant, sets: list[str], limit: int) -> dict[str, Any]:
    model = assistant.generator.model
    kf: list[bool] = []
    precision: list[float] = []
    notes: Counter[str] = Counter()
    new_tokens: list[float] = []
    first: list[float] = []
    for name in sets:
        questions = load_questions(ROOT / "evals" / f"questions-{name}.jsonl", "dev")[: limit or None]
        for q in questions:
            doc = q.get("doc") or "dezhou-plan-2023"
            gold = gold_spans(q.get("evidence", []), assistant.index.source_text(doc), False)
            asked_before = len(assistant.generator.verify_s)
            t0, shown, parts = time.perf_counter(), None, []
            for part in assistant.ask_stream(q["question"]):
                if isinstance(part, str) and shown is None:
                    shown = time.perf_counter() - t0
                parts.append(part)
            answer = final(parts)
            s = score(q, with_gate(answer), gold, doc, 4)
            if q["answerable"] and s.get("key_fact") is not None:
                kf.append(bool(s["key_fact"]))
            if s.get("cite_precision") is not None:
                precision.append(s["cite_precision"])
            if len(assistant.generator.verify_s) > asked_before:  # the model was asked
                notes["used" if not answer.note else answer.note[:12]] += 1
                calls = getattr(model, "_calls", [])
                if calls:
                    new_tokens.append(calls[-1]["prompt_tokens"] - calls[-1]["reused_tokens"])
                if shown is not None:
                    first.append(shown)
    median = lambda xs: round(statistics.median(xs), 2) if xs else None  # noqa: E731
    return {
        "key_facts": f"{sum(kf)}/{len(kf)}",
        "citation_precision": round(sum(precision) / len(precision), 3) if precision else None,
        "model_asked": sum(notes.values()),
        "answers_used": notes["used"],
        "new_prompt_tokens_p50": median(new_tokens),
        "first_verified_s_p50": median(first),
        "fell_back": dict(n for n in notes.items() if n[0] != "used"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", nargs="+", default=["1", "0", "3"])
    parser.add_argument("--sets", nargs="+", default=["public", "colloquial"])
    parser.add_argument("--limit", type=int, default=0, help="first N dev questions of each set (0: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planqa-llm-context-") as home:
        settings = replace(load_settings(), answer_mode="llm")
        assistant = Assistant(  # the models from the user's home: not fetched or joined again
            replace(settings, home=Path(home)),
            embedder=SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir),
            chat_model=chat_model_for(settings),
        )
        assistant.ingest([SAMPLE_PLAN])
        for setting in args.settings:
            generate.CONTEXT_SENTENCES = None if setting == "none" else int(setting)
            print(setting, run(assistant, args.sets, args.limit), flush=True)
        assistant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
