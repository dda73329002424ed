"""Many plans side by side: named collections, questions scoped to a collection or a
document (Python, CLI, web helpers, API), and questions asked across documents
answered document by document with every citation naming its document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.answering import session
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.surfaces import cli, web, webdocs
from index.errors import PlanQAError
from index.ingest import ingest
from tests.conftest import SAMPLE, FakeEmbedder

ZIBO = """淄博市数字基础设施建设三年行动实施方案
淄博市人民政府办公室
为加快数字基础设施建设，制定本方案。
一、重点任务
（一）加快5G网络建设。到2025年，全市累计建成5G基站12000个，实现城区连续覆盖。（牵头单位：市工业和信息化局；配合单位：市通信发展办公室）
（二）推进千兆光网升级。到2025年，千兆宽带用户达到30万户。（牵头单位：市通信发展办公室）
"""
JINING = """济宁市新型基础设施建设行动方案
一、主要任务
（一）建设信息基础设施。2024年新建5G基站2000个，重点场所5G网络通达率达到98%。（牵头单位：市大数据中心）
（二）建设融合基础设施。推进智慧交通建设，完成主要路段改造。（牵头单位：市交通运输局）
"""
ELDERLY = """某市养老服务体系建设实施方案
一、重点任务
（一）发展社区养老服务。到2025年，社区养老服务设施覆盖率达到90%。（牵头单位：市民政局）
"""


@pytest.fixture()
def plans(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("zibo-5g", ZIBO), ("jining-xjj", JINING), ("elderly", ELDERLY)):
        path = tmp_path / "plans" / f"{name}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


@pytest.fixture()
def assistant(tmp_path: Path, plans: dict[str, Path], fake_embedder: FakeEmbedder):
    """The bundled plan in the default collection; the three plans in "shandong";
    last year's copy of the bundled plan (same file name) in "2022"."""
    home = tmp_path / "home"
    ingest([SAMPLE], home, fake_embedder)
    ingest([plans["zibo-5g"].parent], home, fake_embedder, collection="shandong")
    old = tmp_path / "2022" / SAMPLE.name
    old.parent.mkdir()
    old.write_text(SAMPLE.read_text(encoding="utf-8").replace("2023", "2022"), encoding="utf-8")
    ingest([old], home, fake_embedder, collection="2022")
    a = Assistant(Settings(home=home), embedder=fake_embedder)
    yield a
    a.close()


def test_collections_hold_same_named_files_apart(assistant: Assistant) -> None:
    index = assistant.index
    assert index.collections() == {
        "2022": ["2022.dezhou-plan-2023"],
        "default": ["dezhou-plan-2023"],
        "shandong": ["shandong.elderly", "shandong.jining-xjj", "shandong.zibo-5g"],
    }
    assert index.documents["2022.dezhou-plan-2023"]["collection"] == "2022"
    assert "2022年" in index.source_text("2022.dezhou-plan-2023")


def test_questions_keep_to_their_collection_or_document(assistant: Assistant) -> None:
    q = "强化能源保障谁牵头？"
    for collection, doc in (("2022", "2022.dezhou-plan-2023"), ("default", "dezhou-plan-2023")):
        ans = assistant.ask(q, collection=collection)
        assert not ans.refused and {c.doc for c in ans.citations} == {doc}
        assert {h.chunk.doc_id for h in ans.hits} == {doc}
    # the plans of another collection do not answer it
    assert assistant.ask(q, collection="shandong").refused
    ans = assistant.ask("5G基站建设的目标是多少？", doc_id="shandong.jining-xjj")
    assert "2000个" in ans.text and {c.doc for c in ans.citations} == {"shandong.jining-xjj"}
    # list questions (the ledger) keep to the scope too
    listing = assistant.ask("市民政局牵头哪些措施？", collection="shandong")
    assert "发展社区养老服务" in listing.text and {c.doc for c in listing.citations} == {"shandong.elderly"}
    assert assistant.ask("市民政局牵头哪些措施？", collection="2022").refused


def test_unknown_scopes_are_named(assistant: Assistant) -> None:
    with pytest.raises(PlanQAError, match="no collection named 'nowhere'"):
        assistant.ask("强化能源保障谁牵头？", collection="nowhere")
    with pytest.raises(PlanQAError, match="'dezhou-plan-2023' is not in collection 'shandong'"):
        assistant.ask("强化能源保障谁牵头？", doc_id="dezhou-plan-2023", collection="shandong")
    with pytest.raises(PlanQAError, match="collection name 'a b'"):
        assistant.ingest([SAMPLE], collection="a b")


def test_a_folder_reingest_removes_only_its_collections_deleted_files(
    assistant: Assistant, plans: dict[str, Path]
) -> None:
    plans["elderly"].unlink()
    report = assistant.ingest([plans["zibo-5g"].parent], collection="shandong")
    assert report.removed == ["shandong.elderly"] and report.chunks_embedded == 0
    assert sorted(assistant.index.documents) == [
        "2022.dezhou-plan-2023",
        "dezhou-plan-2023",
        "shandong.jining-xjj",
        "shandong.zibo-5g",
    ]


