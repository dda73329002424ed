"""Benchmarks run end to end (figures are printed, never asserted on: no timed tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from assistant.answering.settings import Settings
from assistant.evaluation.scale import run_scale
from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.integration


def test_scale_benchmark_writes_table_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(home=ROOT / ".cache")  # shares .cache/models with the other tests
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "05.html").write_bytes((DATA / "05.html").read_bytes())
    questions = ["强化能源保障谁牵头？", "4月底前要完成哪些事项？"]
    out = tmp_path / "out"
    # size 3 needs one more document than the corpus has: a variant is generated
    run_scale(settings, [1, 3], [str(corpus)], questions, out, ("embedded", "server"))
    rows = json.loads((out / "scale.json").read_text(encoding="utf-8"))
    assert [(r["documents"], r["mode"]) for r in rows] == [
        (1, "embedded"),
        (1, "server"),
        (3, "embedded"),
        (3, "server"),
    ]
    assert rows[2]["chunks"] == rows[3]["chunks"] > rows[0]["chunks"] == 34
    assert rows[2]["embedded"] == rows[2]["chunks"]  # the variant is a document of its own: embedded too
    assert all(r["reingest_embedded"] == 0 for r in rows)  # unchanged files are not embedded again
    assert all(r["peak_rss_mb"] > 0 and r["chunks_per_s"] > 0 and r["index_mb"] > 0 for r in rows)
    assert rows[1]["server_rss_mb"] > 0 and rows[0]["server_rss_mb"] == 0
    assert (out / "scale.png").read_bytes()[:4] == b"\x89PNG"
    assert "| documents |" in capsys.readouterr().out


def test_llm_bench_breaks_an_answer_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``planqa --answer-mode llm bench``: per answer the model wrote, prompt tokens (and
    those reused), prefill, decode, verification and the time to the first verified text;
    questions answered without the model (a list) are not counted."""
    from dataclasses import replace

    import assistant.answering.llm
    from assistant.evaluation.bench import run_llm_bench
    from tests.test_generate import ScriptedChat

    def echo_draft(messages):  # a model that writes the draft it was given: it verifies
        draft = str(messages[-1].content).split("供参考）：\n", 1)[1].strip()
        return "文中未提及" if draft == "（无）" else draft

    class Timed(ScriptedChat):
        _calls: ClassVar[list[dict[str, float]]] = []

        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            yield from super()._stream(messages, stop, run_manager, **kwargs)
            self._calls.append(
                {
                    "prompt_tokens": 500,
                    "reused_tokens": 260,
                    "prefill_s": 0.5,
                    "decode_tokens": 20,
                    "decode_s": 0.2,
                }
            )

    model = Timed(reply=echo_draft, calls=[])
    monkeypatch.setattr(assistant.answering.llm, "chat_model_for", lambda settings: model)
    settings = replace(Settings(home=ROOT / ".cache"), answer_mode="llm")
    questions = ["到2025年全市高新技术企业要达到多少家？", "市科技局牵头哪些工作？"]
    assert run_llm_bench(settings, questions, str(tmp_path)) == 0
    figures = json.loads((tmp_path / "bench-llm.json").read_text(encoding="utf-8"))["figures"]
    assert figures["questions"] == 2 and figures["model_asked"] == 1  # the list is the ledger's
    assert figures["answers_with_verified_text"] == 1 and figures["first_verified_text_s_p50"] > 0
    assert figures["prompt_tokens_p50"] == 500 and figures["prompt_tokens_reused_p50"] == 260
    assert figures["decode_tokens_per_s_p50"] == 100.0 and figures["verify_s_p50"] >= 0
    assert "prefill_s_p50" in capsys.readouterr().out
