"""Settings precedence: flags > PLANQA_* env > TOML > defaults; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.settings import load_settings
from index.errors import PlanQAError


def test_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "planqa.toml"
    toml.write_text('[planqa]\nk = 6\nmodel = "from-toml"\nhome = "/from/toml"\n', encoding="utf-8")
    env = {"PLANQA_CONFIG": str(toml), "PLANQA_MODEL": "from-env"}
    s = load_settings({}, env)
    assert (s.k, s.model, s.home) == (6, "from-env", Path("/from/toml"))
    s = load_settings({"model": "from-flag", "k": 3, "home": str(tmp_path)}, env)
    assert (s.k, s.model, s.home) == (3, "from-flag", tmp_path)


def test_default_home_is_per_user(tmp_path: Path) -> None:
    s = load_settings({}, {})
    assert s.home.name == "planqa" and s.models_dir == s.home / "models"


def test_home_config_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("k = 8\n", encoding="utf-8")
    assert load_settings({"home": str(tmp_path)}, {}).k == 8


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        ({"k": "many"}, {}, "setting k must be a whole number"),
        ({"k": 0}, {}, "between 1 and 50"),
        ({}, {"PLANQA_CHROMA_URL": "127.0.0.1:8000"}, "chroma_url must look like http://host:port"),
        ({"chroma_url": "http://127.0.0.1:port"}, {}, "chroma_url must look like"),
        ({"chroma_url": "ftp://chroma"}, {}, "chroma_url must look like"),
        ({"config": "/nonexistent/planqa.toml"}, {}, "config file not found"),
    ],
)
def test_bad_settings_are_named(flags: dict, env: dict, message: str) -> None:
    with pytest.raises(PlanQAError, match=message):
        load_settings(flags, env)


def test_chroma_url_from_env() -> None:
    s = load_settings({}, {"PLANQA_CHROMA_URL": "http://127.0.0.1:8000"})
    assert s.chroma_url == "http://127.0.0.1:8000"


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("k = = 3", encoding="utf-8")
    with pytest.raises(PlanQAError, match=r"bad\.toml: not valid TOML"):
        load_settings({"config": str(bad)}, {})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 3", encoding="utf-8")
    with pytest.raises(PlanQAError, match="unknown setting"):
        load_settings({"config": str(unknown)}, {})


def test_secrets_never_show_in_the_settings_repr() -> None:
    env = {
        "PLANQA_API_KEY": "k-123-secret",
        "PLANQA_LLM_KEY": "sk-llm-secret",
        "PLANQA_AUTH": "admin:pw-secret",
    }
    s = load_settings({}, env)
    assert (s.api_key, s.llm_key, s.auth) == ("k-123-secret", "sk-llm-secret", "admin:pw-secret")
    assert "secret" not in repr(s) and "secret" not in str(s)
