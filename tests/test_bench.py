"""Benchmarks run end to end (figures are printed, never asserted on: no timed tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.scale import run_scale
from assistant.settings import Settings
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
