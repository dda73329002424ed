"""The ``planqa`` command line's flags and subcommands (argparse), apart from what they do
(``assistant.surfaces.cli``). Settings flags here map one to one onto ``Settings`` fields."""

from __future__ import annotations

import argparse
from typing import TypeAlias

# what ``add_subparsers`` returns: each ``_add_<command>`` adds its sub-command to it
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="planqa",
        description="方案问答助手: ask Chinese plan documents, answers cited to the exact source words.",
    )
    _add_settings_flags(p)
    sub = p.add_subparsers(dest="command", required=True)
    _add_ingest(sub)
    _add_ask(sub)
    _add_chat(sub)
    _add_serve(sub)
    _add_api(sub)
    _add_tasks(sub)
    _add_docs(sub)
    _add_remove(sub)
    _add_eval(sub)
    _add_fit(sub)
    _add_bench(sub)
    return p


def _add_settings_flags(p: argparse.ArgumentParser) -> None:
    """The flags before the sub-command, one per ``Settings`` field."""
    p.add_argument("--home", help="data directory (env PLANQA_HOME)")
    p.add_argument("--model", help="sentence-transformers model name or path (env PLANQA_MODEL)")
    p.add_argument("--config", help="TOML settings file (env PLANQA_CONFIG)")
    p.add_argument("--k", type=int, help="chunks retrieved per question (env PLANQA_K, default 4)")
    p.add_argument(
        "--chroma-url",
        help="keep the vectors on a Chroma server, http://host:port (env PLANQA_CHROMA_URL; default embedded)",
    )
    p.add_argument(
        "--answer-mode",
        choices=("extractive", "llm"),
        help="extractive (exact quotes, default) or llm (generated, verified) (env PLANQA_ANSWER_MODE)",
    )
    p.add_argument("--llm-url", help="OpenAI-compatible endpoint for llm mode (env PLANQA_LLM_URL)")
    p.add_argument(
        "--llm-model", help="the endpoint's model, or a local model name or GGUF path (env PLANQA_LLM_MODEL)"
    )


def _add_ingest(sub: Subcommands) -> None:
    s = sub.add_parser(
        "ingest", help="add or refresh documents (txt md html docx doc wps pdf ofd; folders recurse)"
    )
    s.add_argument("paths", nargs="+")
    s.add_argument(
        "--watch",
        action="store_true",
        help="keep watching: re-ingest when a file is added, changed or deleted",
    )
    s.add_argument("--interval", type=float, default=2.0, help="--watch: seconds between checks (default 2)")
    s.add_argument(
        "--collection",
        default="default",
        help="file the documents in this collection, e.g. one per city or year (default: default)",
    )


def _add_ask(sub: Subcommands) -> None:
    s = sub.add_parser("ask", help="answer one question (or a question file)")
    s.add_argument("question", nargs="?")
    s.add_argument("--json", action="store_true", help="print one JSON object per question")
    s.add_argument("--file", help="JSONL question set (field 'question'); one output line each")
    s.add_argument("--doc", help="restrict to one document id")
    s.add_argument("--collection", help="restrict to one collection")
    s.add_argument("--today", help="the date relative questions (下个月) count from, YYYY-MM-DD")


def _add_chat(sub: Subcommands) -> None:
    s = sub.add_parser("chat", help="interactive chat (indexes the bundled plan if no index exists)")
    s.add_argument("--doc", help="restrict to one document id")
    s.add_argument("--collection", help="restrict to one collection")


def _add_serve(sub: Subcommands) -> None:
    s = sub.add_parser("serve", help="web chat in the browser (indexes the bundled plan if no index exists)")
    s.add_argument("--host", help="address to bind (env PLANQA_HOST, default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (env PLANQA_PORT, default 7860)")
    s.add_argument("--auth", help="require a login, user:password (env PLANQA_AUTH)")


