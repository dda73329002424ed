"""The ``planqa`` commands that measure the answering room (``assistant.evaluation``): eval, fit
and bench (latency, corpus sizes with ``--sizes``, file formats with ``--formats``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.answering.settings import Settings
from assistant.surfaces.clioutput import _progress
from index.errors import PlanQAError


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.evaluation.bench import run_bench

    if args.sizes:
        return _scale(settings, args)
    if args.formats:
        from assistant.evaluation.formatbench import run_formats

        return run_formats(settings, args.questions, args.out)
    return run_bench(settings, args.questions, args.rounds, args.out)


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
    from assistant.evaluation.fit import FITTED, run_fit, run_fit_scope
    from assistant.evaluation.fitintent import fit_intent, intent_path

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
        for sort, d in dev.get("document_sort", {}).items():
            print(
                f"{sort}: {d['labelled']} of {d['questions']} dev questions; joined to the words by "
                f"{d['join']!r} at {d['threshold']}: {d['errors_cv']} wrong (cross-validated; words alone "
                f"{d['errors_rule']})"
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
