"""Greedy decoding that guesses ahead by copying from the prompt (prompt lookup).

An answer mostly copies runs of the passages it is given: department lists, targets,
titles. After each token the decoder looks for the last few tokens written earlier in
the prompt or the answer and proposes what followed them there. The model checks the
token it wrote and the guesses in one batch, and keeps the guesses up to the first it
would not have written itself, plus its own token at that point. On two cores a batch
of four tokens costs less than two single ones (reading the weights, not the arithmetic,
bounds one token), so a copied run is written several tokens a step; how many tokens to
guess was fitted on dev from what guesses kept and what batches cost on the machine.

Only greedy decoding (temperature 0) is sped up: the tokens kept are those the model
rates first at each position, so the text is the one plain decoding writes, up to the
rounding of a batched matrix product against a single one. Logits are computed for the
guessed positions only, never for the prompt (llama-cpp-python's own
``LlamaPromptLookupDecoding`` needs ``logits_all`` and so computes the 151,936-word
output layer for every prompt token).

The tokens held in the model's context are kept in ``llama.input_ids[:n_tokens]`` as
llama-cpp-python keeps them, so the next prompt reuses the prefix it shares.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from index.errors import PlanQAError

# how many tokens to guess after a match of the last n tokens, by n (no entry: no guess),
# fitted on the dev splits of public and colloquial in answer mode llm with the batch costs
# of a 2-core machine (evals/llm_settings.py --fit): a batch of 4 costs 0.111 s against
# 0.059 s for one token and 0.198 s for 8, and 3 guesses gave most tokens a second after
# any match (27 a second after 2-4 tokens matched, 19 after one, 17 guessing nothing)
DRAFT_BY_NGRAM: dict[int, int] = {4: 3, 3: 3, 2: 3, 1: 3}


@dataclass
class DecodeStats:
    """What one call cost: prompt tokens, those reused, model steps and tokens written."""

    prompt_tokens: int = 0
    reused_tokens: int = 0
    steps: int = 0
    written: int = 0
    guessed: int = 0
    accepted: int = 0
    # a step that guessed: (n-gram length matched, tokens guessed, guesses kept)
    trace: list[tuple[int, int, int]] = field(default_factory=list)


def lookup(history: Sequence[int], draft_by_ngram: dict[int, int], cap: int) -> tuple[list[int], int]:
    """The tokens that followed the latest earlier occurrence of the history's last n tokens,
    and n. Longer matches are tried first; a match guesses ``draft_by_ngram[n]`` tokens, at
    most ``cap``; nothing when no n of the table matches.
    """
    size = len(history)
    for n in sorted(draft_by_ngram, reverse=True):
        want = min(draft_by_ngram[n], cap)
        if want <= 0 or n >= size:
            continue
        tail = list(history[size - n :])
        first = tail[0]
        for start in range(size - n - 1, -1, -1):  # the latest occurrence first
            if history[start] == first and list(history[start : start + n]) == tail:
                follow = list(history[start + n : start + n + want])
                if follow:
                    return follow, n
    return [], 0


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def prefill(llama: Any, prompt: Sequence[int], stats: DecodeStats | None = None) -> None:
    """Evaluate ``prompt`` after the longest prefix the context already holds (at least its
    last token again: its logits start the answer); logits of the last token only."""
    n_ctx = llama.n_ctx()
    if not prompt or len(prompt) >= n_ctx:
        raise PlanQAError(
            f"the model's prompt has {len(prompt)} tokens and its context holds {n_ctx}: "
            "ask a shorter question"
        )
    held = list(llama.input_ids[: llama.n_tokens])
    reuse = min(common_prefix(held, prompt), len(prompt) - 1)
    if stats is not None:
        stats.prompt_tokens, stats.reused_tokens = len(prompt), reuse
    llama._ctx.kv_cache_seq_rm(-1, reuse, -1)
    llama.n_tokens = reuse
    llama.eval(list(prompt[reuse:]))


def greedy_tokens(
    llama: Any,
    prompt: Sequence[int],
    max_tokens: int,
    stop_ids: set[int],
    stats: DecodeStats | None = None,
    draft_by_ngram: dict[int, int] | None = None,
) -> Iterator[int]:
    """The tokens greedy decoding writes after ``prompt``, guessing ahead from the prompt
    as ``draft_by_ngram`` says (default ``DRAFT_BY_NGRAM``; ``{}``: one token a step).

    ``llama`` is a ``llama_cpp.Llama`` built without ``logits_all``; its context keeps
    the prompt and the answer afterwards (the next call reuses the shared prefix).
    """
    import numpy as np

    stats = stats if stats is not None else DecodeStats()
    table = DRAFT_BY_NGRAM if draft_by_ngram is None else draft_by_ngram
    prompt = list(prompt)
    n_ctx, n_vocab = llama.n_ctx(), llama.n_vocab()
    prefill(llama, prompt, stats)
    logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(n_vocab,))
    token = int(logits.argmax())
    history = prompt
    batch_ctx = llama._batch
    while True:
        if token in stop_ids or stats.written >= max_tokens:
            return
        stats.written += 1
        yield token
        history.append(token)
        if stats.written >= max_tokens or llama.n_tokens + 1 >= n_ctx:
            return
        room = min(max_tokens - stats.written, n_ctx - llama.n_tokens - 1)
        draft, matched = lookup(history, table, room)
        batch = [token, *draft]
        n_past = llama.n_tokens
        batch_ctx.set_batch(batch=batch, n_past=n_past, logits_all=True)
        llama._ctx.decode(batch_ctx)
        rows = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(len(batch), n_vocab))
        best = rows.argmax(axis=1)
        llama.input_ids[n_past : n_past + len(batch)] = batch
        kept = 0
        while kept < len(draft) and int(best[kept]) == draft[kept]:
            kept += 1
        stats.steps += 1
        stats.guessed += len(draft)
        stats.accepted += kept
        if draft:
            stats.trace.append((matched, len(draft), kept))
        llama.n_tokens = n_past + 1 + kept  # the token written and the guesses kept
        if kept < len(draft):
            llama._ctx.kv_cache_seq_rm(-1, llama.n_tokens, -1)
        for guess in draft[:kept]:
            if guess in stop_ids or stats.written >= max_tokens:
                return
            stats.written += 1
            yield guess
            history.append(guess)
        token = int(best[kept])


def text_pieces(llama: Any, tokens: Iterator[int], stop: Sequence[str] = ()) -> Iterator[str]:
    """The text of ``tokens`` as it completes (whole UTF-8 characters), cut at a stop string."""
    # a character cut by max_tokens is left out, not shown as "\ufffd"
    decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
    written = ""
    longest = max((len(s) for s in stop), default=0)
    pending = ""
    for token in tokens:
        pending += decoder.decode(llama.detokenize([token]))
        if not pending:
            continue
        if stop:
            text = written + pending
            cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
            if cut >= 0:
                if cut > len(written):
                    yield text[len(written) : cut]
                return
            # hold back what could still become the start of a stop string
            safe = max(len(pending) - (longest - 1), 0)
            if safe:
                yield pending[:safe]
                written += pending[:safe]
                pending = pending[safe:]
            continue
        yield pending
        written += pending
        pending = ""
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending
