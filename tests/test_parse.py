"""Parsing: the bundled plan's 31 measures with exactly their departments; State
Council numbering and the "first listed leads" convention."""

from __future__ import annotations

import pytest

from index.clean import clean_text
from index.load import load_document
from index.parse import ParsedPlan, parse_plan
from index.responsibility import find_responsibility, parse_responsibility
from tests.conftest import DATA

# (title, lead, support, 分别负责) for every measure of the bundled plan, in order,
# read off the plan's responsibility notes.
GOLDEN = [
    ("加强科技创新主体培育", ("市科技局",), ("市财政局",), False),
    (
        "强化科技平台载体赋能",
        ("市科技局", "市地方金融监管局"),
        ("市财政局", "人民银行德州市中心支行", "德州银保监分局"),
        False,
    ),
    ("促进科技成果落地转化", ("市科技局",), ("市教育体育局", "市财政局"), False),
    ("提高水旱灾害防御能力", ("市水利局",), ("市发展改革委", "市财政局"), False),
    (
        "加强水资源集约节约利用",
        ("市住房城乡建设局", "市农业农村局", "市水利局", "市城管局", "市发展改革委"),
        ("市财政局",),
        False,
    ),
    (
        "推进沿黄生态修复保护",
        ("市自然资源局",),
        ("市发展改革委", "市财政局", "市生态环境局", "德州黄河河务局"),
        False,
    ),
    ("推动绿色转型发展", ("市生态环境局", "市发展改革委"), ("市自然资源局", "市商务局", "市财政局"), False),
    (
        "建设沿黄河、大运河文化体验廊道",
        ("市文化和旅游局",),
        ("市农业农村局", "市教育体育局", "市发展改革委", "市委宣传部"),
        False,
    ),
    ("支持“两高”行业绿色低碳高质量发展", ("市发展改革委", "市工业和信息化局"), ("市财政局",), False),
    (
        "坚决改造提升传统动能",
        ("市工业和信息化局",),
        ("市发展改革委", "市商务局", "市科技局", "市财政局"),
        False,
    ),
    ("坚决培育壮大新动能", ("市发展改革委", "市工业和信息化局"), (), True),
    (
        "构建综合立体交通体系",
        ("市交通运输局",),
        ("市发展改革委", "市财政局", "市国资委", "市公路事业发展中心"),
        False,
    ),
    ("健全现代物流网", ("市发展改革委", "市商务局"), ("市交通运输局", "市邮政管理局"), False),
    ("强化能源保障", ("市发展改革委",), ("国网德州供电公司",), False),
    (
        "推进新型基础设施建设",
        ("市大数据局", "市信息通信发展办公室"),
        ("市工业和信息化局", "市教育体育局", "市卫生健康委", "市交通运输局", "市住房城乡建设局", "市水利局"),
        False,
    ),
    (
        "促进消费提质升级",
        ("市住房城乡建设局", "市商务局"),
        ("市发展改革委", "市财政局", "市自然资源局"),
        False,
    ),
    ("提升农业稳产保供水平", ("市农业农村局", "市水利局"), ("市发展改革委", "市财政局"), False),
    ("推进农村一二三产业融合发展", ("市农业农村局",), ("市文化和旅游局", "市教育体育局", "市科协"), False),
    ("搭建现代农业发展平台", ("市农业农村局",), ("市发展改革委", "市科技局"), False),
    ("持续巩固脱贫攻坚成果", ("市农业农村局(市乡村振兴局)",), ("市发展改革委", "市财政局"), False),
    (
        "全面打造宜居宜业和美乡村",
        ("市农业农村局", "市生态环境局", "市水利局"),
        ("市委农办", "市住房城乡建设局", "市财政局"),
        False,
    ),
    ("加快打造区域战略支点", ("市发展改革委",), ("市投资促进局",), False),
    (
        "推进以县城为重要载体的城镇化建设",
        ("市委编办", "市住房城乡建设局", "市司法局", "市发展改革委", "市财政局", "市市场监管局"),
        (),
        True,
    ),
    (
        "推动县域融合发展",
        ("市农业农村局(市乡村振兴局)",),
        ("市商务局", "市人力资源社会保障局", "市发展改革委"),
        False,
    ),
    (
        "推进营商环境改革先行先试",
        ("市政府办公室",),
        ("市委改革办", "市发展改革委", "市审批服务局", "市大数据局"),
        False,
    ),
    ("推动对外开放平台升级", ("市商务局", "市科技局", "市发展改革委"), ("德州海关",), False),
    ("促进外资外贸加快发展", ("市商务局",), ("市发展改革委", "德州海关"), False),
    ("加大民生投入力度", ("市财政局",), (), False),
    ("提升教育整体发展水平", ("市教育体育局",), ("市发展改革委", "市财政局"), False),
    ("增强医疗卫生服务能力", ("市卫生健康委",), ("市发展改革委", "市财政局"), False),
    ("推进精神文明建设", ("市委宣传部",), (), False),
]
SAFEGUARDS = ["明确责任分工", "强化考核激励"]


