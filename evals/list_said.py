"""How much a department's list may quote of its measures' words in all
(``assistant.answering.ledger.LIST_SAID``), fitted on the dev splits.

    python evals/list_said.py --plan-home PLAN_HOME [--corpus-home CORPUS_HOME]

A list answer ("交通局牵头的活儿都有啥？") quotes what each measure asks of the department, each
item at least ``MAX_SAID`` characters and the whole list about ``LIST_SAID``: a list of one
measure says it whole, a list of twenty each at the least. More room answers more key facts (the
last clause of a long measure: "开展德州机场规划研究前期工作") and makes every answer longer. Each dev
question the product answers with a department's list is a row; it is asked again with each room
of the grid, and the room kept is the smallest that answers as many of them right (every key fact
in the answer's text) as any. The questions are asked of persistent indexes: the plan's sets of
one of the plan (``--plan-home``), the State Council sets of one of the 61 documents
(``--corpus-home``; without it they are left out). Indexes are built with ``planqa ingest``.
"""

from __future__ import annotations

import argparse

from assistant.answering import ledger
from assistant.answering.session import Assistant
from assistant.evaluation.fitdata import add_home_arguments, dev_questions, home_assistants, sweep

GRID = (0, 300, 450, 600, 800, 1000, 1500, 2000)  # 0: every item at MAX_SAID, as before the fit


def list_questions(assistants: dict[bool, Assistant]) -> list[tuple[str, dict, Assistant]]:
    """(id, question, assistant) of every answerable dev question answered with a department's
    list (its items quote the measures: "…的措施共N项：1.“…”：")."""
    out = []
    for qid, q, a in dev_questions(assistants):
        if not q["answerable"]:
            continue
        ans = a.ask(q["question"])
        if ans.intent == "ledger" and "的措施共" in ans.text:
            out.append((qid, q, a))
    return out


def fit(scores: dict[int, list[bool]]) -> int:
    """The smallest room answering as many rows right as any."""
    best = max(sum(r) for r in scores.values())
    return min(room for room, r in scores.items() if sum(r) == best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_home_arguments(parser)
    args = parser.parse_args()
    assistants = home_assistants(args)
    rows = list_questions(assistants)
    scores = sweep(ledger, "LIST_SAID", GRID, rows)
    print(
        f"{len(rows)} dev questions answered with a department's list; room {fit(scores)} (code: {ledger.LIST_SAID})"
    )


if __name__ == "__main__":
    main()
