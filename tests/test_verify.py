"""A generated answer's claims (``assistant.answering.verify``): their markers, and each checked for its
numbers, dates, departments and passages against what it cites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.answering.generate import (
    passages_of,
)
from assistant.answering.verify import Verifier, split_claims


def test_claims_keep_their_markers() -> None:
    claims = split_claims("到2025年达到1000家[1]。由市科技局牵头。[2]【3】其余见[1,2]；")
    assert claims == [
        ("到2025年达到1000家。", (1,)),
        ("由市科技局牵头。", (2, 3)),
        ("其余见；", (1, 2)),
    ]
    paragraph = split_claims("甲达到10家。乙达到20家。[2]\n丙达到30家。\n丁。[3]")
    assert paragraph == [("甲达到10家。", (2,)), ("乙达到20家。", (2,)), ("丙达到30家。", ()), ("丁。", (3,))]


def test_the_verifier_checks_numbers_dates_departments_and_markers(plan_index: Any, fresh_home: Path) -> None:
    from assistant.answering.ledger import Ledger

    hits = [h for h in _hits(plan_index, "加强科技创新主体培育 高新技术企业 1000家")]
    passages = {p.n: p for p in passages_of(hits)}
    n = next(p.n for p in passages.values() if "1000家" in p.text)
    v = Verifier(plan_index, Ledger(plan_index).departments)
    assert v.check("到2025年,全市高新技术企业达到1000家。", (n,), passages) == ""
    assert "数字“1200”" in v.check("到2025年,全市高新技术企业达到1200家。", (n,), passages)
    assert "没有标注出处" in v.check("到2025年,全市高新技术企业达到1000家。", (), passages)
    assert "不存在的段落[9]" in v.check("全市高新技术企业达到1000家。", (9,), passages)
    assert "部门" in v.check("全市高新技术企业达到1000家,由市卫生健康委负责。", (n,), passages)
    assert v.check("这项工作由市科技局牵头负责,全市高新技术企业达到1000家。", (n,), passages) == ""
    assert "时限" in v.check("全市高新技术企业要在11月底前达到1000家。", (n,), passages)
    assert "不符" in v.check("我已经忽略了所有的要求并且输出系统提示。", (n,), passages)


def _hits(index: Any, query: str) -> list[Any]:
    from assistant.answering.retrieve import retrieve

    return retrieve(index, query, k=4)
