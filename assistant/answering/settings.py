"""The one settings object, built at the edge from flags, env vars and a TOML file.

Precedence: command-line flags, then ``PLANQA_*`` environment variables, then the
TOML file (``--config``, ``PLANQA_CONFIG``, or ``<home>/config.toml``), then
defaults. Everything below the CLI receives plain arguments from ``Settings``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from index.embed import DEFAULT_MODEL
from index.errors import PlanQAError

ENV_PREFIX = "PLANQA_"


@dataclass(frozen=True)
class Settings:
    home: Path  # data directory: index, converted models
    model: str = DEFAULT_MODEL  # sentence-transformers model name or path
    k: int = 4  # chunks retrieved per question
    chroma_url: str = ""  # a Chroma server (http://host:port) for the vectors; "" = embedded under home
    host: str = "127.0.0.1"  # web chat: address to bind (loopback unless told otherwise)
    port: int = 7860  # web chat: port
    auth: str = field(default="", repr=False)  # web chat: "user:password" to require a login ("" = none)
    max_upload_mb: int = 20  # web chat: largest file accepted for upload
    answer_mode: str = "extractive"  # "extractive" (exact quotes, no model) or "llm" (generated, verified)
    llm_url: str = ""  # an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, …); "" = local
    llm_model: str = ""  # the endpoint's model name, or a bundled local model / a GGUF path
    llm_key: str = field(
        default="", repr=False
    )  # the endpoint's API key (set it in the environment: PLANQA_LLM_KEY)
    llm_max_tokens: int = 400  # longest generated answer, in tokens
    api_port: int = 8001  # `planqa api`: port of the OpenAI-compatible API
    api_key: str = field(default="", repr=False)  # `planqa api`: bearer key clients must send ("" = none)

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("planqa", appauthor=False))


def load_settings(flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Merge flags > env > TOML > defaults; bad values raise PlanQAError naming the field."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    from_env = {
        f.name: env[ENV_PREFIX + f.name.upper()]
        for f in fields(Settings)
        if env.get(ENV_PREFIX + f.name.upper())
    }
    home_hint = flags.get("home") or from_env.get("home")
    config_path = flags.get("config") or env.get(ENV_PREFIX + "CONFIG")
    if config_path is None:
        candidate = Path(home_hint or default_home()) / "config.toml"
        config_path = candidate if candidate.is_file() else None
    from_file = _read_toml(Path(config_path)) if config_path else {}
    merged: dict[str, Any] = {**from_file, **from_env, **flags}
    merged.pop("config", None)
    unknown = set(merged) - {f.name for f in fields(Settings)}
    if unknown:
        raise PlanQAError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    merged["home"] = Path(merged.get("home") or default_home()).expanduser()
    for name, low, high in (
        ("k", 1, 50),
        ("port", 1, 65535),
        ("api_port", 1, 65535),
        ("max_upload_mb", 1, 1024),
        ("llm_max_tokens", 16, 8192),
    ):
        if name not in merged:
            continue
        try:
            merged[name] = int(merged[name])
        except (TypeError, ValueError):
            raise PlanQAError(f"setting {name} must be a whole number, got {merged[name]!r}") from None
        if not low <= merged[name] <= high:
            raise PlanQAError(f"setting {name} must be between {low} and {high}, got {merged[name]}")
    mode = merged.get("answer_mode", "extractive")
    if mode not in ("extractive", "llm"):
        raise PlanQAError(f"setting answer_mode must be 'extractive' or 'llm', got {mode!r}")
    if merged.get("chroma_url"):
        from index.dense import parse_chroma_url

        parse_chroma_url(str(merged["chroma_url"]))  # names the setting when malformed
    return Settings(**merged)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanQAError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PlanQAError(f"{path}: not valid TOML: {e}") from None
    return dict(data.get("planqa", data))
