"""How much more common in jieba's dictionary a homophone must be than a word it knows for that
word to be read as a typo of it (``assistant.answering.spelling.TYPO_RATIO``), fitted on the dev
splits.

    python evals/typo_ratio.py --plan-home PLAN_HOME [--corpus-home CORPUS_HOME]

Homophone typos are corrected where jieba cannot read a stretch of the question as words it
knows; some typos are words it knows, rarely ("啥时侯", "建义", "文名城市"), and some rare words are
no typos ("搭成几级", "补足资金"). Each dev question whose corrected form differs across the grid
is a row, answered at each ratio; the ratio kept answers most rows right (an answerable question:
not refused, every key fact said; an unanswerable one: refused), and of those that tie, the
highest (the fewest words read as typos; ``inf``: none). The questions are asked of persistent
indexes: the plan's sets of one of the plan (``--plan-home``), the State Council sets of one of
the 61 documents (``--corpus-home``; without it they are left out). Indexes are built with
``planqa ingest``.
"""

from __future__ import annotations

import argparse

import assistant.answering.spelling as spelling
from assistant.answering.session import Assistant
from assistant.evaluation.fitdata import add_home_arguments, dev_questions, home_assistants, sweep

GRID = (10.0, 30.0, 100.0, 300.0, 1000.0, float("inf"))


def corrected_differently(assistants: dict[bool, Assistant]) -> list[tuple[str, dict, Assistant]]:
    """(id, question, assistant) of every dev question the grid's ratios correct differently."""
    out = []
    kept = spelling.TYPO_RATIO
    try:
        for qid, q, a in dev_questions(assistants):
            forms = set()
            for ratio in (GRID[0], GRID[-1]):
                spelling.TYPO_RATIO = ratio
                forms.add(a.prepare(q["question"]))
            if len(forms) > 1:
                out.append((qid, q, a))
    finally:
        spelling.TYPO_RATIO = kept
    return out


def fit(scores: dict[float, list[bool]]) -> float:
    """The ratio answering most rows right; of those that tie, the highest."""
    best = max(sum(r) for r in scores.values())
    return max(s for s, r in scores.items() if sum(r) == best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_home_arguments(parser)
    args = parser.parse_args()
    assistants = home_assistants(args)
    rows = corrected_differently(assistants)
    scores = sweep(spelling, "TYPO_RATIO", GRID, rows)
    print(
        f"{len(rows)} dev questions corrected differently; ratio {fit(scores)} (code: {spelling.TYPO_RATIO})"
    )


if __name__ == "__main__":
    main()
