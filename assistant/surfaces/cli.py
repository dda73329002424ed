"""The ``planqa`` command line: ingest, ask, chat, docs, remove, bench.

Builds ``Settings`` from flags/env/TOML, makes one ``Assistant`` and calls it.
Errors reach the user as one line (``planqa: error: …``), never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from assistant.answering.session import SAMPLE_PLAN, Assistant
from assistant.answering.settings import Settings, load_settings
from assistant.answering.types import Answer
from assistant.surfaces.cliparser import build_parser
from index.errors import PlanQAError
from index.ingest import IngestReport

EXIT_ERROR = 2


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
        from assistant.evaluation.bench import run_bench

        if args.sizes:
            return _scale(settings, args)
        if args.formats:
            from assistant.evaluation.formatbench import run_formats

            return run_formats(settings, args.questions, args.out)
        return run_bench(settings, args.questions, args.rounds, args.out)
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
            gone = assistant.remove(args.ids)
            missing = [i for i in args.ids if i not in gone]
            for i in gone:
                print(f"removed {i}")
            for i in missing:
                print(f"planqa: error: no document with id {i!r}", file=sys.stderr)
            return EXIT_ERROR if missing else 0
    finally:
        assistant.close()
    return EXIT_ERROR


# -- commands -------------------------------------------------------------------


def _ingest(assistant: Assistant, paths: list[str], collection: str = "default") -> int:
    t0 = time.perf_counter()
    report = assistant.ingest(paths, progress=_progress, collection=collection)
    _print_report(report, time.perf_counter() - t0)
    return EXIT_ERROR if report.failed else 0


def _print_report(report: IngestReport, seconds: float) -> None:
    for path, reason in report.failed:
        print(f"planqa: error: {path}: {reason}", file=sys.stderr)
    print(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}; embedded {report.chunks_embedded} chunks; "
        f"index: {report.total_documents} documents, {report.total_chunks} chunks "
        f"({seconds:.1f} s)",
        flush=True,
    )


def _watch(
    assistant: Assistant,
    paths: list[str],
    interval: float,
    rounds: int | None = None,
    collection: str = "default",
) -> int:
    """``ingest --watch``: ingest now, then again whenever a file changes (Ctrl+C stops)."""
    from index.ingest import watch

    if interval <= 0:
        raise PlanQAError(f"--interval must be positive, got {interval}")
    print(f"watching {', '.join(paths)} (every {interval:g} s; Ctrl+C stops)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()

    def report(r: IngestReport) -> None:
        nonlocal t0
        _print_report(r, time.perf_counter() - t0)
        t0 = time.perf_counter()

    watch(
        paths,
        assistant.settings.home,
        assistant.embedder,
        interval,
        report,
        rounds,
        assistant.settings.chroma_url,
        collection,
    )
    return 0


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


def _api(assistant: Assistant, settings: Settings) -> int:
    from assistant.surfaces.api import serve_api
    from assistant.surfaces.web import ensure_index

    if ensure_index(assistant, _progress, announce=_status):
        print("示例方案索引完成。", file=sys.stderr)
    assistant.ledger  # noqa: B018  (load the model and the index before the first request)
    assistant.warm()  # answer mode llm: the chat model loaded and its prompt's head read
    url = f"http://{settings.host}:{settings.api_port}/v1"
    print(f"PlanQA API 已启动：{url}  （Ctrl+C 退出）", file=sys.stderr, flush=True)
    serve_api(assistant, settings.host, settings.api_port, settings.api_key)
    return 0


def _serve(assistant: Assistant, settings: Settings) -> int:
    from assistant.surfaces.web import ensure_index, parse_auth, serve

    parse_auth(settings.auth)  # a malformed login fails before anything is built
    if ensure_index(assistant, _progress, announce=_status):
        print("示例方案索引完成。", file=sys.stderr)
    assistant.ledger  # noqa: B018  (load the model and the index before the first visitor)
    assistant.warm()  # answer mode llm: the chat model loaded and its prompt's head read
    url = f"http://{settings.host}:{settings.port}"
    print(f"PlanQA 网页版已启动：{url}  （Ctrl+C 退出）", file=sys.stderr, flush=True)
    serve(assistant, settings, settings.host, settings.port, settings.auth)
    return 0


def _tasks(assistant: Assistant, args: argparse.Namespace) -> int:
    from assistant.answering.export import export, select

    ledger = assistant.ledger
    scope = assistant.scope(args.doc, args.collection) if args.doc or args.collection else None
    rows = select(ledger, args.dept or "", args.role, args.due_before or "", scope)
    text = export(ledger, rows, args.format, Path(args.out) if args.out else None)
    if text is not None:
        sys.stdout.write(text)
    elif args.out:
        print(f"wrote {len(rows)} measures to {args.out}", file=sys.stderr)
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.evaluation.evaluate import run_eval

    if not Path(args.questions).is_file():
        raise PlanQAError(f"{args.questions}: question file not found")
    out = Path(args.out)
    run_eval(
        settings,
        args.questions,
        out,
        args.eval_k,
        args.corpus,
        args.compare,
        progress=_progress,
        compare_llm=args.compare_llm,
        split=args.split,
    )
    print((out / "report.md").read_text(encoding="utf-8"))
    print(f"wrote {out / 'results.jsonl'}, report.json, report.md, report.png", file=sys.stderr)
    return 0


def _fit(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.evaluation.fit import FITTED, fit_intent, intent_path, run_fit, run_fit_scope

    out = Path(args.out) if args.out else FITTED
    work = Path(args.work) if args.work else None
    intent_out = intent_path(out)
    if args.intent_only:
        dev = fit_intent(out=intent_out)
        report = Path(args.report)
        report.mkdir(parents=True, exist_ok=True)
        (report / "intent.json").write_text(
            json.dumps(dev, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(
            f"intent: {dev['questions']} dev questions, {dev['grams']} character grams; threshold "
            f"{dev['threshold']}: kinds right {dev['agreement_cv']} (cross-validated; word rules alone "
            f"{dev['agreement_rules']})"
        )
        print(f"wrote {intent_out}", file=sys.stderr)
        return 0
    if args.scope_only:
        for variant, dev in run_fit_scope(settings, out, work, progress=_progress).items():
            print(
                f"{variant}: scope threshold {dev['threshold']}: {dev['scoped']} of {dev['questions']} dev "
                f"questions scoped, {dev['scoped_wrong']} wrongly"
            )
        print(f"wrote {out}", file=sys.stderr)
        return 0
    result = run_fit(settings, out, Path(args.report), progress=_progress, work=work)
    for variant, r in result.items():
        if isinstance(r, dict) and "operating_point" in r:
            pt = r["operating_point"]
            print(
                f"{variant}: ranker top-1 {r['ranker_top1_cv']} (cross-validated); gate threshold "
                f"{pt['threshold']}: unanswerable refused {pt['refusal_recall']}, answerable refused "
                f"{pt['answerable_refused']}, answerable right {pt['answerable_right']}"
            )
    print(f"wrote {out} and {args.report}/", file=sys.stderr)
    return 0


def _scale(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.evaluation.bench import PUBLIC_QUESTIONS
    from assistant.evaluation.scale import run_scale

    try:
        sizes = [int(x) for x in args.sizes.split(",")]
    except ValueError:
        raise PlanQAError(f"--sizes must be numbers like 1,10,60, got {args.sizes!r}") from None
    qfile = Path(args.questions) if args.questions else PUBLIC_QUESTIONS
    questions = [
        json.loads(line)["question"]
        for line in qfile.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    return run_scale(settings, sizes, args.corpus, questions, Path(args.out), modes)


def _docs(assistant: Assistant) -> int:
    from index.metadata import FIELDS, collection_of
    from index.store import current_generation, read_documents

    gen = current_generation(assistant.settings.home)
    if gen is None:
        print("no documents indexed yet: run `planqa ingest FILE...`")
        return 0
    docs = sorted(read_documents(gen), key=lambda d: (collection_of(d), d["id"]))
    for d in docs:
        kind = f"{d['kind']}/{d['encoding']}" if d["encoding"] else d["kind"]
        meta = "\t".join(str(d.get(k) or "—") for k in FIELDS)
        print(
            f"{d['id']}\t{collection_of(d)}\t{d['title']}\t{meta}\t{kind}\t"
            f"{d['measures']} measures\t{d['chunks']} chunks"
        )
    return 0


# -- output ---------------------------------------------------------------------


def _print_answer(ans: Answer, assistant: Assistant, out: TextIO, shown: str = "") -> None:
    """``shown``: the text already streamed (not printed again when it is the answer's)."""
    if shown != ans.text:
        print(f"答：{ans.text}", file=out)
    if ans.note:
        print(f"  （{ans.note}）", file=out)
    for c in ans.citations:
        where = assistant.index.doc_title(c.doc)
        page = f" 第{c.page}页" if c.page else ""
        print(f"  [{c.n}] 《{where}》“{c.title}”{page} [{c.start}:{c.end}] {c.quote}", file=out)
    if ans.refused and ans.hits:
        print("  最接近的段落：", file=out)
        for h in ans.hits[:3]:
            snippet = h.chunk.text.replace("\n", " ")
            snippet = snippet if len(snippet) <= 80 else snippet[:80] + "…"
            print(f"   - “{h.chunk.measure_title}” [{h.chunk.start}:{h.chunk.end}] {snippet}", file=out)


def _status(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_STAGES = {
    "load": "读取文件",
    "ocr": "识别扫描页",
    "embed": "向量化",
    "sentences": "句子向量",
    "eval": "评测",
    "fit": "拟合",
}


def _progress(stage: str, done: int, total: int) -> None:
    if total > 100 and done % (total // 100) and done < total:
        return  # about a hundred updates are enough
    width = 30
    filled = width * done // total if total else width
    bar = "█" * filled + "·" * (width - filled)
    end = "\n" if done >= total else ""
    print(f"\r{_STAGES.get(stage, stage)} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
