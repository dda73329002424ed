"""The ``planqa`` CLI: the ``ask --json`` contract, question files, clear errors.

Runs ``assistant.surfaces.cli.main`` in-process with the fake embedder patched in, so it is
fast and offline; the real model is exercised in test_integration.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering import session
from assistant.surfaces import cli
from tests.conftest import FakeEmbedder


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "SentenceTransformerEmbedder", lambda *a, **k: FakeEmbedder())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_contract(fresh_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--home", str(fresh_home), "ask", "--json", "强化能源保障谁牵头？")
    assert code == 0
    obj = json.loads(out)
    assert list(obj) == ["question", "answer", "refused", "citations", "retrieved"]
    assert obj["question"] == "强化能源保障谁牵头？" and obj["refused"] is False
    assert "市发展改革委" in obj["answer"]


def test_ask_file_prints_one_line_per_question(
    fresh_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qs = tmp_path / "qs.jsonl"
    qs.write_text(
        json.dumps({"id": "a", "question": "到2025年，全市高新技术企业要达到多少家？"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"question": "德州机场选址定在哪里？"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--home", str(fresh_home), "ask", "--json", "--file", str(qs))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    assert lines[0]["id"] == "a" and "1000家" in lines[0]["answer"]
    assert "id" not in lines[1] and lines[1]["refused"] is True


def test_plain_answer_lists_citations(fresh_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--home", str(fresh_home), "ask", "强化能源保障谁牵头？")
    assert code == 0
    assert out.startswith("答：")
    assert "[1] 《德州市贯彻落实省" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "qs.jsonl:1: not valid JSON"),
        ('{"q": "x"}\n', "qs.jsonl:1: each line needs a string field 'question'"),
    ],
)
def test_bad_question_file(
    fresh_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    qs = tmp_path / "qs.jsonl"
    qs.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "--home", str(fresh_home), "ask", "--json", "--file", str(qs))
    assert code == 2 and message in err and "Traceback" not in err


def test_no_index_yet_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--home", str(tmp_path), "ask", "谁牵头？")
    assert code == 2
    assert "no index under" in err and "planqa ingest" in err


def test_ingest_reports_each_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "plan.md"
    good.write_text(
        "# 某市行动计划\n\n（一）推进算力建设。机架达到5000架。（市发展改革委牵头负责）\n", encoding="utf-8"
    )
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"PK\x03\x04")
    code, out, err = run(capsys, "--home", str(tmp_path / "h"), "ingest", str(good), str(bad))
    assert code == 2
    assert "notes.xlsx" in err and "unsupported" in err.lower()
    assert "added 1" in out and "failed 1" in out
    code, out, _ = run(capsys, "--home", str(tmp_path / "h"), "ingest", str(good))
    assert code == 0 and "unchanged 1" in out and "embedded 0 chunks" in out
    code, out, _ = run(capsys, "--home", str(tmp_path / "h"), "docs")
    assert code == 0 and out.startswith("plan\t")


def test_chat_builds_the_sample_index_then_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["强化能源保障谁牵头？", "", "那配合单位呢？", "q"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out, err = run(capsys, "--home", str(tmp_path), "chat")
    assert code == 0
    assert "首次运行" in err and "34/34" in err  # progress shown while indexing
    assert "由市发展改革委牵头负责" in out
    assert "（理解为：强化能源保障的配合单位是什么？）" in out  # a follow-up, resolved from the chat
    assert out.count("国网德州供电公司配合") >= 2


def test_remove_unknown_id(fresh_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--home", str(fresh_home), "remove", "nope")
    assert code == 2 and "no document with id 'nope'" in err


def test_tasks_command(fresh_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--home", str(fresh_home), "tasks", "--dept", "发改委", "--role", "lead")
    assert code == 0 and out.splitlines()[0].startswith("措施") and "共 9 项" in out
    xlsx = tmp_path / "ledger.xlsx"
    code, _, err = run(capsys, "--home", str(fresh_home), "tasks", "--format", "xlsx", "--out", str(xlsx))
    assert code == 0 and xlsx.stat().st_size > 0 and "33 measures" in err
    code, out, _ = run(
        capsys, "--home", str(fresh_home), "tasks", "--due-before", "2023-04-30", "--format", "ics"
    )
    assert code == 0 and out.count("BEGIN:VEVENT") == 3
    code, _, err = run(capsys, "--home", str(fresh_home), "tasks", "--dept", "外交部")
    assert code == 2 and "no department matches '外交部'" in err


def test_llm_mode_errors_name_the_setting(fresh_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(fresh_home)
    code, _, err = run(
        capsys, "--home", home, "--answer-mode", "llm", "--llm-model", "nope", "ask", "强化能源保障谁牵头？"
    )
    assert code == 2 and "llm_model 'nope' is neither a bundled local model" in err
    # list questions and refusals never need the model
    code, out, _ = run(
        capsys,
        "--home",
        home,
        "--answer-mode",
        "llm",
        "--llm-model",
        "nope",
        "ask",
        "市财政局配合了哪些工作？",
    )
    assert code == 0 and "市财政局作为配合单位参与的措施共" in out


def test_chat_streams_a_generated_answer(
    fresh_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_generate import ScriptedChat, passage_number

    def reply(messages: list) -> str:
        return f"到2025年,全市高新技术企业达到1000家[{passage_number(messages, '1000家')}]。"

    monkeypatch.setattr("assistant.answering.llm.chat_model", lambda *a, **k: ScriptedChat(reply=reply))
    answers = iter(["到2025年全市高新技术企业要达到多少家？", "q"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out, _ = run(capsys, "--home", str(fresh_home), "--answer-mode", "llm", "chat")
    assert code == 0
    assert "答：到2025年,全市高新技术企业达到1000家[1]。\n  [1] 《" in out
    assert out.count("答：") == 1  # streamed once, not printed again


def test_ingest_watch_reports_each_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.answering.settings import Settings
    from tests.conftest import DATA

    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "05.html").write_bytes((DATA / "05.html").read_bytes())
    assistant = session.Assistant(Settings(home=tmp_path / "home"))
    assert cli._watch(assistant, [str(folder)], 0.01, rounds=2) == 0
    out, err = capsys.readouterr()
    assert "watching" in err and out.count("added 1, replaced 0, unchanged 0, removed 0, failed 0") == 1
    with pytest.raises(cli.PlanQAError, match="--interval must be positive"):
        cli._watch(assistant, [str(folder)], 0)
