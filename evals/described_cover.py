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

import assistant.answering.session as session
from assistant.answering.described import split_described_measure
from assistant.evaluation.fitdata import fit_constant, nearest_best

fit = nearest_best  # the share answering most rows right; of a tie, the nearest the code's

GRID = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)


def main() -> None:
    fit_constant(
        __doc__.split("\n\n")[0],
        lambda q: split_described_measure(q) is not None,
        session,
        "DESCRIBED_COVER",
        GRID,
        "naming a measure by what it says",
    )


if __name__ == "__main__":
    main()
