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
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answering.evidence import Sentence, sentences_of
from assistant.answering.types import Answer, Citation, cite
from index.plan_index import PlanIndex
from index.types import Hit

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
REFUSAL = "文中未提及"
NOTE_TRIMMED = "已删去 {n} 处无法在所引段落中核实的内容。"
NOTE_RECITED = "已将 {n} 处引用改为实际支持该句的段落。"
NOTE_INCOMPLETE = "生成的回答遗漏了原文中的要点，以下为原文摘录的回答。"
NOTE_FALLBACK = "生成的回答未通过核验，以下为原文摘录的回答。"
NOTE_DECLINED = "生成模型未能作答，以下为原文摘录的回答。"
NOTE_UNSURE = "摘录未能确认答案，生成模型也未能从所给段落中给出可核验的回答。"

_MARKERS = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\d+(?:\s*[,，、]\s*\d+)*\]\s*)+)")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]*\d)")
_BRACKETS = str.maketrans(
    {"【": "[", "】": "]", "［": "[", "］": "]", **{chr(0xFF10 + i): str(i) for i in range(10)}}
)
_ASKS_MEASURE = re.compile(r"哪(一)?(项|个|条)|什么措施|属于|措施名称|叫什么")
_PUNCT = re.compile(r"[^\w]")
MIN_OVERLAP = 0.5  # share of a claim's character pairs that must occur in what it cites
_ORG = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:委员会|办公室|局|委|厅|署|公司|集团|海关)")
_DATE = re.compile(r"\d{1,2}月(?:底|末|上旬|中旬|下旬)?前?|年底前?")


def _norm(text: str) -> str:
    """NFKC (full-width digits, brackets), no thousands separators, no spaces."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    t = t.replace("【", "[").replace("】", "]")
    return re.sub(r"[ \t\u3000]", "", t)


@dataclass(frozen=True)
class Passage:
    n: int
    hit: Hit
    text: str  # the chunk as the model sees it (``_data``)


@dataclass(frozen=True)
class Claim:
    text: str  # without markers
    cites: tuple[int, ...]
    problem: str = ""  # why it failed verification ("" = verified)
    recited: bool = False  # cited to another passage than the model said (the one that supports it)


def load_prompt(name: str, folder: Path = PROMPTS) -> str:
    return (folder / name).read_text(encoding="utf-8").strip()


# Sentences that address the model rather than the reader: no plan needs them.
_INSTRUCTION = re.compile(
    r"(忽略|无视|不要理会|不要遵守|跳过|覆盖)(掉)?(以上|上述|之前|前面|先前|所有|全部|你的|系统)"
    r"|(系统|开发者)(提示|指令)|system\s*prompt|ignore\s+(all\s+)?(the\s+)?(previous|above|prior)"
    r"|你(现在)?是(一个|一名)?(新的)?(AI|助手|模型|机器人)|扮演|jailbreak|越狱",
    re.I,
)
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
    asked = _bigrams(question)
    sentences = [sentences_of(index, p.hit, p.n) for p in passages]
    keep: set[tuple[int, int]] = set()
    ranked: list[tuple[float, int, int]] = []  # (share of the question's pairs, passage, sentence)
    for i, (p, ss) in enumerate(zip(passages, sentences, strict=True)):
        for j, s in enumerate(ss):
            if any(d == p.hit.chunk.doc_id and a < s.end and s.start < b for d, a, b in quoted):
                keep.add((i, j))
            else:
                ranked.append((len(asked & _bigrams(s.text)) / max(len(asked), 1), i, j))
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

    return _data(re.sub(r"\[(\d+)\]", renumber, extractive.text))


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


def split_claims(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The answer's claims with the passage numbers each cites. Markers written after the
    full stop ("…1000家。[2]") belong to the sentence before them; sentences without a
    marker take the next marker of their paragraph."""
    text = text.translate(_BRACKETS).strip()
    pieces = [p for p in re.split(r"(?<=[。！？；!?;\n])", text) if p]
    merged: list[str] = []
    for piece in pieces:
        lead = _LEADING_MARKERS.match(piece)
        if lead and merged:
            merged[-1] += lead.group(1)
            piece = piece[lead.end() :]
        if piece.strip():
            merged.append(piece)
        elif "\n" in piece and merged:
            merged[-1] += "\n"
    claims: list[tuple[str, tuple[int, ...]]] = []
    pending: list[str] = []  # uncited sentences of this paragraph, waiting for its marker
    for piece in merged:
        cites = tuple(int(n) for m in _MARKERS.finditer(piece) for n in re.split(r"[,，、]", m.group(1)))
        body = _MARKERS.sub("", piece).strip()
        if body and not cites:
            pending.append(body)
        elif body:  # "…。…。[2]": a paragraph cited once at its end is cited for each sentence
            claims += [(p, cites) for p in pending]
            claims.append((body, cites))
            pending = []
        if piece.rstrip(" \t").endswith("\n"):  # a marker never reaches back over a paragraph break
            claims += [(p, ()) for p in pending]
            pending = []
    return claims + [(p, ()) for p in pending]


def facts(text: str) -> tuple[list[str], list[str]]:
    """(numbers, dates) a claim states."""
    t = _norm(text)
    return _NUMBER.findall(t), _DATE.findall(t)


