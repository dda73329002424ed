"""Greedy decoding that guesses ahead from the prompt (assistant/answering/copydecode.py), over a
stand-in for llama-cpp-python's ``Llama``: a model whose next token is a fixed function of
the token before, so plain greedy decoding's text is known exactly."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pytest

from assistant.answering.copydecode import DecodeStats, greedy_tokens, lookup, prefill, text_pieces
from index.errors import PlanQAError

VOCAB = 40
STOP = 0


class FakeBatch:
    def set_batch(self, batch: list[int], n_past: int, logits_all: bool) -> None:
        self.tokens, self.n_past = list(batch), n_past
        self.outputs = [logits_all or i == len(batch) - 1 for i in range(len(batch))]


class FakeContext:
    def __init__(self, model: FakeLlama) -> None:
        self.model = model
        self.rows = np.zeros((1, VOCAB), dtype=np.single)
        self.decoded = 0  # tokens computed, as a cost

    def kv_cache_seq_rm(self, seq: int, p0: int, p1: int) -> bool:
        del self.model.kv[p0:]
        return True

    def decode(self, batch: FakeBatch) -> None:
        kv = self.model.kv
        assert len(kv) == batch.n_past, "a batch must follow the tokens the cache holds"
        kv.extend(batch.tokens)
        self.decoded += len(batch.tokens)
        rows = [self.model.next_logits(t) for t, out in zip(batch.tokens, batch.outputs) if out]
        self.rows = np.array(rows, dtype=np.single)

    def get_logits(self) -> Any:
        self.rows = np.ascontiguousarray(self.rows)  # a float pointer, as llama.cpp returns
        return ctypes.cast(self.rows.ctypes.data, ctypes.POINTER(ctypes.c_float))


class FakeLlama:
    """After token t the model writes ``table[t]``; a cache of the tokens evaluated."""

    def __init__(self, table: dict[int, int]) -> None:
        self.table = table
        self.kv: list[int] = []
        self.input_ids = np.zeros(256, dtype=np.intc)
        self.n_tokens = 0
        self._batch = FakeBatch()
        self._ctx = FakeContext(self)

    def n_ctx(self) -> int:
        return 256

    def n_vocab(self) -> int:
        return VOCAB

    def next_logits(self, token: int) -> np.ndarray:
        row = np.zeros(VOCAB, dtype=np.single)
        row[self.table.get(token, STOP)] = 1.0
        return row

    def eval(self, tokens: list[int]) -> None:
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        self._batch.set_batch(tokens, self.n_tokens, logits_all=False)
        self._ctx.decode(self._batch)
        self.input_ids[self.n_tokens : self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)

    def detokenize(self, tokens: list[int]) -> bytes:
        return b"".join(PIECES[t] for t in tokens)


# a prompt holding the run 5 6 7 8 9 10 11; the model, after 4, writes that run again and stops
PROMPT = [1, 2, 5, 6, 7, 8, 9, 10, 11, 3, 4]
TABLE = {4: 5, 5: 6, 6: 7, 7: 8, 8: 9, 9: 10, 10: 11, 11: 12, 12: STOP}


def decode(
    model: FakeLlama, draft: int, prompt: list[int] = PROMPT, **kw: Any
) -> tuple[list[int], DecodeStats]:
    stats = DecodeStats()
    table = {n: draft for n in (4, 3, 2, 1)} if draft else {}  # guess ``draft`` after any match
    tokens = list(greedy_tokens(model, prompt, kw.pop("max_tokens", 50), {STOP}, stats, table))
    return tokens, stats


def test_guessing_ahead_writes_what_plain_greedy_decoding_writes_in_fewer_steps() -> None:
    plain, plain_stats = decode(FakeLlama(TABLE), draft=0)
    model = FakeLlama(TABLE)
    copied, stats = decode(model, draft=8)
    assert plain == copied == [5, 6, 7, 8, 9, 10, 11, 12]
    assert plain_stats.steps == 8 and plain_stats.accepted == 0
    assert stats.steps < 4 and stats.accepted >= 5  # the run 6…11 came from the prompt
    assert stats.written == 8 and stats.prompt_tokens == len(PROMPT)


def test_a_wrong_guess_is_dropped_from_the_text_and_from_the_cache() -> None:
    # the prompt says 6 7 8 after 5 6; the model writes 6 then 13: the guesses past 6 are wrong
    table = {4: 5, 5: 6, 6: 13, 13: STOP}
    model = FakeLlama(table)
    tokens, stats = decode(model, draft=8, prompt=[5, 6, 7, 8, 9, 4])
    assert tokens == [5, 6, 13]
    assert stats.guessed > stats.accepted
    held = list(model.input_ids[: model.n_tokens])
    assert model.kv == held  # the cache holds what input_ids says
    # the prompt and the text written, no dropped guess (the last token needs no evaluation)
    assert held in ([5, 6, 7, 8, 9, 4, 5, 6], [5, 6, 7, 8, 9, 4, 5, 6, 13])


def test_the_next_prompt_reuses_the_prefix_it_shares() -> None:
    model = FakeLlama(TABLE)
    decode(model, draft=8)
    again, stats = decode(model, draft=8, prompt=[*PROMPT[:-1], 4])
    assert stats.reused_tokens == len(PROMPT) - 1  # all but the last, whose logits start it
    assert again == [5, 6, 7, 8, 9, 10, 11, 12]


@pytest.mark.parametrize("draft", [0, 3, 8])
def test_max_tokens_is_kept_however_far_it_guesses(draft: int) -> None:
    tokens, stats = decode(FakeLlama(TABLE), draft=draft, max_tokens=4)
    assert tokens == [5, 6, 7, 8] and stats.written == 4


def test_lookup_takes_the_longest_latest_match() -> None:
    history = [1, 2, 3, 9, 2, 3, 4, 7, 2, 3]
    table = {3: 4, 2: 4, 1: 4}
    assert lookup(history, table, 8) == ([4, 7, 2, 3], 2)  # "2 3" last seen before "4 7"
    assert lookup([1, 2, 3, 9, 3], {3: 4, 2: 4}, 8) == ([], 0)  # a one-token match: no entry
    assert lookup([1, 2, 3, 9, 3], table, 8) == ([9, 3], 1)
    assert lookup(history, {3: 4, 2: 1}, 8) == ([4], 2)  # as many as the table says for n
    assert lookup(history, table, 0) == ([], 0)


PIECES = {i: f"<{i}>".encode() for i in range(VOCAB)}
PIECES.update(
    {20: "牵".encode()[:2], 21: "牵".encode()[2:], 22: "头".encode(), 23: "。[".encode(), 24: b"1]"}
)


def test_text_comes_out_in_whole_characters_and_stops_at_a_stop_string() -> None:
    model = FakeLlama({})
    assert "".join(text_pieces(model, iter([20, 21, 22]))) == "牵头"
    pieces = list(text_pieces(model, iter([20, 21, 22]), ()))
    assert all("\ufffd" not in p for p in pieces)  # a half character is held, not shown
    assert "".join(text_pieces(model, iter([22, 20]))) == "头"  # cut mid-character: left out
    assert "".join(text_pieces(model, iter([20, 21, 22, 23, 24]), ["。["])) == "牵头"
    assert "".join(text_pieces(model, iter([22, 24]), ["。["])) == "头1]"


def test_a_prompt_longer_than_the_context_is_a_clear_error() -> None:
    with pytest.raises(PlanQAError, match="256"):
        decode(FakeLlama(TABLE), draft=3, prompt=[1] * 300)


def test_a_prefilled_head_is_reused_by_the_prompt_that_starts_with_it() -> None:
    model = FakeLlama(TABLE)
    prefill(model, [1, 2, 5, 6, 99])  # the head and a placeholder after it
    assert model.n_tokens == 5 and model.kv == [1, 2, 5, 6, 99]
    tokens, stats = decode(model, draft=3)
    assert stats.reused_tokens == 4 and tokens == [5, 6, 7, 8, 9, 10, 11, 12]


class Rendered:
    """A stand-in for the model's tokenizer and metadata as LlamaCppChat reads them."""

    def __init__(self, metadata: dict[str, str]) -> None:
        self.metadata = metadata
        self.asked: list[tuple[bytes, bool]] = []
        self._model = self

    def token_get_text(self, token: int) -> str:
        return {1: "<s>", 2: "</s>"}[token]

    def token_eos(self) -> int:
        return 2

    def token_bos(self) -> int:
        return 1

    def tokenize(self, text: bytes, add_bos: bool, special: bool) -> list[int]:
        self.asked.append((text, add_bos))
        return [7]


@pytest.mark.parametrize(
    ("metadata", "prompt", "bos"),
    [
        (
            {"tokenizer.chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}|{% endfor %}"},
            "<s>S|U|",
            False,
        ),
        ({}, "[INST] <<SYS>>\nS\n<</SYS>> U [/INST]", True),  # no template: llama-2, BOS by the tokenizer
    ],
)
def test_the_prompt_is_rendered_as_create_chat_completion_renders_it(
    metadata: dict[str, str], prompt: str, bos: bool
) -> None:
    pytest.importorskip("llama_cpp")
    from langchain_core.messages import HumanMessage, SystemMessage

    from assistant.answering.llm import LlamaCppChat

    model = Rendered(metadata)
    chat = LlamaCppChat(model_path="model.gguf")
    chat._prompt_tokens(model, [SystemMessage(content="S"), HumanMessage(content="U")])
    assert model.asked == [(prompt.encode(), bos)]
