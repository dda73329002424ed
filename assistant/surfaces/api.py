"""An OpenAI-compatible HTTP API: PlanQA inside the chat clients people already use.

``planqa api [--host --port]`` (default 127.0.0.1:8001) serves

- ``GET /v1/models`` — ``planqa`` (the configured answer mode), ``planqa-extractive``
  and ``planqa-llm`` (the mode forced);
- ``POST /v1/chat/completions`` — stream and non-stream. The last user message is the
  question; earlier user messages are replayed (extractively, cheaply) so a follow-up
  ("那配合单位呢？") is resolved as in the web chat. The reply's text carries the answer
  with its ``[n]`` markers and then its sources; the structured citations (exact
  ``source[start:end]`` spans) are in ``choices[0].message.citations`` and, for a
  stream, in the last chunk (each with its document's id and title). Optional body
  fields ``doc`` and ``collection`` restrict the answer to one document or collection.

With ``PLANQA_API_KEY`` set, requests must send ``Authorization: Bearer <key>``
(compared in constant time).
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.answering.conversation import Conversation, Turn
from assistant.answering.session import Assistant
from assistant.surfaces.webhtml import plain_text
from index.errors import PlanQAError

MODELS = {"planqa": None, "planqa-extractive": "extractive", "planqa-llm": "llm"}


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)


def _text(content: Any) -> str:
    """A message's text: a string, or OpenAI's list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def build_api(assistant: Assistant, api_key: str = "") -> FastAPI:
    app = FastAPI(title="PlanQA", docs_url=None, redoc_url=None, openapi_url=None)

    def authorized(request: Request) -> bool:
        if not api_key:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), api_key.encode())

    @app.get("/v1/models")
    def models(request: Request) -> Any:
        if not authorized(request):
            return _error(401, "invalid or missing API key", "authentication_error")
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "planqa"} for m in MODELS]
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        if not authorized(request):
            return _error(401, "invalid or missing API key", "authentication_error")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the request body is not JSON")
        return _complete(assistant, body)

    return app


def _complete(assistant: Assistant, body: Any) -> Any:
    """``POST /v1/chat/completions`` once its body is read: check it, replay the history, answer."""
    if not isinstance(body, dict):
        return _error(400, "the request body must be a JSON object")
    model = body.get("model") or "planqa"
    if model not in MODELS:
        return _error(404, f"model {model!r} does not exist (see /v1/models)", "not_found_error")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _error(400, "messages: a non-empty list is required")
    questions = [
        _text(m.get("content")).strip() for m in messages if isinstance(m, dict) and m.get("role") == "user"
    ]
    if not questions or not questions[-1]:
        return _error(400, "messages: the last user message is empty")
    doc = body.get("doc") or None
    collection = body.get("collection") or None
    for field, value in (("doc", doc), ("collection", collection)):
        if value is not None and not isinstance(value, str):
            return _error(400, f"{field}: a string is expected")
    try:
        assistant.scope(doc, collection)
    except PlanQAError as e:
        return _error(404, f"{'collection' if collection and doc is None else 'doc'}: {e}", "not_found_error")
    conversation = Conversation(assistant, doc, collection)
    try:
        for earlier in questions[:-1]:  # the history gives the follow-up its subject
            conversation.ask(earlier, mode="extractive")
    except PlanQAError as e:
        return _error(400, str(e))
    mode = MODELS[model]
    cid = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    if body.get("stream"):
        return StreamingResponse(
            _stream(conversation, questions[-1], mode, cid, created, model, assistant),
            media_type="text/event-stream",
        )
    try:
        turn = conversation.ask(questions[-1], mode=mode)
    except PlanQAError as e:
        return _error(400, str(e))
    message = {
        "role": "assistant",
        "content": plain_text(turn.answer, assistant.index),
        **_structured(turn),
    }
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _structured(turn: Turn) -> dict[str, Any]:
    a = turn.answer
    return {
        "citations": [c.to_dict() for c in a.citations],
        "refused": a.refused,
        "mode": a.mode,
        "note": a.note,
        "resolved_question": turn.resolved,
    }


def _stream(
    conversation: Conversation,
    question: str,
    mode: str | None,
    cid: str,
    created: int,
    model: str,
    assistant: Assistant,
) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed = ""
    turn = None
    try:
        for part in conversation.ask_stream(question, mode=mode):
            if isinstance(part, str):
                streamed += part
                yield chunk({"content": part})
            else:
                turn = part
    except PlanQAError as e:
        yield chunk({"content": f"出错了：{e}"}, "stop")
        yield "data: [DONE]\n\n"
        return
    assert turn is not None
    full = plain_text(turn.answer, assistant.index)
    if streamed and full.startswith(streamed):
        rest = full[len(streamed) :]
    else:  # nothing streamed (extractive), or a fallback: the whole answer
        rest = full if not streamed else "\n\n" + full
    if rest:
        yield chunk({"content": rest})
    structured = _structured(turn)
    yield chunk({}, "stop", citations=structured["citations"], planqa=structured)
    yield "data: [DONE]\n\n"


def serve_api(assistant: Assistant, host: str, port: int, api_key: str = "") -> None:
    import uvicorn

    uvicorn.run(build_api(assistant, api_key), host=host, port=port, log_level="warning")
