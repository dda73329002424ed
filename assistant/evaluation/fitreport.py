"""The report of ``planqa fit``: ``fit.json``, ``fit.md`` (the intent model, each variant's ranker,
gate and refusal curve) and ``refusal-curve.png``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_fit_report(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "fit.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["# Answerer fit (dev splits only)", ""]
    intent = result.get("intent")
    if intent:
        lines += [
            "## What a question asks (intent model)",
            "",
            f"- {intent['questions']} labelled dev questions, {intent['grams']} character grams, L2 {intent['l2']}; "
            f"threshold {intent['threshold']}: kinds right {intent['agreement_cv']} cross-validated "
            f"(the word rules alone: {intent['agreement_rules']})",
            "",
        ]
    shares = result.get("relation_top1_by_rank")
    if shares:
        lines += [
            "## The relation of question and sentence vectors",
            "",
            "- the ranker's best sentence is gold evidence (cross-validated, the relation's scores out of "
            "fold) by the relation's rank (0: none): "
            + ", ".join(f"{k}: {v}" for k, v in shares.items())
            + f"; kept: {max(shares, key=lambda k: (shares[k], -int(k)))}",
            "",
        ]
    models = {v: r for v, r in result.items() if isinstance(r, dict) and "operating_point" in r}
    for variant, r in models.items():
        pt = r["operating_point"]
        lines += [
            f"## {variant}",
            "",
            f"- ranker: {r['sentences']} candidate sentences, L2 {r['ranker_l2']}, "
            f"best sentence is gold evidence (cross-validated): {r['ranker_top1_cv']}",
            f"- gate: {r['gate_examples']} decisions, L2 {r['gate_l2']}; operating point: threshold "
            f"{pt['threshold']}, refusal precision {pt['refusal_precision']}, recall {pt['refusal_recall']}, "
            f"answerable refused {pt['answerable_refused']}, answerable answered right {pt['answerable_right']}",
            "",
            "| threshold | refusal precision | refusal recall | answerable refused | answerable right |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in r["curve"][::5]:
            lines.append(
                f"| {c['threshold']:.2f} | {c['refusal_precision']:.3f} | {c['refusal_recall']:.3f} | "
                f"{c['answerable_refused']:.3f} | {c['answerable_right']:.3f} |"
            )
        lines.append("")
    (out / "fit.md").write_text("\n".join(lines), encoding="utf-8")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for variant, r in models.items():
        c = r["curve"]
        ax.plot([x["refusal_recall"] for x in c], [x["refusal_precision"] for x in c], label=variant)
        pt = r["operating_point"]
        ax.scatter([pt["refusal_recall"]], [pt["refusal_precision"]], zorder=3)
    ax.set_xlabel("refusal recall (unanswerable questions refused)")
    ax.set_ylabel("refusal precision")
    ax.set_title("Answerability gate on dev (cross-validated)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "refusal-curve.png", dpi=110)
    plt.close(fig)
