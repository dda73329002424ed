"""Render an evaluation summary: a Markdown report and a bar chart (PNG).

Input is the ``report.json`` structure written by ``assistant.evaluate``. The chart
has one bar per pipeline in each category: key-fact accuracy where a pipeline
answers (PlanQA), evidence recall@k for every pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_HEADLINE = (
    ("recall_at_k", "evidence recall@{k}"),
    ("all_found_at_k", "all evidence found@{k}"),
    ("mrr", "MRR"),
    ("key_fact_accuracy", "key-fact accuracy"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("refusal_precision", "refusal precision"),
    ("refusal_recall", "refusal recall"),
    ("latency_p50_ms", "latency p50 (ms)"),
    ("latency_p95_ms", "latency p95 (ms)"),
)


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    return f"{v:.3f}" if isinstance(v, float) and v <= 1.0 else str(v)


def write_markdown(summary: dict[str, Any], path: Path, questions: str, k: int) -> None:
    pipes = summary["pipelines"]
    names = list(pipes)
    setup = summary["setup"]
    lines = [
        f"# PlanQA evaluation: `{Path(questions).name}`",
        "",
        f"{setup['documents']} document(s) indexed; k = {k}. "
        + "; ".join(f"{n}: {setup[n]['chunks']} chunks, indexed in {setup[n]['ingest_s']} s" for n in names),
        "",
        "| metric | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---" for _ in names) + " |",
    ]
    for key, label in _HEADLINE:
        lines.append(f"| {label.format(k=k)} | " + " | ".join(_fmt(pipes[n].get(key)) for n in names) + " |")
    if "planqa" in pipes:
        base = pipes["planqa"].get("recall_at_k")
        ratios = [
            f"{n}: {base / pipes[n]['recall_at_k']:.2f}×"
            for n in names[1:]
            if base and pipes[n].get("recall_at_k")
        ]
        if ratios:
            lines += ["", "PlanQA's evidence recall@k relative to each peer: " + ", ".join(ratios) + "."]
    lines += [
        "",
        "Recall is over answerable questions outside the list categories (their evidence is a whole",
        "list, answered from the ledger); list categories are shown per category below.",
        "",
        "## Per category",
        "",
        "| category | n | " + " | ".join(f"{n} accuracy | {n} recall@{k}" for n in names) + " |",
        "| --- | --- | " + " | ".join("--- | ---" for _ in names) + " |",
    ]
    cats = pipes[names[0]]["categories"]
    for cat in cats:
        cells = []
        for n in names:
            c = pipes[n]["categories"].get(cat, {})
            cells.append(f"{_fmt(c.get('accuracy'))} | {_fmt(c.get('recall_at_k'))}")
        lines.append(f"| {cat} | {cats[cat]['n']} | " + " | ".join(cells) + " |")
    lines += ["", "Accuracy: every `must_include` present (for unanswerable questions: refused).", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_plot(summary: dict[str, Any], path: Path, k: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pipes = summary["pipelines"]
    names = list(pipes)
    cats = list(pipes[names[0]]["categories"])
    series = []
    for n in names:
        acc = [pipes[n]["categories"][c].get("accuracy") for c in cats]
        if any(a is not None for a in acc):
            series.append((f"{n} accuracy", [a or 0.0 for a in acc]))
        series.append(
            (f"{n} recall@{k}", [pipes[n]["categories"][c].get("recall_at_k") or 0.0 for c in cats])
        )
    fig, ax = plt.subplots(figsize=(max(8, len(cats) * 1.1), 4.5))
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(cats))]
        ax.bar(xs, values, width, label=label)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels(cats, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of questions / evidence")
    ax.set_title(f"PlanQA evaluation by category ({summary['setup']['documents']} documents, k={k})")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
