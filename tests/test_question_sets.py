"""Structural checks for the gold question sets under ``evals/``.

Fast and offline: no models, no index. Every evidence span and every ``must_include`` string must be
an exact substring of its document: the bundled plan file as written (half-width punctuation
included), or, for a question with a ``doc`` field, that State Council document of
``evals/corpus/gov-policies/`` as PlanQA extracts it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT

PLAN = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"
PUBLIC_SET = ROOT / "evals" / "questions-public.jsonl"
TEAM_SET = ROOT / "evals" / "questions-dezhou.jsonl"
COLLOQUIAL_SET = ROOT / "evals" / "questions-colloquial.jsonl"
GOV_SET = ROOT / "evals" / "questions-gov.jsonl"
GOV_CORPUS = ROOT / "evals" / "corpus" / "gov-policies"
TWINS_SET = ROOT / "evals" / "questions-twins.jsonl"
UNMENTIONED_SET = ROOT / "evals" / "questions-unmentioned.jsonl"
GOV2_SET = ROOT / "evals" / "questions-gov2.jsonl"
TWINS2_SET = ROOT / "evals" / "questions-twins2.jsonl"
TWINS3_SET = ROOT / "evals" / "questions-twins3.jsonl"
GOV3_SET = ROOT / "evals" / "questions-gov3.jsonl"
NEWSTAFF_SET = ROOT / "evals" / "questions-newstaff.jsonl"
GOV4_SET = ROOT / "evals" / "questions-gov4.jsonl"
GOV5_SET = ROOT / "evals" / "questions-gov5.jsonl"
PLAN2_SET = ROOT / "evals" / "questions-plan2.jsonl"
GOV6_SET = ROOT / "evals" / "questions-gov6.jsonl"
GOV7_SET = ROOT / "evals" / "questions-gov7.jsonl"
GOV8_SET = ROOT / "evals" / "questions-gov8.jsonl"
PLAN3_SET = ROOT / "evals" / "questions-plan3.jsonl"
GOV9_SET = ROOT / "evals" / "questions-gov9.jsonl"
PLAN4_SET = ROOT / "evals" / "questions-plan4.jsonl"
GOV10_SET = ROOT / "evals" / "questions-gov10.jsonl"
PLAN5_SET = ROOT / "evals" / "questions-plan5.jsonl"
GOV11_SET = ROOT / "evals" / "questions-gov11.jsonl"
PLAN6_SET = ROOT / "evals" / "questions-plan6.jsonl"
GOV12_SET = ROOT / "evals" / "questions-gov12.jsonl"
PLAN7_SET = ROOT / "evals" / "questions-plan7.jsonl"
GOV13_SET = ROOT / "evals" / "questions-gov13.jsonl"
PLAN8_SET = ROOT / "evals" / "questions-plan8.jsonl"
GOV14_SET = ROOT / "evals" / "questions-gov14.jsonl"
PLAN9_SET = ROOT / "evals" / "questions-plan9.jsonl"
GOV15_SET = ROOT / "evals" / "questions-gov15.jsonl"
PLAN10_SET = ROOT / "evals" / "questions-plan10.jsonl"
GOV16_SET = ROOT / "evals" / "questions-gov16.jsonl"
PLAN11_SET = ROOT / "evals" / "questions-plan11.jsonl"
GOV17_SET = ROOT / "evals" / "questions-gov17.jsonl"
PLAN12_SET = ROOT / "evals" / "questions-plan12.jsonl"
GOV18_SET = ROOT / "evals" / "questions-gov18.jsonl"
PLAN13_SET = ROOT / "evals" / "questions-plan13.jsonl"
GOV19_SET = ROOT / "evals" / "questions-gov19.jsonl"
PLAN14_SET = ROOT / "evals" / "questions-plan14.jsonl"
GOV20_SET = ROOT / "evals" / "questions-gov20.jsonl"
PLAN15_SET = ROOT / "evals" / "questions-plan15.jsonl"
GOV21_SET = ROOT / "evals" / "questions-gov21.jsonl"
PLAN16_SET = ROOT / "evals" / "questions-plan16.jsonl"
GOV22_SET = ROOT / "evals" / "questions-gov22.jsonl"
PLAN17_SET = ROOT / "evals" / "questions-plan17.jsonl"
GOV23_SET = ROOT / "evals" / "questions-gov23.jsonl"
PLAN18_SET = ROOT / "evals" / "questions-plan18.jsonl"
GOV24_SET = ROOT / "evals" / "questions-gov24.jsonl"
PLAN19_SET = ROOT / "evals" / "questions-plan19.jsonl"
GOV25_SET = ROOT / "evals" / "questions-gov25.jsonl"
PLAN20_SET = ROOT / "evals" / "questions-plan20.jsonl"

CATEGORIES = {
    "lead",
    "support",
    "target_2025",
    "target_2023",
    "deadline",
    "list_by_department",
    "list_by_deadline",
    "multi_hop",
    "paraphrase",
    "meta",
    "unanswerable",
    # questions on State Council documents
    "figure",
    "document",
    "which_document",
}

TEAM_MINIMUMS = {
    "lead": 15,
    "support": 15,
    "target_2025": 15,
    "target_2023": 15,
    "deadline": 12,
    "list_by_department": 10,
    "list_by_deadline": 8,
    "multi_hop": 10,
    "paraphrase": 12,
    "meta": 5,
    "unanswerable": 13,
}
TEAM_TOTAL_MIN = 130

FIELDS = {
    "id": str,
    "question": str,
    "category": str,
    "answerable": bool,
    "answer": str,
    "must_include": list,
    "evidence": list,
}

SETS = [
    pytest.param(PUBLIC_SET, id="public"),
    pytest.param(TEAM_SET, id="dezhou"),
    pytest.param(COLLOQUIAL_SET, id="colloquial"),
    pytest.param(GOV_SET, id="gov"),
    pytest.param(TWINS_SET, id="twins"),
    pytest.param(UNMENTIONED_SET, id="unmentioned"),
    pytest.param(GOV2_SET, id="gov2"),
    pytest.param(TWINS2_SET, id="twins2"),
    pytest.param(TWINS3_SET, id="twins3"),
    pytest.param(GOV3_SET, id="gov3"),
    pytest.param(NEWSTAFF_SET, id="newstaff"),
    pytest.param(GOV4_SET, id="gov4"),
    pytest.param(GOV5_SET, id="gov5"),
    pytest.param(PLAN2_SET, id="plan2"),
    pytest.param(GOV6_SET, id="gov6"),
    pytest.param(GOV7_SET, id="gov7"),
    pytest.param(GOV8_SET, id="gov8"),
    pytest.param(PLAN3_SET, id="plan3"),
    pytest.param(GOV9_SET, id="gov9"),
    pytest.param(PLAN4_SET, id="plan4"),
    pytest.param(GOV10_SET, id="gov10"),
    pytest.param(PLAN5_SET, id="plan5"),
    pytest.param(GOV11_SET, id="gov11"),
    pytest.param(PLAN6_SET, id="plan6"),
    pytest.param(GOV12_SET, id="gov12"),
    pytest.param(PLAN7_SET, id="plan7"),
    pytest.param(GOV13_SET, id="gov13"),
    pytest.param(PLAN8_SET, id="plan8"),
    pytest.param(GOV14_SET, id="gov14"),
    pytest.param(PLAN9_SET, id="plan9"),
    pytest.param(GOV15_SET, id="gov15"),
    pytest.param(PLAN10_SET, id="plan10"),
    pytest.param(GOV16_SET, id="gov16"),
    pytest.param(PLAN11_SET, id="plan11"),
    pytest.param(GOV17_SET, id="gov17"),
    pytest.param(PLAN12_SET, id="plan12"),
    pytest.param(GOV18_SET, id="gov18"),
    pytest.param(PLAN13_SET, id="plan13"),
    pytest.param(GOV19_SET, id="gov19"),
    pytest.param(PLAN14_SET, id="plan14"),
    pytest.param(GOV20_SET, id="gov20"),
    pytest.param(PLAN15_SET, id="plan15"),
    pytest.param(GOV21_SET, id="gov21"),
    pytest.param(PLAN16_SET, id="plan16"),
    pytest.param(GOV22_SET, id="gov22"),
    pytest.param(PLAN17_SET, id="plan17"),
    pytest.param(GOV23_SET, id="gov23"),
    pytest.param(PLAN18_SET, id="plan18"),
    pytest.param(GOV24_SET, id="gov24"),
    pytest.param(PLAN19_SET, id="plan19"),
    pytest.param(GOV25_SET, id="gov25"),
    pytest.param(PLAN20_SET, id="plan20"),
]
# no_doc_named: a question on one of many documents that does not say which (asked of the 61)
STYLES = {"colloquial", "indirect", "typo", "short_dept", "no_measure", "formal", "keywords", "no_doc_named"}


@pytest.fixture(scope="module")
def plan_text() -> str:
    with open(PLAN, encoding="utf-8", newline="") as f:
        return f.read()


def _document_text(doc: str, plan_text: str, cache: dict[str, str] = {}) -> str:  # noqa: B006
    """The text a question's strings must be found in: the plan, or a State Council document
    as PlanQA extracts it (offsets and quotes are taken from that text)."""
    if not doc:
        return plan_text
    if doc not in cache:
        from index.load import load_document

        cache[doc] = load_document(GOV_CORPUS / f"{doc}.html").text
    return cache[doc]


def _load(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:  # pragma: no cover - failure path
                pytest.fail(f"{path.name}:{lineno}: invalid JSON: {e}")
            assert isinstance(obj, dict), f"{path.name}:{lineno}: not a JSON object"
            rows.append(obj)
    return rows


@pytest.mark.parametrize("path", SETS)
def test_lines_parse_with_typed_fields(path: Path) -> None:
    rows = _load(path)
    assert rows, f"{path.name} is empty"
    for row in rows:
        qid = row.get("id", "?")
        for field, typ in FIELDS.items():
            assert field in row, f"{qid}: missing field {field!r}"
            assert isinstance(row[field], typ), f"{qid}: {field!r} should be {typ.__name__}"
        assert row["id"].strip(), "empty id"
        assert row["question"].strip(), f"{qid}: empty question"
        assert row["answer"].strip(), f"{qid}: empty answer"
        for field in ("must_include", "evidence"):
            assert all(isinstance(s, str) and s for s in row[field]), (
                f"{qid}: {field} must be non-empty strings"
            )


@pytest.mark.parametrize("path", SETS)
def test_ids_unique(path: Path) -> None:
    ids = [row["id"] for row in _load(path)]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("path", SETS)
def test_categories_known(path: Path) -> None:
    unknown = {row["id"]: row["category"] for row in _load(path) if row["category"] not in CATEGORIES}
    assert not unknown, f"unknown categories: {unknown}"


@pytest.mark.parametrize("path", SETS)
def test_answerable_consistency(path: Path) -> None:
    for row in _load(path):
        qid = row["id"]
        is_unanswerable = row["category"] == "unanswerable"
        assert row["answerable"] is not is_unanswerable, f"{qid}: answerable flag disagrees with category"
        if row["answerable"]:
            assert row["evidence"], f"{qid}: answerable question without evidence"
            assert row["must_include"], f"{qid}: answerable question without must_include"
        else:
            assert row["evidence"] == [], f"{qid}: unanswerable question with evidence"
            assert row["must_include"] == [], f"{qid}: unanswerable question with must_include"


@pytest.mark.parametrize("path", SETS)
def test_spans_are_exact_substrings_of_their_document(path: Path, plan_text: str) -> None:
    missing = [
        (row["id"], field, s)
        for row in _load(path)
        for field in ("evidence", "must_include")
        for s in row[field]
        if s not in _document_text(row.get("doc", ""), plan_text)
    ]
    assert not missing, "strings not found verbatim in their document:\n" + "\n".join(map(repr, missing))


def test_team_set_category_minimums() -> None:
    rows = _load(TEAM_SET)
    assert len(rows) >= TEAM_TOTAL_MIN, f"only {len(rows)} questions, need >= {TEAM_TOTAL_MIN}"
    counts = Counter(row["category"] for row in rows)
    short = {c: (counts.get(c, 0), n) for c, n in TEAM_MINIMUMS.items() if counts.get(c, 0) < n}
    assert not short, f"categories below minimum (have, need): {short}"


def test_team_set_ids_prefixed() -> None:
    for row in _load(TEAM_SET):
        assert row["id"].startswith("dz-"), row["id"]


def test_team_set_unanswerable_answers_say_not_mentioned() -> None:
    for row in _load(TEAM_SET):
        if not row["answerable"]:
            assert row["answer"].startswith("文中未提及"), row["id"]


def test_team_set_does_not_copy_public_questions() -> None:
    public = {row["question"].strip() for row in _load(PUBLIC_SET)}
    copied = [row["id"] for row in _load(TEAM_SET) if row["question"].strip() in public]
    assert not copied, f"questions copied verbatim from the public set: {copied}"


NEW_SETS = [p for p in SETS if p.id not in ("public", "dezhou")]  # written after the public set


@pytest.mark.parametrize("path", NEW_SETS)
def test_new_sets_tag_their_style(path: Path) -> None:
    for row in _load(path):
        assert row.get("style") and set(row["style"]) <= STYLES, row["id"]


def test_new_sets_size_and_spread() -> None:
    """The answerability issue's protocol: >= 150 new questions, >= 25 unanswerable that look
    answerable, on the plan and on >= 8 State Council documents (>= 120 questions on >= 10 of
    them, every category of the document issue, >= 15 unanswerable)."""
    colloquial, gov = _load(COLLOQUIAL_SET), _load(GOV_SET)
    assert len(colloquial) + len(gov) >= 150
    assert sum(not r["answerable"] for r in colloquial + gov) >= 25
    assert len(gov) >= 120 and len({r["doc"] for r in gov}) >= 10
    assert sum(not r["answerable"] for r in gov) >= 15
    cats = Counter(r["category"] for r in gov)
    for cat in ("lead", "figure", "list_by_department", "document", "which_document", "unanswerable"):
        assert cats[cat] >= 5, cat
    assert all((GOV_CORPUS / f"{r['doc']}.html").is_file() for r in gov)


@pytest.mark.parametrize("path", NEW_SETS)
def test_new_sets_do_not_copy_older_questions(path: Path) -> None:
    older = {row["question"].strip() for row in _load(PUBLIC_SET) + _load(TEAM_SET)}
    copied = [row["id"] for row in _load(path) if row["question"].strip() in older]
    assert not copied, copied


def test_twins_pair_an_answerable_question_with_an_unanswerable_one_on_its_document() -> None:
    rows = {r["id"]: r for r in _load(TWINS_SET)}
    twins = [r for r in rows.values() if r.get("twin")]
    assert len(twins) >= 100 and sum(not r["answerable"] for r in rows.values()) >= 150
    for t in twins:
        pair = rows[t["twin"]]
        assert not t["answerable"] and pair["answerable"] and pair["doc"] == t["doc"], t["id"]
    evaluated = {r["doc"] for r in _load(GOV_SET)}
    assert not evaluated & {r["doc"] for r in rows.values()}  # documents the evaluated sets do not use


def test_unmentioned_set_asks_of_things_the_documents_never_name() -> None:
    """Its unanswerable questions ask a figure of a thing absent from the document asked
    about; its answerable ones ask a stated figure in words the document does not use."""
    rows = _load(UNMENTIONED_SET)
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(unanswerable) >= 30 and len(rows) - len(unanswerable) >= 15
    assert len({r.get("doc", "") for r in unanswerable}) >= 8


def test_second_state_council_set_is_on_documents_no_other_set_asks_about() -> None:
    """Written for the document issue after its first round, on documents of other structures
    (复函, 批复, 办理情况的函, 组成人员的通知, 节假日安排), none of which another set asks about."""
    rows = _load(GOV2_SET)
    assert len(rows) >= 120 and len({r["doc"] for r in rows}) >= 10
    assert sum(not r["answerable"] for r in rows) >= 15
    cats = Counter(r["category"] for r in rows)
    for cat in ("lead", "figure", "list_by_department", "document", "which_document", "unanswerable"):
        assert cats[cat] >= 5, cat
    others = {r.get("doc") for s in (GOV_SET, TWINS_SET, UNMENTIONED_SET) for r in _load(s)}
    assert not others & {r["doc"] for r in rows}


def test_second_twins_set_pairs_questions_on_documents_no_other_set_asks_about() -> None:
    """Written for the answerability gate's next round, before it changed the answerer: each
    unanswerable twin asks what its document does not state about the matter its answerable
    pair asks of, on documents (letters, replies, decisions) no other set uses."""
    rows = {r["id"]: r for r in _load(TWINS2_SET)}
    unanswerable = [r for r in rows.values() if not r["answerable"]]
    assert len(rows) >= 100 and len(unanswerable) >= 0.45 * len(rows)
    assert len({r["doc"] for r in rows.values()}) >= 10
    for t in (r for r in unanswerable if r.get("twin")):
        pair = rows[t["twin"]]
        assert pair["answerable"] and pair["doc"] == t["doc"], t["id"]
    others = {r.get("doc") for s in (GOV_SET, TWINS_SET, UNMENTIONED_SET, GOV2_SET) for r in _load(s)}
    assert not others & {r["doc"] for r in rows.values()}


def test_third_twins_set_is_written_like_the_second() -> None:
    """Another writer's twins on five of the second set's documents and on 44 (a 批复 with a
    coordinate table, asked about its prose)."""
    rows = {r["id"]: r for r in _load(TWINS3_SET)}
    unanswerable = [r for r in rows.values() if not r["answerable"]]
    assert len(rows) >= 50 and len(unanswerable) >= 0.45 * len(rows)
    for t in (r for r in unanswerable if r.get("twin")):
        pair = rows[t["twin"]]
        assert pair["answerable"] and pair["doc"] == t["doc"], t["id"]


def test_third_state_council_set_is_on_plans_and_rules_with_every_category() -> None:
    """Written for the answer layer's fourth round, before it changed the answerer, by a writer
    who read only the documents: ten questions on each of eight opinions, notices and a rule
    (four of them the first set's documents, four the twins'), every category of the
    document issue."""
    rows = _load(GOV3_SET)
    assert len(rows) >= 80 and Counter(r["doc"] for r in rows) == dict.fromkeys(
        ("02", "04", "08", "17", "32", "34", "57", "60"), 10
    )
    assert sum(not r["answerable"] for r in rows) >= 15
    cats = Counter(r["category"] for r in rows)
    for cat in ("lead", "figure", "list_by_department", "document", "which_document", "unanswerable"):
        assert cats[cat] >= 5, cat


def test_new_staff_set_asks_the_plan_every_way_with_unanswerable_ones() -> None:
    """Written on the bundled plan alone, the way new staff type (colloquial, indirect, short
    department names, typos), every category of the public set, a fifth unanswerable."""
    rows = _load(NEWSTAFF_SET)
    assert len(rows) >= 79 and not any(r.get("doc") for r in rows)
    assert sum(not r["answerable"] for r in rows) >= 15
    cats = Counter(r["category"] for r in rows)
    assert set(cats) == set(TEAM_MINIMUMS) and min(cats.values()) >= 3
