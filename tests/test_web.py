"""The web chat without a browser: its HTML, upload checks, login, and its API
through ``gradio_client`` against the app served on loopback (fake embedder)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.conversation import Conversation, Turn
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings, load_settings
from assistant.answering.types import Answer
from assistant.surfaces.web import answer_stream, build_app, parse_auth, start
from assistant.surfaces.webdocs import ingest_uploads
from assistant.surfaces.webhtml import answer_html, copy_text, passage, source_page
from index.errors import PlanQAError
from tests.conftest import DATA


@pytest.fixture()
def assistant(fresh_home: Path, fake_embedder) -> Iterator[Assistant]:
    a = Assistant(Settings(home=fresh_home), embedder=fake_embedder)
    yield a
    a.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- HTML --------------------------------------------------------------------------


def test_an_answer_shows_its_citations_with_the_quote_highlighted(assistant: Assistant) -> None:
    turn = Conversation(assistant).ask("强化能源保障谁牵头？")
    page = answer_html(turn, assistant.index)
    c = turn.answer.citations[0]
    assert '<span class="pq-marker">[1]</span>' in page
    assert f"<mark>{c.quote}</mark>" in page
    assert "措施：强化能源保障" in page and 'class="pq-cite"' in page
    assert f"source?doc={c.doc}&amp;start={c.start}&amp;end={c.end}" in page
    assert "pq-refusal" not in page


def test_a_refusal_is_marked_and_a_rewrite_shown_only_on_request(assistant: Assistant) -> None:
    conv = Conversation(assistant)
    conv.ask("强化能源保障谁牵头？")
    turn = conv.ask("那配合单位呢？")
    assert "理解为：强化能源保障的配合单位是什么？" in answer_html(turn, assistant.index, show_rewrite=True)
    assert "理解为" not in answer_html(turn, assistant.index)
    refused = Turn("q", "q", Answer("q", "文中未提及预算。", True))
    page = answer_html(refused, assistant.index)
    assert '<div class="pq-refusal"><b>⚠️ 未找到依据</b>' in page and "文中未提及预算。" in page
    assert "pq-cites" not in page


def test_the_copy_button_copies_plain_text_with_its_sources(assistant: Assistant) -> None:
    turn = Conversation(assistant).ask("强化能源保障谁牵头？")
    c = turn.answer.citations[0]
    text = copy_text(turn, assistant.index)
    assert text.startswith(turn.answer.text + "\n\n依据：\n[1] 《")
    assert f"{c.title}：“{c.quote}”" in text and "<" not in text.replace("《", "")
    page = answer_html(turn, assistant.index)
    assert '<button class="pq-copy">' in page and '<pre class="pq-copytext">' in page
    assert "\n\n" not in page  # a blank line would end the HTML block inside the chat's markdown
    refused = Turn("q", "q", Answer("q", "文中未提及预算。", True))
    assert copy_text(refused, assistant.index) == "⚠️ 文中未提及预算。"


def test_an_answer_streams_as_text_then_arrives_whole(assistant: Assistant) -> None:
    turn = Conversation(assistant).ask("加强科技创新主体培育由哪个部门牵头？")
    messages = list(answer_stream(turn, assistant))
    assert len(messages) > 2
    for partial in messages[:-1]:  # growing prefixes of the text, no markup yet
        assert turn.answer.text.startswith(partial) and "<" not in partial
    assert messages[-1] == answer_html(turn, assistant.index)
    lines = Turn("q", "q", Answer("q", "第一行\n\n第二行 <b>", False))
    assert "第一行<br><br>第二行 &lt;b&gt;" in answer_html(lines, assistant.index)


def test_text_is_escaped(assistant: Assistant) -> None:
    turn = Turn("q", "q", Answer("<script>x</script>", "<img src=x onerror=alert(1)>[1]", False))
    page = answer_html(turn, assistant.index)
    assert "<img" not in page and "&lt;img" in page
    assert "<b>" not in source_page(assistant.index, "<b>", 0, 1)


def test_a_passage_is_the_quote_in_its_paragraph(assistant: Assistant) -> None:
    source = assistant.index.source_text("dezhou-plan-2023")
    start = source.index("到2025年,全市高新技术企业达到1000家")
    end = start + len("到2025年,全市高新技术企业达到1000家")
    title, body = passage(assistant.index, "dezhou-plan-2023", start, end)
    assert title == "加强科技创新主体培育"
    assert "<mark>到2025年,全市高新技术企业达到1000家</mark>" in body
    assert "\n" not in body  # one paragraph
    page = source_page(assistant.index, "dezhou-plan-2023", start, end)
    assert "加强科技创新主体培育" in page and "<mark>" in page


# -- uploads, login, settings ---------------------------------------------------------


def test_uploads_are_checked_by_type_and_size(assistant: Assistant, tmp_path: Path) -> None:
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    big = tmp_path / "big.txt"
    big.write_bytes("方案。".encode() * 400_000)  # 3.6 MB
    message = ingest_uploads(assistant, [str(exe), str(big)], max_upload_mb=1)
    assert "✗ tool.exe：不支持的文件类型" in message
    assert "✗ big.txt：文件过大（3.4 MB，上限 1 MB）" in message
    assert list(assistant.index.documents) == ["dezhou-plan-2023"]
    assert ingest_uploads(assistant, [], 20) == "请先选择要上传的文件。"


def test_an_upload_is_ingested_and_can_be_removed(assistant: Assistant, tmp_path: Path) -> None:
    doc = tmp_path / "10.html"
    shutil.copy(DATA / "10.html", doc)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    message = ingest_uploads(assistant, [str(doc), str(empty)], 20)
    assert "✓ 新增：10" in message
    assert "✗ empty.txt：" in message  # named, with the reason; the rest still ingested
    assert set(assistant.index.documents) == {"dezhou-plan-2023", "10"}
    from assistant.surfaces.webdocs import doc_rows

    row = doc_rows(assistant).set_index("编号").loc["10"]  # the listing shows issuer and number
    assert (row["发文机关"], row["文号"]) == ("国务院办公厅", "国办发〔2018〕126号")
    answer = assistant.ask("强化能源保障谁牵头？", doc_id="10")  # restricted to the new document
    assert all(c.doc == "10" for c in answer.citations)
    assert assistant.remove(["10"]) == ["10"]
    assert list(assistant.index.documents) == ["dezhou-plan-2023"]


def test_answers_can_be_restricted_to_one_document(assistant: Assistant) -> None:
    with pytest.raises(PlanQAError, match="no document with id 'nope'"):
        assistant.ask("强化能源保障谁牵头？", doc_id="nope")
    listing = assistant.ask("市发改委牵头哪些措施？", doc_id="dezhou-plan-2023")
    assert listing.intent == "ledger" and not listing.refused


def test_login_setting() -> None:
    assert parse_auth("") is None
    assert parse_auth("admin:s3cret:x") == ("admin", "s3cret:x")
    for bad in ("admin", ":pw", "admin:"):
        with pytest.raises(PlanQAError, match="user:password"):
            parse_auth(bad)
    s = load_settings({}, env={"PLANQA_HOME": "/tmp/x", "PLANQA_PORT": "8080", "PLANQA_AUTH": "a:b"})
    assert (s.host, s.port, s.auth, s.max_upload_mb) == ("127.0.0.1", 8080, "a:b", 20)
    with pytest.raises(PlanQAError, match="port must be between 1 and 65535"):
        load_settings({"port": 70000}, env={})


def test_serve_refuses_a_malformed_login(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.surfaces.cli import main

    assert main(["--home", str(tmp_path), "serve", "--auth", "nopassword"]) != 0
    assert "auth must look like user:password" in capsys.readouterr().err


# -- the API, through gradio_client ----------------------------------------------------


@pytest.fixture()
def served(assistant: Assistant) -> Iterator[str]:
    app = build_app(assistant)
    port = free_port()
    start(app, "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_the_api_answers_with_citations(served: str, assistant: Assistant) -> None:
    from gradio_client import Client

    client = Client(served, verbose=False)
    result = client.predict("强化能源保障谁牵头？", "", api_name="/ask")
    assert result["refused"] is False
    assert "市发展改革委牵头负责" in result["answer"]
    c = result["citations"][0]
    assert assistant.index.source_text(c["doc"])[c["start"] : c["end"]] == c["quote"]
    refused = client.predict("这份方案的预算总额是多少亿元？", "", api_name="/ask")
    assert refused["refused"] is True and refused["citations"] == []


def test_the_chat_endpoint_follows_up(served: str) -> None:
    from gradio_client import Client

    client = Client(served, verbose=False)
    _, history = client.predict("强化能源保障谁牵头？", [], "", False, api_name="/chat")
    assert "市发展改革委牵头负责" in text_of(history[-1])
    _, history = client.predict("那配合单位呢？", history, "", True, api_name="/chat")
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert "理解为：强化能源保障的配合单位是什么？" in text_of(history[-1])
    assert "国网德州供电公司配合" in text_of(history[-1])


def text_of(message: dict) -> str:
    """A chat message's text (Gradio 6 sends content as a list of typed parts)."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


