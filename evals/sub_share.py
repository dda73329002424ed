"""How near its own best an ask of a compound question must rate a further sentence for it to
join the answer as that ask's evidence (``assistant.answering.answer.SUB_SHARE``), fitted on the
dev splits.

    python evals/sub_share.py --plan-home PLAN_HOME [--corpus-home CORPUS_HOME]

A question of several asks ("深圳湾港方查验区占地多大？土地能用到啥时候？") is answered with the best
sentence of the whole question, and for each ask the sentence the ranker rates best for it alone,
if it is not chosen already and rated at least ``SUB_SHARE`` of that ask's best (so, 1.0: only
the ask's best itself; 0: the best not chosen yet, however low). Each dev question of more than
one ask is a row, answered with each share of the grid; the share kept answers most rows right (an
answerable question: not refused, every key fact said; an unanswerable one: refused), and of
those that tie, the one nearest the share in the code. The questions are asked of persistent
indexes: the plan's sets of one of the plan (``--plan-home``), the State Council sets of one of the
61 documents (``--corpus-home``; without it they are left out). Indexes are built with ``planqa
ingest``.
"""

from __future__ import annotations

import assistant.answering.answer as composing
from assistant.answering.intent import sub_questions
from assistant.evaluation.fitdata import fit_constant, nearest_best

fit = nearest_best  # the share answering most rows right; of a tie, the nearest the code's

GRID = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def main() -> None:
    fit_constant(
        __doc__.split("\n\n")[0],
        lambda q: len(sub_questions(q)) > 1,
        composing,
        "SUB_SHARE",
        GRID,
        "of more than one ask",
    )


if __name__ == "__main__":
    main()
