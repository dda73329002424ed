"""The task ledger (任务台账): every measure's departments, targets and deadlines,
queried exactly — "市财政局配合了哪些工作？", "4月底前要完成什么？", "发改委牵头几项？".

List questions cannot be answered by retrieving a top-k; they are answered here from
the parsed measures, completely, each item cited to its responsibility note or its
deadline clause. ``route`` decides whether a question is a ledger question; anything
else goes to retrieval. Exports live in ``assistant.answering.export``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from assistant.answering.listquestion import MONTH, Query, asked_role, due_window, find_body
from assistant.answering.phrases import pattern
from assistant.answering.types import Answer, Citation, cite
from index.departments import Departments
from index.plan_index import PlanIndex
from index.responsibility import FIRST_LEADS
from index.tokenize import normalize, word_bounds
from index.types import Deadline, Measure, Span

ROLES = ("lead", "support", "any", "responsible")
_ROLE_WORDS = pattern("ledger.role_words")

_LIST_MEASURES = pattern("ledger.list_measures")
_ASKS_DOING = pattern("ledger.asks_doing")
_NO_SUPPORT = pattern("ledger.no_support")
_ASKS_DEPARTMENTS = pattern("ledger.asks_departments")
_LIST_ANY = pattern("ledger.list_any")
_HAS_DEADLINE_PARA = pattern("ledger.has_deadline_para")
_IDENTIFIED = pattern("ledger.identified")


def lists_measures(q: str) -> bool:
    """``q`` asks for measures ("哪些工作", "几项"), in words of its own: a match that ends
    inside a word is part of another ("几个工作日内" counts days, not 工作)."""
    ends = word_bounds(q)
    return any(m.end() in ends for m in _LIST_MEASURES.finditer(q))


MAX_SAID = 160  # characters of a task's own words quoted in a department's list, at the least
# … and in the whole list: a list of few items says each at more length, up to its whole body (one
# measure led: "…开展德州机场规划研究前期工作"). Fitted on the dev splits (``evals/list_said.py``)
LIST_SAID = 1500
_LEADING = "。；;，,、 \t\n\r\u3000"
_CLAUSE = re.compile(r"[^。；;\n]+[。；;]?")  # a sentence, or a clause of tasks


def _task_key(t: Task) -> tuple[str, int, str]:
    """The measure of a document a task is of (its other tasks share it)."""
    return (t.doc_id, t.measure.index, t.measure.title)


# departments named together ("人行和银保监分局", "发改委、财政局")
_JOINED = re.compile(r"[和、与及]|以及")


@dataclass(frozen=True)
class Task:
    """One ledger row: a measure of a document, departments in canonical form."""

    doc_id: str
    doc_title: str
    measure: Measure
    lead: tuple[str, ...]
    support: tuple[str, ...]
    # a task of a measure whose tasks carry a note each: its own words, up to its note
    # ("大力推进商事制度改革，营造良好的体育竞赛表演产业准入环境。"); None for a whole measure
    part: Span | None = None

    def role_of(self, dept: str) -> str:
        return "lead" if dept in self.lead else "support" if dept in self.support else ""


class Ledger:
    def __init__(self, index: PlanIndex) -> None:
        self.index = index
        measures = index.all_measures()
        texts = [index.source_text(d) for d in index.documents]
        self.departments = Departments(
            # every note's departments: a measure split by notes names more than its first
            (
                n
                for m in measures
                for n in (*m.lead, *m.support, *(x for k in m.notes for x in (*k.lead, *k.support)))
            ),
            lambda w: any(w in t for t in texts),
        )
        canon = self.departments.canonical_of
        # a measure whose tasks carry a note each ("…。（市场监管总局负责）加强…") is a row a note
        self.tasks = [
            Task(
                m.doc_id,
                index.doc_title(m.doc_id),
                part,
                tuple(dict.fromkeys(canon(n) for n in part.lead)),
                tuple(dict.fromkeys(canon(n) for n in part.support)),
                own,
            )
            for m in measures
            for part, own in _parts(m)
        ]
        self._many_docs = len({t.doc_id for t in self.tasks}) > 1
        self._roles_in_words: dict[int, bool] = {}
        self._order_docs: dict[str, bool] = {}

    def roles_in_words(self, t: Task) -> bool:
        """The task's note names roles in words ("牵头单位：…；配合单位：…"): there "负责" means
        leading; in a note like "（X、Y负责）" (the first listed leading) every department
        it lists is responsible."""
        known = self._roles_in_words.get(id(t))
        if known is None:
            span = t.measure.resp_span
            note = span.slice(self.index.source_text(t.doc_id)) if span is not None else ""
            known = self._roles_in_words[id(t)] = bool(_ROLE_WORDS.search(FIRST_LEADS.sub("", note)))
        return known

    # -- selections -------------------------------------------------------------

    def by_department(self, dept: str, role: str = "any") -> list[Task]:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        out, seen = [], set()
        for t in self.tasks:  # a task once, at its first note naming the department
            key = _task_key(t)
            if t.role_of(dept) and self._has_role(t, dept, role) and key not in seen:
                seen.add(key)
                out.append(t)
        return out

    def _has_role(self, t: Task, dept: str, role: str) -> bool:
        if role == "responsible":  # "负责": leading where roles are words, listed anywhere elsewhere
            return t.role_of(dept) == "lead" or not self.roles_in_words(t)
        return role == "any" or t.role_of(dept) == role

    def due_between(self, first: str = "", last: str = "") -> list[tuple[Task, Deadline]]:
        """Deadline items with ``first <= due <= last``: ISO dates, or "MM-DD" to
        compare within each plan's own year; empty = open."""

        def key(due: str, bound: str) -> str:
            return due[5:] if len(bound) == 5 else due

        return [
            (t, d)
            for t in self._measures()
            for d in t.measure.deadlines
            if d.due and (not first or key(d.due, first) >= first) and (not last or key(d.due, last) <= last)
        ]

    def with_deadline_paragraphs(self) -> list[Task]:
        return [t for t in self._measures() if t.measure.deadline_spans]

    def _measures(self) -> list[Task]:
        """One task a measure (its first note's): what is due is the measure's, not a note's."""
        seen: set[tuple[str, int]] = set()
        out = []
        for t in self.tasks:
            if (t.doc_id, t.measure.index) not in seen:
                seen.add((t.doc_id, t.measure.index))
                out.append(t)
        return out

    # -- questions --------------------------------------------------------------

    def named_in(self, dept: str, doc_ids: Collection[str] | None) -> str:
        """``dept`` as the documents asked of name it: "卫生健康委" is "国家卫生健康委" in a
        document that only writes the latter (the same body, another level's prefix)."""
        if doc_ids is None or any(t.doc_id in doc_ids for t in self.by_department(dept)):
            return dept
        longer = [
            c
            for c in self.departments.canonical
            if c != dept
            and (c.endswith(dept) or dept.endswith(c))
            and any(t.doc_id in doc_ids for t in self.by_department(c))
        ]
        return longer[0] if len(longer) == 1 else dept

    def route(
        self,
        question: str,
        today: dt.date | None = None,
        topical: Callable[[str], bool] | None = None,
        doc_ids: Collection[str] | None = None,
        bodies: Collection[str] | None = None,
    ) -> Query | None:
        """A ledger query when the question asks for a list of measures by department
        or by deadline; None for everything else.

        ``topical(rest)``: whether what is left of the question once its department is
        taken out still names something the documents speak of. A question that names a
        department and nothing else ("卫健委都涉及哪些事？", "科技局今年要干什么？") can only be
        about that department's measures, however it is phrased. ``bodies``: the bodies the
        documents asked of name in their prose, for a question naming no department of a
        note (the query's ``label`` then says how it named one)."""
        q = normalize(question)
        if _NO_SUPPORT.search(q) and re.search(r"哪些|哪几|几项|多少项", q):
            return Query("no_support")
        found = self.departments.find_in(q)
        asks_departments = bool(_ASKS_DEPARTMENTS.search(q))
        if found and not asks_departments:
            rest = "".join(ch for i, ch in enumerate(q) if not any(a <= i < b for _, a, b in found))
            if lists_measures(q) or (topical is not None and not topical(rest)):
                dept = self.named_in(found[0][0], doc_ids)
                # asked across documents of one thing the department does ("发改委在膜分离技术
                # 这块打算干哪些事？"): not every measure of every document naming it, when more
                # than one does — the passages about that thing answer
                if (
                    doc_ids is None
                    and topical is not None
                    and topical(_LIST_MEASURES.sub("", rest))
                    and len({t.doc_id for t in self.by_department(dept, "any")}) > 1
                ):
                    return None
                return Query("department", dept=dept, role=asked_role(q))
        body = None
        # a body the documents name in their sentences ("国务院办公厅将于…组织…"), asked what it
        # is to do (in the question's words besides its name; asked at all, before the
        # documents' text is read)
        if not found and bodies is not None and not asks_departments and _ASKS_DOING.search(q):
            body = find_body(q, bodies, normalize("".join(self.index.source_text(d) for d in doc_ids or ())))
            if body is not None and not _ASKS_DOING.search(q[: body[1]] + "，" + q[body[2] :]):
                body = None
        if body is not None:
            canon = self.departments.canonical_of(body[0])
            if canon in self.departments.canonical:  # a department of notes, named so ("供销社")
                return Query("department", dept=self.named_in(canon, doc_ids), role=asked_role(q))
            return Query("department", dept=body[0], role=asked_role(q), label=q[body[1] : body[2]])
        if _HAS_DEADLINE_PARA.search(q) and lists_measures(q) and "措施" in q and not MONTH.search(q):
            return Query("has_deadlines")
        window = due_window(q, today)
        if window and (_LIST_ANY.search(q) or lists_measures(q)):
            return Query("due", first=window[0], last=window[1], when=window[2])
        return None

    def identify(
        self, question: str, doc_ids: Collection[str] | None = None
    ) -> tuple[list[Task], str] | None:
        """A measure named by what a department does in it, and the rest of the question:
        "城管局一起牵头的那项工作，今年供水管网要新建改造多少公里？" → (the measures 市城管局
        leads, "今年供水管网要新建改造多少公里？"); None when the question names none so.
        ``doc_ids``: of those documents' measures only."""
        q = normalize(question)
        found = self.departments.find_in(q)
        for i, (dept, _, end) in enumerate(found):
            m = _IDENTIFIED.match(q, end)
            if not m:
                continue
            role = asked_role(m.group("role"))
            tasks = [t for t in self.by_department(dept, role) if doc_ids is None or t.doc_id in doc_ids]
            # "人行德州中支和银保监分局配合的那个措施": the measure those named together share
            j = i
            while j > 0 and _JOINED.fullmatch(q[found[j - 1][2] : found[j][1]]):
                j -= 1
                keys = {_task_key(t) for t in self.by_department(found[j][0], role)}
                tasks = [t for t in tasks if _task_key(t) in keys]
            rest = q[m.end() :].lstrip("，,、：: 里中")
            if 1 <= len(tasks) <= 3 and len(rest) >= 4:
                return tasks, rest
        return None

    def answer(self, question: str, query: Query, doc_ids: Collection[str] | None = None) -> Answer:
        """The full list ``query`` selects (of those documents' measures when ``doc_ids``)."""
        if query.kind == "department":
            answer = self._answer_department(question, query, doc_ids)
        elif query.kind == "has_deadlines":
            answer = self._answer_has_deadlines(question, doc_ids)
        elif query.kind == "no_support":
            answer = self._answer_no_support(question, doc_ids)
        else:
            answer = self._answer_due(question, query, doc_ids)
        return answer

    def _answer_department(self, question: str, query: Query, doc_ids: Collection[str] | None) -> Answer:
        role = {
            "lead": "牵头（含共同牵头、分别负责）",
            "support": "作为配合单位参与",
            "any": "牵头或配合",
            "responsible": "负责（含牵头和参与）",
        }[query.role]
        tasks = [
            t for t in self.by_department(query.dept, query.role) if doc_ids is None or t.doc_id in doc_ids
        ]
        # where roles are words, "负责" is leading; where a note only lists, it is any part
        both = query.role == "any" or (
            query.role == "responsible" and any(t.role_of(query.dept) != "lead" for t in tasks)
        )
        if query.role == "responsible" and not both:
            role = "牵头（含共同牵头、分别负责）"
        rows = []
        by_order = []  # the documents of the rows whose part is told by the notes' order
        room = max(MAX_SAID, LIST_SAID // max(len(tasks), 1))
        for t in tasks:
            assert t.measure.resp_span is not None  # a department only comes from a note
            lead = t.role_of(query.dept) == "lead"
            mark = "配合" if self.roles_in_words(t) else "参与"
            if lead:  # a plain list ("负责部门：A、B") with no order convention: each is responsible
                mark = "牵头" if self.roles_in_words(t) or self._orders(t.doc_id) else "负责"
            span, said = self._said(t, query.dept, room)
            rows.append((t, span, (f"（{mark}）" if both else "") + (f"：{said}" if said else "")))
            if both and mark == "参与":
                by_order.append(t.doc_id)
        heading = f"{self.departments.display(query.dept)}{role}的措施"
        answer = self._listing(question, heading, rows, f"文中未提及{query.dept}{role}的措施。", doc_ids)
        return self._with_convention(answer, by_order) if by_order else answer

    def _said(self, t: Task, dept: str, room: int) -> tuple[Span, str]:
        """The span a department's item is cited to, and what the item says the department
        is to do: a task of a measure split by notes is its own words; in a whole measure,
        the sentences of its body naming the department ("鼓励供销合作社、邮政…整合产地物流
        设施资源"), if any, else its body from the start, whether it leads (alone, first, or
        beside others: "市发展改革委、市商务局牵头负责") or supports (the note alone names it:
        "增强医疗卫生服务能力" → "支持发展“互联网+医疗服务”,加强智慧医院建设,…"). At most
        ``room`` characters, cut where a clause ends; the span runs on to the note."""
        note = t.measure.resp_span
        assert note is not None  # a department only comes from a note
        text = self.index.source_text(t.doc_id)
        if t.part is not None:
            start = _past_leading(text, t.part.start, t.part.end)
            said = [text[start : t.part.end]]
        else:
            forms = self.departments.forms(dept)
            body = range(t.measure.title_span.end, note.start)
            named = (
                [
                    m
                    for m in _CLAUSE.finditer(text, body.start, body.stop)
                    if any(f in m.group(0) for f in forms)
                ]
                if body and forms
                else []
            )
            if named:
                start, said = named[0].start(), [m.group(0) for m in named]
            else:
                # only its note names it: the body is what it leads or supports (a measure
                # supported, told by its title alone, hid what the department supports: "推进
                # 营商环境改革先行先试（配合）" of 市大数据局, whose body is its "一网通办")
                start = _past_leading(text, body.start, body.stop)
                said = [text[start : body.stop]]
            if not said[0].strip(_LEADING):
                return note, ""
        words = "……".join(re.sub(r"\s+", "", s).rstrip("。；;，,") for s in said)
        if len(words) > room:
            cut = max(words.rfind(p, 0, room) for p in "，；。,;")
            words = words[: cut if cut > 0 else room] + "……"
        return Span(start, note.end), words

    def _orders(self, doc_id: str) -> bool:
        """The document states that the first department a note lists leads."""
        known = self._order_docs.get(doc_id)
        if known is None:
            known = self._order_docs[doc_id] = bool(FIRST_LEADS.search(self.index.source_text(doc_id)))
        return known

    def _with_convention(self, answer: Answer, docs: list[str]) -> Answer:
        """A list marking "（参与）" by the order of a note's departments says where the
        document states that order: "（文中：“列第一位者为牵头单位”[n]）"."""
        doc = next(iter(dict.fromkeys(docs)), None)
        if doc is None or len(set(docs)) > 1:
            return answer
        m = FIRST_LEADS.search(self.index.source_text(doc))
        if m is None:
            return answer
        rule = cite(self.index, len(answer.citations) + 1, doc, self.index.doc_title(doc), m.start(), m.end())
        text = answer.text.rstrip("。") + f"（牵头、参与依文中“{rule.quote}”[{rule.n}]）。"
        return replace(answer, text=text, citations=(*answer.citations, rule))

    def _answer_due(self, question: str, query: Query, doc_ids: Collection[str] | None) -> Answer:
        rows = [
            (t, d.span, "：" + d.item.rstrip("。；;，,"))
            for t, d in self.due_between(query.first, query.last)
        ]
        return self._listing(
            question, f"{query.when}到期的事项", rows, f"文中未提及{query.when}到期的事项。", doc_ids
        )

    def _answer_no_support(self, question: str, doc_ids: Collection[str] | None) -> Answer:
        rows = [
            (t, t.measure.resp_span, "")
            for t in self.tasks
            if t.measure.resp_span is not None and not t.support
        ]
        return self._listing(question, "未列配合单位的措施", rows, "文中各项措施都列有配合单位。", doc_ids)

    def _answer_has_deadlines(self, question: str, doc_ids: Collection[str] | None) -> Answer:
        rows = [(t, t.measure.deadline_spans[0], "") for t in self.with_deadline_paragraphs()]
        return self._listing(
            question, "单独列出“完成时限”的措施", rows, "文中未提及单独列出完成时限的措施。", doc_ids
        )

    def _listing(
        self,
        question: str,
        heading: str,
        rows: list[tuple[Task, Span, str]],
        empty: str,
        doc_ids: Collection[str] | None = None,
    ) -> Answer:
        """ "{heading}共N项：1.“措施”{detail}[1]；…", each item cited to its span; ``empty``
        (a refusal) when there are none. Only the rows of ``doc_ids`` when given."""
        if doc_ids is not None:
            rows = [r for r in rows if r[0].doc_id in doc_ids]
        if not rows:
            return Answer(question, empty, True, (), (), "ledger")
        cites: list[Citation] = []
        items = []
        one_doc = doc_ids is not None and len({r[0].doc_id for r in rows}) == 1
        for t, span, detail in rows:
            cites.append(cite(self.index, len(cites) + 1, t.doc_id, t.measure.title, span.start, span.end))
            items.append(f"{len(cites)}.{self._name(t, one_doc)}{detail}[{cites[-1].n}]")
        text = f"{heading}共{len(rows)}项：" + "；".join(items) + "。"
        return Answer(question, text, False, tuple(cites), (), "ledger")

    def _name(self, t: Task, one_doc: bool = False) -> str:
        return (
            f"《{t.doc_title}》“{t.measure.title}”"
            if self._many_docs and not one_doc
            else f"“{t.measure.title}”"
        )


def _past_leading(text: str, start: int, end: int) -> int:
    """Where the words of ``text[start:end]`` begin, past punctuation and spaces."""
    while start < end and text[start] in _LEADING:
        start += 1
    return start


def task_of(m: Measure, start: int) -> Measure:
    """The ledger row of ``m`` that the text from ``start`` belongs to: the task whose own
    words or note it is in ("…赛事制播分离…。（广电总局、版权局、司法部、体育总局负责）" — not the
    measure's first note), or ``m`` itself when its tasks carry no note each or the text
    follows the last note."""
    for part, _ in _parts(m):
        if part.resp_span is not None and start < part.resp_span.end:
            return part
    return m


def _parts(m: Measure) -> list[tuple[Measure, Span | None]]:
    """A measure as ledger rows: itself, or — its tasks carrying a note each — one row a
    note, with the span of that task's own words (from the note before it, or the title)."""
    if not m.notes:
        return [(m, None)]
    return [
        (
            replace(
                m,
                title=n.title or m.title,
                lead=n.lead,
                support=n.support,
                each_responsible=n.each_responsible,
                resp_span=n.span,
            ),
            Span(m.notes[k - 1].span.end if k else m.title_span.end, n.span.start),
        )
        for k, n in enumerate(m.notes)
    ]
