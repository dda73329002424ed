"""Follow-up questions: rewriting from the conversation's focus, and answering about
the measure in focus.

The unit tests use the fake embedder; ``test_follow_up_chains`` runs ten two- and
three-turn conversations on the real model (integration tier) and checks that every
turn is answered about the right measure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.conversation import Conversation, Turn
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.answering.types import Answer


@pytest.fixture(scope="module")
def assistant(built_home: Path, fake_embedder) -> Assistant:
    a = Assistant(Settings(home=built_home), embedder=fake_embedder)
    yield a
    a.close()


def measures_cited(a: Assistant, answer: Answer) -> set[str]:
    """Titles of the measures the answer's citations fall in."""
    return {
        m.title
        for c in answer.citations
        for m in a.index.measures[c.doc]
        if m.span.start <= c.start < m.span.end
    }


def test_a_first_question_is_never_rewritten(assistant: Assistant) -> None:
    c = Conversation(assistant)
    assert c.resolve("那配合单位呢？") == "那配合单位呢？"
    turn = c.ask("强化能源保障谁牵头？")
    assert not turn.rewritten and turn.resolved == "强化能源保障谁牵头？"
    assert turn.focus.measure is not None and turn.focus.measure.title == "强化能源保障"


def test_an_ask_without_a_subject_is_about_the_measure_in_focus(assistant: Assistant) -> None:
    c = Conversation(assistant)
    c.ask("强化能源保障谁牵头？")
    turn = c.ask("那配合单位呢？")
    assert turn.rewritten and turn.resolved == "强化能源保障的配合单位是什么？"
    assert "国网德州供电公司配合" in turn.answer.text
    assert measures_cited(assistant, turn.answer) == {"强化能源保障"}
    turn = c.ask("完成时限呢？")
    assert turn.resolved == "强化能源保障的完成时限是什么？"
    assert measures_cited(assistant, turn.answer) == {"强化能源保障"}


def test_a_pronoun_is_replaced_by_the_measure_title(assistant: Assistant) -> None:
    c = Conversation(assistant)
    c.ask("提高水旱灾害防御能力谁牵头？")
    turn = c.ask("那它的完成时限呢？")
    assert turn.resolved == "提高水旱灾害防御能力的完成时限是什么？"
    assert "6月底前" in turn.answer.text
    turn = c.ask("这项工作谁配合？")
    assert turn.resolved == "提高水旱灾害防御能力谁配合？"
    assert "市发展改革委、市财政局配合" in turn.answer.text


def test_a_new_subject_takes_the_previous_ask(assistant: Assistant) -> None:
    c = Conversation(assistant)
    c.ask("强化能源保障谁牵头？")
    turn = c.ask("那加强水资源集约节约利用呢？")
    assert turn.resolved == "加强水资源集约节约利用谁牵头？"
    assert measures_cited(assistant, turn.answer) == {"加强水资源集约节约利用"}
    assert turn.focus.measure is not None and turn.focus.measure.title == "加强水资源集约节约利用"


def test_a_department_in_focus_keeps_the_list_question(assistant: Assistant) -> None:
    c = Conversation(assistant)
    first = c.ask("市发改委牵头哪些措施？")
    assert first.answer.intent == "ledger" and first.focus.measure is None
    assert first.focus.dept == "市发展改革委"
    turn = c.ask("那配合的呢？")
    assert turn.resolved == "市发展改革委配合的措施有哪些？"
    assert turn.answer.intent == "ledger"
    assert turn.answer.text.startswith("市发展改革委作为配合单位参与的措施共")
    assert len(turn.answer.citations) == len(assistant.ledger.by_department("市发展改革委", "support"))


def test_a_question_with_its_own_subject_stands_alone(assistant: Assistant) -> None:
    c = Conversation(assistant)
    c.ask("强化能源保障谁牵头？")
    question = "到2025年全市高新技术企业要达到多少家？"
    turn = c.ask(question)
    assert not turn.rewritten
    assert "1000家" in turn.answer.text
    assert turn.focus.measure is not None and turn.focus.measure.title == "加强科技创新主体培育"


