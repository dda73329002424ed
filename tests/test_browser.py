"""The web chat in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright, against the app served on loopback with the real model.

Every request the page makes is checked: one to any host but 127.0.0.1 fails the
test (and is blocked, so nothing leaves the machine even then). Set
``PLANQA_SCREENSHOT_DIR`` to keep the screenshots (``make screenshots`` refreshes
the README's).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.surfaces.web import build_app, start
from tests.conftest import DATA

pytestmark = [pytest.mark.integration, pytest.mark.browser]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 60_000  # ms: a first answer loads the model's caches


def chromium() -> str:
    path = os.environ.get("PLANQA_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
    )
    if not path:
        pytest.fail(
            "no Chromium for the browser tests: install Debian's chromium "
            "(`apt-get install chromium fonts-noto-cjk`) or set PLANQA_CHROMIUM"
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(assistant: Assistant) -> tuple[Any, str]:
    app = build_app(assistant)
    port = free_port()
    start(app, "127.0.0.1", port)
    return app, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def url(real_assistant: Assistant) -> Iterator[str]:
    app, address = serve(real_assistant)
    yield address
    app.close()


class Guard:
    """Records every request; blocks and remembers those that leave loopback."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.external: list[str] = []

    def route(self, route: Any) -> None:
        address = route.request.url
        self.requests.append(address)
        if urlparse(address).scheme in ("data", "blob") or urlparse(address).hostname in LOOPBACK:
            route.continue_()
        else:
            self.external.append(address)
            route.abort()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[tuple[Any, Guard]]:
    guard = Guard()
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000},
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.route("**/*", guard.route)
    context.on("websocket", lambda ws: guard.requests.append(ws.url))
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    yield pg, guard
    context.close()
    assert guard.requests, "the guard saw no requests"
    assert not guard.external, f"requests left the machine: {guard.external}"
    hosts = {urlparse(u).hostname for u in guard.requests if urlparse(u).scheme not in ("data", "blob")}
    assert hosts <= LOOPBACK, hosts


