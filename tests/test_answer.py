"""Answers: intents, exact citations, refusals, and the ``ask --json`` shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.answering.intent import content_keys, detect_intent, sub_questions
from assistant.answering.retrieve import fuse, retrieve
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from index.errors import PlanQAError
from index.types import Chunk
from tests.conftest import PUBLIC_QUESTIONS, SAMPLE, FakeEmbedder


@pytest.fixture(scope="module")
def assistant(built_home: Path, fake_embedder: FakeEmbedder):
    a = Assistant(Settings(home=built_home), embedder=fake_embedder)
    yield a
    a.close()


def _questions() -> list[dict]:
    return [json.loads(line) for line in PUBLIC_QUESTIONS.read_text(encoding="utf-8").splitlines()]


def test_intents() -> None:
    assert detect_intent("强化能源保障谁牵头？").kind == "responsibility"
    i = detect_intent("综合立体交通体系建设交通局牵头，配合的都有谁？")
    assert i.kind == "responsibility" and i.wants_support
    assert detect_intent("市级科技创新平台认定工作的完成时限是什么时候？").kind == "deadline"
    assert detect_intent("到2025年，全市高新技术企业要达到多少家？").kind == "target"
    assert detect_intent("到2025年，全市高新技术企业要达到多少家？").years == ("2025",)
    assert detect_intent("今年工业技改项目奖补资金争取到多少？").this_year
    assert detect_intent("德州要修机场吗？").kind == "general"
    # question words and role words are not content; numbers keep apart from classifiers
    assert "多少" not in content_keys("到2025年，全市高新技术企业要达到多少家？")
    assert "10" in content_keys("今年要建10家市重点实验室") and "家市" not in content_keys(
        "今年要建10家市重点实验室"
    )
    # a holiday is a thing asked about, though jieba tags it a time word
    assert "春节" in content_keys("春节前后要调几天休？") and "节假日" in content_keys("节假日安排的通知")
    assert sub_questions("新建高标准农田的总目标是多少？2023年当年新建多少？") == [
        "新建高标准农田的总目标是多少",
        "2023年当年新建多少",
    ]


def test_rrf_fusion_orders_by_both_lists() -> None:
    a, b, c = (Chunk(id=x, doc_id="d", text=x, start=0, end=1) for x in "abc")
    hits = fuse([(a, 9.0), (b, 5.0)], [(b, 0.9), (c, 0.8)])
    assert [h.chunk.id for h in hits] == ["b", "a", "c"]
    assert (hits[0].bm25_rank, hits[0].dense_rank) == (2, 1)
    assert hits[0].score == pytest.approx(1 / 62 + 1 / 61)


def test_sentence_search_finds_the_passage_holding_the_nearest_sentence(plan_index) -> None:  # type: ignore[no-untyped-def]
    source = plan_index.source_text(plan_index.chunks[0].doc_id)
    # a long passage, asked by one of its later sentences: its own vector is of all of them
    chunk = max(plan_index.chunks, key=lambda c: len(plan_index.sentences(c)[0]))
    spans, _ = plan_index.sentences(chunk)
    a, b = spans[-1]
    found = plan_index.search_sentences(source[a:b], 3, {chunk.doc_id})
    assert found[0][0].id == chunk.id
    # each passage once, scored by its best sentence (not by all of them)
    vector = plan_index.query_vector(source[a:b])
    best = sorted(
        (
            (-float((plan_index.sentences(c)[1] @ vector).max()), c.id)
            for c in plan_index.chunks
            if c.doc_id == chunk.doc_id
        ),
    )[:3]
    assert [(c.id, round(cos, 5)) for c, cos in found] == [(cid, round(-neg, 5)) for neg, cid in best]
    assert plan_index.search_sentences(source[a:b], 3, {"no-such-document"}) == []


def test_retrieval_adds_the_passages_of_the_nearest_sentences_after_the_fused_ones(plan_index) -> None:  # type: ignore[no-untyped-def]
    question = "农村公路新改建多少公里？"
    fused = retrieve(plan_index, question, k=4)
    more = retrieve(plan_index, question, k=4, sentences=4)
    assert [h.chunk.id for h in more[:4]] == [h.chunk.id for h in fused]
    ids = [h.chunk.id for h in more]
    assert len(ids) == len(set(ids)) and 4 <= len(ids) <= 8
    near = {c.id for c, _ in plan_index.search_sentences(question, 4, {fused[0].chunk.doc_id})}
    assert near <= set(ids)
    # the nearest sentences' passages are often among the fused ones: the next nearest are added
    # instead, up to four new ones
    nearest = [c.id for c, _ in plan_index.search_sentences(question, 8, {fused[0].chunk.doc_id})]
    assert ids[4:] == [cid for cid in nearest if cid not in ids[:4]][:4]


def test_every_citation_is_an_exact_source_span(assistant: Assistant) -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    cited = 0
    for q in _questions():
        ans = assistant.ask(q["question"])
        for c in ans.citations:
            assert source[c.start : c.end] == c.quote, (q["id"], c)
            assert f"[{c.n}]" in ans.text
            cited += 1
        assert ans.refused == ans.text.startswith("文中未提及")
        if ans.refused:  # at most the sentence saying what the text does say instead
            assert len(ans.citations) <= 1
    assert cited > 60


def test_lead_answer_names_departments_and_cites_the_note(assistant: Assistant) -> None:
    ans = assistant.ask("“提高水旱灾害防御能力”这项措施的牵头负责单位是哪个？")
    assert not ans.refused
    assert "由市水利局牵头负责，市发展改革委、市财政局配合" in ans.text
    assert any(c.quote == "(市水利局牵头负责,市发展改革委、市财政局配合)" for c in ans.citations)


def test_each_responsible_is_said_so(assistant: Assistant) -> None:
    ans = assistant.ask("培育壮大新动能（“双50强”“链主”企业那条）由哪个部门负责？")
    assert "市发展改革委、市工业和信息化局分别负责" in ans.text


def test_target_and_deadline_quote_the_figure(assistant: Assistant) -> None:
    ans = assistant.ask("到2025年，全市高新技术企业要达到多少家？")
    assert "1000家" in ans.text and ans.citations[0].quote.endswith("全市高新技术企业达到1000家。")
    ans = assistant.ask("市级科技创新平台认定工作的完成时限是什么时候？")
    assert "4月底前" in ans.text


def test_compound_question_gets_both_parts(assistant: Assistant) -> None:
    ans = assistant.ask("供水管网漏损率，2023年和2025年分别要降到多少？")
    assert "9%" in ans.text and "7.9%" in ans.text and len(ans.citations) >= 2


@pytest.mark.parametrize(
    "question",
    [
        "“半岛综合体育官网登录入口”在方案里对应哪项工作？",  # quoted name the text lacks
        "有没有提到数字人民币？",  # 人民 occurs (人民银行), 人民币 does not
        "这份方案的预算总额是多少亿元？",  # an amount; the text states none for it
    ],
)
def test_refuses_when_the_text_is_silent(assistant: Assistant, question: str) -> None:
    ans = assistant.ask(question)
    assert ans.refused and ans.text.startswith("文中未提及") and ans.citations == ()


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("这个方案是哪天印发的？", "制定本实施方案"),  # the document, but no date
    ],
)
def test_refusal_says_what_the_text_says_when_it_lacks_the_value_asked(
    assistant: Assistant, question: str, said: str
) -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    ans = assistant.ask(question)
    assert ans.refused and ans.text.startswith("文中未提及具体")
    (c,) = ans.citations
    assert said in c.quote and source[c.start : c.end] == c.quote and "[1]" in ans.text


def test_question_without_year_gets_each_years_figure(assistant: Assistant) -> None:
    ans = assistant.ask("新建5G基站多少个？")
    assert "5G基站8500处" in ans.text and "新建5G基站3000个" in ans.text


def test_compound_question_of_two_kinds(assistant: Assistant) -> None:
    ans = assistant.ask("乐陵市衔接推进区的财政衔接资金项目几月开工？这项工作归哪个部门牵头？")
    assert "4月份开工" in ans.text and "市农业农村局" in ans.text
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    assert all(f"[{c.n}]" in ans.text for c in ans.citations)


def test_compound_question_asking_a_value_the_text_lacks_is_refused(assistant: Assistant) -> None:
    # the place asked is stated nowhere: the question is not answered, though its other ask is;
    # the refusal says what is missing, then what the other ask found
    ans = assistant.ask("德州机场建在哪个县？这项工作归哪个部门牵头？")
    assert ans.refused and ans.text.startswith("文中未提及具体地点") and "市交通运输局" in ans.text
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    ans = assistant.ask("德州机场规划研究归谁牵头？预算多少钱？")
    assert ans.refused and ans.text.startswith("文中未提及具体金额；") and "市交通运输局" in ans.text
    # two asks for values it lacks: refused, each said missing (the second's sentence is quoted
    # once, for the first)
    ans = assistant.ask("德州机场建在哪个县？德州机场规划研究要花多少钱？德州机场规划研究归谁牵头？")
    assert ans.refused and ans.text.startswith("文中未提及具体地点") and "市交通运输局" in ans.text
    assert "文中未提及具体金额" in ans.text
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))


def test_whole_schedule_of_a_named_measure(assistant: Assistant) -> None:
    ans = assistant.ask("绿色转型发展那一项的完成时限是怎么规定的？")
    assert "9月底前" in ans.text and "12月底前" in ans.text and len(ans.citations) == 2


def test_document_name_and_purpose(assistant: Assistant) -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    ans = assistant.ask("这份实施方案的全称叫什么？")
    title = "德州市贯彻落实省《突破菏泽鲁西崛起三年行动计划(2023—2025年)》实施方案"
    assert title in ans.text
    (c,) = ans.citations
    assert c.quote == title and source[c.start : c.end] == title
    assert c.start > source.index("栏目")  # the title line, not the duplicated teaser
    ans = assistant.ask("制定这个方案是为了什么？")
    assert "现代化强市建设" in ans.text


def test_answer_json_shape(assistant: Assistant) -> None:
    d = assistant.ask("强化能源保障谁牵头？").to_dict()
    assert list(d) == ["question", "answer", "refused", "citations", "retrieved"]
    assert set(d["citations"][0]) == {"n", "doc", "doc_title", "title", "quote", "start", "end"}
    assert (
        d["citations"][0]["doc_title"]
        == "德州市贯彻落实省《突破菏泽鲁西崛起三年行动计划(2023—2025年)》实施方案"
    )
    assert set(d["retrieved"][0]) == {"doc", "start", "end", "score"}
    # the 4 passages retrieval ranks first, then those holding the nearest sentences
    assert 4 <= len(d["retrieved"]) <= 8
    json.dumps(d, ensure_ascii=False)


def test_key_document_frequency_matches_a_scan_of_every_chunk(plan_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.answering.evidence import KeyWeights
    from assistant.answering.intent import key_found, match_form

    weights = KeyWeights(plan_index)
    texts = [match_form(c.text + "\n" + c.measure_title) for c in plan_index.chunks]
    # plain words, a department's abbreviation (交通局 in 市交通运输局), the fixed form of 文号,
    # a word found nowhere, a word spanning two chunks' boundary never counts
    for key in ("5g基站", "交通局", "发改委", "文号", "航空母舰", "德州", "市", "能源保障"):
        assert weights.df(key) == sum(1 for t in texts if key_found(key, t)), key
    assert weights.df("航空母舰") == 0 and weights.df("交通局") > 0


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        (" \n\t", "the question is empty"),
        ("问" * 2001, "too long: 2,001 characters"),
    ],
)
def test_a_question_that_cannot_be_asked_is_named(assistant: Assistant, question: str, message: str) -> None:
    with pytest.raises(PlanQAError, match=message):
        assistant.ask(question)


def test_a_traditional_chinese_question_is_asked_of_a_simplified_plan(assistant: Assistant) -> None:
    ans = assistant.ask("強化能源保障誰牽頭？")
    assert ans.question == "強化能源保障誰牽頭？"  # as the user wrote it
    assert "“强化能源保障”由市发展改革委牵头负责" in ans.text


def test_an_ask_answered_by_passages_already_quoted_is_not_repeated() -> None:
    from assistant.answering.types import Answer, Citation
    from assistant.answering.wording import joined

    def part(text: str, *spans: tuple[int, int], quotes: tuple[str, ...] = ()) -> Answer:
        # each citation quotes the piece of the text its marker ends, unless told otherwise
        said = quotes or tuple(
            re.sub(r"\[\d+\]", "", p).split("：")[-1] for p in text.rstrip("。").split("；")
        )
        cites = tuple(Citation(i, "plan", "t", said[i - 1], a, b) for i, (a, b) in enumerate(spans, 1))
        return Answer("q", text, False, cites, (), "target")

    both = joined("q", [part("甲[1]；乙[2]。", (0, 5), (9, 12)), part("乙[1]。", (9, 12))], [], "target")
    assert both.text == "甲[1]；乙[2]。" and len(both.citations) == 2
    more = joined("q", [part("甲[1]。", (0, 5)), part("丙[1]。", (20, 30))], [], "target")
    assert more.text == "甲[1]；丙[2]。" and [c.n for c in more.citations] == [1, 2]
    # an ask answered by a sentence quoted already and a new one: only the new one is added,
    # after the measure's title the ask's answer began with
    first = part("“医疗”：甲[1]。", (0, 5))
    again = part("“医疗”：甲[1]；丙[2]。", (0, 5), (20, 30))
    once = joined("q", [first, again], [], "target")
    assert once.text == "“医疗”：甲[1]；“医疗”：丙[2]。"
    assert [(c.n, c.start) for c in once.citations] == [(1, 0), (2, 20)]
    # a passage only cited by one ask ("…由甲牵头负责[1][2]", [2] the sentence naming the measure)
    # is quoted by another that asks what it says, under the number it has
    who = part(
        "“交通”由甲牵头负责[1][2]。", (0, 5), (9, 30), quotes=("（甲牵头负责）", "到2025年覆盖率达到54.5%")
    )
    figure = part("“交通”：到2025年覆盖率达到54.5%[1]。", (9, 30))
    both = joined("q", [who, figure], [], "target")
    assert both.text == "“交通”由甲牵头负责[1][2]；“交通”：到2025年覆盖率达到54.5%[2]。"
    assert [c.n for c in both.citations] == [1, 2]
    # brackets in a quote that mark no citation stay as they are
    quoted = part("依据国发[2018]41号[1]。", (40, 60), quotes=("依据国发[2018]41号",))
    assert joined("q", [who, quoted], [], "target").text.endswith("依据国发[2018]41号[3]。")


def test_a_sentence_found_in_two_passages_is_quoted_once(assistant: Assistant) -> None:
    """The same sentence reached twice (two retrieved passages holding it, or chosen for two
    asks of one question) is quoted and cited once."""
    from dataclasses import replace

    from assistant.answering.answer import Trace
    from assistant.answering.intent import detect_intent
    from assistant.answering.structured import TRAIL

    question = "能源保障方面有哪些工作要求？"
    trace = Trace()
    assistant.composer.compose(question, assistant.hits_within(question, None, []), trace)
    s = trace.sentences[0]
    twice = [s, replace(s, rank=s.rank + 1)]
    answer = assistant.composer._quote_answer(question, detect_intent(question), [], twice)
    assert answer.text.count(s.text.rstrip(TRAIL)) == 1 and len(answer.citations) == 1
