"""Generated answers (answer mode ``llm``), verified against the passages they cite.

The model sees the retrieved chunks as numbered passages, framed as data (prompts in
``prompts/``), and is told to cite ``[n]`` after each claim. What it writes is then
checked claim by claim (a claim: a sentence or clause with its markers):

- every ``[n]`` must name a passage that was given;
- every number, date ("6月底前") and department in the claim must appear in a passage
  it cites (departments compared by canonical name, so 发改委 = 市发展改革委);
- at least half of the claim's character pairs must occur in what it cites (prose the
  passages do not support, or an instruction's output, fails);
- a claim without a citation cannot be checked and is removed; a claim cited to the
  wrong passage is re-cited to the one passage that fully supports it, if exactly one
  does (small models copying a passage often cite its neighbour), and the note says so.

Surviving claims keep their markers, renumbered; each citation is narrowed to the
sentence of its passage that best matches the claim, an exact ``source[start:end]``
span. The extractive answer is given to the model as a draft whose facts it must keep:
when no claim survives, when the model declines although the evidence check found an
answer, or when the verified text leaves out a number, date, department or measure of
the draft, the extractive answer is given instead and ``Answer.note`` says so.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.answering.evidence import sentences_of
from assistant.answering.phrases import pattern
from assistant.answering.types import MARKER, Answer
from assistant.answering.verify import Builder, Claim, Passage, Verifier, bigrams, norm_text, split_claims
from assistant.answering.wording import REFUSAL
from index.plan_index import PlanIndex
from index.types import Hit

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
NOTE_TRIMMED = "已删去 {n} 处无法在所引段落中核实的内容。"
NOTE_RECITED = "已将 {n} 处引用改为实际支持该句的段落。"
NOTE_INCOMPLETE = "生成的回答遗漏了原文中的要点，以下为原文摘录的回答。"
NOTE_FALLBACK = "生成的回答未通过核验，以下为原文摘录的回答。"
NOTE_DECLINED = "生成模型未能作答，以下为原文摘录的回答。"
NOTE_UNSURE = "摘录未能确认答案，生成模型也未能从所给段落中给出可核验的回答。"


def load_prompt(name: str, folder: Path = PROMPTS) -> str:
    return (folder / name).read_text(encoding="utf-8").strip()


_INSTRUCTION = pattern("generate.instruction")
_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?\n]?")
INSTRUCTION_REMOVED = "〔此处一句疑似给模型的指令，已略去〕"


def _data(text: str) -> str:
    """Document text as data: it cannot close or open the prompt's <资料> frame, and a
    sentence addressed to the model ("忽略以上要求…") is left out."""
    text = text.replace("<", "＜").replace(">", "＞")
    if not _INSTRUCTION.search(text):
        return text
    return "".join(
        INSTRUCTION_REMOVED + ("\n" if m.group(0).endswith("\n") else "")
        if _INSTRUCTION.search(m.group(0))
        else m.group(0)
        for m in _SENTENCE.finditer(text)
    )


def passages_of(hits: list[Hit]) -> list[Passage]:
    """The hits as the model sees them, and as what it says is checked against."""
    return [Passage(i, h, _data(h.chunk.text)) for i, h in enumerate(hits, 1)]


# the passages' sentences shown to the model besides those quoted, those sharing most with
# the question first; None: whole chunks. One: on the dev splits more sentences made the
# model no more accurate, its citations less precise, and its answers 2 s slower (README)
CONTEXT_SENTENCES: int | None = 1


def compact(index: PlanIndex, passages: list[Passage], question: str, extractive: Answer) -> list[Passage]:
    """The passages cut to what the model needs: every sentence the extractive answer
    quotes and the ``CONTEXT_SENTENCES`` sharing most with the question, in their order
    ("……" where sentences were left out); a passage with none of them is left out (its
    number is not reused). Prefill is most of a local model's time (about 100 prompt
    tokens a second on 2 cores): it reads a fifth of the tokens whole chunks would be,
    and what it says is checked against what it read."""
    if CONTEXT_SENTENCES is None or not extractive.citations:
        return passages  # no draft to start from: the model looks for the answer in the whole passages
    quoted = [(c.doc, c.start, c.end) for c in extractive.citations]
    asked = bigrams(question)
    sentences = [sentences_of(index, p.hit, p.n) for p in passages]
    keep: set[tuple[int, int]] = set()
    ranked: list[tuple[float, int, int]] = []  # (share of the question's pairs, passage, sentence)
    for i, (p, ss) in enumerate(zip(passages, sentences, strict=True)):
        for j, s in enumerate(ss):
            if any(d == p.hit.chunk.doc_id and a < s.end and s.start < b for d, a, b in quoted):
                keep.add((i, j))
            else:
                ranked.append((len(asked & bigrams(s.text)) / max(len(asked), 1), i, j))
    for share, i, j in sorted(ranked, reverse=True)[:CONTEXT_SENTENCES]:
        if share > 0:
            keep.add((i, j))
    out = []
    for i, (p, ss) in enumerate(zip(passages, sentences, strict=True)):
        parts, last = [], -1
        for j, s in enumerate(ss):
            if (i, j) in keep:
                parts.append(("" if j == last + 1 else "……") + s.text)
                last = j
        if parts:
            out.append(Passage(p.n, p.hit, _data("".join(parts) + ("……" if last < len(ss) - 1 else ""))))
    return out or passages


def draft_of(extractive: Answer, passages: list[Passage]) -> str:
    """The extractive answer with its markers renumbered to the passages that hold its
    quotes: the facts the generated answer must keep ("" when there is none)."""
    if extractive.refused or not extractive.text:
        return ""
    where: dict[int, int] = {}
    for c in extractive.citations:
        for p in passages:
            if c.within(p.hit.chunk):
                where[c.n] = p.n
                break

    def renumber(m: re.Match[str]) -> str:
        n = where.get(int(m.group(1)))
        return f"[{n}]" if n else ""

    return _data(MARKER.sub(renumber, extractive.text))


def messages_for(question: str, passages: list[Passage], index: PlanIndex, draft: str = "") -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    docs = {p.hit.chunk.doc_id for p in passages}
    # one document: named once, ahead of the passages, so the prompt's head (rules,
    # instructions, the document's name) is the same from one question to the next and
    # llama.cpp reuses it instead of reading it again
    blocks = [f"文件：《{_data(index.doc_title(next(iter(docs))))}》"] if len(docs) == 1 else []
    for p in passages:
        c = p.hit.chunk
        # not "[n]" at the head: a model copying a passage would carry the next one's
        # number onto the end of this one
        head = f"【段落{p.n}】" + ("" if len(docs) == 1 else f"《{_data(index.doc_title(c.doc_id))}》")
        if c.measure_title:
            head += f"措施：{_data(c.measure_title)}"
        blocks.append(f"{head}\n{p.text}")
    user = (
        load_prompt("answer-user.md")
        .replace("{passages}", "\n\n".join(blocks))
        .replace("{question}", _data(question))
        .replace("{draft}", draft or "（无）")
    )
    return [SystemMessage(content=load_prompt("answer-system.md")), HumanMessage(content=user)]


def _answer(
    question: str,
    generated: str,
    claims: list[Claim],
    builder: Builder,
    extractive: Answer,
    verifier: Verifier,
) -> Answer:
    kept = [c for c in claims if not c.problem]
    if not kept and extractive.refused:  # unsure, and the model found nothing it could back
        return replace(extractive, mode="llm", note=NOTE_UNSURE, generated=generated)
    if not kept:
        declined = REFUSAL in norm_text(generated)
        note = NOTE_DECLINED if declined or not claims else NOTE_FALLBACK
        return replace(extractive, mode="llm", note=note, generated=generated)
    if not extractive.refused and verifier.missing(extractive.text, "".join(builder.parts), question):
        return replace(extractive, mode="llm", note=NOTE_INCOMPLETE, generated=generated)
    dropped = len(claims) - len(kept)
    recited = sum(c.recited for c in kept)
    notes = [NOTE_TRIMMED.format(n=dropped)] if dropped else []
    if recited:
        notes.append(NOTE_RECITED.format(n=recited))
    return Answer(
        question=question,
        text="".join(builder.parts),
        refused=False,
        citations=tuple(builder.citations),
        hits=extractive.hits,
        intent=extractive.intent,
        mode="llm",
        note="".join(notes),
        generated=generated,
    )


# Where the model's text can be cut into finished claims while it streams: after a
# marker (and its full stop), or at a paragraph break; never between a sentence and
# the marker at the end of its paragraph.
_COMPLETE = re.compile(r"(?:\](?:\s*[。！？；!?;])?|\n)\s*(?=[^\s\[\]。！？；!?;,，、])")


class Generator:
    """Asks the chat model and verifies what it says, claim by claim as it arrives."""

    def __init__(self, model: Any, index: PlanIndex, departments: Any) -> None:
        self.model = model
        self.index = index
        self.verifier = Verifier(index, departments)
        self.verify_s: list[float] = []  # seconds each answer spent verifying (``planqa bench``)

    def warm(self) -> None:
        """Have a local model loaded and the fixed head of every prompt read before the first
        question (a remote model has nothing to warm)."""
        warm = getattr(self.model, "warm", None)
        if warm is not None:
            warm(messages_for("", [], self.index))

    def stream(self, question: str, hits: list[Hit], extractive: Answer) -> Iterator[str | Answer]:
        """Verified text as the model writes it (a claim once it is complete and checked),
        then the Answer. The pieces add up to the Answer's text, except when the answer
        falls back to the extractive one (``note`` says so): it supersedes them."""
        passages = compact(self.index, passages_of(hits), question, extractive)
        by_n = {p.n: p for p in passages}
        builder = Builder(self.index, passages)
        claims: list[Claim] = []
        generated = ""
        done = 0  # characters of the generated text already split into claims

        checking = [0.0]

        def take(text: str) -> Iterator[str]:
            for body, cites in split_claims(text):
                t0 = time.perf_counter()
                claim = self.verifier.claim(body, cites, by_n)
                claims.append(claim)
                piece = "" if claim.problem else builder.add(claim)
                checking[0] += time.perf_counter() - t0
                if piece:
                    yield piece

        draft = draft_of(extractive, passages)  # "" for a refusal: the model starts from the passages
        for chunk in self.model.stream(messages_for(question, passages, self.index, draft)):
            delta = chunk.content if isinstance(chunk.content, str) else ""
            if not delta:
                continue
            generated += delta
            last = None
            for last in _COMPLETE.finditer(generated, done):  # noqa: B007
                pass
            if last is not None and last.end() > done:
                yield from take(generated[done : last.end()])
                done = last.end()
        yield from take(generated[done:])
        t0 = time.perf_counter()
        answer = _answer(question, generated, claims, builder, extractive, self.verifier)
        self.verify_s.append(checking[0] + time.perf_counter() - t0)
        yield answer