def screenshot(pg: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PLANQA_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pg.screenshot(path=str(path))
    return path


def ask(pg: Any, question: str, n: int) -> Any:
    """Ask in the chat box; the ``n``-th (1-based) answer once it has arrived whole."""
    pg.fill("#pq-question textarea", question)
    pg.press("#pq-question textarea", "Enter")
    answer = pg.locator("#pq-chat .message-row.bot-row").nth(n - 1)
    answer.locator(".pq-copy").wait_for()  # the whole message has arrived
    return answer


def open_page(pg: Any, url: str) -> None:
    pg.goto(url, wait_until="load")
    pg.wait_for_selector("#pq-question textarea")


def test_ask_open_a_citation_and_follow_up(
    page: tuple[Any, Guard], url: str, real_assistant: Assistant, tmp_path: Path
) -> None:
    pg, _ = page
    open_page(pg, url)
    examples = pg.locator("button", has_text=re.compile("由哪个部门牵头？|目标是多少？|要完成哪些事项？"))
    assert examples.count() >= 2  # example questions for newcomers

    first = ask(pg, "强化能源保障谁牵头？", 1)
    assert "市发展改革委牵头负责" in first.inner_text()
    assert first.locator(".pq-marker", has_text="[1]").count() == 1  # numbered marker
    expected_answer = real_assistant.ask("强化能源保障谁牵头？")
    expected = expected_answer.citations[0]
    cite = first.locator("details.pq-cite").first
    mark = cite.locator("mark")
    assert not mark.is_visible()  # closed until opened
    cite.locator("summary").click()
    mark.wait_for(state="visible")
    assert mark.inner_text() == expected.quote  # the highlighted words are the cited span
    assert "措施：强化能源保障" in cite.inner_text()  # with the measure's title
    first.locator(".pq-copy").click()  # the copy button copies plain text with its sources
    pg.locator(".pq-copy", has_text="已复制").wait_for()
    copied = pg.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(expected_answer.text + "\n\n依据：\n[1] ")
    assert f"“{expected.quote}”" in copied and "<" not in copied, copied
    assert first.locator(".pq-text").inner_text() == expected_answer.text

    pg.locator("#pq-show-rewrite input").check()
    second = ask(pg, "那配合单位呢？", 2)
    text = second.inner_text()
    assert "理解为：强化能源保障的配合单位是什么？" in text
    assert "国网德州供电公司配合" in text and second.locator("details.pq-cite").count() == 1
    third = ask(pg, "完成时限呢？", 3)
    assert "强化能源保障" in third.inner_text()
    cite.scroll_into_view_if_needed()
    shot = screenshot(pg, "chat.png", tmp_path)
    assert shot.stat().st_size > 10_000

    refused = ask(pg, "这份方案的预算总额是多少亿元？", 4)
    assert refused.locator(".pq-refusal").is_visible()
    assert "未找到依据" in refused.inner_text()


def test_overview_agrees_with_the_ledger_and_links_to_sources(
    page: tuple[Any, Guard], url: str, real_assistant: Assistant, tmp_path: Path
) -> None:
    from assistant.answering.overview import build_overview

    pg, _ = page
    open_page(pg, url)
    pg.get_by_role("tab", name="方案概览").click()
    pg.wait_for_selector(".pq-ov")
    [ov] = build_overview(real_assistant.ledger)
    assert int(pg.inner_text(".pq-n-measures")) == len(real_assistant.ledger.tasks) == ov.measures
    assert int(pg.inner_text(".pq-n-deadlines")) == len(real_assistant.ledger.due_between())
    assert int(pg.inner_text(".pq-n-depts")) == len(ov.departments)
    assert pg.locator(".pq-timeline tr[data-month]").count() == len(ov.by_month())
    cells = pg.locator(".pq-heat td.pq-lead, .pq-heat td.pq-support").count()
    shown = set(ov.departments[:25])
    assert cells == sum(1 for (d, _) in ov.roles if d in shown)
    assert pg.locator(".pq-targets tr").count() > 1
    screenshot(pg, "overview.png", tmp_path)

    href = pg.locator(".pq-heat td.pq-lead a").first.get_attribute("href")
    assert href and href.startswith("source?")
    pg.goto(url + href, wait_until="load")
    mark = pg.locator("#pq-source mark")
    mark.wait_for()
    q = dict(p.split("=") for p in href.split("?", 1)[1].split("&"))
    source = real_assistant.index.source_text(q["doc"])
    assert mark.inner_text() == source[int(q["start"]) : int(q["end"])]
    assert "措施：" in pg.inner_text("#pq-source")


def test_ledger_filters_and_exports(page: tuple[Any, Guard], url: str, real_assistant: Assistant) -> None:
    pg, _ = page
    open_page(pg, url)
    pg.get_by_role("tab", name="任务台账").click()
    count = pg.locator("#pq-ledger-count")
    count.wait_for()
    assert count.inner_text() == f"共 {len(real_assistant.ledger.tasks)} 项措施"
    pg.locator("#pq-l-dept input").click()
    pg.locator("ul[role=listbox] li", has_text="市科技局").first.click()
    expected = len(real_assistant.ledger.by_department("市科技局"))
    pg.wait_for_function(
        "n => document.querySelector('#pq-ledger-count').innerText === `共 ${n} 项措施`", arg=expected
    )
    pg.click("#pq-export")
    link = pg.locator("#pq-xlsx a[download], #pq-xlsx a[href*='planqa-tasks.xlsx']").first
    link.wait_for()
    assert "planqa-tasks.xlsx" in (link.get_attribute("href") or "")


def test_documents_upload_ask_within_and_remove(
    browser: Any, real_home: Path, real_embedder: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(real_home, home)
    assistant = Assistant(Settings(home=home), embedder=real_embedder)
    app, address = serve(assistant)
    guard = Guard()
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.route("**/*", guard.route)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    try:
        open_page(pg, address)
        pg.get_by_role("tab", name="文件管理").click()
        pg.locator("#pq-upload input[type=file]").set_input_files([str(DATA / "10.html")])
        pg.locator("#pq-upload").get_by_text("10.html").first.wait_for()
        pg.click("#pq-ingest")
        pg.locator("#pq-doc-status", has_text="✓ 新增：10").wait_for()
        assert "10" in assistant.index.documents
        docs = pg.locator("#pq-docs")
        docs.get_by_text(assistant.index.doc_title("10")).first.wait_for()

        pg.get_by_role("tab", name="问答").click()  # the new document is a scope to ask within
        pg.locator("#pq-scope input").click()
        pg.locator("ul[role=listbox] li", has_text="（10）").first.click()
        answer = ask(pg, "这份文件的文号是什么？", 1)
        assert "dezhou" not in (answer.inner_html() or "")

        pg.get_by_role("tab", name="文件管理").click()
        pg.locator("#pq-remove-doc input").click()
        pg.locator("ul[role=listbox] li", has_text="（10）").first.click()
        pg.click("#pq-remove")
        pg.locator("#pq-doc-status", has_text="已删除：10").wait_for()
        assert list(assistant.index.documents) == ["dezhou-plan-2023"]
    finally:
        context.close()
        app.close()
        assistant.close()
    assert not guard.external, f"requests left the machine: {guard.external}"


def test_markup_in_a_document_is_shown_as_text(browser: Any, tmp_path: Path) -> None:
    """A document whose words contain HTML (<img onerror>, <script>) is shown as those
    words: in the answer, the opened citation, the source page and the document list."""
    from tests.conftest import FakeEmbedder

    evil = tmp_path / "evil.html"  # entities: the page's text holds the markup as words
    evil.write_text(
        "<html><head><title>某市&lt;script&gt;alert(2)&lt;/script&gt;网页安全实施方案</title></head><body>"
        "<p>一、重点任务</p><p>（一）加强网页安全。到2025年，完成&lt;img src=x onerror=alert(1)&gt;"
        "标签过滤改造100项。（牵头单位：市大数据局）</p></body></html>",
        encoding="utf-8",
    )
    assistant = Assistant(Settings(home=tmp_path / "home"), embedder=FakeEmbedder())
    assistant.ingest([evil])
    app, address = serve(assistant)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    guard = Guard()
    context.route("**/*", guard.route)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        open_page(pg, address)
        answer = ask(pg, "加强网页安全的目标是什么？", 1)
        assert "<img src=x onerror=alert(1)>" in answer.inner_text()
        answer.locator("details.pq-cite summary").first.click()
        assert "<img src=x onerror=alert(1)>" in answer.locator(".pq-src").first.inner_text()
        href = answer.locator(".pq-src a").first.get_attribute("href")
        pg.get_by_role("tab", name="文件管理").click()
        docs = pg.locator("#pq-docs")
        docs.get_by_text("evil").first.wait_for(state="attached")
        assert "某市<script>alert(2)</script>网页安全实施方案" in (docs.text_content() or "")
        assert docs.locator("script").count() == 0
        source = context.new_page()
        source.goto(address.rstrip("/") + "/" + (href or "").lstrip("/"), wait_until="load")
        source.locator(".pq-page").wait_for()
        assert "<img src=x onerror=alert(1)>" in source.inner_text(".pq-page")
        assert source.locator("img[src='x']").count() == 0
        assert pg.locator("img[src='x']").count() == 0 and pg.locator("#pq-chat script").count() == 0
        pg.wait_for_timeout(500)
        assert dialogs == []  # no script of the document ran
    finally:
        context.close()
        app.close()
        assistant.close()
    assert not guard.external
