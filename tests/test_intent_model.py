"""The fitted question models: what a question asks when no word of the rules' lists says it, and
whether it asks which document says something or about the document itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering import intent
from assistant.answering.fitted import DocumentSort, IntentModel, Logistic, char_grams, load_intent
from assistant.answering.intent import asks_which_document, clear_learned, detect_intent, is_meta


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


def _sort(join: str = "or") -> DocumentSort:
    """A sort that reads "材料" as asking which document and "号文" as asking about one."""
    grams = ("材料", "号文")
    models = (
        Logistic(grams, (0.0, 0.0), (1.0, 1.0), (0.0, 4.0), -2.0),  # document
        Logistic(grams, (0.0, 0.0), (1.0, 1.0), (4.0, 0.0), -2.0),  # which_document
    )
    sorts = ("document", "which_document")
    return DocumentSort(
        IntentModel(sorts, models, 0.5), dict.fromkeys(sorts, join), dict.fromkeys(sorts, 0.5)
    )


def test_a_document_sort_finds_what_the_words_miss_and_never_overrules_them() -> None:
    s = _sort()
    assert s.says("which_document", "哪份材料讲了污水回用", False)
    assert not s.says("which_document", "污水回用怎么搞", False)
    assert s.says("which_document", "污水回用怎么搞", True)  # the rule's words stand
    assert not _sort("rule").says("which_document", "哪份材料讲了污水回用", False)
    again = DocumentSort.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again.says("document", "这是几号文", False) and not again.says("document", "污水回用怎么搞", False)


@pytest.fixture
def planted_sort(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(intent, "load_document_sort", lambda: _sort())
    clear_learned()
    yield
    monkeypatch.undo()
    clear_learned()


def test_the_sort_decides_which_document_questions_the_words_miss(planted_sort: None) -> None:
    """ "哪份材料…" has no word of the rule: with the sort it asks which document, and so is no
    question about the document itself; the rule alone still says what it said."""
    q = "哪份材料讲了太钢用反渗透膜回用废水的事？"
    assert not asks_which_document(q, learned=False)
    assert asks_which_document(q) and not is_meta(q)
    assert is_meta("这是几号文？") and not is_meta("这是几号文？", learned=False)
    # what rules a question out still does: what this plan is based on asks no other document
    assert not asks_which_document("本方案贯彻落实的是哪个文件？")


def test_fit_sorts_joins_a_sort_the_words_miss() -> None:
    """Planted: which-document questions asked with "材料" (no word of the rule) among others."""
    from assistant.evaluation.fitintent import fit_sorts

    rows = [(f"w{i}", f"哪份材料说了第{i}件事", "which_document") for i in range(30)]
    rows += [(f"o{i}", f"第{i}件事谁牵头负责", "lead") for i in range(60)]
    sort, dev = fit_sorts(rows)
    assert dev["which_document"]["errors_rule"] == 30 and dev["which_document"]["errors_cv"] == 0
    assert sort.joins["which_document"] == "or"
    assert sort.says("which_document", "哪份材料说了那件事", False)
    assert not sort.says("which_document", "那件事谁牵头负责", False)
    assert set(sort.joins) == {"which_document"}  # the document itself is the words' alone


def test_the_packaged_sort_reads_which_document_without_the_rules_words() -> None:
    """A phrasing the word rule misses ("有个文件…，是哪份来着？"), not a labelled question; and
    questions asking who, when or about one document stay what they were."""
    q = "有个文件讲过要建农产品滞销预警，是哪份来着？"
    assert not asks_which_document(q, learned=False) and asks_which_document(q)
    for other in (
        "这事归哪个部门管？",
        "是哪个局牵头的？",
        "这个文件是谁发的？",
        "深圳湾口岸的土地用到哪年？",
    ):
        assert not asks_which_document(other), other
