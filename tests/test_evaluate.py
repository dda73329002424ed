"""The evaluation harness: metric definitions on small cases, and (integration) a real
side-by-side run of PlanQA and the LangChain peer pipelines on the public set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.metrics import gold_spans, score, summarize
from index.errors import PlanQAError

SOURCE = "甲。到2025年,企业达到1000家。(市科技局牵头负责)\n乙。到2025年,企业达到1000家。"


def _result(retrieved, citations=(), answer="", refused=False):
    return {"answer": answer, "refused": refused, "citations": list(citations), "retrieved": list(retrieved)}


def test_gold_spans_find_every_occurrence() -> None:
    (occ,) = gold_spans(["到2025年,企业达到1000家"], SOURCE)
    assert len(occ) == 2 and all(SOURCE[a:b] == "到2025年,企业达到1000家" for a, b in occ)
    with pytest.raises(PlanQAError, match="not a substring"):
        gold_spans(["不存在的句子"], SOURCE)


def test_gold_spans_in_an_ocr_text_match_across_character_widths() -> None:
    """A scan's OCR writes "，" and "（" where the page printed "," and "(": the evidence is
    still found there (not strict), at the OCR text's own offsets; missing evidence is left out."""
    ocr = SOURCE.replace(",", "，").replace("(", "（")
    (occ,) = gold_spans(["到2025年,企业达到1000家", "不存在的句子"], ocr, strict=False)
    assert [ocr[a:b] for a, b in occ] == ["到2025年，企业达到1000家"] * 2
    with pytest.raises(PlanQAError, match="not a substring"):
        gold_spans(["到2025年,企业达到1000家"], ocr)


def test_score_recall_mrr_key_facts_and_citations() -> None:
    q = {"answerable": True, "must_include": ["1000家"]}
    gold = gold_spans(["到2025年,企业达到1000家", "(市科技局牵头负责)"], SOURCE)
    a, b = gold[0][0]
    na, _ = gold[1][0]
    far = {"doc": "d", "start": 0, "end": 2}  # "甲。": no gold span
    hit = {"doc": "d", "start": a - 2, "end": b}  # covers the first span completely
    part = {"doc": "d", "start": na, "end": na + 3}  # 3 of 10 characters: under 80%
    s = score(
        q, _result([far, hit, part], [{"doc": "d", "start": a, "end": b}, far], "…1000家…"), gold, "d", 4
    )
    assert s["recall"] == 0.5 and not s["all_found"] and s["rr"] == 0.5
    assert s["key_fact"] and s["cite_precision"] == 0.5 and s["cite_recall"] == 0.5
    other_doc = {"doc": "x", "start": a, "end": b}
    assert score(q, _result([other_doc]), gold, "d", 4)["recall"] == 0.0
    refused = score(q, _result([hit], answer="文中未提及", refused=True), gold, "d", 4)
    assert refused["key_fact"] is False and refused["cite_recall"] == 0.0
    # a retrieval-only pipeline gets no answer metrics
    assert "key_fact" not in score(q, _result([hit], refused=None), gold, "d", 4)


def test_summary_refusals_and_categories() -> None:
    rows = [
        {
            "category": "lead",
            "answerable": True,
            "latency_ms": 10,
            "scores": {"refused": False, "key_fact": True, "recall": 1.0, "all_found": True, "rr": 1.0},
        },
        {
            "category": "lead",
            "answerable": True,
            "latency_ms": 30,
            "scores": {"refused": True, "key_fact": False, "recall": 0.0, "all_found": False, "rr": 0.0},
        },
        {"category": "unanswerable", "answerable": False, "latency_ms": 20, "scores": {"refused": True}},
    ]
    s = summarize(rows)
    assert s["key_fact_accuracy"] == 0.5 and s["recall_at_k"] == 0.5
    assert s["refusal_precision"] == 0.5 and s["refusal_recall"] == 1.0
    assert s["categories"]["lead"] == {"n": 2, "accuracy": 0.5, "recall_at_k": 0.5}
    assert s["categories"]["unanswerable"]["accuracy"] == 1.0
    assert s["latency_p50_ms"] == 20


