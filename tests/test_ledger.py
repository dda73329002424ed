"""The task ledger: extraction (targets, deadlines), department aliases, list
questions answered completely, the first-listed-leads convention, and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from assistant.answering.export import export, select, to_ics
from assistant.answering.ledger import LIST_SAID, MAX_SAID, Ledger, lists_measures
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from index.clean import clean_text
from index.departments import Departments
from index.ledger import extract_deadlines, plan_year
from index.load import load_document
from index.parse import parse_plan
from index.types import Span
from tests.conftest import DATA, PUBLIC_QUESTIONS, SAMPLE, FakeEmbedder

STATE_COUNCIL_05 = [
    ("拓展两个市场", ("税务总局",), ("财政部", "海关总署")),
    ("提前适用政策", ("海关总署",), ("财政部", "税务总局")),
    ("释放企业产能", ("海关总署",), ("商务部",)),
    ("促进内销便利", ("商务部",), ("海关总署",)),
    ("强化企业市场主体地位", ("海关总署",), ()),
    ("促进研发创新", ("海关总署",), ("商务部",)),
    ("建设创新高地", ("发展改革委",), ("科技部", "海关总署")),
    ("优化信用管理", ("市场监管总局",), ("海关总署",)),
    ("支持医疗设备研发", ("药监局",), ("海关总署",)),
    ("简化进出区管理", ("海关总署",), ()),
    ("便利货物流转", ("海关总署",), ()),
    ("试行汽车保税存储", ("发展改革委",), ("海关总署",)),
    ("促进文物回流", ("海关总署",), ("文化和旅游部", "文物局")),
    ("开展检测维修", ("商务部",), ("工业和信息化部", "生态环境部", "海关总署")),
    ("支持再制造业", ("商务部",), ("发展改革委", "工业和信息化部", "海关总署")),
    ("创新监管模式", ("海关总署",), ()),
    ("发展租赁业态", ("海关总署",), ("财政部", "税务总局")),
    ("促进跨境电商发展", ("商务部",), ("海关总署",)),
    ("支持服务外包", ("海关总署",), ("财政部", "商务部")),
    ("支持期货交割", ("海关总署",), ("证监会",)),
    ("推广创新制度", ("海关总署",), ("商务部",)),
]
STATE_COUNCIL_15 = [
    ("完善农机装备创新体系", ("工业和信息化部",), ("发展改革委", "科技部", "农业农村部")),
    ("推进农机装备全产业链协同发展", ("工业和信息化部",), ("发展改革委", "科技部", "农业农村部", "商务部")),
    (
        "优化农机装备产业结构布局",
        ("工业和信息化部",),
        ("发展改革委", "农业农村部", "商务部", "国资委", "国际发展合作署"),
    ),
    ("加强农机装备质量可靠性建设", ("市场监管总局",), ("工业和信息化部", "发展改革委", "农业农村部")),
    ("加快补齐全程机械化生产短板", ("农业农村部",), ("发展改革委", "财政部")),
    ("协同构建高效机械化生产体系", ("农业农村部",), ("发展改革委", "科技部", "工业和信息化部")),
    (
        "加强绿色高效新机具新技术示范推广",
        ("农业农村部",),
        ("科技部", "工业和信息化部", "财政部", "交通运输部", "商务部", "人民银行", "银保监会", "民航局"),
    ),
    ("推动智慧农业示范应用", ("农业农村部",), ("发展改革委", "工业和信息化部", "国资委")),
    ("提高农业机械化技术推广能力", ("农业农村部",), ("工业和信息化部",)),
    ("发展农机社会化服务组织", ("农业农村部",), ("财政部", "人民银行", "税务总局", "银保监会")),
    ("推进农机服务机制创新", ("农业农村部",), ("发展改革委", "财政部", "自然资源部", "交通运输部")),
    ("提高农机作业便利程度", ("农业农村部",), ("发展改革委", "财政部", "自然资源部", "市场监管总局")),
    ("改善农机作业配套设施条件", ("农业农村部",), ("发展改革委", "财政部", "自然资源部", "税务总局")),
    ("健全新型农业工程人才培养体系", ("教育部",), ("工业和信息化部", "农业农村部")),
    ("注重农机实用型人才培养", ("农业农村部",), ("工业和信息化部",)),
    ("健全组织实施机制", ("农业农村部", "工业和信息化部"), ()),
    ("强化地方政府责任", ("各省级人民政府",), ()),
    ("促进政府与市场良性互动", ("农业农村部",), ("工业和信息化部",)),
]


@pytest.fixture(scope="module")
def assistant(built_home: Path, fake_embedder: FakeEmbedder):
    a = Assistant(Settings(home=built_home), embedder=fake_embedder)
    yield a
    a.close()


@pytest.fixture(scope="module")
def ledger(assistant: Assistant) -> Ledger:
    return assistant.ledger


def _by_title(ledger: Ledger) -> dict:
    return {t.measure.title: t for t in ledger.tasks}


# -- extraction ---------------------------------------------------------------


def test_plan_year_comes_from_the_document(sample_text: str) -> None:
    assert plan_year(sample_text) == "2023"
    assert plan_year("某市行动计划（2024—2026年）\n一、目标\n到2026年，完成。") == "2024"
    assert plan_year("没有年份的方案。") == ""


def test_deadlines_of_the_bundled_plan(ledger: Ledger, sample_text: str) -> None:
    got = {
        t.measure.title: [(d.when, d.due) for d in t.measure.deadlines]
        for t in ledger.tasks
        if t.measure.deadlines
    }
    assert got == {
        "强化科技平台载体赋能": [("4月底前", "2023-04-30"), ("12月底前", "2023-12-31")],
        "提高水旱灾害防御能力": [("6月底前", "2023-06-30"), ("12月底前", "2023-12-31")],
        "推动绿色转型发展": [("9月底前", "2023-09-30"), ("12月底前", "2023-12-31")],
        "建设沿黄河、大运河文化体验廊道": [
            ("4月底前", "2023-04-30"),
            ("6月底前", "2023-06-30"),
            ("8月底前", "2023-08-31"),
            ("12月底前", "2023-12-31"),
        ],
        "强化能源保障": [("年底前", "2023-12-31")],
        "持续巩固脱贫攻坚成果": [("4月份", "2023-04-30"), ("12月份", "2023-12-31"), ("12月份", "2023-12-31")],
        "提升教育整体发展水平": [("2023年年底前", "2023-12-31")],
        "增强医疗卫生服务能力": [("9月底前", "2023-09-30"), ("12月底前", "2023-12-31")],
        "推进精神文明建设": [("10月底前", "2023-10-31"), ("12月底前", "2023-12-31")],
    }
    for t in ledger.tasks:
        for d in t.measure.deadlines:
            assert sample_text[d.span.start : d.span.end] == d.item
            assert d.when in d.item and not d.item.startswith("完成时限")


def test_targets_keep_metric_value_unit_qualifier(ledger: Ledger, sample_text: str) -> None:
    tasks = _by_title(ledger)
    (t,) = tasks["加强科技创新主体培育"].measure.targets
    assert (t.period, t.year, t.metric, t.qualifier, t.value, t.unit) == (
        "到2025年",
        "2025",
        "全市高新技术企业",
        "达到",
        "1000",
        "家",
    )
    water = {
        (x.year, x.metric, x.value, x.unit, x.qualifier)
        for x in tasks["加强水资源集约节约利用"].measure.targets
    }
    assert ("2025", "供水管网漏损率", "7.9", "%", "下降至") in water
    assert ("2023", "供水管网漏损率", "9", "%", "下降至") in water
    assert ("2023", "新建二次供水设施", "34", "座", "") in water
    ranges = {(x.value, x.unit) for x in tasks["坚决培育壮大新动能"].measure.targets}
    assert {("3—5", "个"), ("4—6", "家")} <= ranges
    growth = [x for x in tasks["坚决培育壮大新动能"].measure.targets if x.unit == "个百分点"]
    assert growth and growth[0].period == "年均" and growth[0].qualifier == "左右"
    levels = {(x.metric, x.qualifier, x.value) for x in tasks["推进新型基础设施建设"].measure.targets}
    assert ("县级智慧社区覆盖率", "不低于", "80") in levels
    for task in ledger.tasks:
        for x in task.measure.targets:
            clause = sample_text[x.span.start : x.span.end]
            assert x.value.replace("—", "") in clause.replace("—", "")
            assert "500千伏" not in clause or x.unit != "千伏"


def test_deadline_forms() -> None:
    text = "完成时限:2024年3月15日前,完成验收;上半年,出台方案;三季度末,开展评估;年内,全面完成。"
    got = [(d.when, d.due) for d in extract_deadlines(text, Span(0, len(text)), "2023")]
    assert got == [
        ("2024年3月15日前", "2024-03-15"),
        ("上半年", "2023-06-30"),
        ("三季度末", "2023-09-30"),
        ("年内", "2023-12-31"),
    ]
    # a year without a month, or a plan year the text never gives, resolves to nothing
    assert extract_deadlines("2023年,新建5G基站3000个。", Span(0, 18), "2023") == []
    (d,) = extract_deadlines("6月底前,完成任务。", Span(0, 10), "")
    assert d.due == ""


# -- departments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mention", "canonical"),
    [
        ("发改委", "市发展改革委"),
        ("工信局", "市工业和信息化局"),
        ("住建局", "市住房城乡建设局"),
        ("文旅局", "市文化和旅游局"),
        ("人社局", "市人力资源社会保障局"),
        ("卫健委", "市卫生健康委"),
        ("教体局", "市教育体育局"),
        ("乡村振兴局", "市农业农村局"),
        ("市乡村振兴局", "市农业农村局"),
        ("财政局", "市财政局"),
        ("德州海关", "德州海关"),
        ("市委宣传部", "市委宣传部"),
    ],
)
def test_department_aliases(ledger: Ledger, mention: str, canonical: str) -> None:
    assert ledger.departments.resolve(mention) == [canonical]


def test_bracketed_alias_is_one_department(ledger: Ledger) -> None:
    deps = ledger.departments
    assert "市农业农村局(市乡村振兴局)" not in deps.canonical
    assert deps.display("市农业农村局") == "市农业农村局(市乡村振兴局)"
    assert deps.find_in("市场监管局参与了哪些") == [("市市场监管局", 0, 5)]
    assert Departments(["市发展改革委"]).resolve("发改委") == ["市发展改革委"]
    assert Departments(["市发展改革委"]).resolve("外交部") == []
    # a short form without its organ, when it is no everyday word: 住建, 发改 — not 交通, 应急
    names = [
        "市住房城乡建设局",
        "市发展改革委",
        "市交通运输局",
        "市应急管理局",
        "市市场监管局",
        "市文化和旅游局",
    ]
    text = "力争建成1个以上重点文旅项目"  # where the documents write a short form, it is their word
    deps = Departments(names, lambda w: w in text)
    assert deps.find_in("住建那边只当配合单位的是哪几项？") == [("市住房城乡建设局", 0, 2)]
    assert deps.find_in("大运河的重点文旅项目建成几个？") == []
    assert Departments(names).find_in("住建那边呢？") == []  # no text to tell: names only
    assert deps.find_in("发改牵头的有哪些") == [("市发展改革委", 0, 2)]
    assert deps.find_in("交通安全和应急物资谁管？") == [] and deps.find_in("城市监测站建在哪？") == []
    # a short name found by its letters in order, after the question's own words ("请问…")
    deps = Departments(["国网德州供电公司", "市发展改革委"])
    assert deps.find_in("请问供电公司负责什么？") == [("国网德州供电公司", 2, 6)]


def test_a_short_form_written_with_another_organ_names_the_department_of_that_organ() -> None:
    """Among a city's bureaus and the ministries, "人社部" is the ministry, not the bureau the
    stem 人社 stands for; with the bureau's own organ, or no organ, or "部门" (any department),
    the stem's bureau; where no ministry is named, the bureau still."""
    names = ["市人力资源社会保障局", "人力资源社会保障部", "市工业和信息化局", "工业和信息化部"]
    deps = Departments(names, lambda w: False)
    assert deps.find_in("稳岗返还人社部管吗") == [("人力资源社会保障部", 4, 7)]
    assert deps.find_in("工信部牵头几项") == [("工业和信息化部", 0, 3)]
    assert deps.find_in("工信局牵头几项") == [("市工业和信息化局", 0, 3)]
    assert deps.find_in("工信那边牵头几项") == [("市工业和信息化局", 0, 2)]
    assert deps.find_in("人社部门牵头几项") == [("市人力资源社会保障局", 0, 2)]
    alone = Departments(["市人力资源社会保障局"], lambda w: False)
    assert alone.find_in("稳岗返还人社部管吗") == [("市人力资源社会保障局", 4, 6)]


