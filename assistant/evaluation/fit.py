"""``planqa fit``: fit the answerer's sentence ranker and answerability gate on dev questions.

Reads the **dev** split (``evaluate.split_of``) of the team's labelled question sets in
``evals/`` — test questions are never read here — asks each one as PlanQA does (the
plan's sets of an index of the bundled plan; the State Council set of the plan plus the
60 documents of ``evals/corpus``), and records what the answerer saw:

1. every candidate sentence's features (``evidence.SENTENCE_FEATURES``), labelled by
   whether it overlaps the question's gold evidence → the **ranker**, a logistic
   regression (its L2 strength chosen by cross-validation);
2. with that ranker (cross-fitted: each question ranked by a ranker that did not see
   it), the gate's features (``answer.GATE_FEATURES``) of the candidate answer,
   labelled by whether the question is answerable → the **gate**, learning from the
   candidates that answer their question right and those of unanswerable questions (a
   candidate missing an answerable question's key fact is an example of neither); its
   threshold is the one that, on cross-validated probabilities, refuses the most
   unanswerable questions while refusing at most 5% of the answerable ones
   (``MAX_ANSWERABLE_REFUSED``).

Each question is asked as ``Assistant.ask`` asks it: within the document it names by its
title words when the scope model in use is sure (``assistant.answering.scope``), of every document
otherwise — the gate weighs the candidates it will weigh in the product.

Both are fitted twice: with the embedding model's cosines, and without (words and intent
only, for any other embedding model). Writes ``assistant/answering/fitted.json`` and a report
(refusal precision/recall by threshold, the chosen operating point, the coefficients).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.answer import Trace
from assistant.answering.evidence import SENTENCE_FEATURES
from assistant.answering.fitted import (
    FITTED,
    INTENT,
    LEXICAL,
    MIN_LLM_FLOOR,
    Fitted,
    IntentModel,
    Logistic,
    char_grams,
    load_fitted,
    load_intent,
)
from assistant.answering.gate import GATE_FEATURES, GATE_FEATURES_SIGNED
from assistant.answering.intent import (
    across_documents,
    asks_name,
    asks_which_document,
    detect_intent,
    learned_kind,
)
from assistant.answering.settings import Settings
from assistant.evaluation.evaluate import LIST_CATEGORIES, load_questions
from assistant.evaluation.fitscope import fit_scope, put_scopes, scope_rows
from index.embed import SentenceTransformerEmbedder
from index.errors import PlanQAError
from index.load import doc_id_for
from index.tokenize import normalize

EVALS = Path(__file__).resolve().parents[2] / "evals"
# (question set, asked of the plan plus the State Council corpus): the dev split of every set
# (its test split is never read by a fit); the sets written after a round were held out from
# its fit, and measured as questions it never saw, until the next round
SETS = (
    ("questions-public.jsonl", False),
    ("questions-dezhou.jsonl", False),
    ("questions-colloquial.jsonl", False),
    ("questions-newstaff.jsonl", False),
    ("questions-plan2.jsonl", False),
    ("questions-plan3.jsonl", False),
    ("questions-gov.jsonl", True),
    ("questions-twins.jsonl", True),
    ("questions-unmentioned.jsonl", True),
    ("questions-gov2.jsonl", True),
    ("questions-twins2.jsonl", True),
    ("questions-twins3.jsonl", True),
    ("questions-gov3.jsonl", True),
    ("questions-gov4.jsonl", True),
    ("questions-gov5.jsonl", True),
    ("questions-gov6.jsonl", True),
    ("questions-gov7.jsonl", True),
    ("questions-gov8.jsonl", True),
    ("questions-plan4.jsonl", False),
    ("questions-gov9.jsonl", True),
)
CORPUS = EVALS / "corpus" / "gov-policies"
# what a question asks, learned from the dev questions of every set (questions only, no index)
INTENT_SETS = tuple(name for name, _ in SETS)
# a category's kind: lead and support ask who, deadline when, figures how much; questions
# about a document, a paraphrase, a measure identified by another: none of those
KIND_OF = {
    "lead": "responsibility",
    "support": "responsibility",
    "deadline": "deadline",
    "target_2025": "target",
    "target_2023": "target",
    "figure": "target",
    "paraphrase": "general",
    "multi_hop": "general",
    "meta": "general",
    "document": "general",
    "which_document": "general",
}
INTENT_KINDS = ("responsibility", "deadline", "target", "general")
INTENT_MIN_COUNT = 3  # a character gram seen fewer times is not read
INTENT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
FOLDS = 5
# the share of answerable questions the gate may refuse (the product's promise: say "文中未提及"
# to a question the documents answer at most this often)
MAX_ANSWERABLE_REFUSED = 0.05
L2_GRID = (0.1, 1.0, 10.0, 100.0)
_SEMANTIC = ("sem", "sem_gap", "sem_z", "sem_best", "sem_chosen", "sem_z_chosen")

Progress = Callable[[str, int, int], None]


# -- logistic regression (Newton's method, L2 on the coefficients) ----------------


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    l2: float = 1.0,
    signs: tuple[int, ...] | None = None,
) -> Logistic:
    """A logistic regression of ``y`` (0/1) on the standardised columns ``names`` of ``x``.

    ``signs`` (+1, -1 or 0 per column): a coefficient must not go against its sign; a
    column whose fit does is left out (coefficient 0) and the rest refitted, one at a time."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    active = list(range(x.shape[1]))
    while True:
        w = _newton(z[:, active], y, l2)
        wrong = [(signs[j] * w[i], i) for i, j in enumerate(active) if signs and signs[j] * w[i] < 0]
        if not wrong:
            break
        active.pop(min(wrong)[1])
    coef = np.zeros(x.shape[1])
    coef[active] = w[:-1]
    return Logistic(names, tuple(mean), tuple(scale), tuple(coef), float(w[-1]))