@pytest.fixture(scope="module")
def plan(sample_text: str) -> ParsedPlan:
    return parse_plan("dezhou-plan-2023", clean_text(sample_text))


def test_title(plan: ParsedPlan, sample_text: str) -> None:
    assert plan.title == "德州市贯彻落实省《突破菏泽鲁西崛起三年行动计划(2023—2025年)》实施方案"
    assert plan.title_span is not None
    assert sample_text[plan.title_span.start : plan.title_span.end] == plan.title
    # the title line kept is the real one, not the duplicated teaser's copy
    assert plan.title_span.start > sample_text.index("实施方案")


def test_all_measures_with_exact_departments(plan: ParsedPlan) -> None:
    got = [(m.title, m.lead, m.support, m.each_responsible) for m in plan.measures if m.resp_span]
    assert got == GOLDEN
    assert [m.title for m in plan.measures if not m.resp_span] == SAFEGUARDS


def test_spans_point_at_the_source(plan: ParsedPlan, sample_text: str) -> None:
    for m in plan.measures:
        assert sample_text[m.title_span.start : m.title_span.end] == m.title
        body = sample_text[m.span.start : m.span.end]
        assert body.startswith(m.title + "。")
        if m.resp_span:
            note = sample_text[m.resp_span.start : m.resp_span.end]
            assert note[0] in "(（〔" and note[-1] in ")）〕"
            assert m.lead[0] in note
        for d in m.deadline_spans:
            assert sample_text[d.start : d.end].startswith("完成时限")


def test_measure_keeps_its_follow_up_paragraphs(plan: ParsedPlan, sample_text: str) -> None:
    by_title = {m.title: m for m in plan.measures}
    m = by_title["强化科技平台载体赋能"]
    body = sample_text[m.span.start : m.span.end]
    assert "2023年,新增市级新型研发机构5家以上" in body
    assert "完成时限:4月底前,完成市级科技创新平台认定工作" in body
    assert "促进科技成果落地转化" not in body
    assert len(m.deadline_spans) == 1
    with_deadlines = [m.title for m in plan.measures if m.deadline_spans]
    assert with_deadlines == [
        "强化科技平台载体赋能",
        "提高水旱灾害防御能力",
        "推动绿色转型发展",
        "建设沿黄河、大运河文化体验廊道",
        "持续巩固脱贫攻坚成果",
        "增强医疗卫生服务能力",
        "推进精神文明建设",
    ]


def test_nested_brackets_in_a_note() -> None:
    text = "加快建设两个衔接推进区。〔市农业农村局(市乡村振兴局)牵头负责,市发展改革委、市财政局配合〕"
    a, b = find_responsibility(text)  # type: ignore[misc]
    assert text[a:b].startswith("〔市农业农村局")
    lead, support, each = parse_responsibility(text[a:b])
    assert lead == ("市农业农村局(市乡村振兴局)",)
    assert support == ("市发展改革委", "市财政局")
    assert not each


def test_note_variants() -> None:
    assert parse_responsibility("（市发展改革委、市工业和信息化局分别负责）") == (
        ("市发展改革委", "市工业和信息化局"),
        (),
        True,
    )
    assert parse_responsibility("（商务部、海关总署等有关部门按职责分工负责）") == (
        ("商务部", "海关总署"),
        (),
        True,
    )
    assert parse_responsibility("（海关总署负责）") == (("海关总署",), (), False)
    # who leads, and whom they act together with (会同); bodies named by no name are none
    assert parse_responsibility("（国家发展改革委会同有关部门负责）") == (("国家发展改革委",), (), False)
    assert parse_responsibility("（教育部、财政部会同人力资源社会保障部负责）") == (
        ("教育部", "财政部"),
        ("人力资源社会保障部",),
        False,
    )
    # "…等有关部门和单位" is the department named; the rest of the note is said of it too
    assert parse_responsibility("（人力资源社会保障部等有关部门和单位负责）") == (
        ("人力资源社会保障部",),
        (),
        False,
    )
    # names before a comma, and the provinces after it, all "按职责分工负责"
    assert parse_responsibility(
        "（人力资源社会保障部、财政部、市场监管总局，各省级人民政府按职责分工负责）"
    ) == (
        ("人力资源社会保障部", "财政部", "市场监管总局", "各省级人民政府"),
        (),
        True,
    )
    # a clause that is no list of bodies is not taken for one
    assert parse_responsibility("（2019年底前完成，市财政局负责）") == (("市财政局",), (), False)
    # first-listed-leads convention
    assert parse_responsibility("（工业和信息化部、发展改革委、科技部负责）", first_leads=True) == (
        ("工业和信息化部",),
        ("发展改革委", "科技部"),
        False,
    )
    assert find_responsibility("积极推进。（见附件）") is None
    assert find_responsibility("各县(市、区)要落实") is None


