"""What a generated answer is checked by, claim by claim: each claim's markers, numbers, dates and
departments against the passages it cites (see ``generate``), and the verified claims built into
an answer with exact citations."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from assistant.answering.evidence import Sentence, sentences_of
from assistant.answering.phrases import pattern
from assistant.answering.types import Citation, cite
from index.plan_index import PlanIndex
from index.types import Hit

_MARKERS = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\d+(?:\s*[,，、]\s*\d+)*\]\s*)+)")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]*\d)")
_BRACKETS = str.maketrans(
    {"【": "[", "】": "]", "［": "[", "］": "]", **{chr(0xFF10 + i): str(i) for i in range(10)}}
)

_ASKS_MEASURE = pattern("verify.asks_measure")
_PUNCT = re.compile(r"[^\w]")
MIN_OVERLAP = 0.5  # share of a claim's character pairs that must occur in what it cites
_ORG = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:委员会|办公室|局|委|厅|署|公司|集团|海关)")
_DATE = re.compile(r"\d{1,2}月(?:底|末|上旬|中旬|下旬)?前?|年底前?")


def norm_text(text: str) -> str:
    """NFKC (full-width digits, brackets), no thousands separators, no spaces."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    t = t.replace("【", "[").replace("】", "]")
    return re.sub(r"[ \t\u3000]", "", t)


@dataclass(frozen=True)
class Passage:
    n: int
    hit: Hit
    text: str  # the chunk as the model sees it (``generate._data``)


@dataclass(frozen=True)
class Claim:
    text: str  # without markers
    cites: tuple[int, ...]
    problem: str = ""  # why it failed verification ("" = verified)
    recited: bool = False  # cited to another passage than the model said (the one that supports it)


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
    t = norm_text(text)
    return _NUMBER.findall(t), _DATE.findall(t)


def has_number(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", text) is not None


class Verifier:
    def __init__(self, index: PlanIndex, departments: Any) -> None:
        self.index = index
        self.departments = departments  # assistant.ledger Departments: find_in(text)

    def _depts(self, text: str) -> set[str]:
        return {name for name, _, _ in self.departments.find_in(norm_text(text))}

    def check(self, body: str, cites: tuple[int, ...], passages: dict[int, Passage]) -> str:
        """ "" when the claim is supported by the passages it cites, else why not."""
        if not cites:
            return "没有标注出处"
        missing = [n for n in cites if n not in passages]
        if missing:
            return f"引用了不存在的段落[{missing[0]}]"
        cited = "".join(norm_text(passages[n].text) for n in cites)
        numbers, dates = facts(body)
        for date in dates:
            if date not in cited:
                return f"时限“{date}”不在所引段落中"
        for number in numbers:
            if not has_number(number, cited):
                return f"数字“{number}”不在所引段落中"
        own = {g for g in bigrams(body) if not _PUNCT.search(g)}
        if own and len(own & bigrams(cited)) < MIN_OVERLAP * len(own):
            return "内容与所引段落不符"
        known = self._depts(cited)
        unknown = self._depts(body) - known
        if unknown:
            return f"部门“{sorted(unknown)[0]}”不在所引段落中"
        for m in _ORG.finditer(norm_text(body)):  # an office the ledger does not know
            name = m.group(0)
            if not any(name[i:] in cited or self._depts(name[i:]) & known for i in range(len(name) - 2)):
                return f"单位“{name}”不在所引段落中"
        return ""

    def missing(self, reference: str, answer: str, question: str = "") -> list[str]:
        """The facts of ``reference`` (numbers, dates, departments; quoted measure titles
        when the question asks which measure) that ``answer`` leaves out."""
        ref, got = norm_text(_MARKERS.sub("", reference)), norm_text(_MARKERS.sub("", answer))
        numbers, dates = facts(ref)
        out = [n for n in numbers if not has_number(n, got)]
        out += [d for d in dates if d not in got]
        out += sorted(self._depts(ref) - self._depts(got))
        if _ASKS_MEASURE.search(question):
            out += [t for t in re.findall(r"“([^”]{2,30})”", ref) if norm_text(t) not in got]
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


def bigrams(text: str) -> set[str]:
    t = norm_text(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def best_sentence(index: PlanIndex, passage: Passage, claim: str) -> Sentence | None:
    """The passage's sentence that shares most with the claim (facts weigh double)."""
    sentences = sentences_of(index, passage.hit, passage.n)
    if not sentences:
        return None
    want = bigrams(claim)
    numbers, _ = facts(claim)

    def score(s: Sentence) -> float:
        t = norm_text(s.text)
        return len(want & bigrams(s.text)) + 4 * sum(has_number(n, t) for n in numbers)

    return max(sentences, key=score)


class Builder:
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
