"""Tokenise Chinese text for BM25 with jieba (search mode), normalised for matching.

Normalisation (NFKC, lower case) is for matching only; offsets never come from here.
The jieba dictionary loads lazily, once per process.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_jieba: Any = None
_WORD = re.compile(r"\w")
# Question and function words that carry no content for retrieval.
STOPWORDS = frozenset(
    """的 了 和 与 及 等 是 在 对 为 以 将 把 被 由 从 向 于 之 其 这 那 该 此 各 有 也 都 并 或 要 个
    哪 哪个 哪些 哪家 哪项 什么 多少 几 几个 几项 几家 怎么 怎样 如何 吗 呢 吧 啊 么 谁 请问 一下 是否
    还 能 会 可以 需要 方案 这项 那项 这条 那条 措施 工作 提出 方面""".split()
)


def get_jieba() -> Any:
    """The jieba module, initialised once (quietly)."""
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


@lru_cache(maxsize=4096)
def jieba_words(text: str, hmm: bool = True) -> tuple[str, ...]:
    """jieba's words of ``text`` as it cuts them (precise mode), all kept; cached: a question is
    cut once for every reader of it. ``hmm``: guess words the dictionary lacks."""
    return tuple(get_jieba().lcut(text, HMM=hmm))


def word_bounds(text: str, hmm: bool = True) -> set[int]:
    """Where jieba's words of ``text`` begin and end (offsets into it)."""
    bounds, at = {0}, 0
    for word in jieba_words(text, hmm):
        at += len(word)
        bounds.add(at)
    return bounds


def normalize(text: str) -> str:
    """Matching form: NFKC (full/half width), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    jieba = get_jieba()
    out = []
    for tok in jieba.lcut_for_search(normalize(text)):
        tok = tok.strip()
        if tok and _WORD.search(tok) and tok not in STOPWORDS:
            out.append(tok)
    return tuple(out)


def tokenize(text: str) -> list[str]:
    """Content tokens of ``text`` (jieba search mode, stopwords and punctuation removed)."""
    return list(_tokens(text))
