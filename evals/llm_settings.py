"""Settings of answer mode llm chosen on dev: the dev split of plan question sets asked once
per setting, with what each costs and gives. The settings in the code were chosen with this
script, on dev only.

    python evals/llm_settings.py --context 1 0 3 --sets public colloquial
    python evals/llm_settings.py --draft 0 3:3,2:3 3:7,2:3
    python evals/llm_settings.py --fit

``--context``: how many sentences beyond the quoted ones the model reads
(``generate.CONTEXT_SENTENCES``), a number or ``none`` (whole chunks); the rule before it (300
characters of sentences beyond the quotes) is the code of commit 800ee8a. ``--draft``: how many
tokens greedy decoding guesses after a match of n tokens (``copydecode.DRAFT_BY_NGRAM``), as
``n:tokens,…`` (0: one token a step). Each setting of one list runs with the code's value of the
other. ``--fit`` fits that table: the dev split asked once guessing 8 tokens after any match,
what each guess kept, and the cost of a batch of 1…9 tokens timed on this machine; for each n the
number of guesses that writes most tokens a second. Needs the local LLM (`make llm`); asks the
bundled plan, indexed once in a temporary home.
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

import assistant.answering.copydecode as copydecode
import assistant.answering.generate as generate
from assistant.answering.llm import chat_model_for
from assistant.answering.session import SAMPLE_PLAN, Assistant, final
from assistant.answering.settings import load_settings
from assistant.evaluation.evaluate import load_questions, with_gate
from assistant.evaluation.metrics import gold_spans, score
from index.embed import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parent.parent


def run(assistant: Assistant, sets: list[str], limit: int) -> dict[str, Any]:
    model = assistant.generator.model
    kf: list[bool] = []
    precision: list[float] = []
    notes: Counter[str] = Counter()
    new_tokens: list[float] = []
    first: list[float] = []
    speed: list[float] = []
    trace: list[tuple[int, int, int]] = []
    guessed = accepted = 0
    answers: dict[str, str] = {}
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
            answers[q["id"]] = answer.text
            s = score(q, with_gate(answer), gold, doc, 4)
            if q["answerable"] and s.get("key_fact") is not None:
                kf.append(bool(s["key_fact"]))
            if s.get("cite_precision") is not None:
                precision.append(s["cite_precision"])
            if len(assistant.generator.verify_s) > asked_before:  # the model was asked
                notes["used" if not answer.note else answer.note[:12]] += 1
                calls = getattr(model, "_calls", [])
                if calls:
                    call = calls[-1]
                    new_tokens.append(call["prompt_tokens"] - call["reused_tokens"])
                    if call["decode_tokens"] > 1 and call["decode_s"]:
                        speed.append((call["decode_tokens"] - 1) / call["decode_s"])
                    guessed += call.get("guessed", 0)
                    accepted += call.get("accepted", 0)
                    if getattr(model, "_last", None) is not None:
                        trace.extend(model._last.trace)
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
        "decode_tokens_per_s_p50": median(speed),
        "guesses_kept": f"{accepted}/{guessed}",
        "fell_back": dict(n for n in notes.items() if n[0] != "used"),
        "answers": answers,
        "trace": trace,
    }


def batch_costs(model: Any, sizes: range, repeats: int = 7) -> dict[int, float]:
    """Median seconds to compute a batch of k tokens with logits for each, after the context
    the model holds (the last prompt), on this machine."""
    llama = model._model()
    base = llama.n_tokens
    tokens = [int(t) for t in llama.input_ids[max(base - 16, 0) : base]]
    costs = {}
    for k in sizes:
        times = []
        for _ in range(repeats):
            llama._ctx.kv_cache_seq_rm(-1, base, -1)
            t0 = time.perf_counter()
            llama._batch.set_batch(batch=tokens[:k], n_past=base, logits_all=True)
            llama._ctx.decode(llama._batch)
            times.append(time.perf_counter() - t0)
        costs[k] = statistics.median(times)
    llama._ctx.kv_cache_seq_rm(-1, base, -1)
    return costs


def fit_draft(trace: list[tuple[int, int, int]], costs: dict[int, float]) -> dict[int, int]:
    """For each n-gram length, the number of guesses d that writes most tokens a second: a
    step guessing d keeps min(kept, d) of the guesses the fitting run made (verification keeps
    a prefix), writes one token more, and costs a batch of its guesses + 1 (fewer than d where
    the text matched ends sooner). No entry where guessing nothing is best."""
    table = {}
    for n in sorted({t[0] for t in trace}):
        steps = [(guessed, kept) for m, guessed, kept in trace if m == n]
        rates = {}
        for d in range(0, max(costs)):
            written = sum(min(kept, d) + 1 for _, kept in steps)
            seconds = sum(costs[min(d, guessed) + 1] for guessed, _ in steps)
            rates[d] = written / seconds
        best = max(rates, key=lambda d: rates[d])
        print(
            f"  after {n} tokens matched ({len(steps)} steps): tokens/s by guesses",
            {d: round(r, 1) for d, r in rates.items()},
            flush=True,
        )
        if best:
            table[n] = best
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--context", nargs="*", default=[], help="sentences beyond the quotes")
    parser.add_argument("--draft", nargs="*", default=[], help="n:tokens,… or 0")
    parser.add_argument("--fit", action="store_true", help="fit copydecode.DRAFT_BY_NGRAM")
    parser.add_argument("--sets", nargs="+", default=["public", "colloquial"])
    parser.add_argument("--limit", type=int, default=0, help="first N dev questions of each set (0: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planqa-llm-settings-") as home:
        settings = replace(load_settings(), answer_mode="llm")
        assistant = Assistant(  # the models from the user's home: not fetched or joined again
            replace(settings, home=Path(home)),
            embedder=SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir),
            chat_model=chat_model_for(settings),
        )
        assistant.ingest([SAMPLE_PLAN])
        model = assistant.generator.model
        first: dict[str, str] = {}
        if args.fit:
            copydecode.DRAFT_BY_NGRAM = {4: 8, 3: 8, 2: 8, 1: 8}
            figures = run(assistant, args.sets, args.limit)
            costs = batch_costs(model, range(1, 10))
            print("batch seconds", {k: round(c, 3) for k, c in costs.items()})
            print("DRAFT_BY_NGRAM =", fit_draft(figures["trace"], costs))
        trials = [("context", c) for c in args.context] + [("draft", d) for d in args.draft]
        for kind, setting in trials:
            context, table = generate.CONTEXT_SENTENCES, copydecode.DRAFT_BY_NGRAM
            if kind == "context":
                generate.CONTEXT_SENTENCES = None if setting == "none" else int(setting)
            else:
                pairs = [p.split(":") for p in setting.split(",") if ":" in p]
                copydecode.DRAFT_BY_NGRAM = {int(n): int(d) for n, d in pairs}
            figures = run(assistant, args.sets, args.limit)
            answers = figures.pop("answers")
            figures.pop("trace")
            first = first or answers
            figures["same_answers_as_first"] = sum(answers[k] == first.get(k) for k in answers)
            print(kind, setting, figures, flush=True)
            generate.CONTEXT_SENTENCES, copydecode.DRAFT_BY_NGRAM = context, table
        assistant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
