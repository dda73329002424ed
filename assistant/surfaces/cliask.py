"""The ``planqa`` commands that ask in the terminal: ask (one question or a question file) and
chat (interactive, with follow-ups)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.answering.session import SAMPLE_PLAN, Assistant
from assistant.surfaces.clidocs import _ingest
from assistant.surfaces.clioutput import _print_answer
from index.errors import PlanQAError


def _ask(assistant: Assistant, args: argparse.Namespace) -> int:
    today = _date(args.today, "--today") if args.today else None
    if args.file:
        for item in _read_questions(args.file):
            ans = assistant.ask(item["question"], doc_id=args.doc, today=today, collection=args.collection)
            out = ans.to_dict()
            if "id" in item:
                out = {"id": item["id"], **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        raise PlanQAError("ask needs a question (or --file QUESTIONS.jsonl)")
    ans = assistant.ask(args.question, doc_id=args.doc, today=today, collection=args.collection)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False))
    else:
        _print_answer(ans, assistant, sys.stdout)
    return 0


def _date(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PlanQAError(f"{flag} must be a date like 2023-03-15, got {value!r}") from None


def _read_questions(path: str) -> Iterator[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise PlanQAError(f"{path}: cannot read question file: {e.strerror}") from None
    except UnicodeDecodeError:
        raise PlanQAError(f"{path}: question file is not UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise PlanQAError(f"{path}:{n}: not valid JSON: {e.msg}") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise PlanQAError(f"{path}:{n}: each line needs a string field 'question'")
        yield item


def _chat(assistant: Assistant, doc: str | None, collection: str | None = None) -> int:
    from index.store import current_generation

    if current_generation(assistant.settings.home) is None:
        print(f"首次运行：正在为示例方案建立索引（{SAMPLE_PLAN.name}）…", file=sys.stderr)
        _ingest(assistant, [str(SAMPLE_PLAN)])
    docs = assistant.index.documents
    print(f"PlanQA 方案问答助手 · 已索引 {len(docs)} 份文件：" + "、".join(d["title"] for d in docs.values()))
    print(
        "请输入问题（例如：强化能源保障谁牵头？ / 到2025年全市高新技术企业要达到多少家？），可以追问"
        "（那配合单位呢？），输入 q 退出。"
    )
    from assistant.answering.conversation import Conversation

    conversation = Conversation(assistant, doc, collection)
    while True:
        try:
            question = input("\n问> ").strip()
        except EOFError:
            print()
            return 0
        if question.lower() in {"q", "quit", "exit", ":q", "退出"}:
            return 0
        if not question:
            continue
        try:
            streamed, turn = "", None
            for part in conversation.ask_stream(question):
                if isinstance(part, str):  # llm mode: verified text as it is written
                    print(("答：" if not streamed else "") + part, end="", flush=True)
                    streamed += part
                else:
                    turn = part
            if streamed:
                print()
            assert turn is not None
            if turn.rewritten:
                print(f"（理解为：{turn.resolved}）")
            _print_answer(turn.answer, assistant, sys.stdout, shown=streamed)
        except PlanQAError as e:
            print(f"planqa: error: {e}", file=sys.stderr)