def _add_api(sub: Subcommands) -> None:
    s = sub.add_parser("api", help="OpenAI-compatible HTTP API (/v1/chat/completions, /v1/models)")
    s.add_argument("--host", help="address to bind (env PLANQA_HOST, default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (env PLANQA_API_PORT, default 8001)")


def _add_tasks(sub: Subcommands) -> None:
    s = sub.add_parser("tasks", help="the task ledger (任务台账): filter and export")
    s.add_argument("--dept", help="department, any alias (发改委, 人社局, …)")
    s.add_argument("--role", choices=("lead", "support", "any"), default="any")
    s.add_argument("--due-before", help="only deadline items due on or before this date (YYYY-MM-DD)")
    s.add_argument("--doc", help="only the measures of this document (its id, see `planqa docs`)")
    s.add_argument("--collection", help="only the measures of this collection's documents")
    s.add_argument("--format", default="table", help="table | json | csv | xlsx | ics")
    s.add_argument("--out", help="write to this file (xlsx defaults to planqa-tasks.xlsx)")


def _add_docs(sub: Subcommands) -> None:
    sub.add_parser("docs", help="list indexed documents")


def _add_remove(sub: Subcommands) -> None:
    s = sub.add_parser("remove", help="remove documents by id")
    s.add_argument("ids", nargs="+")


def _add_eval(sub: Subcommands) -> None:
    s = sub.add_parser("eval", help="score a question set (retrieval, answers, citations, refusals)")
    s.add_argument(
        "questions", help="JSONL question set (id, question, category, answerable, must_include, evidence)"
    )
    s.add_argument("--out", default="eval-out", help="output directory (default eval-out)")
    s.add_argument("--k", dest="eval_k", type=int, default=4, help="evidence recall cut-off (default 4)")
    s.add_argument("--corpus", nargs="*", default=[], help="extra documents or folders indexed for the run")
    s.add_argument("--compare", action="store_true", help="also run the LangChain peer-style pipelines")
    s.add_argument(
        "--split",
        choices=("all", "dev", "test"),
        default="all",
        help="only the dev or the test questions (split by a hash of the id; default: all, side by side)",
    )
    s.add_argument(
        "--compare-llm",
        action="store_true",
        help="also run a plain LangChain RAG on the same chat model (with --answer-mode llm)",
    )


def _add_fit(sub: Subcommands) -> None:
    s = sub.add_parser(
        "fit", help="fit the answerer's sentence ranker and answerability gate on the dev questions of evals/"
    )
    s.add_argument(
        "--out", default=None, help="where to write the models (default: assistant/answering/fitted.json)"
    )
    s.add_argument(
        "--report", default="evals/reports/fit", help="report directory (default evals/reports/fit)"
    )
    s.add_argument("--work", default=None, help="keep the indexes asked here, reused when unchanged")
    s.add_argument(
        "--scope-only",
        action="store_true",
        help="re-fit only the document-scope model (which document a question names)",
    )
    s.add_argument(
        "--intent-only",
        action="store_true",
        help="re-fit only the intent model (what a question asks: who, when, how much), seconds",
    )


def _add_bench(sub: Subcommands) -> None:
    s = sub.add_parser("bench", help="benchmark: cold ingest and warm ask latency")
    s.add_argument("--questions", default=None, help="JSONL question set (default: bundled public set)")
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("--sizes", help="corpus sizes to compare, e.g. 1,10,60 (with --corpus)")
    s.add_argument("--corpus", nargs="*", default=[], help="documents or folders added for --sizes")
    s.add_argument(
        "--modes",
        default="embedded",
        help="--sizes: Chroma modes to compare, embedded and/or server (a `chroma run` on loopback)",
    )
    s.add_argument(
        "--formats",
        action="store_true",
        help="the bundled plan as txt, html, docx, doc, wps, PDF (printed and scanned) and OFD: "
        "reading time, OCR seconds a page, characters recovered, the question set's accuracy on each",
    )
    s.add_argument("--out", default="bench-out", help="output directory (default bench-out)")