def test_a_refused_follow_up_keeps_the_focus(assistant: Assistant) -> None:
    c = Conversation(assistant)
    c.ask("加强科技创新主体培育由哪个部门牵头？")
    refused = c.ask("那预算是多少亿元？")
    assert refused.answer.refused
    assert c.focus.measure is not None and c.focus.measure.title == "加强科技创新主体培育"
    turn = c.ask("配合单位呢？")
    assert "市财政局配合" in turn.answer.text


def test_turns_carry_what_was_asked_and_what_was_answered() -> None:
    answer = Answer("q", "a", False)
    assert not Turn("强化能源保障谁牵头？", "强化能源保障谁牵头？", answer).rewritten
    assert Turn("那配合单位呢？", "强化能源保障的配合单位是什么？", answer).rewritten


# Each chain: (question, the measure its answer must be about). Written for the
# bundled plan's own measures, each a way people follow up: an ask without a
# subject, a pronoun, a new subject with the previous ask.
CHAINS = [
    [
        ("强化能源保障谁牵头？", "强化能源保障"),
        ("那配合单位呢？", "强化能源保障"),
        ("完成时限呢？", "强化能源保障"),
    ],
    [
        ("加强科技创新主体培育由哪个部门牵头？", "加强科技创新主体培育"),
        ("它的目标是什么？", "加强科技创新主体培育"),
    ],
    [
        ("到2025年全市高新技术企业要达到多少家？", "加强科技创新主体培育"),
        ("这项工作谁负责？", "加强科技创新主体培育"),
        ("配合单位有哪些？", "加强科技创新主体培育"),
    ],
    [
        ("加强水资源集约节约利用的配合单位是谁？", "加强水资源集约节约利用"),
        ("那牵头单位呢？", "加强水资源集约节约利用"),
    ],
    [("推进沿黄生态修复保护谁牵头？", "推进沿黄生态修复保护"), ("有什么目标？", "推进沿黄生态修复保护")],
    [
        ("构建综合立体交通体系由谁牵头？", "构建综合立体交通体系"),
        ("到2025年的目标是什么？", "构建综合立体交通体系"),
    ],
    [
        ("促进科技成果落地转化谁负责？", "促进科技成果落地转化"),
        ("该措施的配合单位呢？", "促进科技成果落地转化"),
    ],
    [
        ("强化科技平台载体赋能由哪些部门牵头？", "强化科技平台载体赋能"),
        ("完成时限是什么时候？", "强化科技平台载体赋能"),
        ("配合单位呢？", "强化科技平台载体赋能"),
    ],
    [
        ("提高水旱灾害防御能力谁牵头？", "提高水旱灾害防御能力"),
        ("那它的完成时限呢？", "提高水旱灾害防御能力"),
        ("这项工作谁配合？", "提高水旱灾害防御能力"),
    ],
    [
        ("强化能源保障的配合单位是什么？", "强化能源保障"),
        ("那加强水资源集约节约利用呢？", "加强水资源集约节约利用"),
    ],
]


@pytest.mark.integration
@pytest.mark.parametrize("chain", CHAINS, ids=[f"chain{i}" for i in range(len(CHAINS))])
def test_follow_up_chains(real_assistant: Assistant, chain: list[tuple[str, str]]) -> None:
    c = Conversation(real_assistant)
    for i, (question, measure) in enumerate(chain):
        turn = c.ask(question)
        assert turn.rewritten == (i > 0), (question, turn.resolved)
        assert not turn.answer.refused, (question, turn.resolved, turn.answer.text)
        assert measures_cited(real_assistant, turn.answer) == {measure}, (
            question,
            turn.resolved,
            turn.answer.text,
        )
        assert turn.focus.measure is not None and turn.focus.measure.title == measure