def test_the_ledger_exports_to_excel(served: str) -> None:
    from gradio_client import Client
    from openpyxl import load_workbook

    client = Client(served, verbose=False)
    path = client.predict("市科技局", "lead", "（全部）", "", api_name="/export_xlsx")
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "措施" and len(rows) > 1


def test_a_login_is_required_when_set(assistant: Assistant) -> None:
    import httpx
    from gradio_client import Client

    app = build_app(assistant)
    port = free_port()
    start(app, "127.0.0.1", port, auth="admin:pw")
    try:
        url = f"http://127.0.0.1:{port}/"
        assert httpx.get(url + "config").status_code == 401
        with pytest.raises(Exception):  # noqa: B017 (gradio_client's own error type varies)
            Client(url, verbose=False).predict("强化能源保障谁牵头？", "", api_name="/ask")
        result = Client(url, auth=("admin", "pw"), verbose=False).predict(
            "强化能源保障谁牵头？", "", api_name="/ask"
        )
        assert "市发展改革委牵头负责" in result["answer"]
    finally:
        app.close()


# -- offline: the server itself opens no connection beyond loopback ---------------------

CONNECTIONS: list[tuple[str, Any]] | None = None  # recording while a list


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if CONNECTIONS is not None and event in ("socket.connect", "socket.getaddrinfo"):
        CONNECTIONS.append((event, args[1] if event == "socket.connect" else args[0]))