# -- questions answered from the ledger ---------------------------------------------


def _public(category: str) -> list[dict]:
    rows = [json.loads(line) for line in PUBLIC_QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return [q for q in rows if q["category"] == category]


@pytest.mark.parametrize(
    "q", _public("list_by_department") + _public("list_by_deadline"), ids=lambda q: q["id"]
)
def test_public_list_questions_answered_completely(assistant: Assistant, q: dict, sample_text: str) -> None:
    ans = assistant.ask(q["question"])
    assert ans.intent == "ledger" and not ans.refused
    for must in q["must_include"]:
        assert must in ans.text
    for c in ans.citations:
        assert sample_text[c.start : c.end] == c.quote


def test_a_department_leading_a_measure_is_told_what_its_body_says(assistant: Assistant) -> None:
    # the note alone names 市卫生健康委: what it leads is the measure's body, not its title only
    ans = assistant.ask("卫健委牵头的事有哪些")
    assert ans.intent == "ledger" and "“增强医疗卫生服务能力”：" in ans.text
    assert "智慧医院" in ans.text and "医养结合体" in ans.text
    # a supporting department is told it too: the title alone hides what it supports
    support = assistant.ask("市财政局作为配合单位参与了哪些工作？")
    assert "“增强医疗卫生服务能力”：" in support.text and "医养结合体" in support.text, support.text


def test_a_department_leading_beside_another_is_told_what_its_body_says(assistant: Assistant) -> None:
    # "(市发展改革委、市商务局牵头负责,…)": 市商务局 leads the measure as much as the first named
    ans = assistant.ask("市商务局牵头的措施有哪些？")
    assert ans.intent == "ledger" and "“健全现代物流网”：" in ans.text
    assert "“促进消费提质升级”：" in ans.text and "乡镇商贸中心" in ans.text


def test_a_short_list_says_its_measures_whole(assistant: Assistant, ledger: Ledger) -> None:
    # one measure led: its whole body, up to its last clause ("开展德州机场规划研究前期工作")
    assert sum("市交通运输局" in t.lead for t in ledger.tasks) == 1
    ans = assistant.ask("市交通运输局牵头的措施有哪些？")
    assert ans.intent == "ledger" and "共1项" in ans.text
    assert "德州机场规划研究前期工作" in ans.text and "……" not in ans.text
    # a long list shares the same room: each item says a share of it, and at least MAX_SAID
    many = assistant.ask("发改委牵头的措施有哪些？")
    n = sum("市发展改革委" in t.lead for t in ledger.tasks)
    items = re.findall(r"\d+\.“[^”]+”：([^\[]*)\[", many.text)
    assert n >= 8 and len(items) >= n // 2
    assert all(len(s) <= max(MAX_SAID, LIST_SAID // n) + 2 for s in items)


def test_department_list_is_exact(assistant: Assistant, ledger: Ledger) -> None:
    ans = assistant.ask("市财政局作为配合单位参与了哪些工作？")
    expected = [t.measure.title for t in ledger.tasks if "市财政局" in t.support]
    assert len(expected) == 16
    assert f"共{len(expected)}项" in ans.text and len(ans.citations) == 16
    assert [c.title for c in ans.citations] == expected
    assert all("市财政局" in c.quote and "配合" in c.quote for c in ans.citations)
    lead = assistant.ask("发改委牵头几项？")
    n = sum(1 for t in ledger.tasks if "市发展改革委" in t.lead)
    assert f"市发展改革委牵头（含共同牵头、分别负责）的措施共{n}项" in lead.text
    both = assistant.ask("住建局参与了哪些工作？")  # 参与 alone: leading or supporting
    assert "（牵头）" in both.text and "（配合）" in both.text


def test_relative_and_before_dates(assistant: Assistant) -> None:
    ans = assistant.ask("下个月要完成哪些事项？", today=dt.date(2023, 3, 15))
    assert "下个月到期的事项共3项" in ans.text and "市级科技创新平台认定工作" in ans.text
    ans = assistant.ask("7月1日前要完成哪些任务？")
    assert "共5项" in ans.text and "完成文化廊道项目摸底调研" in ans.text
    assert "上半年到期的事项共5项" in assistant.ask("上半年要完成哪些工作？").text
    assert "第三季度到期的事项共3项" in assistant.ask("第三季度有哪些任务到期？").text
    ans = assistant.ask("下个月要完成哪些事项？", today=dt.date(2031, 1, 5))
    assert ans.refused and ans.text.startswith("文中未提及")


@pytest.mark.parametrize(
    "question",
    [
        "跟烟台的劳务协作，人社局参与吗？这项还有哪些配合单位？",  # asks for departments
        "强化能源保障谁牵头？",
        "大运河文化体验廊道是文旅局牵头吗？",
        "市级科技创新平台认定工作的完成时限是什么时候？",
    ],
)
def test_other_questions_still_go_to_retrieval(assistant: Assistant, question: str) -> None:
    assert assistant.ledger.route(question) is None
    assert assistant.ask(question).intent != "ledger"


def test_a_count_of_working_days_is_not_a_count_of_measures(ledger: Ledger) -> None:
    """ "几个工作日内" counts days: 工作 there is part of 工作日, not the department's work. With
    the rest of the question about something the documents speak of, it goes to retrieval."""
    asked = "市场监管局抽查完了，结果最迟要在几个工作日内公示出来？"
    assert not lists_measures(asked)
    assert ledger.route(asked, topical=lambda rest: True) is None
    counted = ledger.route("市场监管局有几个工作要做？", topical=lambda rest: True)
    assert counted is not None and counted.kind == "department"


# -- the first-listed-leads convention (State Council documents) ----------------------


@pytest.mark.parametrize(("name", "golden"), [("05.html", STATE_COUNCIL_05), ("15.html", STATE_COUNCIL_15)])
def test_first_listed_leads_golden(name: str, golden: list) -> None:
    doc = load_document(DATA / name)
    parsed = parse_plan(doc.id, clean_text(doc.text))
    got = [(m.title, m.lead, m.support) for m in parsed.measures if m.resp_span]
    assert got == golden


# -- exports --------------------------------------------------------------------------


def test_xlsx_has_task_sheet_and_matrix(ledger: Ledger, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    export(ledger, select(ledger), "xlsx", path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["任务台账", "责任矩阵"]
    tasks = list(wb["任务台账"].iter_rows(values_only=True))
    assert tasks[0][:5] == ("文件", "措施", "章节", "牵头单位", "配合单位")
    assert len(tasks) == 1 + 33
    matrix = list(wb["责任矩阵"].iter_rows(values_only=True))
    header = matrix[0]
    row = next(r for r in matrix if r[0] == "加强科技创新主体培育")
    assert row[header.index("市科技局")] == "牵头" and row[header.index("市财政局")] == "配合"
    assert row[header.index("市水利局")] in (None, "")
    assert "市农业农村局(市乡村振兴局)" in header


def test_ics_parses_with_one_event_per_deadline(ledger: Ledger) -> None:
    import icalendar

    rows = select(ledger)
    cal = icalendar.Calendar.from_ical(to_ics(ledger, rows, stamp=dt.datetime(2023, 1, 1, tzinfo=dt.UTC)))
    events = [e for e in cal.walk() if e.name == "VEVENT"]
    assert len(events) == sum(len(r.deadlines) for r in rows) == 19
    first = next(e for e in events if "市级科技创新平台认定工作" in str(e["SUMMARY"]))
    assert first.decoded("DTSTART") == dt.date(2023, 4, 30)
    assert str(first["SUMMARY"]).startswith("强化科技平台载体赋能：4月底前,完成")
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_csv_and_json_and_filters(ledger: Ledger) -> None:
    rows = select(ledger, dept="财政局", role="support")
    assert len(rows) == 16
    data = list(csv.DictReader(io.StringIO(export(ledger, rows, "csv", None) or "")))
    assert len(data) == 16 and all("市财政局" in d["配合单位"] for d in data)
    items = json.loads(export(ledger, select(ledger, due_before="2023-06-30"), "json", None) or "[]")
    assert {i["measure"] for i in items} == {
        "强化科技平台载体赋能",
        "提高水旱灾害防御能力",
        "建设沿黄河、大运河文化体验廊道",
        "持续巩固脱贫攻坚成果",
    }
    assert all(d["due"] <= "2023-06-30" for i in items for d in i["deadlines"])
    src = SAMPLE.read_text(encoding="utf-8")
    for i in items:
        for d in i["deadlines"]:
            assert src[d["span"]["start"] : d["span"]["end"]] == d["item"]


def test_bad_filters_are_clear(ledger: Ledger) -> None:
    from index.errors import PlanQAError

    with pytest.raises(PlanQAError, match="no department matches '外交部'"):
        select(ledger, dept="外交部")
    with pytest.raises(PlanQAError, match="--due-before must be a date"):
        select(ledger, due_before="6月底")
    with pytest.raises(PlanQAError, match="--format must be one of"):
        export(ledger, [], "pdf", None)
