"""The ``planqa`` command line: ingest, ask, chat, docs, remove, bench.

Builds ``Settings`` from flags/env/TOML, makes one ``Assistant`` and calls it.
Errors reach the user as one line (``planqa: error: …``), never a traceback. The commands
live in ``clidocs`` (ingest, docs, remove, tasks), ``cliask`` (ask, chat), ``cliserve`` (serve,
api) and ``clieval`` (eval, fit, bench); ``clioutput`` prints, ``cliparser`` holds the flags.
"""

from __future__ import annotations

import argparse
import os
import sys

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings, load_settings
from assistant.surfaces.cliask import _ask, _chat
from assistant.surfaces.clidocs import _docs, _ingest, _remove, _tasks, _watch
from assistant.surfaces.clieval import _bench, _eval, _fit
from assistant.surfaces.clioutput import EXIT_ERROR, _status
from assistant.surfaces.cliparser import build_parser
from assistant.surfaces.cliserve import _api, _serve
from index.errors import PlanQAError


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        flags = {
            "home": args.home,
            "model": args.model,
            "config": args.config,
            "k": args.k,
            "chroma_url": args.chroma_url,
            "answer_mode": args.answer_mode,
            "llm_url": args.llm_url,
            "llm_model": args.llm_model,
        }
        if args.command == "serve":
            flags.update(host=args.host, port=args.port, auth=args.auth)
        if args.command == "api":
            flags.update(host=args.host, api_port=args.port)
        settings = load_settings(flags)
        return _run(args, settings)
    except PlanQAError as e:
        print(f"planqa: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except (OSError, RuntimeError, ValueError) as e:
        if os.environ.get("PLANQA_DEBUG"):
            raise
        print(f"planqa: error: {type(e).__name__}: {e} (set PLANQA_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "eval":
        return _eval(settings, args)
    if args.command == "fit":
        return _fit(settings, args)
    if args.command == "bench":
        return _bench(settings, args)
    assistant = Assistant(settings, progress=_status)
    try:
        if args.command == "ingest":
            if args.watch:
                return _watch(assistant, args.paths, args.interval, collection=args.collection)
            return _ingest(assistant, args.paths, args.collection)
        if args.command == "ask":
            return _ask(assistant, args)
        if args.command == "chat":
            return _chat(assistant, args.doc, args.collection)
        if args.command == "serve":
            return _serve(assistant, settings)
        if args.command == "api":
            return _api(assistant, settings)
        if args.command == "docs":
            return _docs(assistant)
        if args.command == "tasks":
            return _tasks(assistant, args)
        if args.command == "remove":
            return _remove(assistant, args.ids)
    finally:
        assistant.close()
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