def test_the_server_connects_nowhere_but_loopback(assistant: Assistant) -> None:
    """Every connection and name lookup the process makes while building, launching and
    serving the app (a page, the API, a chat with a follow-up) is to loopback."""
    import sys

    import httpx
    from gradio_client import Client

    global CONNECTIONS
    sys.addaudithook(_audit)  # hooks cannot be removed: this one records only while asked
    CONNECTIONS = []
    try:
        app = build_app(assistant)
        port = free_port()
        start(app, "127.0.0.1", port)
        url = f"http://127.0.0.1:{port}/"
        assert httpx.get(url).status_code == 200
        client = Client(url, verbose=False)
        _, history = client.predict("强化能源保障谁牵头？", [], "", False, api_name="/chat")
        client.predict("那配合单位呢？", history, "", False, api_name="/chat")
        app.close()
        seen = list(CONNECTIONS)
    finally:
        CONNECTIONS = None
    assert any(event == "socket.connect" for event, _ in seen)  # the recorder works

    def host(target: Any) -> str:
        return str(target[0] if isinstance(target, tuple) else target)

    outside = [(e, t) for e, t in seen if host(t) not in ("127.0.0.1", "localhost", "::1")]
    assert not outside, outside


def test_uploads_go_to_a_collection_and_the_chat_keeps_to_it(assistant: Assistant, tmp_path: Path) -> None:
    from assistant.surfaces.webdocs import doc_choices

    doc = tmp_path / "10.html"
    shutil.copy(DATA / "10.html", doc)
    message = ingest_uploads(assistant, [str(doc)], 20, collection="国务院")
    assert "✓ 新增：国务院.10" in message
    choices = {value: label for label, value in doc_choices(assistant, "全部文件")}
    assert choices["collection:国务院"] == "合集：国务院（1份）"
    app = build_app(assistant)
    port = free_port()
    start(app, "127.0.0.1", port)
    try:
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        # the bundled plan answers this; within the collection "国务院" nothing does
        _, everywhere = client.predict("强化能源保障谁牵头？", [], "", False, api_name="/chat")
        _, scoped = client.predict("强化能源保障谁牵头？", [], "collection:国务院", False, api_name="/chat")
        assert "市发展改革委" in text_of(everywhere[-1])
        assert "未找到依据" in text_of(scoped[-1])
        result = client.predict("强化能源保障谁牵头？", "", "default", api_name="/ask")
        assert {c["doc"] for c in result["citations"]} == {"dezhou-plan-2023"}
        assert result["citations"][0]["doc_title"].startswith("德州市")
    finally:
        app.close()


def test_document_ids_cannot_reach_outside_the_index(assistant: Assistant) -> None:
    from assistant.surfaces import webhtml
    from index.metadata import check_collection

    for doc in ("../../../etc/passwd", "/etc/passwd", "..", "dezhou-plan-2023/../../x"):
        assert "没有编号为" in webhtml.source_page(assistant.index, doc, 0, 10)
        with pytest.raises(PlanQAError):
            assistant.ask("强化能源保障谁牵头？", doc_id=doc)
    for name in ("../x", "a/b", "..", "x\\y"):
        with pytest.raises(PlanQAError, match="collection name"):
            check_collection(name)
