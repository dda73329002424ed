"""How much of a task a line of its measure's schedule must say to be the task's time
(``assistant.answering.answer.TASK_SHARE``), fitted on the dev splits; with ``--doers``, how
near the best sentence a sentence putting someone in charge must be ranked to join the answer
to a who-question whose best sentence puts no one in charge (``DOER_SHARE``).

    python evals/time_share.py --plan-home PLAN_HOME --corpus-home CORPUS_HOME [--doers]

A question asking when ("…生态产品总值核算，截止到几月？") whose best sentence states no time is
answered with the line of the measure's 完成时限 that says most of the task
("完成时限:9月底前,完成试点县(市)2022年度生态产品总值核算"). Each such line the composer weighs
is a row: the share of the task's words it says, and whether it is right — it holds a key fact
of an answerable question that the task does not; on an unanswerable question no line is. The
threshold kept is the one that keeps most right lines and fewest wrong ones (ties: the midpoint
of the widest gap). With ``--doers``, each dev question whose best sentence puts no one in
charge is a row: the ranker probability, over the best sentence's, of the best ranked sentence of
its document that does (only it may join), and whether the question is answered right with that
sentence joining and without it; the threshold kept answers most right. The questions are asked of persistent indexes: the plan's sets of one of
the plan (``--plan-home``), the State Council sets of one of the 61 documents (``--corpus-home``;
without it they are left out). Indexes are built with ``planqa ingest``.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Iterator

from assistant.answering.answer import DOER_SHARE, TASK_SHARE, Trace
from assistant.answering.session import Assistant
from assistant.evaluation.fitdata import add_home_arguments, answered_right, dev_questions, home_assistants


def _asked(assistants: dict[bool, Assistant]) -> Iterator[tuple[str, dict, Assistant, str, list, Trace]]:
    """Every dev question asked once of its index: (its id, it, the assistant, the question as
    asked, its passages, what the composer saw)."""
    for qid, q, a in dev_questions(assistants):
        asked = a.prepare(q["question"])
        hits = a.hits_for(asked)
        trace = Trace()
        a.composer.compose(asked, hits, trace)
        yield qid, q, a, asked, hits, trace


def rows(assistants: dict[bool, Assistant]) -> list[tuple[float, bool, str]]:
    """(share, right, question id) of every schedule line weighed on the dev splits."""
    out: list[tuple[float, bool, str]] = []
    for qid, q, _, _, _, trace in _asked(assistants):
        keys = q.get("must_include") or []
        for share, line, task in trace.timed:
            right = q["answerable"] and any(k in line.text and k not in task.text for k in keys)
            out.append((share, right, qid))
    return out


def doer_rows(assistants: dict[bool, Assistant]) -> list[tuple[float, bool, bool, str]]:
    """(share, right with, right without, question id) of every dev question whose best sentence
    puts no one in charge and another of its passage or measure does: the share of the best ranked
    such sentence (only it may join), and whether the question is answered right with it joining and
    without (an answerable one: not refused, every key fact said; an unanswerable one: refused)."""
    import assistant.answering.answer as composing

    out: list[tuple[float, bool, bool, str]] = []
    for qid, q, a, asked, hits, trace in _asked(assistants):
        if not trace.doers:
            continue
        right = []
        try:
            for share in (0.0, float("inf")):  # joining whatever its share, and never
                composing.DOER_SHARE = share
                right.append(answered_right(q, a.composer.compose(asked, hits)))
        finally:
            composing.DOER_SHARE = DOER_SHARE
        out.append((trace.doers[0][0], right[0], right[1], qid))
    return out


def _cut(shares: set[float], score: Callable[[float], int]) -> float:
    """The cut between two shares (or at either end) that scores most, at the middle of the
    widest gap between shares among those that tie."""
    ordered = sorted(shares)
    cuts = [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(ordered)] + [1.0]
    top = max(score(t) for t in cuts)

    def gap(t: float) -> float:
        below = max((s for s in ordered if s < t), default=0.0)
        above = min((s for s in ordered if s >= t), default=1.0)
        return above - below

    return max((t for t in cuts if score(t) == top), key=gap)


def fit_doers(data: list[tuple[float, bool, bool, str]]) -> float:
    """The share from which a sentence joins with most questions right."""
    return _cut(
        {s for s, _, _, _ in data},
        lambda t: sum(with_ if s >= t else without for s, with_, without, _ in data),
    )


def fit(data: list[tuple[float, bool, str]]) -> float:
    """The threshold with fewest errors (wrong lines kept, right lines lost)."""
    return _cut({s for s, _, _ in data}, lambda t: -sum((s >= t) != right for s, right, _ in data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_home_arguments(parser)
    parser.add_argument("--doers", action="store_true", help="fit DOER_SHARE instead of TASK_SHARE")
    args = parser.parse_args()
    assistants = home_assistants(args)
    if args.doers:
        doers = doer_rows(assistants)
        for share, with_, without, qid in sorted(doers, reverse=True):
            print(
                f"{share:.3f}  with: {'right' if with_ else 'wrong'}  without: {'right' if without else 'wrong'}  {qid}"
            )
        print(
            f"{len(doers)} questions, {sum(w for _, w, _, _ in doers)} right with the sentence joining, "
            f"{sum(w for _, _, w, _ in doers)} without; threshold {fit_doers(doers):.3f} (code: {DOER_SHARE})"
        )
        return
    data = rows(assistants)
    for share, right, qid in sorted(data, reverse=True):
        print(f"{share:.3f}  {'right' if right else 'wrong'}  {qid}")
    print(
        f"{len(data)} lines, {sum(r for _, r, _ in data)} right; threshold {fit(data):.2f} (code: {TASK_SHARE})"
    )


if __name__ == "__main__":
    main()