def test_a_question_across_documents_is_answered_document_by_document(assistant: Assistant) -> None:
    ans = assistant.ask("各个方案里关于5G基站的目标分别是多少？", collection="shandong")
    assert not ans.refused and ans.intent == "across"
    lines = ans.text.splitlines()
    assert lines[0].startswith("共2份文件谈到这个问题")
    groups = {}
    for line in lines[1:]:
        m = re.match(r"\d+\.《(.+?)》：(.+)", line)
        assert m, line
        groups[m.group(1)] = m.group(2)
    assert set(groups) == {"淄博市数字基础设施建设三年行动实施方案", "济宁市新型基础设施建设行动方案"}
    assert "12000个" in groups["淄博市数字基础设施建设三年行动实施方案"]
    assert "2000个" in groups["济宁市新型基础设施建设行动方案"]
    # every citation is numbered once, across the whole answer, and sits in its document's group
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    for c in ans.citations:
        assert f"[{c.n}]" in groups[c.doc_title]
        assert assistant.index.source_text(c.doc)[c.start : c.end] == c.quote
    # over every collection the bundled plans answer it too, each under its own title
    everywhere = assistant.ask("各个方案里关于5G基站的目标分别是多少？")
    assert everywhere.text.startswith("共4份文件谈到这个问题")
    assert {c.doc for c in everywhere.citations} >= {"dezhou-plan-2023", "2022.dezhou-plan-2023"}


def test_across_documents_with_nothing_to_say_is_refused(assistant: Assistant) -> None:
    ans = assistant.ask("各个方案里关于航空母舰的目标分别是多少？", collection="shandong")
    assert ans.refused and ans.text.startswith("文中未提及")


def test_within_one_document_the_question_is_an_ordinary_one(assistant: Assistant) -> None:
    ans = assistant.ask("各个方案里关于5G基站的目标分别是多少？", doc_id="shandong.zibo-5g")
    assert ans.intent != "across" and "12000个" in ans.text


def test_web_scope_choices_and_ledger_filter(assistant: Assistant) -> None:
    choices = dict((v, label) for label, v in webdocs.doc_choices(assistant, "全部文件"))
    assert choices["collection:shandong"] == "合集：shandong（3份）"
    assert "2022.dezhou-plan-2023" in choices
    assert webdocs.parse_scope("collection:2022") == (None, "2022")
    assert webdocs.parse_scope("shandong.zibo-5g") == ("shandong.zibo-5g", None)
    rows = web._ledger_selection(assistant, "", "any", "", "collection:shandong")
    assert {r.task.doc_id for r in rows} == {"shandong.zibo-5g", "shandong.jining-xjj", "shandong.elderly"}
    html = web.webhtml.answer_html(
        __import__("assistant.answering.conversation", fromlist=["Conversation"])
        .Conversation(assistant)
        .ask("各个方案里关于5G基站的目标分别是多少？"),
        assistant.index,
    )
    assert "[1] 《" in html  # with several documents, each citation names its document


def test_cli_collections(tmp_path: Path, plans: dict[str, Path], capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(session, "SentenceTransformerEmbedder", lambda *a, **k: FakeEmbedder())
    home = ["--home", str(tmp_path / "cli-home")]
    assert cli.main([*home, "ingest", str(SAMPLE)]) == 0
    assert cli.main([*home, "ingest", "--collection", "shandong", str(plans["zibo-5g"].parent)]) == 0
    capsys.readouterr()
    assert cli.main([*home, "docs"]) == 0
    out = capsys.readouterr().out
    assert "shandong.zibo-5g\tshandong\t淄博市数字基础设施建设三年行动实施方案" in out
    assert "dezhou-plan-2023\tdefault\t" in out
    assert cli.main([*home, "ask", "--json", "--collection", "shandong", "5G基站建设的目标是多少？"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["citations"] and all(c["doc"].startswith("shandong.") for c in obj["citations"])
    assert all(c["doc_title"] for c in obj["citations"])
    assert cli.main([*home, "ask", "--collection", "nowhere", "5G基站？"]) == cli.EXIT_ERROR
    assert "no collection named 'nowhere'" in capsys.readouterr().err
    assert cli.main([*home, "tasks", "--collection", "shandong", "--format", "json"]) == 0
    tasks = json.loads(capsys.readouterr().out)
    assert {t["doc"] for t in tasks} == {"shandong.zibo-5g", "shandong.jining-xjj", "shandong.elderly"}


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("各个方案里关于5G基站的目标分别是多少？", "关于5G基站的目标是多少？"),
        ("哪些文件提到了养老服务？", "提到了养老服务？"),
        ("每份计划中的完成时限分别是什么时候？", "完成时限是什么时候？"),
        ("本实施方案是贯彻落实省里哪个文件？文号多少？", None),  # one document is asked for
        ("强化能源保障谁牵头？", None),
        ("时间节点分别是什么？", None),  # 分别 alone is about one measure
    ],
)
def test_which_questions_are_asked_across_documents(question: str, asked: str | None) -> None:
    from assistant.answering.intent import across_documents

    assert across_documents(question) == asked