@pytest.mark.parametrize(
    ("name", "measure", "lead", "support"),
    [
        ("05.html", "拓展两个市场", ("税务总局",), ("财政部", "海关总署")),
        ("05.html", "开展检测维修", ("商务部",), ("工业和信息化部", "生态环境部", "海关总署")),
        ("05.html", "促进研发创新", ("海关总署",), ("商务部",)),
        ("15.html", "完善农机装备创新体系", ("工业和信息化部",), ("发展改革委", "科技部", "农业农村部")),
        ("15.html", "加快补齐全程机械化生产短板", ("农业农村部",), ("发展改革委", "财政部")),
    ],
)
def test_state_council_first_listed_leads(name: str, measure: str, lead: tuple, support: tuple) -> None:
    doc = load_document(DATA / name)
    parsed = parse_plan(doc.id, clean_text(doc.text))
    by_title = {m.title: m for m in parsed.measures}
    m = by_title[measure]
    assert (m.lead, m.support) == (lead, support)
    assert m.heading_path and m.heading_path[0] in (
        "主要任务",
        "加快推动农机装备产业高质量发展",
        "着力推进主要农作物生产全程机械化",
    )


def test_a_reform_list_with_group_lines_is_a_task_table() -> None:
    """The second-batch innovation reforms (10): a table "序号 改革举措 主要内容 指导部门 推广范围"
    whose rows are grouped under lines ("一、知识产权保护方面（共5项）"), one group's rows left
    out of the page; the units that guide a reform are responsible for it."""
    from index.ingest import prepare

    measures = prepare(load_document(DATA / "10.html")).measures
    rows = {m.title: m.lead for m in measures if m.lead}
    assert len(rows) == 17
    assert rows["以地方立法形式建立推动改革创新的决策容错机制"] == (
        "国家发展改革委",
        "国务院国资委",
        "审计署",
    )
    assert rows["知识产权民事、刑事、行政案件“三合一”审判"][0] == "最高人民法院"


def test_state_council_headings() -> None:
    doc = load_document(DATA / "05.html")
    parsed = parse_plan(doc.id, clean_text(doc.text))
    sections = [u.title for u in parsed.units if u.kind == "section" and not u.heading_path]
    assert sections == ["指导思想", "基本原则", "发展目标", "主要任务", "有关要求"]
    m = {m.title: m for m in parsed.measures}["拓展两个市场"]
    assert m.heading_path == ("主要任务", "统筹两个市场，打造加工制造中心")


def test_labelled_responsibility_and_numbered_measures() -> None:
    text = (
        "某市数字经济三年行动方案\n\n"
        "一、重点任务\n"
        "1.推进算力建设。到2025年，全市数据中心机架达到5000架。\n"
        "牵头单位：市发展改革委；配合单位：市工业和信息化局、市财政局\n"
        "完成时限：2024年12月底前\n"
        "2.培育数字产业。引进数字企业100家。（责任单位：市工业和信息化局、市商务局）\n"
    )
    parsed = parse_plan("x", clean_text(text))
    assert parsed.title == "某市数字经济三年行动方案"
    a, b = parsed.measures
    assert (a.title, a.lead, a.support, a.heading_path) == (
        "推进算力建设",
        ("市发展改革委",),
        ("市工业和信息化局", "市财政局"),
        ("重点任务",),
    )
    assert a.resp_span is not None and text[a.resp_span.start : a.resp_span.end].startswith("牵头单位：")
    assert len(a.deadline_spans) == 1
    assert (b.title, b.lead, b.support) == ("培育数字产业", ("市工业和信息化局", "市商务局"), ())
    assert text[b.resp_span.start : b.resp_span.end] == "（责任单位：市工业和信息化局、市商务局）"  # type: ignore[union-attr]
