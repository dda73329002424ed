"""PlanQA's index data types: documents, measures, chunks and hits (the answer types live in
``assistant.answering.types``).

Small frozen dataclasses only: no behaviour beyond trivial helpers, no I/O.
All offsets (``start``/``end``) are character offsets into ``Document.text``,
the source text exactly as decoded (or, for html/docx/pdf, as extracted),
so that ``document.text[start:end]`` is always the quoted passage.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """A loaded source file: its decoded text and where it came from."""

    id: str  # stable id, derived from the file name (see index.load.doc_id_for)
    path: str  # the path it was loaded from, as given
    text: str  # source text: decoded file (txt/md) or extracted text (html/docx/pdf)
    kind: str  # "txt" | "md" | "html" | "docx" | "doc" | "wps" | "pdf" | "ofd" (the file's extension)
    encoding: str  # detected encoding ("utf-8", "utf-8-sig", "gb18030", "big5", ...)
    sha256: str  # hash of the raw file bytes
    title: str = ""  # best guess of the document title (filled by parsing)
    pages: tuple[int, ...] = ()  # pdf: the offset in ``text`` where each page starts


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of a document's source text."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class Target:
    """A quantitative target in the document's words: "到2025年，…企业达到1000家"."""

    period: str  # "到2025年", "2023年", "年均", or "" when the text gives none
    year: str  # "2025", "2023", or ""
    metric: str  # what is measured, as written: "全市高新技术企业"
    value: str  # "1000", "3—5", "7.9"
    unit: str  # "家", "%", "亿元", ...
    qualifier: str  # 以上/超过/左右/不低于/突破/下降至/达到 … ("" when none)
    span: Span  # the clause it was read from
    condition: str = ""  # whom or what a policy figure applies to: "对不裁员或少裁员的参保企业"


@dataclass(frozen=True)
class Deadline:
    """A dated item: "完成时限：4月底前，完成…" or inline "4月份开工"."""

    when: str  # as written: "4月底前", "12月份", "2023年年底前"
    due: str  # ISO date it resolves to within the plan's year ("2023-04-30"), "" if none
    item: str  # the clause that is due, as written
    span: Span  # of ``item``


@dataclass(frozen=True)
class Note:
    """One responsibility note of a measure whose tasks each carry their own
    ("…。（市场监管总局负责）加强…。（体育总局、教育部负责）")."""

    lead: tuple[str, ...]
    support: tuple[str, ...]
    span: Span  # the note, brackets included
    each_responsible: bool = False
    title: str = (
        ""  # a sub-item's first sentence ("加强制度政策集成创新，增强试点方案系统性"); "" = the measure's
    )


@dataclass(frozen=True)
class Measure:
    """One unit of the plan: a measure (title sentence + body + responsibility + follow-ups)."""

    doc_id: str
    index: int  # 0-based order in the document
    title: str  # e.g. "加强科技创新主体培育"
    title_span: Span
    span: Span  # the whole measure, source offsets
    heading_path: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    each_responsible: bool = False  # "分别负责": every listed unit leads its own part
    resp_span: Span | None = None  # the responsibility parenthetical, brackets included
    deadline_spans: tuple[Span, ...] = ()  # "完成时限：…" paragraphs
    targets: tuple[Target, ...] = ()
    # policy figures, stated without a year: caps, rates, amounts ("可申请最高不超过300万元的
    # 创业担保贷款", "可返还…的50%"), each with the condition it applies under
    terms: tuple[Target, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    notes: tuple[Note, ...] = ()  # every note, in order, when its tasks carry one each (two or more)


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of one document, never spanning two measures."""

    id: str
    doc_id: str
    text: str  # cleaned text (boilerplate removed), what is shown and searched
    start: int  # source offsets of the first and past-the-last character
    end: int
    kind: str = "measure"  # "measure" | "section" | "preamble"
    measure_index: int = -1  # index into the document's measures, -1 when none
    measure_title: str = ""
    heading_path: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    doc_title: str = ""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and per-retriever ranks (1-based, 0 = absent)."""

    chunk: Chunk
    score: float
    dense_rank: int = 0
    bm25_rank: int = 0
