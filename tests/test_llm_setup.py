"""Answer mode llm's setup: the answer-mode setting, and the bundled local model (its parts joined,
checked against their sha256, what to install when they are missing)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("mode", ["extractive", "llm", "other"])
def test_answer_mode_setting(mode: str) -> None:
    from assistant.answering.settings import load_settings
    from index.errors import PlanQAError

    if mode == "other":
        with pytest.raises(PlanQAError, match="answer_mode must be 'extractive' or 'llm'"):
            load_settings({}, env={"PLANQA_HOME": "/tmp/x", "PLANQA_ANSWER_MODE": mode})
    else:
        s = load_settings(
            {}, env={"PLANQA_HOME": "/tmp/x", "PLANQA_ANSWER_MODE": mode, "PLANQA_LLM_KEY": "k"}
        )
        assert (s.answer_mode, s.llm_key) == (mode, "k")


def test_a_missing_local_model_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.answering import llm
    from index.errors import PlanQAError

    spec = llm.LocalModel("m", "m.gguf", "planqa_no_such_part{}", 2, "0" * 64, "llm")
    monkeypatch.setitem(llm.LOCAL_MODELS, "m", spec)
    with pytest.raises(PlanQAError, match=r"planqa-no-such-part1 is not installed .*\.\[llm\]"):
        llm.local_model_file("m", tmp_path)
    with pytest.raises(PlanQAError, match="neither a bundled local model"):
        llm.local_model_file("nope", tmp_path)


def test_local_model_parts_are_joined_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import sys
    import types

    from assistant.answering import llm
    from index.errors import PlanQAError

    data = [b"GGUF" + b"a" * 5000, b"b" * 3000]
    for i, blob in enumerate(data, 1):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(blob)
        module = types.ModuleType(f"planqa_test_part{i}")
        module.get_part_path = lambda p=part: str(p)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, f"planqa_test_part{i}", module)
    good = hashlib.sha256(b"".join(data)).hexdigest()
    monkeypatch.setitem(
        llm.LOCAL_MODELS, "t", llm.LocalModel("t", "t.gguf", "planqa_test_part{}", 2, good, "llm")
    )
    path = llm.local_model_file("t", tmp_path / "models")
    assert path.read_bytes() == b"".join(data)
    assert llm.local_model_file("t", tmp_path / "models") == path  # checked once, reused
    monkeypatch.setitem(
        llm.LOCAL_MODELS, "bad", llm.LocalModel("bad", "b.gguf", "planqa_test_part{}", 2, "0" * 64, "llm")
    )
    with pytest.raises(PlanQAError, match="joined parts have sha256"):
        llm.local_model_file("bad", tmp_path / "models")
    assert not (tmp_path / "models" / "b.gguf").exists()  # nothing half-written is left
