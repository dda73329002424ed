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
    run_scale(settings, [1, 3], [str(DATA)], ["强化能源保障谁牵头？", "4月底前要完成哪些事项？"], tmp_path)
    rows = json.loads((tmp_path / "scale.json").read_text(encoding="utf-8"))
    assert [r["documents"] for r in rows] == [1, 3]
    assert rows[1]["chunks"] > rows[0]["chunks"] == 34
    assert all(r["peak_rss_mb"] > 0 and r["chars_per_s"] > 0 for r in rows)
    assert (tmp_path / "scale.png").read_bytes()[:4] == b"\x89PNG"
    assert "| documents |" in capsys.readouterr().out
