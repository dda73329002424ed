"""The ``planqa`` commands that start a server: serve (the web chat, ``web.py``) and api (the
OpenAI-compatible HTTP API, ``api.py``)."""

from __future__ import annotations

import sys

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.surfaces.clioutput import _progress, _status


def _ready(assistant: Assistant) -> None:
    """Before the first request: the index built (the bundled plan, on a first run), the model
    and the index loaded, and in answer mode llm the chat model loaded and its prompt's head read."""
    from assistant.surfaces.web import ensure_index

    if ensure_index(assistant, _progress, announce=_status):
        print("示例方案索引完成。", file=sys.stderr)
    assistant.ledger  # noqa: B018  (load the model and the index)
    assistant.warm()


def _api(assistant: Assistant, settings: Settings) -> int:
    from assistant.surfaces.api import serve_api

    _ready(assistant)
    url = f"http://{settings.host}:{settings.api_port}/v1"
    print(f"PlanQA API 已启动：{url}  （Ctrl+C 退出）", file=sys.stderr, flush=True)
    serve_api(assistant, settings.host, settings.api_port, settings.api_key)
    return 0


def _serve(assistant: Assistant, settings: Settings) -> int:
    from assistant.surfaces.web import parse_auth, serve

    parse_auth(settings.auth)  # a malformed login fails before anything is built
    _ready(assistant)
    url = f"http://{settings.host}:{settings.port}"
    print(f"PlanQA 网页版已启动：{url}  （Ctrl+C 退出）", file=sys.stderr, flush=True)
    serve(assistant, settings, settings.host, settings.port, settings.auth)
    return 0
