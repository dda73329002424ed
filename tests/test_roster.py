"""Rosters: who holds which post in a body, read from the list a document prints (its lines,
the post carried down to the indented ones), and the answers read from it: a post's holders,
a department's people, the post the question names and not one inside another word."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.roster import people_asked, posts_asked
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from index.ingest import ingest
from index.load import load_document
from index.roster import roster
from tests.conftest import ROOT, SAMPLE, FakeEmbedder

CORPUS = ROOT / "evals" / "corpus" / "gov-policies"
# the rosters of the corpus: a committee (46), a textbook committee with groups of members (54),
# a joint conference (55), a leading group (59); an emergency plan's posts named by office (41)
DOCS = ("41", "46", "54", "55", "59")

LIST = (
    "现将调整后的名单通知如下：\n"
    "组\u3000长：韩\u3000正\u3000\u3000国务院副总理\n"
    "副组长：丁学东\u3000\u3000国务院副秘书长\n"
    "\u3000\u3000\u3000\u3000李干杰\u3000\u3000生态环境部部长\n"
    "委\u3000员：\n"
    "（一）部门委员\n"
    "连维良\u3000\u3000发展改革委副主任\n"
    "（二）专家委员（按姓氏笔划为序）\n"
    "马\u3000敏\u3000\u3000教授、华中师范大学原党委书记\n"
    "领导小组办公室设在生态环境部。\n"
    "\u3000\u3000\u3000\u3000赵英民\u3000\u3000生态环境部副部长\n"
)


def test_roster_carries_each_post_down_to_the_lines_under_it() -> None:
    posts = roster(LIST)
    assert [(p.role, p.name, p.title) for p in posts] == [
        ("组长", "韩正", "国务院副总理"),
        ("副组长", "丁学东", "国务院副秘书长"),
        ("副组长", "李干杰", "生态环境部部长"),
        ("委员", "连维良", "发展改革委副主任"),
        ("委员", "马敏", "教授、华中师范大学原党委书记"),
    ]  # the line after the prose falls under no post: the list ended there
    assert [p.group for p in posts][3:] == ["（一）部门委员", "（二）专家委员（按姓氏笔划为序）"]
    # each span is the line as the source has it, without its indent
    assert LIST[posts[2].start : posts[2].end] == "李干杰\u3000\u3000生态环境部部长"
    assert LIST[posts[0].start : posts[0].end] == "组\u3000长：韩\u3000正\u3000\u3000国务院副总理"


def test_posts_named_by_office_are_a_roster_only_when_they_run_together() -> None:
    plan = "总指挥：国家发展改革委主要负责人。\n副总指挥：国家粮食局主要负责人。\n（1）掌握粮食市场形势。\n"
    assert [(p.role, p.title) for p in roster(plan)] == [
        ("总指挥", "国家发展改革委主要负责人"),
        ("副总指挥", "国家粮食局主要负责人"),
    ]
    # one labelled line is any label, and a holiday or a heading no post
    assert roster("联系人：市政府办公室。\n国庆节：10月1日至7日放假调休，共7天。\n") == []
    assert roster("联系人：王　明　　010-12345678\n正文。\n") == []  # one person's line is no list
    assert roster(load_document(SAMPLE).text) == []


def test_the_corpus_rosters_are_read_whole() -> None:
    counts = {}
    for doc in DOCS:
        posts = roster(load_document(CORPUS / f"{doc}.html").text)
        counts[doc] = {r: sum(p.role == r for p in posts) for r in dict.fromkeys(p.role for p in posts)}
    assert counts["59"] == {"组长": 1, "副组长": 3, "成员": 14}
    assert counts["46"] == {"主任": 1, "副主任": 4, "成员": 7}
    assert counts["55"] == {"召集人": 1, "副召集人": 2, "成员": 9}
    assert counts["41"] == {"总指挥": 1, "副总指挥": 1, "成员": 1}
    assert counts["54"]["主任"] == 1 and counts["54"]["副主任"] == 3 and counts["54"]["委员"] > 40


def test_a_post_is_the_questions_own_word() -> None:
    posts = roster(LIST)
    assert {p.role for p in posts_asked("副组长有哪几位？", posts)} == {"副组长"}
    assert {p.role for p in posts_asked("领导小组组长是谁？", posts)} == {"组长"}
    # "委员" inside "委员会" names the body, not its members
    assert posts_asked("国家教材委员会是哪年成立的？", posts) == []


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder):
    home: Path = tmp_path_factory.mktemp("rosters")
    ingest([SAMPLE, *(CORPUS / f"{d}.html" for d in DOCS)], home, fake_embedder)
    a = Assistant(Settings(home=home), embedder=fake_embedder)
    yield a
    a.close()


def test_a_posts_holders_are_listed_each_cited_by_their_line(assistant: Assistant) -> None:
    a = assistant.ask("第二次全国污染源普查领导小组的副组长有哪几位？")
    assert not a.refused
    assert a.text.count("[") == 3 and all(n in a.text for n in ("丁学东", "李干杰", "宁吉喆"))
    assert [c.quote.split("\u3000")[-1] for c in a.citations] == [
        "国务院副秘书长",
        "生态环境部部长",
        "统计局局长",
    ]
    # the chair, not a vice-chair whose line says "主任" too
    chair = assistant.ask("国家教材委员会的主任是谁？")
    assert "孙春兰" in chair.text and "陈宝生" not in chair.text


def test_a_department_is_found_among_the_offices(assistant: Assistant) -> None:
    a = assistant.ask("发改委在国家教材委里是谁当委员？")
    assert "连维良" in a.text and len(a.citations) == 1
    # the plan's posts named by office: the commander, not the deputies' line
    b = assistant.ask("国家粮食应急指挥部的总指挥由谁担任？")
    assert b.citations and b.citations[0].quote.startswith("总指挥")


def test_a_department_before_an_office_and_a_group_of_the_list_are_read_as_the_list_writes_them(
    assistant: Assistant,
) -> None:
    composer = assistant._composer
    assert composer is not None
    # "生态环境部副部长" is cut 生态环境 / 部副 / 部长: the department still ends before the office
    census = composer._roster_of("59")
    picked = people_asked("污普领导小组里生态环境部副部长是哪位？", census)
    assert [p.name for p in picked] == ["赵英民"], picked
    # "部门委员" is the heading of a group of the list, not a part of the body its prose speaks of
    textbooks = composer._roster_of("54")
    assert [p.name for p in people_asked("教材委的部门委员里，司法部出的是谁？", textbooks)] == ["赵大程"]


def test_posts_the_list_does_not_hold_are_not_read_from_it(assistant: Assistant) -> None:
    # the office's director is named in the prose, not the committee's chair
    a = assistant.ask("协调委办公室主任是谁？")
    assert "尤" not in a.text and not a.refused and "杨国庆" in a.text
    assert all("主\u3000任：" not in c.quote for c in a.citations)
    # what a department does is no question of who of it is on the list: the sentences naming
    # it answer ("联席会议办公室设在教育部…"), not its people's posts ("陈宝生（教育部部长），任副召集人")
    c = assistant.ask("职教联席会议里，教育部负责哪些工作？")
    assert "办公室设在教育部" in c.text and "，任" not in c.text
    composer = assistant._composer
    assert composer is not None
    listing = composer._roster_of("55")
    assert people_asked("职教联席会议里，教育部负责哪些工作？", listing) == []
    assert [p.name for p in people_asked("教育部是谁参加了职教联席会议？", listing)] == ["陈宝生", "孙尧"]
    # a post the list does not have: the ministry's people on the list do not answer it
    b = assistant.ask("职教联席会议里教育部的联络员是谁？")
    assert "孙尧" not in b.text and "副召集人" not in b.text
