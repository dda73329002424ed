"""How near its best a sentence stating how often must rate to join the answer to a question
asking how often ("职教联席会议一年开几次会？") whose best sentence states no frequency
(``assistant.answering.answer.OFTEN_SHARE``), fitted on the dev splits.

    python evals/often_share.py --plan-home PLAN_HOME [--corpus-home CORPUS_HOME]

The ranker weighs a sentence by the question's words and meaning; "每年召开两次会议" shares few of
"一年开几次会" and its numeral is a character, so the sentence saying how often may rate far below
one that names the meeting. The best of the best document's candidates that states a frequency
("每年召开两次会议", "每半年召开一次例会", "季调度") joins the answer when its probability is at least
``OFTEN_SHARE`` of the best's (above 1: never, as before). Each dev question asking how often
(``answertype.asks_how_often``) is a row, answered at each share of the grid; the share kept
answers most rows right, and of those that tie, the one nearest the share in the code. The
questions are asked of persistent indexes, as ``evals/sub_share.py`` says.
"""

from __future__ import annotations

import assistant.answering.answer as answer
from assistant.answering.answertype import asks_how_often
from assistant.evaluation.fitdata import fit_constant, nearest_best

fit = nearest_best  # the share answering most rows right; of a tie, the nearest the code's

GRID = (0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.01)


def main() -> None:
    fit_constant(
        __doc__.split("\n\n")[0],
        asks_how_often,
        answer,
        "OFTEN_SHARE",
        GRID,
        "asking how often",
    )


if __name__ == "__main__":
    main()
