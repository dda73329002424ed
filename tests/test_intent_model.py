"""The fitted intent model: what a question asks when no word of the rules' lists says it."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.answering.fitted import IntentModel, Logistic, char_grams, load_intent
from assistant.answering.intent import detect_intent


def _model(threshold: float = 0.5) -> IntentModel:
    grams = ("谁", "哪年", "几")
    kinds = ("responsibility", "deadline", "target", "general")
    coef = {
        "responsibility": (3.0, 0, 0),
        "deadline": (0, 3.0, 0),
        "target": (0, 0, 3.0),
        "general": (0, 0, 0),
    }
    models = tuple(Logistic(grams, (0.0,) * 3, (1.0,) * 3, coef[k], -1.0) for k in kinds)
    return IntentModel(kinds, models, threshold)


def test_character_grams_and_probabilities() -> None:
    assert char_grams("谁 管") == {"谁", "管", "谁管"}
    m = _model()
    p = m.probs("这事谁管？")
    assert (
        max(p, key=lambda k: p[k]) == "responsibility"
        and abs(p["responsibility"] - 1 / (1 + 2.718281828**-2)) < 1e-6
    )
    assert abs(p["general"] - 1 / (1 + 2.718281828)) < 1e-6  # no gram of its own: the intercept
    again = IntentModel.from_dict(json.loads(json.dumps(m.to_dict())))
    assert again.probs("哪年建成") == m.probs("哪年建成")


def test_the_fitted_model_reads_who_without_the_rules_words() -> None:
    """Questions the word lists call general ("谁当", "还有谁一块儿管") asking who; phrased
    unlike any labelled question."""
    assert load_intent() is not None
    for q in ("联席会议的召集人是谁当？", "除了公安那边还有谁一块儿管？"):
        assert detect_intent(q, learned=False).kind == "general"
        assert detect_intent(q).kind == "responsibility", q
    assert detect_intent("讲讲那个试点是怎么回事").kind == "general"


def test_fit_intent_writes_a_model_it_can_load(tmp_path: Path) -> None:
    from assistant.evaluation.fitintent import INTENT_KINDS, fit_intent

    out = tmp_path / "intent.json"
    dev = fit_intent(sets=("questions-public.jsonl", "questions-dezhou.jsonl"), out=out)
    model = load_intent(out)
    assert model is not None and model.kinds == INTENT_KINDS and 0 < model.threshold < 1
    assert dev["questions"] > 50 and 0 <= dev["agreement_rules"] <= 1
    assert json.loads(out.read_text(encoding="utf-8"))["sets"] == [
        "questions-public.jsonl",
        "questions-dezhou.jsonl",
    ]