def has_number(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", text) is not None


class Verifier:
    def __init__(self, index: PlanIndex, departments: Any) -> None:
        self.index = index
        self.departments = departments  # assistant.ledger Departments: find_in(text)

    def _depts(self, text: str) -> set[str]:
        return {name for name, _, _ in self.departments.find_in(_norm(text))}

    def check(self, body: str, cites: tuple[int, ...], passages: dict[int, Passage]) -> str:
        """ "" when the claim is supported by the passages it cites, else why not."""
        if not cites:
            return "没有标注出处"
        missing = [n for n in cites if n not in passages]
        if missing:
            return f"引用了不存在的段落[{missing[0]}]"
        cited = "".join(_norm(passages[n].text) for n in cites)
        numbers, dates = facts(body)
        for date in dates:
            if date not in cited:
                return f"时限“{date}”不在所引段落中"
        for number in numbers:
            if not has_number(number, cited):
                return f"数字“{number}”不在所引段落中"
        own = {g for g in _bigrams(body) if not _PUNCT.search(g)}
        if own and len(own & _bigrams(cited)) < MIN_OVERLAP * len(own):
            return "内容与所引段落不符"
        known = self._depts(cited)
        unknown = self._depts(body) - known
        if unknown:
            return f"部门“{sorted(unknown)[0]}”不在所引段落中"
        for m in _ORG.finditer(_norm(body)):  # an office the ledger does not know
            name = m.group(0)
            if not any(name[i:] in cited or self._depts(name[i:]) & known for i in range(len(name) - 2)):
                return f"单位“{name}”不在所引段落中"
        return ""

    def missing(self, reference: str, answer: str, question: str = "") -> list[str]:
        """The facts of ``reference`` (numbers, dates, departments; quoted measure titles
        when the question asks which measure) that ``answer`` leaves out."""
        ref, got = _norm(_MARKERS.sub("", reference)), _norm(_MARKERS.sub("", answer))
        numbers, dates = facts(ref)
        out = [n for n in numbers if not has_number(n, got)]
        out += [d for d in dates if d not in got]
        out += sorted(self._depts(ref) - self._depts(got))
        if _ASKS_MEASURE.search(question):
            out += [t for t in re.findall(r"“([^”]{2,30})”", ref) if _norm(t) not in got]
        return out

    def claim(self, body: str, cites: tuple[int, ...], passages: dict[int, Passage]) -> Claim:
        """The claim verified; one cited to the wrong passage is re-cited to the single
        passage that supports it fully (``recited``), if there is one."""
        problem = self.check(body, cites, passages)
        if not problem or not cites:  # an uncited claim is not re-cited
            return Claim(body, cites, problem)
        fits = [n for n in passages if n not in cites and not self.check(body, (n,), passages)]
        if len(fits) == 1:
            return Claim(body, (fits[0],), "", recited=True)
        return Claim(body, cites, problem)


def _bigrams(text: str) -> set[str]:
    t = _norm(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def best_sentence(index: PlanIndex, passage: Passage, claim: str) -> Sentence | None:
    """The passage's sentence that shares most with the claim (facts weigh double)."""
    sentences = sentences_of(index, passage.hit, passage.n)
    if not sentences:
        return None
    want = _bigrams(claim)
    numbers, _ = facts(claim)

    def score(s: Sentence) -> float:
        t = _norm(s.text)
        return len(want & _bigrams(s.text)) + 4 * sum(has_number(n, t) for n in numbers)

    return max(sentences, key=score)


class _Builder:
    """Verified claims → answer text with renumbered markers and exact citations."""

    def __init__(self, index: PlanIndex, passages: list[Passage]) -> None:
        self.index = index
        self.by_n = {p.n: p for p in passages}
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.citations: list[Citation] = []
        self.parts: list[str] = []

    def add(self, claim: Claim) -> str:
        marks = []
        for n in dict.fromkeys(claim.cites):
            p = self.by_n[n]
            s = best_sentence(self.index, p, claim.text)
            start, end = (s.start, s.end) if s else (p.hit.chunk.start, p.hit.chunk.end)
            key = (p.hit.chunk.doc_id, start, end)
            if key not in self.numbers:
                self.numbers[key] = len(self.numbers) + 1
                title = p.hit.chunk.measure_title or p.hit.chunk.doc_title
                self.citations.append(cite(self.index, self.numbers[key], key[0], title, start, end))
            marks.append(self.numbers[key])
        body = claim.text
        tail = body[-1] if body[-1] in "。！？；!?;" else ""
        body = body[: len(body) - len(tail)] if tail else body
        piece = body + "".join(f"[{m}]" for m in dict.fromkeys(marks)) + (tail or "。")
        self.parts.append(piece)
        return piece


def _answer(
    question: str,
    generated: str,
    claims: list[Claim],
    builder: _Builder,
    extractive: Answer,
    verifier: Verifier,
) -> Answer:
    kept = [c for c in claims if not c.problem]
    if not kept and extractive.refused:  # unsure, and the model found nothing it could back
        return replace(extractive, mode="llm", note=NOTE_UNSURE, generated=generated)
    if not kept:
        declined = REFUSAL in _norm(generated)
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
        builder = _Builder(self.index, passages)
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
