"""Homophone typos in questions, corrected against the words of the index.

Chinese is typed through pinyin, so a typo is almost always a character with the same
sound as the right one: "牵投" for 牵头, "配和" for 配合, "漏损律" for 漏损率, "技术经济人"
for 技术经纪人. A stretch of two to four characters of the question that the documents
never contain, but that sounds exactly like a word they do contain (the index's own
vocabulary, department names, the words questions are recognised by), differing in one
character (two of four), is read as that word. Nothing is corrected that is one of those
words as written, or that jieba reads as ordinary words (unless its dictionary counts the
homophone ``TYPO_RATIO`` times as often: "啥时侯" is read as 啥时候), and a stretch that sounds like
several words is left alone unless one of them shares more characters with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_CJK = re.compile(r"[\u4e00-\u9fff]+")
SIZES = (4, 3, 2)
# a word jieba's dictionary knows is still read as a typo of a homophone the index or the
# questions use when the dictionary counts that homophone this many times as often ("时侯" and
# "时候", "建义" and "建议": about 3,000 times). evals/typo_ratio.py, on the dev splits: 20
# questions corrected differently across the grid, 19 right from 10 to 1,000 (the highest kept:
# fewest words read as typos), 18 with none read so
TYPO_RATIO = 1000.0


@lru_cache(maxsize=65536)
def _sound(ch: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch)[0]


def sound(word: str) -> tuple[str, ...]:
    """The toneless pinyin of each character ("牵投" → ("qian", "tou"))."""
    return tuple(_sound(ch) for ch in word)


class Speller:
    """Corrects questions against ``words``: what the documents write (their tokens), and
    the words questions are recognised by."""

    def __init__(self, words: Iterable[str], names: Iterable[str] = ()) -> None:
        """``names``: names to read as written wherever they occur in a question (department
        names and their short forms: "住建局" is not a typo of something in "市监局")."""
        self._names = sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)
        self._words: set[str] = set()
        self._by_sound: dict[tuple[str, ...], list[str]] = {}
        for w in words:
            if len(w) in SIZES and _CJK.fullmatch(w) and w not in self._words:
                self._words.add(w)
                self._by_sound.setdefault(sound(w), []).append(w)

    def correct(self, question: str) -> str:
        """``question`` with each typo replaced by the word it sounds like.

        Only stretches that jieba could not read as words are looked at: a run of whole
        tokens, two to four characters long, holding a single-character token or a token
        its dictionary does not know ("牵投", "漏损" + "律"); "那个" + "局" is read as
        written."""
        from index.tokenize import get_jieba

        jieba = get_jieba()
        out: list[str] = []
        for piece in self._pieces(question):
            if not _CJK.fullmatch(piece) or piece in self._names:
                out.append(piece)
                continue
            tokens = jieba.lcut(piece, HMM=False)
            odd = [len(t) == 1 or not jieba.dt.FREQ.get(t) or self._rarer(t, jieba.dt.FREQ) for t in tokens]
            i = 0
            while i < len(tokens):
                for j in range(len(tokens), i, -1):  # the longest run of tokens first
                    window = "".join(tokens[i:j])
                    if len(window) in SIZES and any(odd[i:j]):
                        word = self._word_for(window)
                        if word is not None:
                            out.append(word)
                            i = j
                            break
                else:
                    out.append(tokens[i])
                    i += 1
        return "".join(out)

    def _rarer(self, token: str, freq: dict[str, int]) -> bool:
        """A homophone the index or the questions use is ``TYPO_RATIO`` times as common in
        jieba's dictionary as the token (a word it knows, rarely: "时侯")."""
        if token in self._words:
            return False
        seen = freq.get(token, 0) + 1
        return any(
            freq.get(w, 0) + 1 >= TYPO_RATIO * seen
            for w in self._by_sound.get(sound(token), ())
            if w != token
        )

    def _pieces(self, question: str) -> list[str]:
        """The question cut at names (kept whole) and at everything not Chinese."""
        pieces = [question]
        for name in self._names:
            if name not in question:
                continue
            cut: list[str] = []
            for p in pieces:
                if p in self._names:
                    cut.append(p)
                else:
                    parts = p.split(name)
                    for i, part in enumerate(parts):
                        if i:
                            cut.append(name)
                        cut.append(part)
            pieces = cut
        return [
            x for p in pieces for x in ([p] if p in self._names else re.split(f"({_CJK.pattern})", p)) if x
        ]

    def _word_for(self, window: str) -> str | None:
        if window in self._words:
            return None
        candidates = [w for w in self._by_sound.get(sound(window), ()) if w != window]
        if not candidates:
            return None

        def shared(w: str) -> int:
            return sum(a == b for a, b in zip(w, window))

        candidates.sort(key=shared, reverse=True)
        best = shared(candidates[0])
        # one mistyped character in a short stretch, two at most in four
        if best < len(window) - (2 if len(window) == 4 else 1):
            return None  # a different word altogether that happens to sound the same
        if len(candidates) > 1 and shared(candidates[1]) == best:
            return None  # no way to tell which word was meant
        return candidates[0]