@pytest.mark.integration
@pytest.mark.eval
def test_side_by_side_run_on_the_public_set(tmp_path: Path) -> None:
    from assistant.answering.settings import Settings
    from assistant.evaluation.evaluate import run_eval
    from tests.conftest import PUBLIC_QUESTIONS, ROOT, SAMPLE

    settings = Settings(home=ROOT / ".cache")  # models under .cache/models, shared with the other tests
    out = tmp_path / "eval"
    summary = run_eval(settings, str(PUBLIC_QUESTIONS), out, k=4, compare=True)
    for name in ("results.jsonl", "report.json", "report.md", "report.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3 * 72
    source = SAMPLE.read_text(encoding="utf-8")
    for r in rows:
        for h in r["retrieved"]:
            assert 0 <= h["start"] < h["end"] <= len(source)
    p = summary["pipelines"]
    print(
        "\n",
        {n: (p[n]["recall_at_k"], p[n]["mrr"]) for n in p},
        p["planqa"]["citation_precision"],
        p["planqa"]["citation_recall"],
    )
    assert p["planqa"]["recall_at_k"] > p["naive"]["recall_at_k"]
    assert p["planqa"]["recall_at_k"] > p["chatchat"]["recall_at_k"]
    assert p["planqa"]["citation_precision"] >= 0.9
    assert p["planqa"]["citation_recall"] >= 0.8
    assert "| evidence recall@4 |" in (out / "report.md").read_text(encoding="utf-8")


def test_split_is_fixed_by_the_id_and_balanced() -> None:
    from assistant.evaluation.evaluate import split_of

    assert split_of("pub-001") == split_of("pub-001")
    ids = [f"q-{i:03d}" for i in range(400)]
    dev = sum(split_of(i) == "dev" for i in ids)
    assert 160 < dev < 240  # about half each way
    # the rule itself, written out: the first hex digit of sha256(id)
    import hashlib

    assert all((hashlib.sha256(i.encode()).hexdigest()[0] < "8") == (split_of(i) == "dev") for i in ids)


def test_load_questions_by_split_and_clear_errors(tmp_path: Path) -> None:
    from assistant.evaluation.evaluate import load_questions

    f = tmp_path / "q.jsonl"
    f.write_text(
        "\n".join(json.dumps({"id": f"x{i}", "question": "谁牵头？"}) for i in range(20)) + "\n",
        encoding="utf-8",
    )
    every = load_questions(f)
    dev, test = load_questions(f, "dev"), load_questions(f, "test")
    assert len(dev) + len(test) == len(every) == 20 and {q["split"] for q in dev} == {"dev"}
    f.write_text('{"id": "a", "question": "谁牵头？"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(PlanQAError, match=r"q.jsonl:2: the field 'question'"):
        load_questions(f)


def test_split_table_shows_dev_test_and_gap(tmp_path: Path) -> None:
    from assistant.evaluation.report import write_markdown

    def summary(acc: float) -> dict:
        return {"questions": 10, "key_fact_accuracy": acc, "categories": {}}

    s = {
        "setup": {"documents": 1},
        "pipelines": {"planqa": {**summary(0.9), "categories": {}}},
        "splits": {"planqa": {"dev": summary(0.95), "test": summary(0.85)}},
    }
    write_markdown(s, tmp_path / "r.md", "q.jsonl", 4)
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| key-fact accuracy | 0.950 | 0.850 | +0.100 |" in text


def test_compare_without_the_eval_extra_is_refused_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from assistant.evaluation import evaluate

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "rank_bm25" else real(name, *a)
    )
    with pytest.raises(PlanQAError, match=r"eval extra \(missing: rank_bm25\).*planqa\[eval\]"):
        evaluate.run_eval(None, "no-such-file.jsonl", Path("out"), compare=True)  # type: ignore[arg-type]
