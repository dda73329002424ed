"""The OpenAI-compatible API, served on loopback and called with the official ``openai``
client: models, completions with and without streaming, follow-ups, citations as text
and as a structured field, the bearer key, errors. Also ``langchain_openai.ChatOpenAI``
pointed at it: the same path PlanQA uses for a remote LLM."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.surfaces.api import build_api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "the API did not start"
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture()
def assistant(fresh_home: Path, fake_embedder: Any) -> Iterator[Assistant]:
    a = Assistant(Settings(home=fresh_home), embedder=fake_embedder)
    yield a
    a.close()


@pytest.fixture()
def api(assistant: Assistant) -> Iterator[Server]:
    server = Server(build_api(assistant, api_key="s3cret"))
    yield server
    server.stop()


def client(server: Server, key: str = "s3cret") -> Any:
    from openai import OpenAI

    return OpenAI(base_url=server.url, api_key=key, max_retries=0, timeout=60)


def test_models_are_listed(api: Server) -> None:
    ids = [m.id for m in client(api).models.list()]
    assert ids == ["planqa", "planqa-extractive", "planqa-llm"]


def test_a_completion_carries_citations_in_text_and_as_a_field(api: Server, assistant: Assistant) -> None:
    reply = client(api).chat.completions.create(
        model="planqa", messages=[{"role": "user", "content": "强化能源保障谁牵头？"}]
    )
    message = reply.choices[0].message
    assert reply.choices[0].finish_reason == "stop"
    assert message.content.startswith("“强化能源保障”由市发展改革委牵头负责")
    assert "\n\n依据：\n[1] 《" in message.content
    extra = message.model_extra or {}
    [c] = extra["citations"]
    assert assistant.index.source_text(c["doc"])[c["start"] : c["end"]] == c["quote"]
    assert f"“{c['quote']}”" in message.content
    assert extra["refused"] is False and extra["mode"] == "extractive"


def test_a_follow_up_is_resolved_from_the_history(api: Server) -> None:
    messages = [
        {"role": "system", "content": "你是助手"},
        {"role": "user", "content": "强化能源保障谁牵头？"},
        {"role": "assistant", "content": "“强化能源保障”由市发展改革委牵头负责…"},
        {"role": "user", "content": [{"type": "text", "text": "那配合单位呢？"}]},
    ]
    reply = client(api).chat.completions.create(model="planqa", messages=messages)  # type: ignore[arg-type]
    message = reply.choices[0].message
    assert "国网德州供电公司配合" in message.content
    assert (message.model_extra or {})["resolved_question"] == "强化能源保障的配合单位是什么？"


def test_a_stream_adds_up_to_the_answer_and_ends_with_its_citations(api: Server) -> None:
    stream = client(api).chat.completions.create(
        model="planqa",
        messages=[{"role": "user", "content": "到2025年全市高新技术企业要达到多少家？"}],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "1000家" in text and "依据：" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["citations"][0]["quote"] in text


def test_a_refusal_is_marked(api: Server) -> None:
    reply = client(api).chat.completions.create(
        model="planqa", messages=[{"role": "user", "content": "这份方案的预算总额是多少亿元？"}]
    )
    message = reply.choices[0].message
    assert message.content.startswith("⚠️ 文中未提及")
    assert (message.model_extra or {})["refused"] is True


def test_the_key_is_required_and_errors_are_clear(api: Server) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError):
        client(api, key="wrong").models.list()
    with pytest.raises(openai.NotFoundError, match="model 'gpt-4' does not exist"):
        client(api).chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "问"}])
    with pytest.raises(openai.BadRequestError, match="last user message is empty"):
        client(api).chat.completions.create(model="planqa", messages=[{"role": "user", "content": " "}])
    with pytest.raises(openai.NotFoundError, match="no document with id 'nope'"):
        client(api).chat.completions.create(
            model="planqa", messages=[{"role": "user", "content": "谁牵头？"}], extra_body={"doc": "nope"}
        )


def test_langchain_chat_openai_talks_to_it(api: Server) -> None:
    """The remote-LLM path (llm_url) is ChatOpenAI: here pointed at PlanQA's own API."""
    from assistant.answering.llm import chat_model

    model = chat_model(llm_url=api.url, llm_model="planqa-extractive", llm_key="s3cret")
    reply = model.invoke("强化能源保障谁牵头？")
    assert "市发展改革委牵头负责" in str(reply.content)
    streamed = "".join(str(c.content) for c in model.stream("强化能源保障谁牵头？"))
    assert streamed == reply.content


def test_answers_keep_to_a_collection(api: Server, assistant: Assistant, tmp_path: Path) -> None:
    from tests.conftest import DATA

    doc = tmp_path / "10.html"
    doc.write_bytes((DATA / "10.html").read_bytes())
    assistant.ingest([doc], collection="guowuyuan")
    ask = {"model": "planqa", "messages": [{"role": "user", "content": "强化能源保障谁牵头？"}]}
    reply = client(api).chat.completions.create(**ask, extra_body={"collection": "default"})
    extra = reply.choices[0].message.model_extra or {}
    assert {c["doc"] for c in extra["citations"]} == {"dezhou-plan-2023"}
    assert extra["citations"][0]["doc_title"].startswith("德州市")
    reply = client(api).chat.completions.create(**ask, extra_body={"collection": "guowuyuan"})
    assert (reply.choices[0].message.model_extra or {})["refused"] is True
    from openai import NotFoundError

    with pytest.raises(NotFoundError, match="no collection named 'nowhere'"):
        client(api).chat.completions.create(**ask, extra_body={"collection": "nowhere"})