def _newton(z: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Coefficients then intercept of an L2-penalised logistic regression (Newton's method)."""
    z = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fold_of(qid: str) -> int:
    return int(hashlib.sha256(f"fold:{qid}".encode()).hexdigest(), 16) % FOLDS


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def cross_fit(
    x: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    names: tuple[str, ...],
    signs: tuple[int, ...] | None = None,
) -> tuple[float, list[Logistic], np.ndarray]:
    """The L2 strength with the best cross-validated log loss, the model of each fold
    (fitted without it) and each row's out-of-fold probability."""
    best: tuple[float, float, list[Logistic], np.ndarray] | None = None
    for l2 in L2_GRID:
        models, oof = [], np.zeros(len(y))
        for k in range(FOLDS):
            train = folds != k
            m = fit_logistic(x[train], y[train], names, l2, signs)
            models.append(m)
            oof[~train] = m.probs(x[~train], names)
        loss = _log_loss(y, oof)
        if best is None or loss < best[0]:
            best = (loss, l2, models, oof)
    assert best is not None
    return best[1], best[2], best[3]


# -- what a question asks ------------------------------------------------------------


def intent_path(fitted: Path) -> Path:
    """Where the intent model goes beside models written to ``fitted``: the packaged one
    beside the packaged models, else an intent.json next to them."""
    return INTENT if fitted == FITTED else fitted.with_name("intent.json")


def fit_intent(sets: tuple[str, ...] = INTENT_SETS, out: Path = INTENT) -> dict[str, Any]:
    """The intent model (``assistant.answering.fitted.IntentModel``), fitted on the dev questions of
    ``sets`` whose category says what they ask, written to ``out``. The L2 strength and the
    threshold are those whose cross-validated kinds, the model overriding the word rules'
    "general", agree most with the labels."""
    rows = [
        (q["id"], normalize(q["question"]), KIND_OF[q["category"]])
        for name in sets
        for q in load_questions(EVALS / name, "dev")
        if q.get("question") and q["category"] in KIND_OF
    ]
    counts = Counter(g for _, text, _ in rows for g in char_grams(text))
    vocab = tuple(sorted(g for g, c in counts.items() if c >= INTENT_MIN_COUNT))
    col = {g: i for i, g in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab)))
    for r, (_, text, _) in enumerate(rows):
        x[r, [col[g] for g in char_grams(text) if g in col]] = 1.0
    y = np.array([INTENT_KINDS.index(k) for _, _, k in rows])
    folds = np.array([fold_of(i) for i, _, _ in rows])
    rule = np.array([INTENT_KINDS.index(detect_intent(text, learned=False).kind) for _, text, _ in rows])
    best: tuple[float, float, float] | None = None  # (agreement, l2, threshold)
    for l2 in L2_GRID:
        oof = np.zeros((len(rows), len(INTENT_KINDS)))
        for k in range(FOLDS):
            train = folds != k
            for c in range(len(INTENT_KINDS)):
                m = fit_logistic(x[train], (y[train] == c).astype(float), vocab, l2)
                oof[~train, c] = m.probs(x[~train], vocab)
        for t in INTENT_THRESHOLDS:
            kinds = np.where(
                (rule == INTENT_KINDS.index("general")) & (oof.max(axis=1) >= t), oof.argmax(axis=1), rule
            )
            agree = float((kinds == y).mean())
            if best is None or agree > best[0]:
                best = (agree, l2, t)
    assert best is not None
    agree, l2, threshold = best
    model = IntentModel(
        INTENT_KINDS,
        tuple(fit_logistic(x, (y == c).astype(float), vocab, l2) for c in range(len(INTENT_KINDS))),
        threshold,
    )
    dev = {
        "questions": len(rows),
        "grams": len(vocab),
        "l2": l2,
        "threshold": threshold,
        "agreement_cv": round(agree, 4),
        "agreement_rules": round(float((rule == y).mean()), 4),
    }
    about = "fitted by `planqa fit` on the dev splits of evals/ (assistant/evaluation/fit.py: fit_intent)"
    out.write_text(
        json.dumps(
            {"about": about, "sets": list(sets), "dev": dev, "model": model.to_dict()}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    load_intent.cache_clear()
    learned_kind.cache_clear()
    return dev


# -- collecting what the answerer sees ----------------------------------------------


@dataclass
class Asked:
    q: dict[str, Any]
    assistant: Any
    question: str


def _assistants(settings: Settings, tmp: Path, gov: bool, progress: Progress | None) -> dict[bool, Any]:
    from assistant.answering.session import SAMPLE_PLAN, Assistant

    embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.models_dir)
    out = {}
    for with_corpus in (False, True) if gov else (False,):
        home = tmp / ("corpus" if with_corpus else "plan")
        a = Assistant(replace(settings, home=home), embedder=embedder, fitted=_open_gate(LEXICAL))
        a.ingest([SAMPLE_PLAN, *([CORPUS] if with_corpus else [])], progress=progress)
        out[with_corpus] = a
    return out


def _open_gate(embedder: str, ranker: Logistic | None = None) -> Fitted:
    """A gate that lets every candidate through (threshold 0) and, unless given, a ranker
    that prefers nothing (ties keep retrieval order); the scope model in use (which
    document a question names), so that questions are asked within it as in the product."""
    flat = Logistic(("lex",), (0.0,), (1.0,), (0.0,), 0.0)
    gate = Logistic(("rank_best",), (0.0,), (1.0,), (0.0,), 0.0, threshold=0.0)
    return Fitted(ranker or flat, gate, 0.0, embedder, scope=_scope_in_use(embedder))


def _scope_in_use(embedder: str) -> Logistic | None:
    try:
        return load_fitted(embedder).scope
    except (OSError, KeyError, ValueError):
        return None  # no models yet: every question asked of every document


def _answered_by_retrieval(a: Any, q: dict[str, Any]) -> bool:
    """Questions the ranker and gate decide (not the ledger's lists, the document's name,
    or the cross-document path)."""
    question = a.prepare(q["question"])
    if q["category"] in LIST_CATEGORIES or a.ledger.route(question, None, a.topical) is not None:
        return False
    return not asks_name(question) and across_documents(question) is None


def _trace(asked: Asked, fitted: Fitted) -> Trace:
    """What the answerer sees of the question, with the passages it is asked them from:
    within the document the question names, as ``Assistant.ask`` chooses it (the scope
    model of ``fitted``), from every document otherwise."""
    a = asked.assistant
    a.composer.fitted = fitted
    everywhere: list[Any] = []
    named = "" if asks_which_document(asked.question) else a.named_document(asked.question, everywhere)
    hits = a.hits_within(asked.question, frozenset({named}) if named else None, everywhere)
    trace = Trace()
    a.composer.compose(asked.question, hits, trace)
    return trace


def _labels(asked: Asked, trace: Trace) -> np.ndarray:
    """1 for each candidate sentence overlapping the question's gold evidence."""
    from assistant.answering.session import SAMPLE_PLAN

    q = asked.q
    doc = q.get("doc") or doc_id_for(SAMPLE_PLAN)
    src = asked.assistant.index.source_text(doc) if doc in asked.assistant.index.documents else ""
    gold = [(i, i + len(ev)) for ev in q.get("evidence", []) for i in _find_all(src, ev)]
    return np.array(
        [
            float(s.chunk.doc_id == doc and any(min(b, s.end) > max(a, s.start) for a, b in gold))
            for s in trace.sentences
        ]
    )


def _find_all(text: str, sub: str) -> list[int]:
    out, at = [], text.find(sub)
    while at >= 0 and sub:
        out.append(at)
        at = text.find(sub, at + 1)
    return out


def _key_fact(q: dict[str, Any], text: str) -> bool:
    return bool(q["answerable"]) and all(m in text for m in q.get("must_include", []))


# -- the fit ---------------------------------------------------------------------------


def run_fit(
    settings: Settings,
    out: Path = FITTED,
    report_dir: Path | None = None,
    progress: Progress | None = None,
    sets: tuple[tuple[str, bool], ...] = SETS,
    work: Path | None = None,
) -> dict[str, Any]:
    """``work``: keep the indexes the questions are asked of there (reused while the
    documents are unchanged); default: a throw-away directory."""
    questions = [
        (q, gov) for name, gov in sets for q in load_questions(EVALS / name, "dev") if q.get("question")
    ]
    if not questions:
        raise PlanQAError("no dev questions to fit on")
    # what a question asks first: the ranker's and the gate's features read it
    intent = fit_intent(out=intent_path(out))
    embedder_name = settings.model
    with tempfile.TemporaryDirectory(prefix="planqa-fit-") as tmp:
        where = Path(work) if work is not None else Path(tmp)
        assistants = _assistants(settings, where, any(g for _, g in questions), progress)
        asked = [
            Asked(q, assistants[gov], assistants[gov].prepare(q["question"]))
            for q, gov in questions
            if _answered_by_retrieval(assistants[gov], q)
        ]
        # 1. candidate sentences (the ranker's features do not depend on any ranker)
        rows, labels, qfold = [], [], []
        for i, x in enumerate(asked):
            if progress:
                progress("fit", i, 2 * len(asked))
            if not x.q["answerable"]:
                continue
            trace = _trace(x, _open_gate(embedder_name))
            if trace.rows is None or not len(trace.rows):
                continue
            y = _labels(x, trace)
            if y.any():  # retrieval found the evidence: the ranker learns to pick it
                rows.append(trace.rows)
                labels.append(y)
                qfold.append(np.full(len(y), fold_of(x.q["id"])))
        sx, sy, sf = np.vstack(rows), np.concatenate(labels), np.concatenate(qfold)
        result: dict[str, Any] = {
            "questions": len(questions),
            "decided_by_gate": len(asked),
            "intent": intent,
        }
        models: dict[str, Any] = {}
        for variant in (embedder_name, LEXICAL):
            names = tuple(f for f in SENTENCE_FEATURES if variant or f not in _SEMANTIC)
            vx = sx[:, [SENTENCE_FEATURES.index(f) for f in names]]
            l2, fold_rankers, oof = cross_fit(vx, sy, sf, names)
            ranker = replace(fit_logistic(vx, sy, names, l2), threshold=0.5)
            top1 = _top1(oof, sy, rows)
            # 2. the gate, on candidates ranked by rankers that did not see the question
            gx, gy, ok, gids, ans, ruled = [], [], [], [], [], []
            for i, x in enumerate(asked):
                if progress and variant == embedder_name:
                    progress("fit", len(asked) + i, 2 * len(asked))
                trace = _trace(x, _open_gate(variant, fold_rankers[fold_of(x.q["id"])]))
                for d in trace.decisions:
                    gx.append([d.features[f] for f in GATE_FEATURES])
                    gy.append(float(x.q["answerable"]))
                    ok.append(_key_fact(x.q, d.candidate.text))
                    gids.append(x.q["id"])
                    ans.append(float(x.q["answerable"]))
                    ruled.append(bool(d.rule))  # refused whatever the gate says
            gnames = tuple(f for f in GATE_FEATURES if variant or f not in _SEMANTIC)
            gxa, gya = np.array(gx), np.array(gy)
            gfolds = np.array([fold_of(i) for i in gids])
            gsigns = tuple(dict(GATE_FEATURES_SIGNED)[f] for f in gnames)
            gcols = gxa[:, [GATE_FEATURES.index(f) for f in gnames]]
            # the gate learns what an answer looks like from the right ones: a candidate that
            # misses an answerable question's key fact is no example of either kind (labelled
            # "answer" it would teach the gate to pass a sentence lacking the figure asked)
            answerable = np.array(ans)
            clean = ~((answerable == 1) & ~np.array(ok, dtype=bool))
            gl2, gate_folds, clean_oof = cross_fit(gcols[clean], gya[clean], gfolds[clean], gnames, gsigns)
            gate = fit_logistic(gcols[clean], gya[clean], gnames, gl2, gsigns)
            goof = np.zeros(len(gya))
            goof[clean] = clean_oof
            for k in range(FOLDS):  # the rest: each by the model of the folds without it
                rest = ~clean & (gfolds == k)
                if rest.any():
                    goof[rest] = gate_folds[k].probs(gcols[rest], gnames)
            curve = refusal_curve(goof, answerable, np.array(ok), np.array(ruled))
            # the operating point: refuse as many unanswerable questions as possible while the
            # gate itself refuses at most MAX_ANSWERABLE_REFUSED of the answerable ones (rates
            # over every set, cross-validated; the rules refuse what they refuse first)
            allowed = [c for c in curve if c["answerable_refused_by_gate"] <= MAX_ANSWERABLE_REFUSED]
            point = max(
                allowed, key=lambda c: (c["unanswerable_refused"], c["answerable_right"], -c["threshold"])
            )
            gate = replace(gate, threshold=point["threshold"])
            floor = llm_floor(goof, answerable, np.array(ruled), point["threshold"])
            fitted = Fitted(ranker, gate, floor, variant)
            keep, keep_scores = _choose_keep(asked, fitted)
            fitted = replace(fitted, keep=keep)
            models[variant] = {
                **fitted.to_dict(),
                "dev": {
                    "sentences": len(sy),
                    "ranker_l2": l2,
                    "ranker_top1_cv": top1,
                    "gate_examples": len(gya),
                    "gate_l2": gl2,
                    "operating_point": point,
                    "llm_floor": floor,
                    "keep": keep,
                    "keep_key_fact": keep_scores,
                },
            }
            result[variant or "lexical"] = {"curve": curve, **models[variant]["dev"]}
        if True in assistants:  # which document a question names: asked of the 61-document index
            put_scopes(models, fit_scope(scope_rows(assistants[True], sets, EVALS), embedder_name))
        for a in assistants.values():
            a.close()
    out.write_text(
        json.dumps(
            {
                "about": "fitted by `planqa fit` on the dev splits of evals/ (assistant/evaluation/fit.py)",
                "sets": [n for n, _ in sets],
                "models": models,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    if report_dir is not None:
        write_fit_report(result, report_dir)
    return result


def run_fit_scope(
    settings: Settings, out: Path = FITTED, work: Path | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Re-fit the document-scope models only, keeping the rest of ``out``."""
    data = json.loads(out.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="planqa-fit-") as tmp:
        assistant = _assistants(settings, Path(work) if work is not None else Path(tmp), True, progress)[True]
        scopes = fit_scope(scope_rows(assistant, SETS, EVALS), settings.model)
        assistant.close()
    put_scopes(data["models"], scopes)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {variant or "lexical": s["dev"] for variant, s in scopes.items()}


def llm_floor(p: np.ndarray, answerable: np.ndarray, ruled: np.ndarray, threshold: float) -> float:
    """Answer mode llm: from which gate probability the model is asked about a refused
    question (it might be answerable): the lowest one at which at least half of the refusals
    from there up are answerable — those of the gate below its threshold and, as
    ``Assistant.ask`` sends them too, those of a rule ("no value of the kind asked")."""
    refused = ruled.astype(bool) | (p < threshold)
    floor = threshold
    # never below MIN_LLM_FLOOR: a refusal the gate gave no chance is not sent
    for t in np.round(np.arange(threshold - 0.01, MIN_LLM_FLOOR - 0.001, -0.01), 2):
        sel = refused & (p >= t)
        if sel.sum() and answerable[sel].mean() >= 0.5:
            floor = float(t)
    return floor


KEEP_GRID = (0.5, 0.35, 0.25, 0.15, 0.1)


def _choose_keep(asked: list[Asked], fitted: Fitted) -> tuple[float, dict[str, float]]:
    """How far below the best sentence a further one may be rated and still join the
    answer: the share of answerable questions answered right, for each value of a grid;
    the best (the larger on a tie: fewer sentences)."""
    scores: dict[str, float] = {}
    answerable = [x for x in asked if x.q["answerable"]]
    for keep in KEEP_GRID:
        right = 0
        for x in answerable:
            x.assistant.composer.fitted = replace(fitted, keep=keep)
            a = x.assistant.composer.compose(x.question, x.assistant.hits_for(x.question))
            right += _key_fact(x.q, a.text) and not a.refused
        scores[str(keep)] = round(right / max(len(answerable), 1), 4)
    best = max(KEEP_GRID, key=lambda k: (scores[str(k)], k))
    return best, scores


def _top1(oof: np.ndarray, y: np.ndarray, groups: list[np.ndarray]) -> float:
    """Share of questions whose best out-of-fold sentence is gold evidence."""
    hits, at = 0, 0
    for g in groups:
        n = len(g)
        hits += int(y[at + int(np.argmax(oof[at : at + n]))] == 1)
        at += n
    return round(hits / max(len(groups), 1), 4)


def refusal_curve(
    p: np.ndarray, answerable: np.ndarray, right: np.ndarray, ruled: np.ndarray | None = None
) -> list[dict[str, float]]:
    """For each threshold: refusal precision and recall (over unanswerable questions),
    the share of answerable questions refused (in all, and by the gate itself), and of them
    answered right. ``ruled``: refused by a rule whatever the threshold."""
    out = []
    ruled = np.zeros(len(p), dtype=bool) if ruled is None else ruled.astype(bool)
    n_ans, n_un = max(answerable.sum(), 1), max((1 - answerable).sum(), 1)
    for t in np.round(np.arange(0.0, 1.0001, 0.01), 2):
        by_gate = ~ruled & (p < t)
        refuse = ruled | by_gate
        refused = refuse.sum()
        un_refused = float(((1 - answerable) * refuse).sum())
        out.append(
            {
                "threshold": float(t),
                "refusal_precision": round(un_refused / refused, 4) if refused else 1.0,
                "refusal_recall": round(un_refused / n_un, 4),
                "unanswerable_refused": round(un_refused / n_un, 4),
                "answerable_refused": round(float((answerable * refuse).sum() / n_ans), 4),
                "answerable_refused_by_gate": round(float((answerable * by_gate).sum() / n_ans), 4),
                "answerable_right": round(float((answerable * ~refuse * right).sum() / n_ans), 4),
            }
        )
    return out


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
