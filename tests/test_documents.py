"""Questions about documents, not only passages: a document's particulars (issuer, 文号,
date, addressees) from its text; "which document says…" named in the answer; the scope a
question names by a document's title words; roles by each note's convention; notes inside
a measure as ledger rows of their own; labelled notes ("负责部门：…"); policy figures with their
conditions; a letter's prose saying who answers for each item. Asked of the plan and five State
Council documents, and of the plan and four of other structures."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering import session
from assistant.answering.document import asked_facts, describes_another
from assistant.answering.intent import asks_which_document, is_meta
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.surfaces import cli
from index.ingest import ingest
from index.load import load_document
from index.metadata import date_of_line
from index.sentences import sentence_spans
from tests.conftest import ROOT, SAMPLE, FakeEmbedder

CORPUS = ROOT / "evals" / "corpus" / "gov-policies"
DOCS = ("07", "09", "15", "34", "39")
# other structures: labelled notes (57), a letter's prose (22), beside conventions (15, 39); an
# index of their own, so the questions above are asked of the same documents as before
MORE = ("15", "22", "39", "57")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder) -> Path:
    home = tmp_path_factory.mktemp("documents")
    ingest([SAMPLE, *(CORPUS / f"{d}.html" for d in DOCS)], home, fake_embedder)
    return home


@pytest.fixture(scope="module")
def assistant(home: Path, fake_embedder: FakeEmbedder):
    a = Assistant(Settings(home=home), embedder=fake_embedder)
    yield a
    a.close()


def _asking(
    factory: pytest.TempPathFactory, embedder: FakeEmbedder, name: str, docs: tuple[str, ...]
) -> Iterator[Assistant]:
    """An assistant over an index of the plan and ``docs`` (for a module's fixture), closed after."""
    home = factory.mktemp(f"documents-{name}")
    ingest([SAMPLE, *(CORPUS / f"{d}.html" for d in docs)], home, embedder)
    a = Assistant(Settings(home=home), embedder=embedder)
    yield a
    a.close()


@pytest.fixture(scope="module")
def more(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    yield from _asking(tmp_path_factory, fake_embedder, "more", MORE)


def _source(doc: str) -> str:
    return load_document(CORPUS / f"{doc}.html").text


def test_what_a_question_asks_of_a_document() -> None:
    assert asked_facts("这个通知是谁发的？文号多少？哪天发的？") == ("issuer", "number", "date")
    assert asked_facts("意见下发给哪些单位了？") == ("addressees",)
    assert asked_facts("那个批复是发给哪个部门的？") == ("addressees",)  # any interrogative
    assert asked_facts("那个通知是主送给哪些单位的？") == ("addressees",)
    assert asked_facts("雄安规划那个批复，主送的是哪几家？") == ("addressees",)  # 的是: a copula
    assert asked_facts("科技节水建议那个复函是写给谁的？") == ("addressees",)  # a letter's addressee
    assert asked_facts("粮食应急预案是哪年印发的？") == ("date",)
    # a number asked by its issuer's prefix ("国办函几号"), not a day ("几月几号发的")
    assert asked_facts("那份复函是国办函几号？") == ("number",)
    assert asked_facts("那个通知是几月几号发的？") == ("date",)
    # who issued it, not who acts or pays
    assert asked_facts("这个意见是哪家出台的？") == ("issuer",)
    assert asked_facts("修路的钱地方凑不齐，请哪家出面帮忙？") == ()
    assert asked_facts("联席会议的办公经费哪家出？") == ()
    # a deadline is no document date
    assert asked_facts("细化办法要求啥时候前出台？") == ()
    assert asked_facts("实施方案哪天之前报送？") == ()
    assert asks_which_document("“以用定产”出自哪份文件？")
    assert not asks_which_document("以用定产是什么意思？")
    assert not asks_which_document("这个指导意见是哪个文号？") and not asks_which_document("用什么文号发的？")
    assert asked_facts("政府网站集约化试点工作方案是用什么文号发的，哪天？") == ("number", "date")
    assert asked_facts("文号和日期是什么？") == ("number", "date")
    # when it takes effect is no particular of the document: its text may say ("自…起施行")
    # when it takes effect is no date of its issuing
    assert asked_facts("这个办法是哪个文号印发的，什么时候开始施行？") == ("number", "effective")
    # what this document is based on is a question about it, not "which document says"
    assert not asks_which_document("本方案贯彻落实的是哪个文件？") and is_meta("本方案贯彻落实的是哪个文件？")
    assert not is_meta("哪个文件提出实施三年百万青年见习计划？")


def test_which_document_and_whom_it_is_sent_to_however_asked() -> None:
    from assistant.answering.answertype import asked_kinds
    from assistant.answering.document import addressed_to

    # an issuer between the interrogative and the document's kind
    assert asks_which_document("讲政务公开要搞好网上互动的，是哪份国务院文件？")
    assert asked_facts("那份批复主送给了哪几个部门？") == ("addressees",)
    # a period "set by which document" asks the document, not the period
    assert (
        asks_which_document("口岸区的使用期限是哪个文件定的？")
        and asked_kinds("口岸区的使用期限是哪个文件定的？") == ()
    )
    assert asked_kinds("口岸区的使用期限是多久？") == ("duration",)
    # bodies addressed in groups, a comma between them
    assert addressed_to("湖北省人民政府，交通部、水利部：") and not addressed_to("经研究，现答复如下：")


def test_a_document_of_another_kind_is_another_document() -> None:
    # the particulars asked are of a document this one is not: a 决定 asked as a 办法, an
    # answer asked of the guideline it promises
    decision = "国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施有关规定的决定"
    assert describes_another("海南省制定的那个急需进口药品管理办法哪天印发的？", decision)
    reply = "国务院办公厅对全国政协十届三次会议第2741号提案的答复"
    assert describes_another("答复里说要起草一个指导意见，这个意见预计哪年印发？", reply)
    assert not describes_another("第2741号提案的答复是哪天发的？", reply)
    assert not describes_another("这个决定是哪天印发的？", decision)
    assert not describes_another("这份文件哪天发的？", decision)  # no kind named
    # a notice that issues a plan is asked about as the plan
    assert not describes_another("职教改革方案哪天印发的？", "国务院关于印发国家职业教育改革实施方案的通知")


def test_what_a_notice_issues_is_one_of_its_particulars(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    """A notice that issues two rules names them in the sentence issuing them ("…拟定的《…》和
    《…》已经国务院同意，现印发给你们"): asked which it issued, those titles, cited there."""
    assert asked_facts("那个通知同时印发了哪几个文件？") == ("issued",)
    assert asked_facts("这个通知印发的是什么方案？哪天发的？") == ("date", "issued")
    assert asked_facts("这个方案是哪天印发的？") == ("date",)  # its date, not what it issued
    ingest([CORPUS / "18.html"], tmp_path, fake_embedder)
    a = Assistant(Settings(home=tmp_path), embedder=fake_embedder)
    try:
        ans = a.ask("这个通知同时印发了哪几个规定？")
    finally:
        a.close()
    assert not ans.refused and ans.intent == "document", ans.text
    assert (
        "共2个：《文化体制改革中经营性文化事业单位转制为企业的规定》；《进一步支持文化企业发展的规定》"
        in ans.text
    )
    assert "印发给你们" in ans.citations[0].quote


def test_a_doing_named_only_as_where_a_term_starts_is_given_no_time() -> None:
    """ "自口岸启用之日起至2047年6月30日止": when the port opened the sentence never says, and
    2047年6月30日 is when the term ends; asked the first it states none, asked the second it does."""
    from assistant.answering.answer import only_referenced
    from assistant.answering.intent import detect_intent

    said = "土地使用期限自口岸启用之日起至2047年6月30日止。"
    opened, ends = "口岸是几月几号开始启用的？", "土地使用期限到哪天为止？"
    assert only_referenced(opened, detect_intent(opened), said)
    assert not only_referenced(ends, detect_intent(ends), said)
    # the doing given a date of its own is stated
    assert not only_referenced(opened, detect_intent(opened), "口岸于2007年7月1日启用。")


def test_an_abbreviation_of_word_initials_is_a_title_word() -> None:
    """职教 is 职业教育 as Chinese shortens it, the first character of each word in turn: a
    word of the title as much as 职业 (it counted half, as characters found in order do)."""
    from assistant.answering.scope import _found

    title = "国务院关于印发国家职业教育改革实施方案的通知"
    assert _found("职教", title) == 1.0 == _found("职业", title)
    assert _found("集采", "国务院办公厅关于印发国家组织药品集中采购和使用试点方案的通知") == 1.0
    assert _found("职改", title) == 0.5  # in order, but 教育 between: no word's initials
    assert _found("国改", title) == 0.0


def test_titles_matching_a_question_as_well_are_told_apart_by_the_passages_retrieved() -> None:
    """ "督查激励那个通知里…": 督查 is a word of one title, 激励 of another; the passages retrieved
    are the second's, so it is the guess, not the one whose title's meaning is a little nearer."""
    from assistant.answering.scope import Scoper

    class Titles:  # the index as the scoper reads it: its documents' titles, no vectors
        def __init__(self) -> None:
            self.documents: dict[str, dict] = {"a": {}, "b": {}, "c": {}}

        def doc_title(self, doc: str) -> str:
            return {
                "a": "关于第五次大督查表扬的通报",
                "b": "关于加大激励支持力度的通知",
                "c": "关于就业的意见",
            }[doc]

    scoper = Scoper(Titles())  # type: ignore[arg-type]
    question = "督查激励那个通知里，发改委负责哪几条？"
    assert scoper.guess(question, None, lambda: ["b", "c", "b"]).doc_id == "b"  # type: ignore[union-attr]
    assert scoper.guess(question, None, lambda: ["a", "b", "a"]).doc_id == "a"  # type: ignore[union-attr]
    # a title matching more of the words is the guess, whatever the passages
    assert scoper.guess("第五次大督查表扬通报里…", None, lambda: ["b", "b"]).doc_id == "a"  # type: ignore[union-attr]


def test_dates_written_in_characters() -> None:
    assert date_of_line("二〇〇五年六月十一日") == "2005-06-11"
    assert date_of_line("一九九六年七月十七日") == "1996-07-17"
    assert date_of_line("二〇一八年十二月三十一日") == "2018-12-31"
    assert date_of_line("2019年1月27日") == "2019-01-27"
    assert date_of_line("二〇一八年十三月一日") == ""


def test_a_documents_particulars_are_cited_where_its_text_states_them(assistant: Assistant) -> None:
    a = assistant.ask("固体废物那个试点工作方案是哪个机关印发的？文号是多少？落款日期呢？")
    assert not a.refused and a.intent == "document"
    for fact in ("国务院办公厅", "国办发〔2018〕128号", "2018年12月29日"):
        assert fact in a.text
    src = _source("07")
    assert [c.quote for c in a.citations] == ["国务院办公厅", "国办发〔2018〕128号", "2018年12月29日"]
    assert all(src[c.start : c.end] == c.quote and c.doc == "07" for c in a.citations)
    a = assistant.ask("促进就业那个若干意见发给了哪些单位？")
    assert "各省、自治区、直辖市人民政府，国务院各部委、各直属机构" in a.text and a.citations[0].doc == "39"


def test_a_documents_particulars_and_what_else_is_asked_of_it(assistant: Assistant) -> None:
    a = assistant.ask("促进就业那个若干意见是哪天印发的？三年百万青年见习计划从哪天起实施？")
    assert "2018年11月16日" in a.text and "2019年1月1日" in a.text
    assert a.text.index("2018年11月16日") < a.text.index("2019年1月1日")  # in the order asked
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert all(c.doc == "39" for c in a.citations)
    # the rest asked in a clause beside a particular ("文号多少，…从哪天起实施？"), not alone
    a = assistant.ask("促进就业那个若干意见是哪天印发的？文号多少，三年百万青年见习计划从哪天起实施？")
    assert "2018年11月16日" in a.text and "国发〔2018〕39号" in a.text and "2019年1月1日" in a.text
    # a date asked in another ask is no date of the document's
    from assistant.answering.document import asked_facts

    assert asked_facts("无废城市试点方案是哪个机关印发的？试点期限到什么时候？") == ("issuer",)


def test_this_document_among_many_asks_which(assistant: Assistant) -> None:
    a = assistant.ask("这份文件是哪天印发的？")
    assert not a.refused and not a.citations and a.intent == "clarify"
    assert "请指明" in a.text and "《" in a.text


def test_another_documents_number_is_answered_from_the_passages(assistant: Assistant) -> None:
    # the plan states no number of its own: the number asked is the one it implements
    a = assistant.ask("德州这个实施方案贯彻落实的是省里哪个文件？文号多少？", doc_id="dezhou-plan-2023")
    assert "鲁政字〔2023〕18号" in a.text


def test_which_document_answers_name_it_first(assistant: Assistant) -> None:
    a = assistant.ask("以磷石膏等为重点，探索实施“以用定产”政策，是哪份文件提出的？")
    assert not a.refused
    assert re.match(r"出自《[^》]*无废城市[^》]*》（国办发〔2018〕128号）\[1\]：", a.text), a.text
    assert a.citations[0].quote == "国办发〔2018〕128号" and len(a.citations) >= 2
    a = assistant.ask("哪个文件提出实施三年百万青年见习计划？")
    assert a.text.startswith(
        "出自《国务院关于做好当前和今后一个时期促进就业工作的若干意见》（国发〔2018〕39号）"
    )
    a = assistant.ask("哪份文件把国际发展合作署列为负责单位？")
    assert "国发〔2018〕42号" in a.text and not a.refused
    assert all(c.doc == "15" for c in a.citations)


def test_a_document_named_by_its_topic_scopes_the_answer(
    assistant: Assistant, home: Path, capsys, monkeypatch
) -> None:
    a = assistant.ask("深入开展消费扶贫的指导意见里，财政部要负责哪些工作？")
    assert a.scope == "09" and a.text.startswith("在《国务院办公厅关于深入开展消费扶贫")
    # every note naming it: "…财政部等和各有关省级人民政府负责" included
    for title in ("加强组织领导", "完善利益机制", "强化督促落实", "加大政策激励"):
        assert title in a.text
    assert all(c.doc == "09" for c in a.citations)
    # the command asks the index with the embedder it was built with (a title it names is
    # weighed with the passages retrieved for it)
    monkeypatch.setattr(session, "SentenceTransformerEmbedder", lambda *a, **k: FakeEmbedder())
    code = cli.main(
        ["--home", str(home), "ask", "--json", "深入开展消费扶贫的指导意见里，财政部要负责哪些工作？"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["scope"] == "09"
    # a question naming no document keeps every document
    assert assistant.ask("财政部负责哪些工作？").scope == ""


def test_responsible_means_listed_where_notes_name_no_roles(assistant: Assistant) -> None:
    # "（工业和信息化部、发展改革委、科技部…等负责。列第一位者为牵头单位）": 商务部 listed
    # after the first is responsible for the measure, as a participant
    ledger = assistant.ledger
    src = _source("15")
    expected = [
        t.measure.title
        for t in ledger.tasks
        if t.doc_id == "15" and t.measure.resp_span and "商务部" in t.measure.resp_span.slice(src)
    ]
    assert len(expected) >= 3
    a = assistant.ask("农机装备转型升级的指导意见里，商务部负责哪几项工作？")
    assert a.scope == "15"
    for title in expected:
        assert f"“{title}”" in a.text
    assert "（参与）" in a.text
    # the convention it follows, cited where the document states it
    assert a.citations[-1].quote == "列第一位者为牵头单位" and a.citations[-1].doc == "15"
    # where notes name roles in words (the plan), 负责 is leading
    plan = assistant.ask("德州的方案里，市发展改革委负责哪些工作？", doc_id="dezhou-plan-2023")
    assert "牵头" in plan.text and "（配合）" not in plan.text


def test_what_a_department_does_about_one_thing_across_documents_is_that_thing(
    assistant: Assistant,
) -> None:
    """交通运输部 has tasks in four of the documents: asked of all of them what it does about one
    thing (快递下乡, in 09), the passage about it answers, not every measure naming it; asked what
    it does, with nothing else, the list of all of them does."""
    a = assistant.ask("交通运输部在快递下乡这块要做哪些工作？")
    assert not a.refused and "快递下乡" in a.text and "措施共" not in a.text, a.text
    assert {c.doc for c in a.citations} == {"09"}
    every = assistant.ask("交通运输部要做哪些工作？")
    assert every.intent == "ledger" and len({c.doc for c in every.citations}) > 1, every.text


def test_labelled_notes_list_the_responsible(more: Assistant) -> None:
    # "（负责部门：民航局，适用范围：陕西自贸试验区）": every department listed is responsible; the
    # scope of application names no department
    src = _source("57")
    rows = [t for t in more.ledger.by_department("民航局", "any") if t.doc_id == "57"]
    assert len(rows) == src.count("民航局") == 4
    assert all(t.measure.resp_span.slice(src).startswith("（负责部门：") for t in rows)
    assert not any("陕西自贸试验区" in d for t in more.ledger.tasks for d in (*t.lead, *t.support))
    a = more.ask("民航局负责哪些措施？")
    assert a.text.count("（负责）") == 4  # 57 states no order convention: listed, not leading
    assert "（参与）" in a.text  # 15's note, where the first listed leads
    # a count with no noun asked of a department is its list
    assert more.ask("民航局要管几条？都是啥？").intent == "ledger"


def test_policy_figures_are_read_with_their_conditions(more: Assistant) -> None:
    src = _source("39")
    measures = {m.title: m for m in more.index.measures["39"]}
    (refund, _) = measures["加大稳岗支持力度"].terms
    assert (refund.condition, refund.qualifier, refund.value, refund.unit) == (
        "对不裁员或少裁员的参保企业",
        "可返还",
        "50",
        "%",
    )
    assert refund.span.slice(src) == "可返还其上年度实际缴纳失业保险费的50%"
    loans = [(t.value, t.unit) for t in measures["加大创业担保贷款贴息及奖补政策支持力度"].terms]
    assert ("15", "万元") in loans and ("300", "万元") in loans
    assert ("1", "年") not in loans  # "签订1年以上劳动合同": a condition's period, nothing granted
    cap = next(t for t in measures["加大创业担保贷款贴息及奖补政策支持力度"].terms if t.value == "300")
    assert cap.condition.endswith("并与其签订1年以上劳动合同的") and cap.qualifier == "最高不超过"
    # a measure with figures but no targets: asked for them, it lists them, each cited exactly
    a = more.ask("“加大稳岗支持力度”这条的目标是什么？", doc_id="39")
    assert "量化标准" in a.text and "可返还其上年度实际缴纳失业保险费的50%" in a.text
    assert all(c.quote == more.index.source_text(c.doc)[c.start : c.end] for c in a.citations)


def test_a_letters_prose_says_who_answers_for_each_item(more: Assistant) -> None:
    # a 办理情况的函: "发展改革委会同水利部研究提出了办理意见：…" under each request
    src = _source("22")
    m = next(m for m in more.index.measures["22"] if m.title == "关于亭子口水利枢纽工程问题")
    assert (m.lead, m.support) == (("发展改革委",), ("水利部",))
    assert m.resp_span.slice(src) == "发展改革委会同水利部研究提出了办理意见"
    # "有关部门研究提出…" names no department: no one is made responsible
    assert all("有关部门" not in (*m.lead, *m.support) for m in more.index.measures["22"])
    a = more.ask("亭子口水利枢纽项目建议书那事儿，是哪个部门牵头研究的？", doc_id="22")
    assert "发展改革委" in a.text and not a.refused
    # what a department is asked to do is in the letter's sentences, not in a note: those
    a = more.ask("四川那个函里，交通部被要求做哪些事？", doc_id="22")
    assert "交通部将进行行业审查" in a.text and a.text.count("交通部") >= 3
    assert all(c.quote == src[c.start : c.end] and "交通部" in c.quote for c in a.citations)
    # a salutation naming its addressees, not "各…"
    a = more.ask("四川那份办理情况的函是发给谁的？", doc_id="22")
    assert a.intent == "document" and "四川省人民政府" in a.text


def test_notes_inside_a_measure_are_ledger_rows_of_their_own(assistant: Assistant) -> None:
    m = next(m for m in assistant.index.measures["34"] if m.title == "鼓励创新创业")
    assert [n.lead[:1] for n in m.notes] == [("市场监管总局",), ("体育总局",), ("体育总局",)]
    tasks = assistant.ledger.by_department("市场监管总局", "any")
    assert any(t.doc_id == "34" and t.measure.title == "鼓励创新创业" for t in tasks)
    # a sub-item (a later paragraph with its own note) is named by its first sentence
    m = next(
        m
        for m in assistant.index.measures["07"]
        if any(n.title.startswith("加强制度政策集成创新") for n in m.notes)
    )
    assert any(n.title == "加强制度政策集成创新，增强试点方案系统性" for n in m.notes)
    # one row a task in a department's list, however many of its notes name it
    keys = [
        (t.doc_id, t.measure.index, t.measure.title)
        for t in assistant.ledger.by_department("体育总局", "any")
    ]
    assert len(keys) == len(set(keys))


def test_a_task_is_answered_by_its_own_note_in_its_words(assistant: Assistant) -> None:
    # "…准入环境。（市场监管总局负责）加强…。鼓励退役运动员投身体育竞赛表演产业。（体育总局、教育部
    # 负责）重视…": each note closes the tasks before it, and is a sentence of its own
    m = next(m for m in assistant.index.measures["34"] if m.title == "鼓励创新创业")
    chunk = next(c for c in assistant.index.chunks if c.doc_id == "34" and c.start <= m.span.start < c.end)
    src = _source("34")
    said = [src[a:b] for a, b in sentence_spans(src, chunk)]
    assert "（市场监管总局负责）" in said and "（体育总局、教育部负责）" in said
    assert any(s.startswith("加强体育产业创新创业教育服务") for s in said)
    # who is responsible for a task: its own note, not the measure's first, in the note's words
    # (no 牵头 is claimed where the note says none)
    a = assistant.ask("鼓励退役运动员投身体育竞赛表演产业，这件事由哪些部门负责？")
    assert "由体育总局、教育部负责" in a.text and "牵头" not in a.text
    assert any(c.quote == "（体育总局、教育部负责）" for c in a.citations)


def test_tasks_of_one_document(home: Path, capsys) -> None:
    code = cli.main(["--home", str(home), "tasks", "--doc", "34", "--dept", "公安部", "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    src = _source("34")
    # every note of the document naming it (a measure once), with the role it gives
    expected = {
        (getattr(n, "title", "") or m.title)
        for m in _measures("34", home)
        for n in (m.notes or [m])
        if "公安部" in (*n.lead, *n.support)
    }
    assert code == 0 and {r["measure"] for r in rows} == expected and len(expected) >= 2
    assert all(r["doc"] == "34" and "公安部" in r["lead"] + r["support"] for r in rows)
    assert all(
        "公安部" in src[r["responsibility_span"]["start"] : r["responsibility_span"]["end"]] for r in rows
    )


def _measures(doc: str, home: Path):
    from index.plan_index import PlanIndex

    index = PlanIndex(home, FakeEmbedder())
    try:
        return index.measures[doc]
    finally:
        index.close()


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """The legality-review opinion (35): its closing paragraph names its doer once, then says
    what is to be done without a subject ("司法部负责…。要及时跟踪…"); beside the sports
    opinion (34), whose notes name 司法部 as a department."""
    home = tmp_path_factory.mktemp("documents-review")
    ingest([CORPUS / "34.html", CORPUS / "35.html"], home, fake_embedder)
    a = Assistant(Settings(home=home), embedder=fake_embedder)
    yield a
    a.close()


def test_what_follows_without_a_subject_is_its_doers(review: Assistant) -> None:
    from assistant.answering.evidence import subjectless

    assert subjectless("要及时跟踪了解落实情况") and subjectless("并及时报告")
    assert not subjectless("司法部负责组织协调") and not subjectless("应急管理部要加强指导")
    # the department's sentences include what it is then told to do
    a = review.ask("合法性审核机制这件事上，司法部要干哪些事？", doc_id="35")
    assert "司法部负责组织协调" in a.text and "研究协调解决共性问题" in a.text, a.text
    # a who-question answered by such a sentence quotes its doer too
    a = review.ask("督促检查指导合法性审核机制建设，是哪个部门负责？", doc_id="35")
    assert not a.refused and "司法部" in a.text, a.text
    assert any(c.quote.startswith("司法部负责") for c in a.citations)
    assert all(c.quote == review.index.source_text(c.doc)[c.start : c.end] for c in a.citations)


def test_a_task_of_a_measure_split_by_notes_says_what_it_is(review: Assistant) -> None:
    """In the sports opinion (34) one measure carries a note per task ("大力推进商事制度改革…。
    （市场监管总局负责）加强…。（体育总局、教育部负责）"): the measure's title does not say
    what the department is to do there, its own words do — quoted in the list and cited."""
    a = review.ask("体育竞赛表演产业的意见里，教育部要干哪些事？", doc_id="34")
    assert "设置相关专业和课程" in a.text and "学校体育场馆" in a.text, a.text
    assert "商事制度改革" not in a.text  # another department's task of the same measure
    src = review.index.source_text("34")
    for c in a.citations:
        assert c.quote == src[c.start : c.end] and "教育部" in c.quote


def test_a_paragraph_led_by_a_target_year_dates_every_sentence_of_it(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """15 gives its 2020 and its 2025 targets in paragraphs led by "到2020年，" and "到2025年，";
    the mechanisation rate each states, two sentences on, is of that paragraph's year (before,
    only a paragraph led by "2023年，" dated the sentences after its first)."""
    from assistant.answering.evidence import sentences_of
    from index.plan_index import PlanIndex
    from index.types import Hit

    ingest([CORPUS / "15.html"], tmp_path, fake_embedder)
    index = PlanIndex(tmp_path, fake_embedder)
    try:
        sentences = [s for c in index.chunks for s in sentences_of(index, Hit(c, 0.0), 0)]
    finally:
        index.close()
    years = {s.year for s in sentences if s.text.startswith("全国农作物耕种收综合机械化率达到")}
    assert years == {"2020", "2025"}


def test_a_letter_to_a_body_says_what_it_is_to_do_as_you(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    """A 复函 to 湖北省人民政府 (23) names it once, in its salutation, and then asks "你省" to
    act: the department's sentences are those, not the salutation or the attachment's title."""
    from assistant.answering.document import department_mentions
    from index.plan_index import PlanIndex

    ingest([CORPUS / "23.html"], tmp_path, fake_embedder)
    index = PlanIndex(tmp_path, fake_embedder)
    try:
        a = department_mentions(index, "湖北省人民政府要做哪些事？", "湖北省人民政府", (), {"23"})
    finally:
        index.close()
    assert a is not None and "长期监测" in a.text, a
    assert all(not c.quote.startswith(("湖北省人民政府：", "附件")) for c in a.citations), a.text
    assert any("你省" in c.quote for c in a.citations)


def test_a_body_named_only_in_sentences_is_asked_what_it_does(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """The web-consolidation pilot plan (60) gives 国务院办公厅 no note; its sentences say what
    it does ("国务院办公厅将于2020年4月底前组织…验收总结"). Asked by a short name what it is to do,
    those sentences answer; asked when it does one thing, retrieval does."""
    from assistant.answering.document import bodies_named
    from assistant.answering.ledger import find_body

    ingest([CORPUS / "60.html"], tmp_path, fake_embedder)
    a = Assistant(Settings(home=tmp_path), embedder=fake_embedder)
    try:
        text = a.index.source_text("60")
        assert "国务院办公厅" in bodies_named(text)
        assert find_body("国办要干哪些事", {"国务院办公厅"}) == ("国务院办公厅", 0, 2)
        assert find_body("湖北省政府要做什么", {"湖北省人民政府"}) == ("湖北省人民政府", 0, 5)
        # the head of a longer word of the documents is no body's name
        assert find_body("职业教育部际联席会议谁牵头", {"教育部"}, "职业教育部际联席会议") is None
        r = a.ask("国办在这个试点里自己要干哪些事？", doc_id="60")
        assert r.intent == "ledger" and "验收总结" in r.text, r.text
        assert all(c.quote == text[c.start : c.end] for c in r.citations)
        assert not any(c.quote.startswith("国务院办公厅关于印发") for c in r.citations)  # the title
        assert a.ask("国办什么时候组织验收？", doc_id="60").intent != "ledger"
    finally:
        a.close()


@pytest.fixture(scope="module")
def ministries(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """The vocational education plan (03), which names ministries by what they administer
    ("国务院教育行政部门"), and the hospital appraisal opinion (04), whose attachment's table
    names 国家卫生健康委 as the source of many indicators; neither gives them notes. Beside the
    consumption poverty opinion (09), whose notes name both ministries."""
    yield from _asking(tmp_path_factory, fake_embedder, "ministries", ("03", "04", "09"))


def test_a_ministry_named_by_what_it_administers_is_asked_what_it_does(ministries: Assistant) -> None:
    from assistant.answering.document import functional_names

    text = ministries.index.source_text("03")
    assert "教育行政部门" in functional_names(["教育部"], text)
    assert "人力资源社会保障行政部门" in functional_names(["人力资源社会保障部"], text)  # "、…行政部门"
    assert functional_names(["财政部"], text) == ["财政部"]  # 03 never says 国务院财政行政部门
    a = ministries.ask("职业教育改革实施方案中，人力资源社会保障部要干哪些事？", doc_id="03")
    assert not a.refused and "组织制定职业标准" in a.text, a.text
    assert all(c.quote == text[c.start : c.end] and "人力资源社会保障" in c.quote for c in a.citations)


def test_a_ministry_is_among_every_levels_departments_of_its_kind() -> None:
    """ "各级民政部门要…" is asked of 民政部 too: every level's departments, the ministry's with them;
    a level below it alone ("地方民政部门") is not the ministry."""
    from assistant.answering.document import functional_names

    assert "民政部门" in functional_names(["民政部"], "各级民政部门要加强对养老机构的监管。")
    assert "市场监管部门" in functional_names(
        ["国家市场监管总局"], "各级发展改革、市场监管部门按职责抓落实。"
    )
    assert functional_names(["民政部"], "地方民政部门要加强监管。") == ["民政部"]


def test_a_department_named_more_often_than_a_list_says_is_listed_by_what_it_does(
    ministries: Assistant,
) -> None:
    """Named 18 times in 04, ten of them in the body: the body's sentences where it is the
    subject of a clause answer, not those naming its platform or its indicators."""
    from assistant.answering.document import _acting

    assert _acting("2020年起，国家卫生健康委每年3月底前完成上述工作。", ["卫生健康委"])
    assert not _acting("全国三级公立医院全部纳入国家卫生健康委满意度调查平台。", ["卫生健康委"])
    assert not _acting("并报送国家卫生健康委。", ["卫生健康委"])
    a = ministries.ask("医院绩效考核那份意见，国家卫生健康委有哪几项工作？", doc_id="04")
    assert not a.refused and "疾病分类编码" in a.text and "绩效考核信息系统" in a.text, a.text
    assert "有18处" in a.text and "要做的有7处" in a.text, a.text
    assert not any("指标来源" in c.quote or "满意度调查平台" in c.quote for c in a.citations)


@pytest.fixture(scope="module")
def holidays(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """The notice of 2019's holidays (38) beside the State Council's working rules (47)."""
    yield from _asking(tmp_path_factory, fake_embedder, "holidays", ("38", "47"))


def test_a_document_named_by_a_holiday_is_the_one_asked_of(holidays: Assistant) -> None:
    """ "节假日" is what the question names the notice by (jieba tags it a time word, like 年底):
    its particulars answer, not a request to say which document."""
    a = holidays.ask("19年节假日安排那个通知，文号是多少，谁发的？")
    assert "国办发明电〔2018〕15号" in a.text and "国务院办公厅" in a.text, a.text
    assert {c.doc for c in a.citations} == {"38"}


@pytest.fixture(scope="module")
def replies(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """Replies to proposals (26, 28, 29): each addressed to the deputies or members who made it."""
    yield from _asking(tmp_path_factory, fake_embedder, "replies", ("26", "28", "29"))


def test_a_documents_number_in_the_question_is_that_document(replies: Assistant) -> None:
    # two replies to proposals of the same session: the number says which, as --doc would
    a = replies.ask("第2996号建议是哪位代表提的？国办是哪天答复的？")
    assert a.citations and {c.doc for c in a.citations} == {"28"}
    assert "石英代表" in a.text and "二〇〇六年九月七日" in a.text
    b = replies.ask("第7264号建议是哪位代表提的？")
    assert "邓明义代表" in b.text and "石英" not in b.text


def test_a_reply_is_addressed_to_who_made_the_proposal(replies: Assistant) -> None:
    a = replies.ask("总理热线电话那个提案是哪位委员提的？")
    assert "王超斌委员" in a.text and a.citations[0].quote == "王超斌委员"
    # who proposed a target, or when something recovered, asks nothing of the document
    assert asked_facts("这个目标是谁提的？") == () and asked_facts("灾区生产什么时候恢复的？") == ()


def test_a_number_with_another_issuers_prefix_names_no_document(replies: Assistant) -> None:
    assert replies.named_document("国办函（2006）70号是哪位代表的建议？") == "28"  # brackets as written
    numbered = replies._scoper_for(replies.index).numbered
    assert numbered("国发〔2006〕70号是哪位代表的建议？") == ""  # the titles' words may still say which


def test_which_documents_number_is_its_particular_when_no_passage_says_it(replies: Assistant) -> None:
    # which document, asked by its number: no passage states it, the document the question
    # describes does (as a question asking its particulars is answered)
    q = "设总理热线那个提案，是哪份文件答复的，文号是多少？"
    assert asks_which_document(q)
    a = replies.ask(q)
    assert not a.refused and "国办函〔2006〕82号" in a.text and a.citations[0].doc == "26"


@pytest.fixture(scope="module")
def taxes(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """The individual income tax's special deductions (32) and its implementing regulation (33)."""
    yield from _asking(tmp_path_factory, fake_embedder, "taxes", ("32", "33"))


def test_which_document_is_asked_with_any_kind_of_document() -> None:
    for q in (
        "提到要面向中西亚合作创新探索示范的，是哪个批复",
        "这是哪个法规里的规定？",
        "哪份答复里提到了英文版？",
    ):
        assert asks_which_document(q, learned=False), q
    for q in ("有什么办法能解决？", "用哪个办法解决？", "哪个办法最有效？", "属于哪个规划范围", "哪个函数"):
        assert not asks_which_document(q, learned=False), q  # a way, a range, a function
    assert asks_which_document("哪个办法里规定了补贴？", learned=False)


def test_which_document_says_a_statement_the_question_quotes(taxes: Assistant) -> None:
    # a statement quoted in other words than the text's ("被赡养人是指年满60岁的父母") is no name
    # the documents lack (the test embedder's words-only gate weighs the rest)
    a = taxes.ask("“被赡养人是年满60岁的父母”这个说法出自哪个文件？")
    assert a.rule != "quotes an unknown name"
    assert taxes.ask("“半岛综合体育官网登录入口”出自哪个文件？").rule == "quotes an unknown name"
    # the figures and times of a statement are quoted, not asked
    a = taxes.ask("外币收入要按上一个月最后一天的人民币汇率中间价折算，这是哪个文件规定的？")
    assert a.intent == "general"


def test_which_reply_says_it(replies: Assistant) -> None:
    a = replies.ask("哪份答复里提到省级政府网站有10个开通了英文版？")
    assert a.text.startswith("出自《") and "第2996号建议" in a.text


@pytest.fixture(scope="module")
def attached(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """Documents with attachments: a reply with two (23), a notice with one (36)."""
    yield from _asking(tmp_path_factory, fake_embedder, "attached", ("23", "36"))


def test_a_documents_attachments_are_among_its_particulars(attached: Assistant) -> None:
    a = attached.ask("巴东马鬃山村地质险情那个复函带了几个附件，都是啥？")
    assert not a.refused and a.intent == "document" and "附件共2个" in a.text
    for title in (
        "国土资源部关于湖北省巴东县官渡口镇马鬃山村地质险情调研情况的报告",
        "湖北省巴东县官渡口镇马鬃山村地质险情调查专家组意见",
    ):
        assert title in a.text
    c = a.citations[0]
    assert c.doc == "23" and _source("23")[c.start : c.end] == c.quote and c.quote.startswith("附件")
    b = attached.ask("给消防车挂应急专用号牌的那个通知，后面附件是啥？")
    assert "附件为应急救援专用号牌式样和车辆涂装样图" in b.text and b.citations[0].doc == "36"
    assert asked_facts("那个意见后面带了什么附件？") == ("attachments",)
    # a thing inside an attachment is asked of its passages, not of the document's particulars
    assert asked_facts("推广清单附件里技术调查官那条在哪推广？") == ()
    assert asked_facts("附件里有几家企业？") == ()
    # prose naming an attachment is no list of them; a bare "附件：" lists the numbered lines
    from assistant.answering.document import _attachments, _line_spans

    prose = "附件所列企业名单由省发展改革委确定。\n"
    assert _attachments(prose, _line_spans(prose)) is None
    bare = "正文。\n附件：\n1.甲报告\n2.乙意见\n国务院办公厅\n"
    fact = _attachments(bare, _line_spans(bare))
    assert fact is not None and fact.value == "1.甲报告；2.乙意见"


@pytest.fixture(scope="module")
def culture(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    """A notice printing two rules after its date, each titled on lines of its own (18)."""
    yield from _asking(tmp_path_factory, fake_embedder, "culture", ("18",))


def test_which_document_names_the_attached_document_the_quote_is_in(culture: Assistant) -> None:
    from assistant.answering.document import attached_titles

    first = culture.ask("转制企业的党组织关系怎么隶属，是哪个文件规定的？")
    assert "所附《文化体制改革中经营性文化事业单位转制为企业的规定》" in first.text
    second = culture.ask("文化企业可以用知识产权作价出资吗？是哪份文件规定的？")
    assert "所附《进一步支持文化企业发展的规定》" in second.text
    assert second.text.startswith("出自《国务院办公厅关于印发") and "国办发〔2018〕124号" in second.text
    # titles after the date line, on one line or two; not a chapter, a figure or "附件"
    text = (
        "关于印发两个办法的通知\n\n国务院办公厅\n2030年1月5日\n\n甲地区水源保护\n办法\n\n一、禁止排污。\n\n"
        + ("第二章　森林防火制度\n\n附件\n\n乙地区森林防火办法\n\n一、防火期内禁止野外用火。\n")
    )
    assert [t for _, t in attached_titles(text)] == ["甲地区水源保护办法", "乙地区森林防火办法"]
    assert attached_titles("甲地区水源保护办法\n一、禁止排污。\n") == []  # no date line: no notice


def test_a_decrees_number_signer_and_when_a_document_takes_effect(taxes: Assistant) -> None:
    # "中华人民共和国国务院令" / "第707号" above "总理　　李克强"; "本条例自2019年1月1日起施行"
    a = taxes.ask("修订后的个税法实施条例是国务院第几号令公布的，谁签署的？")
    assert a.intent == "document" and "第707号" in a.text and "总理李克强" in a.text
    for c in a.citations:
        assert _source(c.doc)[c.start : c.end] == c.quote
    b = taxes.ask("个税专项附加扣除暂行办法是哪个文号印发的，什么时候开始施行？")
    assert "国发〔2018〕41号" in b.text and "自2019年1月1日起施行" in b.text
    assert asked_facts("国家粮食应急预案是哪天印发的？这个预案从啥时候开始实施？") == ("date", "effective")
    c = taxes.ask("新修订的个人所得税法实施条例是第几号国务院令？从哪天起施行？")
    assert c.text.count("2019年1月1日") == 1 and "第707号" in c.text
    # "这个方案实施时间多长" asks how long; "方案里的试点哪天开始实施", of the pilot
    assert asked_facts("这个方案实施时间多长") == () and asked_facts("方案里的试点哪天开始实施") == ()
    # an ask naming nothing is of the document named before it, and said once
    assert asked_facts("新修订的个人所得税法实施条例是第几号国务院令？从哪天起施行？") == (
        "number",
        "effective",
    )
    # when a thing other than a document starts is asked of its passages
    assert asked_facts("平潭人民币和新台币直接清算的试点，从哪天开始实施？") == ()
    assert asked_facts("这项措施什么时候开始实施") == ()
