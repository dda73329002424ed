"""Where a question is answered from: the documents it may be answered from (``scope``), the one
it names by its title words or topic (``named_document``, a fitted model), and the passages
retrieved within them (``hits_for``). A part of the ``Assistant``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.answering.answer import Composer
from assistant.answering.intent import (
    content_keys,
    is_meta,
    quoted_phrases,
    retrieval_query,
)
from assistant.answering.ledger import Ledger
from assistant.answering.retrieve import SENTENCE_HITS, retrieve, with_preamble
from assistant.answering.scope import ScopeGuess, Scoper, names_title, scope_of, title_word, with_hits
from assistant.answering.settings import Settings
from assistant.answering.types import Answer
from assistant.answering.wording import REFUSAL
from index.errors import PlanQAError
from index.metadata import check_collection
from index.plan_index import PlanIndex
from index.tokenize import normalize
from index.types import Hit


class Scoping:
    """The scope and retrieval of the ``Assistant``'s questions."""

    settings: Settings
    _composer: Composer | None
    _ledger: Ledger | None
    _scoper: Scoper | None

    if TYPE_CHECKING:

        @property
        def index(self) -> PlanIndex: ...

    def named_document(self, question: str, hits: list[Hit] | None = None) -> str:
        """The document the question names by its title words or topic ("消费扶贫那份意见里…"),
        when the fitted scope model is sure; "" otherwise (and with one document).
        ``hits``: the passages retrieved across all documents to weigh it, filled in when
        they are (when the question says some title word)."""
        index = self.index
        if len(index.documents) > 1:
            numbered = self._scoper_for(index).numbered(question)
            if numbered:  # the question gives its number: that document, as surely as --doc
                return numbered
        guess = self.scope_guess(question, hits)
        return guess.doc_id if guess is not None and guess.chosen else ""

    def _scoper_for(self, index: PlanIndex) -> Scoper:
        """The titles' statistics of this index (made again when the index is refreshed)."""
        if self._scoper is None or self._scoper.index is not index:
            self._scoper = Scoper(index)
        return self._scoper

    def scope_guess(self, question: str, hits: list[Hit] | None = None) -> ScopeGuess | None:
        """The best-matching title's document, its features and (when fitted) the model's
        probability. Department names are taken out first: they say who, not which document
        ("市场监管总局" is no sign of a title about 市场监管)."""
        index = self.index
        assert self._composer is not None and self._ledger is not None
        if len(index.documents) < 2:
            return None
        scoper = self._scoper_for(index)
        q = normalize(question)
        found = self._ledger.departments.find_in(q)
        topic = "".join(ch for i, ch in enumerate(q) if not any(a <= i < b for _, a, b in found))
        qvec = index.query_vector(question)
        retrieved = hits if hits is not None else []

        def hit_docs() -> list[str]:  # retrieved once, when first asked for
            if not retrieved:
                retrieved.extend(self.hits_for(question))
            return [h.chunk.doc_id for h in retrieved]

        guess = scoper.guess(topic, qvec, hit_docs)
        if guess is None or not names_title(guess.features):
            return guess  # no word of any title: no scope, whatever retrieval would say
        return scope_of(self._composer.fitted.scope, with_hits(guess, hit_docs()))

    def _scoped(self, answer: Answer, named: str) -> Answer:
        """An answer given within the document the question named says so: "在《…》中：…"."""
        if not named:
            return answer
        where = f"《{self.index.doc_title(named)}》"
        if answer.refused and answer.text.startswith(REFUSAL):  # a refusal still begins as one
            text = f"{REFUSAL}（在{where}中）{answer.text[len(REFUSAL) :]}"
        else:
            text = f"在{where}中：{answer.text}"
        return replace(answer, text=text, scope=named)

    def _topical_within(self, named: str) -> Callable[[str], bool]:
        """``topical``, the words of the named document's title aside: "消费扶贫的意见里财政部
        负责哪些事？" names a document and a department, and nothing else."""
        if not named:
            return self.topical
        title = normalize(self.index.doc_title(named))
        return lambda text: self._specific(k for k in content_keys(text) if not title_word(k, title))

    def topical(self, text: str) -> bool:
        """Some content word of ``text`` occurs in the documents, and is not one of the words
        most of their passages share ("建设", "推进")."""
        return self._specific(content_keys(text))

    def _specific(self, keys: Iterable[str]) -> bool:
        assert self._composer is not None
        weights = self._composer.weights
        return any(weights.present(k) and weights.specific(k) for k in keys if not k.isdigit())

    def hits_for(self, question: str, scope: frozenset[str] | None = None) -> list[Hit]:
        """The chunks a question is answered from: BM25 on its content words, the dense
        search on the question as asked; the document's preamble too for a question
        about the document itself."""
        index = self.index
        hits = retrieve(
            index,
            retrieval_query(question),
            k=self.settings.k,
            doc_ids=scope,
            phrases=quoted_phrases(question),
            dense_query=question,
            sentences=SENTENCE_HITS,
        )
        if is_meta(question):
            hits = with_preamble(index, hits, self.settings.k)
        return hits

    def hits_within(self, question: str, within: frozenset[str] | None, everywhere: list[Hit]) -> list[Hit]:
        """The passages a question is answered from, within ``within`` (None: every document):
        ``everywhere``, the passages retrieved across all documents to weigh a title the
        question names, when there is no scope and they were retrieved."""
        return everywhere if within is None and everywhere else self.hits_for(question, within)

    def scope(self, doc_id: str | None = None, collection: str | None = None) -> frozenset[str] | None:
        """The documents a question may be answered from (None = all of them)."""
        index = self.index
        if doc_id is not None and doc_id not in index.documents:
            raise PlanQAError(f"no document with id {doc_id!r} (see `planqa docs`)")
        if collection is None:
            return None if doc_id is None else frozenset({doc_id})
        members = index.collections().get(check_collection(collection))
        if not members:
            raise PlanQAError(f"no collection named {collection!r} (see `planqa docs`)")
        if doc_id is None:
            return frozenset(members)
        if doc_id not in members:
            raise PlanQAError(f"document {doc_id!r} is not in collection {collection!r}")
        return frozenset({doc_id})
