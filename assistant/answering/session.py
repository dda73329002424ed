"""The assistant as one object: settings → embedder → index → retrieve → compose.

Heavy things (the embedding model, the index, jieba) load once, on first use, and
are reused for every question. This is the entry point the CLI (and later the
web UI and API) call; it crosses retrieve and compose, nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.answering.answer import Composer
from assistant.answering.crossdoc import answer_per_document
from assistant.answering.described import body_found, split_described, split_described_measure
from assistant.answering.document import (
    DOCUMENT_WORDS,
    FACT_WORDS,
    asked_facts,
    bodies_named,
    choose_among,
    department_mentions,
    describes_another,
    facts_answer,
    functional_names,
    which_document,
    which_documents,
)
from assistant.answering.evidence import name_coverage
from assistant.answering.fitted import Fitted
from assistant.answering.intent import (
    QUESTION_WORDS,
    across_documents,
    asks_which_document,
    check_question,
    detect_intent,
    in_script,
    match_form,
    retrieval_query,
    standard_form,
    sub_questions,
)
from assistant.answering.ledger import Ledger
from assistant.answering.retrieve import retrieve
from assistant.answering.scope import Scoper
from assistant.answering.scoping import Scoping
from assistant.answering.settings import Settings
from assistant.answering.spelling import Speller
from assistant.answering.types import Answer, final
from assistant.answering.wording import joined
from index.embed import Embedder, SentenceTransformerEmbedder
from index.ingest import IngestReport, Progress, ingest
from index.metadata import DEFAULT_COLLECTION
from index.plan_index import PlanIndex
from index.tokenize import normalize
from index.types import Hit, Measure

# a measure named by what it says ("提到中联大坝超低排放改造的那条，…"): the share of what it
# says (by IDF) its measure's words must hold; fitted on the dev splits by evals/described_cover.py
# (44 questions: 33 right asked whole, 36 at any share up to 0.6, 37 from 0.7 to 1.0)
DESCRIBED_COVER = 0.8
SAMPLE_PLAN = Path(__file__).resolve().parents[2] / "index" / "samples" / "dezhou-plan-2023.txt"


class Assistant(Scoping):
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: Callable[[str], None] | None = None,
        chat_model: Any = None,
        fitted: Fitted | None = None,
    ) -> None:
        """``chat_model``: a LangChain chat model for answer mode ``llm`` (default: the one
        the settings name, made on first use). ``fitted``: the answerer's ranker and gate
        (default: those fitted for the embedding model, ``assistant/answering/fitted.json``)."""
        self.settings = settings
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder(
            settings.model, cache_dir=settings.models_dir, progress=progress
        )
        self._index: PlanIndex | None = None
        self._composer: Composer | None = None
        self._ledger: Ledger | None = None
        self._prose_bodies: dict[str, set[str]] = {}  # a document's bodies named in its prose
        self._speller: Speller | None = None
        self._scoper: Scoper | None = None
        self._generator: Any = None
        self._chat_model: Any = chat_model
        self._fitted = fitted
        self._lock = threading.Lock()
        self._chat_lock = threading.Lock()  # making the chat model (joining its file once)

    def ingest(
        self,
        paths: Sequence[str | Path],
        progress: Progress | None = None,
        collection: str = DEFAULT_COLLECTION,
    ) -> IngestReport:
        report = ingest(
            paths, self.settings.home, self.embedder, progress, self.settings.chroma_url, collection
        )
        if report.changed and self._index is not None:
            self._index.refresh()
            self._composer = None
        return report

    def _described_measure(self, question: str, within: frozenset[str] | None) -> tuple[Measure, str] | None:
        """The measure a question names by what it says, and the rest asked of it; None when it
        names none so, or what it says is not most of one measure's words."""
        split = split_described_measure(question)
        if split is None:
            return None
        what, rest = split
        assert self._composer is not None
        keys = detect_intent(what).keys
        best: tuple[float, Measure] | None = None
        for h in self.hits_for(what, within)[: self.settings.k]:
            m = self.index.measure_of(h.chunk)
            if m is None:
                continue
            cover = name_coverage(
                keys,
                match_form(self.index.source_text(m.doc_id)[m.span.start : m.span.end]),
                self._composer.weights,
            )
            if best is None or cover > best[0]:
                best = (cover, m)
        if best is None or best[0] < DESCRIBED_COVER:
            return None
        return best[1], rest

    def _measure_hits(self, question: str, measure: Measure) -> list[Hit]:
        """The measure's chunks, the ones that match the question best first."""
        index = self.index
        own = [c for c in index.chunks if c.doc_id == measure.doc_id and c.measure_index == measure.index]
        ids = {c.id for c in own}
        ranked = retrieve(
            index, retrieval_query(question), k=len(own) or 1, chunk_ids=ids, dense_query=question
        )
        order = {h.chunk.id: r for r, h in enumerate(ranked)}  # only the measure's own chunks
        scores = {h.chunk.id: h.score for h in ranked}
        own.sort(key=lambda c: (order.get(c.id, len(order)), c.start))
        return [Hit(c, scores.get(c.id, 0.0)) for c in own]

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        """Remove documents by id; the ids that were present."""
        from index.ingest import remove

        gone = remove(doc_ids, self.settings.home, self.embedder, self.settings.chroma_url)
        if gone and self._index is not None:
            self._index.refresh()
            self._composer = None
        return gone

    @property
    def index(self) -> PlanIndex:
        with self._lock:
            if self._index is None:
                self._index = PlanIndex(self.settings.home, self.embedder, self.settings.chroma_url)
            elif self._index.refresh():
                self._composer = None
            if self._composer is None:
                self._composer = Composer(self._index, self._fitted)
                self._ledger = Ledger(self._index)
                self._prose_bodies = {}
                names = self._ledger.departments.aliases()
                self._speller = Speller([*self._index.vocabulary(), *names, *QUESTION_WORDS], names)
        return self._index

    def ask(
        self,
        question: str,
        doc_id: str | None = None,
        today: dt.date | None = None,
        measure: Measure | None = None,
        mode: str | None = None,
        collection: str | None = None,
    ) -> Answer:
        """Answer one question: list questions from the ledger, the rest by retrieval.

        ``today`` anchors relative dates ("下个月"); default: the real today.
        ``measure``: answer from that measure's text only (a follow-up about it).
        In answer mode ``llm`` the answer is generated and verified (see ``ask_stream``);
        ``mode`` overrides the settings' answer mode for this question.
        ``doc_id`` / ``collection``: answer from that document / collection only."""
        return final(self.ask_stream(question, doc_id, today, measure, mode, collection))

    def ask_stream(
        self,
        question: str,
        doc_id: str | None = None,
        today: dt.date | None = None,
        measure: Measure | None = None,
        mode: str | None = None,
        collection: str | None = None,
    ) -> Iterator[str | Answer]:
        """The answer as it is made: in answer mode ``llm``, the model's text as it
        arrives; last, always, the Answer (verified, with exact citations).

        List questions keep their exact ledger answers, and the model is asked only when
        the extractive evidence check finds an answer: a question the documents do not
        answer is refused in both modes."""
        scope = self.scope(doc_id, collection)
        asked = self.prepare(check_question(question))
        for part in self._answer_stream(asked, scope, today, measure, mode):
            # the answer keeps the question as the user wrote it
            yield part if isinstance(part, str) or asked == question else replace(part, question=question)

    def _described(
        self,
        question: str,
        described: tuple[str, str],
        scope: frozenset[str] | None,
        today: dt.date | None,
        mode: str | None,
    ) -> Answer | None:
        """A body named by what it does, and the rest asked of it: the body found by the first
        ask, the rest asked of it by name; both answers joined. None when no body is found (the
        question is asked whole); the second ask's refusal when the rest is not answered."""
        assert self._ledger is not None
        first, rest = described
        found = final(self._answer_stream(first, scope, today, None, "extractive"))
        departments = self._ledger.departments
        body = body_found(found, first, lambda text: [d for d, _, _ in departments.find_in(text)])
        if not body:
            return None
        then = final(self._answer_stream(body + rest, scope, today, None, mode))
        if then.refused:
            return replace(then, question=question)
        return replace(joined(question, [found, then], list(then.hits), then.intent), mode=then.mode)

    def _answer_stream(
        self,
        question: str,
        scope: frozenset[str] | None,
        today: dt.date | None,
        measure: Measure | None,
        mode: str | None,
    ) -> Iterator[str | Answer]:
        index = self.index
        assert self._composer is not None and self._ledger is not None
        described = split_described(question) if measure is None else None
        if described is not None:
            # "负责盯…的那个部门，在…要干啥？": which body, then the rest asked of it by name
            answer = self._described(question, described, scope, today, mode)
            if answer is not None:
                yield answer
                return
        named = ""  # the document the question names by its title words, when it clearly does
        which = False  # "哪个文件提出…": the answer is the document its evidence is from
        particulars: tuple[str, ...] = ()  # a document's particulars the question asks for
        if measure is not None:
            hits = self._measure_hits(question, measure)
        else:
            which = asks_which_document(question) and not across_documents(question)
            # passages from every document, when retrieved to weigh a title the question
            # names: they answer it too, when no scope is chosen
            everywhere: list[Hit] = []
            named = "" if which or scope is not None else self.named_document(question, everywhere)
            within = scope if scope is not None else frozenset({named}) if named else None
            # "投促局配合的那项，今年要引进多少个项目？": one measure, named by a department's part
            # in it, and something else asked of it — not the department's list
            identified = self._ledger.identify(question, within)
            query = (
                None
                if identified is not None
                else self._ledger.route(
                    question, today, self._topical_within(named), within, self._bodies(within)
                )
            )
            if query is not None and query.label:
                # a body no note names: the sentences naming it answer, or retrieval does
                told = department_mentions(index, question, query.label, (query.dept,), within)
                if told is not None:
                    yield self._scoped(told, named)
                    return
                query = None
            if query is not None:
                listed = self._ledger.answer(question, query, within)
                if query.kind == "department" and (listed.refused or self._in_prose(within)):
                    # no note names it, or the document says who answers for what in its prose
                    # (a letter: "交通部将进行行业审查"): the sentences naming the department
                    told = self._mentions(question, query.dept, within, not listed.refused)
                    if told is None and listed.refused and self._named(query.dept, within):
                        query = None  # named more often than a list can say: the passages answer
                    listed = told or listed
            if query is not None:
                yield self._scoped(listed, named)
                return
            particulars = asked_facts(question)
            fields = () if which else particulars
            facts = self._facts(question, fields, within) if fields else None
            if facts is not None:
                yield self._and_the_rest(question, facts)
                return
            if which:
                named_in = which_documents(self._ledger, question, scope)
                if named_in is not None:
                    yield named_in
                    return
            if identified is not None:  # "城管局一起牵头的那项工作，今年…": the rest, of that measure
                tasks, rest = identified
                hits = [h for t in tasks for h in self._measure_hits(rest, t.measure)]
                answer = self._composer.compose(rest, hits, pinned=len(tasks) == 1)
                yield replace(answer, question=question)
                return
            described_measure = self._described_measure(question, within) if query is None else None
            if described_measure is not None:  # "提到中联大坝超低排放改造的那条，到2025年…"
                measure_named, rest = described_measure
                hits = self._measure_hits(rest, measure_named)
                answer = self._composer.compose(rest, hits)
                yield self._scoped(replace(answer, question=question), named)
                return
            asked = across_documents(question)
            if asked is not None and not named and len(scope if scope is not None else index.documents) > 1:
                yield answer_per_document(index, self._composer, question, asked, scope, self.settings.k)
                return
            hits = self.hits_within(question, within, everywhere)
        answer = self._composer.compose(question, hits, pinned=measure is not None)
        if which and not answer.refused and answer.citations:
            answer = which_document(index, answer.citations[0].doc, answer)
        elif which and answer.refused and particulars:
            # "设总理热线那个提案，是哪份文件答复的，文号是多少？": no passage says it, but the
            # document the question describes states its particulars
            facts = self._facts(question, particulars, scope)
            answer = facts if facts is not None and facts.intent == "document" else answer
        answer = self._scoped(answer, named)
        if (mode or self.settings.answer_mode) != "llm" or answer.intent in ("ledger", "document"):
            yield answer
            return
        if answer.refused and (answer.confidence or 0.0) < self._composer.fitted.llm_floor:
            yield answer  # the gate is sure the passages do not answer it
            return
        # the gate found an answer, or is unsure: the model reads the passages, and what it
        # says is verified claim by claim (a refusal stands when nothing survives)
        yield from self.generator.stream(question, self._read_by_model(hits, answer), answer)

    def _read_by_model(self, hits: list[Hit], answer: Answer) -> list[Hit]:
        """The passages the model reads and its claims are verified against: those retrieval
        ranks first, and of those found by their nearest sentences only the ones the extractive
        answer quotes (the rest would let a claim about another measure find support)."""
        k = self.settings.k
        return hits[:k] + [h for h in hits[k:] if any(c.within(h.chunk) for c in answer.citations)]

    def _and_the_rest(self, question: str, facts: Answer) -> Answer:
        """A document's particulars, and what else the question asks of it, from its passages
        ("…函是哪天发的？温总理是什么时候去考察的？")."""
        assert self._composer is not None
        asks = sub_questions(question)
        told = asked_facts(question)

        def answered(ask: str) -> bool:  # "…第几号国务院令？从哪天起施行？": the second is told too
            return bool(asked_facts(ask)) or any(FACT_WORDS[f].search(normalize(ask)) for f in told)

        rest = [q for q in asks if not answered(q)]
        if len(rest) == len(asks):  # the particulars were asked of the whole question only
            rest = []
        if not rest:  # "…是哪个文号印发的，什么时候开始施行？", "…哪天印发的？文号多少，从啥时候开始实施？"
            rest = [
                c
                for ask in asks
                for c in re.split(r"[，,]", ask)[1:]
                if not answered(c) and detect_intent(c).kind != "general"
            ]
        if not rest or not facts.citations:
            return facts
        asked = "；".join(rest)
        hits = self.hits_for(asked, frozenset({facts.citations[0].doc}))
        more = self._composer.compose(asked, hits)
        return facts if more.refused else joined(question, [facts, more], hits, "document")

    def _in_prose(self, within: frozenset[str] | None) -> bool:
        """One document, whose departments are named in its sentences, not in bracketed or
        labelled notes (its items' "X会同Y研究提出了办理意见")."""
        if within is None or len(within) != 1:
            return False
        doc = next(iter(within))
        text = self.index.source_text(doc)
        spans = [m.resp_span for m in self.index.measures.get(doc, ()) if m.resp_span is not None]
        # a note is bracketed, labelled ("牵头单位：…") or a task table's cell
        return bool(spans) and not any(
            text[s.start] in "（(【〔[" or "：" in text[s.start : s.end] or "\t" in text[s.start : s.end]
            for s in spans
        )

    def _bodies(self, within: frozenset[str] | None) -> set[str] | None:
        """The bodies one document names in its prose as doing something (None unless the
        question is asked of one document)."""
        if within is None or len(within) != 1:
            return None
        doc = next(iter(within))
        if doc not in self._prose_bodies:
            self._prose_bodies[doc] = bodies_named(self.index.source_text(doc))
        return self._prose_bodies[doc]

    def _mentions(
        self, question: str, dept: str, within: frozenset[str] | None, listed: bool = False
    ) -> Answer | None:
        """The sentences naming a department, as the question and the documents write it."""
        assert self._ledger is not None
        q = normalize(question)
        found = self._ledger.departments.find_in(q)
        label = next((q[a:b] for canon, a, b in found if canon == dept), dept)
        names = (dept, self._ledger.departments.display(dept))
        return department_mentions(self.index, question, label, names, within, listed)

    def _named(self, dept: str, within: frozenset[str] | None) -> bool:
        """One document the question is asked of names the department."""
        assert self._ledger is not None
        if within is None or len(within) != 1:
            return False
        text = self.index.source_text(next(iter(within)))
        return any(n in text for n in functional_names((dept, self._ledger.departments.display(dept)), text))

    def _facts(self, question: str, fields: tuple[str, ...], within: frozenset[str] | None) -> Answer | None:
        """Who issued a document, its number, date, addressees: from its text. The document
        is the one the question names, the only one, or the one its words are found in.
        None when its text does not state them all: the passages may (another document's
        number, "贯彻落实的是哪个文件？文号多少？")."""
        index = self.index
        docs = within if within is not None else frozenset(index.documents)
        hits: list[Hit] = []
        if len(docs) == 1:
            doc = next(iter(docs))
        else:
            hits = self.hits_for(question, within)
            rest = question
            for pattern in (*FACT_WORDS.values(), DOCUMENT_WORDS):
                rest = pattern.sub("", rest)
            if not hits or not self.topical(rest):  # "这份文件是哪天印发的？" with many documents
                return choose_among(index, question, hits)
            doc = hits[0].chunk.doc_id
        if describes_another(question, str(index.documents.get(doc, {}).get("title", ""))):
            return None  # another document's particulars: the passages may state them
        return facts_answer(index, question, doc, fields, hits)

    def prepare(self, question: str) -> str:
        """The question as it is asked of the documents: in their script (简/繁), colloquial
        forms standard ("啥" → 什么, "年中" → 6月底), then homophone typos corrected ("谁牵投" →
        谁牵头; after, so that a colloquial word is not taken for a typo: "年中要" is no "年重要").
        Offsets are never taken from it; the answer keeps the question as written."""
        index = self.index
        assert self._speller is not None
        return self._speller.correct(standard_form(in_script(question, index.traditional)))

    def warm(self) -> threading.Thread | None:
        """In answer mode llm, load the chat model and read the fixed head of its prompt in
        the background, so the first question does not wait for it (the servers call this
        when they start; a question asked meanwhile waits for the model, as it would have).
        A failure here is left for the first question, which reports it."""
        if self.settings.answer_mode != "llm":
            return None

        def run() -> None:
            with contextlib.suppress(Exception):  # the first question says what is wrong
                self.generator.warm()

        thread = threading.Thread(target=run, name="planqa-warm", daemon=True)
        thread.start()
        return thread

    @property
    def generator(self) -> Any:
        """The LLM answerer (answer mode ``llm``), made on first use."""
        from assistant.answering.generate import Generator
        from assistant.answering.llm import chat_model_for

        index = self.index
        departments = self.ledger.departments  # before the lock: the ledger takes it too
        with self._chat_lock:  # not the session's lock: a first run joins and checks the model
            if self._chat_model is None:
                self._chat_model = chat_model_for(self.settings)
        with self._lock:
            if self._generator is None or self._generator.index is not index:
                self._generator = Generator(self._chat_model, index, departments)
            return self._generator

    @property
    def composer(self) -> Composer:
        self.index  # noqa: B018  (opens or refreshes the index and the composer)
        assert self._composer is not None
        return self._composer

    @property
    def ledger(self) -> Ledger:
        self.index  # noqa: B018  (opens or refreshes the index and the ledger)
        assert self._ledger is not None
        return self._ledger

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
