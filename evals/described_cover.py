"""How much of what a question says of a measure ("提到中联大坝超低排放改造的那条，到2025年…") the
measure's own words must hold for the rest of the question to be asked of that measure alone
(``assistant.answering.session.DESCRIBED_COVER``), fitted on the dev splits.

    python evals/described_cover.py --plan-home PLAN_HOME [--corpus-home CORPUS_HOME]

A question naming a measure by what it says, then asking something else of it, is split in two
(``described.split_described_measure``); the measure among the passages retrieved for the first
part whose text holds the largest share of its words (IDF-weighted) is the one named, when that
share is at least ``DESCRIBED_COVER`` (above 1: never, the question is asked whole, as before).
Each dev question so split is a row, answered at each share of the grid; the share kept answers
most rows right (an answerable question: not refused, every key fact said; an unanswerable one:
refused), and of those that tie, the one nearest the share in the code. The questions are asked
of persistent indexes, as ``evals/sub_share.py`` says.
"""

from __future__ import annotations

import argparse

import assistant.answering.session as session
from assistant.answering.described import split_described_measure
from assistant.answering.session import Assistant
from assistant.evaluation.fitdata import add_home_arguments, dev_questions, home_assistants, sweep

GRID = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)


def described_questions(assistants: dict[bool, Assistant]) -> list[tuple[str, dict, Assistant]]:
    """(id, question, assistant) of every dev question naming a measure by what it says."""
    return [
        (qid, q, a)
        for qid, q, a in dev_questions(assistants)
        if split_described_measure(a.prepare(q["question"])) is not None
    ]


def fit(scores: dict[float, list[bool]], now: float) -> float:
    """The share answering most rows right; of those that tie, the nearest ``now``."""
    best = max(sum(r) for r in scores.values())
    return min((s for s, r in scores.items() if sum(r) == best), key=lambda s: abs(s - now))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_home_arguments(parser)
    args = parser.parse_args()
    assistants = home_assistants(args)
    rows = described_questions(assistants)
    scores = sweep(session, "DESCRIBED_COVER", GRID, rows)
    print(
        f"{len(rows)} dev questions naming a measure by what it says; share "
        f"{fit(scores, session.DESCRIBED_COVER)} (code: {session.DESCRIBED_COVER})"
    )


if __name__ == "__main__":
    main()
