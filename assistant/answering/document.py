"""Questions about a document itself — who issued it, its number (文号), its date, whom it
is addressed to — answered from what its text states, each fact cited where it stands;
and "which document says…" answers that name the document.

The particulars are read from the document's text (``index.metadata.doc_meta``: the
number line under the title, the signature and date lines, the title's "X关于…"); the
addressees are the salutation line above the body ("各省、自治区…：").
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from assistant.answering.evidence import subjectless
from assistant.answering.ledger import Ledger
from assistant.answering.listquestion import role_in
from assistant.answering.phrases import pattern, patterns
from assistant.answering.types import Answer, Citation, cite
from assistant.answering.wording import shift_markers
from index.metadata import FIELDS, HEAD_LINES, TAIL_LINES, DocMeta, date_of_line, decree_at, doc_meta
from index.plan_index import PlanIndex
from index.tokenize import normalize
from index.types import Hit

FACT_WORDS = patterns("document.fact_words")
_BARE_DATE = pattern("document.bare_date")
# the salutation: "各省、自治区…：", "科技部、新疆维吾尔自治区人民政府、新疆生产建设兵团：" — a line
# of bodies ending with a colon, above the body; or the people a reply answers ("王超斌委员：",
# "周桂英等代表：", "马万祺副主席："): who made the proposal it replies to
_ORGAN = r"(?:政府|部|委|局|厅|署|办|院|会|公司|兵团|机构|单位)"  # how a body's name ends
_ADDRESSEES = re.compile(
    rf"^(各[^：:\n]{{2,120}}|[^：:\n。，,]{{2,120}}(?:{_ORGAN}|委员|代表|主席)"
    # groups of bodies ("广东省人民政府，教育部、外交部、财政部、体育总局：")
    rf"(?:[，,][^：:\n。，,]{{2,120}}{_ORGAN})*)[：:]$"
)

DOCUMENT_WORDS = pattern("document.document_words")


def addressed_to(line: str) -> bool:
    """The line is a salutation: the bodies or people a document is addressed to."""
    return bool(_ADDRESSEES.match(line.strip()))


FIELD_NAMES = {
    "issuer": "发文机关",
    "number": "文号",
    "signer": "签署人",
    "date": "成文日期",
    "effective": "施行日期",
    "addressees": "主送",
    "issued": "印发文件",
    "attachments": "附件",
}
# the signature of a decree ("总理　　李克强"): the post, then the name
_SIGNED = re.compile(
    r"(?:国务院)?(?:总理|副总理|主席|部长|主任)[ \t\u3000]+[\u4e00-\u9fff]{1,2}[ \t\u3000]*[\u4e00-\u9fff]{1,3}"
)
# when the document takes effect: "本条例自2019年1月1日起施行", "本预案自印发之日起实施", or where it is
# published ("现公布修订后的《…》，自2019年3月1日起施行")
_FROM = r"(自[^。；，,\n]{2,20}?起(?:施行|实施|执行|生效|试行))"
_EFFECTIVE = re.compile(
    r"本[\u4e00-\u9fff]{0,6}?(?:条例|办法|规定|通知|意见|预案|决定|细则|方案|规则|措施|公告)[^。；，,\n]{0,10}?"
    + _FROM
    + r"|现(?:将|予)?[^。\n]{0,40}?公布[^。；\n]{0,40}?"
    + _FROM
)
# the line above the signature that names the attachments ("附件：1.…", "附件1.…", a bare "附件："
# over numbered lines), with the numbered lines that follow it ("2.…"); "附件所列企业…" is prose
_ATTACHED = re.compile(r"附\s*件\s*(?:[：:]\s*|(?=\d))(.*)")
_NUMBERED = re.compile(r"\d+\s*[.．、]\s*\S")

_DOCUMENT_KINDS = pattern("document.document_kinds")
_HOW_LONG = re.compile(r"多长|多久|几年|期限")
_KIND_LAST = re.compile(rf"(?:{_DOCUMENT_KINDS.pattern})[是的都又还从自\s]*$")


def describes_another(question: str, title: str) -> bool:
    """The question asks the particulars of a document of a kind this title is not ("海南省
    制定的那个急需进口药品管理办法哪天印发的？" of a 决定; "答复里说要起草的指导意见，这个意见哪年
    印发？" of an 答复): the kind named last before the particulars are asked."""
    q = normalize(question)
    asked_at = min(
        (m.start() for p in (*FACT_WORDS.values(), _BARE_DATE) for m in [p.search(q)] if m), default=len(q)
    )
    kinds = [m.group() for m in _DOCUMENT_KINDS.finditer(q) if m.end() <= asked_at]
    return bool(kinds) and kinds[-1] not in normalize(title)


@dataclass(frozen=True)
class Fact:
    field: str
    value: str  # as the text writes it
    start: int
    end: int


def asked_facts(question: str) -> tuple[str, ...]:
    """The particulars the question asks for, in the order they are answered."""
    asked: list[str] = []
    before = ""  # the question before the ask
    for q in re.split(r"[？?]", normalize(question)):  # each ask on its own
        here = [f for f, p in FACT_WORDS.items() if p.search(q)]
        effective = FACT_WORDS["effective"].search(q)
        if effective is not None and (
            not _of_a_document(before, q[: effective.start()]) or _HOW_LONG.search(q[effective.end() :])
        ):
            # "试点从哪天开始实施" asks of the pilot, "这个方案实施时间多长" how long it runs;
            # "这个条例哪天起施行", when the document takes effect
            here.remove("effective")
        if here and "date" not in here and any(_the_documents_date(c) for c in re.split(r"[，,；;]", q)):
            here.append("date")  # "文号多少，哪天？"; not "…谁印发的？试点到什么时候？"
        asked.extend(here)
        before += q + "？"
    return tuple(f for f in FIELD_NAMES if f in asked)


def _of_a_document(before: str, clause: str) -> bool:
    """The ask is of a document: its clause's words before the ask end with a kind of document
    ("这个条例哪天起施行"; not "方案里的试点哪天开始实施"), or, where they name nothing ("文号多少，从哪天
    起施行？"), the question before it names one."""
    said = re.split(r"[，,；;]", clause)[-1]
    if re.sub(r"[从自那它这该个是的都又还\s]", "", said):
        return bool(_KIND_LAST.search(said))
    return bool(_DOCUMENT_KINDS.search(before + clause))


def _the_documents_date(clause: str) -> bool:
    """A bare "哪天/日期" asked beside another particular ("文号和日期") or alone ("哪天？"), not
    of something else that happens ("什么时候开始施行")."""
    if not _BARE_DATE.search(clause):
        return False
    rest = re.sub(r"[的了是呢啊吗呀\s]", "", _BARE_DATE.sub("", clause))
    return not rest or any(p.search(clause) for f, p in FACT_WORDS.items() if f != "effective")


def _line_spans(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if body:
            a = pos + line.index(body)
            out.append((a, a + len(body)))
        pos += len(line)
    return out


def document_facts(index: PlanIndex, doc_id: str) -> dict[str, Fact]:
    """The document's particulars its text states, each with the span that states it."""
    text = index.source_text(doc_id)
    record = index.documents.get(doc_id, {})
    # as ingest recorded them (`planqa docs`), read again only for a record without them
    meta = (
        DocMeta(**{f: str(record[f]) for f in FIELDS})
        if all(f in record for f in FIELDS)
        else doc_meta(text, str(record.get("title", "")))
    )
    lines = _line_spans(text)
    facts: dict[str, Fact] = {}

    def own_line(value: str) -> tuple[int, int] | None:
        for a, b in lines:
            if text[a:b] == value:
                return a, b
        return None

    if meta.number:
        span = own_line(meta.number) or _first(text, meta.number)
        # a decree's heading ("中华人民共和国国务院令" over "第707号"), as ``doc_meta`` reads it
        at = decree_at([text[a:b] for a, b in lines[:HEAD_LINES]])
        if span:
            facts["number"] = Fact("number", meta.number, *span)
        elif at is not None:  # recorded "国令第707号"; said as the text writes it
            (a, b), (c, d) = lines[at], lines[at + 1]
            facts["number"] = Fact("number", text[a:b] + text[c:d], a, d)
        if at is not None:
            signed = next(((a, b) for a, b in lines[:8] if _SIGNED.fullmatch(text[a:b])), None)
            if signed is not None:
                facts["signer"] = Fact("signer", re.sub(r"\s+", "", text[signed[0] : signed[1]]), *signed)
    effective = list(_EFFECTIVE.finditer(text))
    if effective:  # the last: a decree's own article, after the line publishing it
        m = effective[-1]
        facts["effective"] = Fact("effective", m.group(1) or m.group(2), m.start(), m.end())
    if meta.date:  # the line that states it, the closing one first (as doc_meta reads it)
        dated = [(a, b) for a, b in lines if date_of_line(text[a:b]) == meta.date]
        tail = [ab for ab in dated if ab in lines[-TAIL_LINES:]]
        if dated:
            a, b = tail[-1] if tail else dated[0]
            facts["date"] = Fact("date", text[a:b], a, b)
    if meta.issuer:
        title_span = record.get("title_span") or [0, min(len(text), 200)]
        at = text.find(meta.issuer, title_span[0])
        span = (at, at + len(meta.issuer)) if at >= 0 else own_line(meta.issuer)
        if span:
            facts["issuer"] = Fact("issuer", meta.issuer, *span)
    to = _addressed(text)
    if to is not None:
        facts["addressees"] = Fact("addressees", to[2], to[0], to[0] + len(to[2]))
    issued = _issued(text)
    if issued is not None:
        facts["issued"] = issued
    attached = _attachments(text, lines)
    if attached is not None:
        facts["attachments"] = attached
    return facts


# the sentence a notice issues documents by ("现将《…》印发给你们", "《…》和《…》已经国务院同意，
# 现印发给你们"): the titles in it, not a short name it gives one ("（以下简称《方案》）")
_ISSUING = re.compile(r"[^。\n]*印发给你们[^。\n]*")
_ISSUED_TITLE = re.compile(r"(?<!简称)《([^》]{4,})》")


def _issued(text: str) -> Fact | None:
    """The documents a notice issues, as the sentence issuing them names them; "；" between."""
    m = _ISSUING.search(text)
    titles = [t.group(1) for t in _ISSUED_TITLE.finditer(m.group())] if m else []
    if m is None or not titles:
        return None
    start = m.start() + len(m.group()) - len(m.group().lstrip())
    return Fact("issued", "；".join(f"《{t}》" for t in titles), start, m.end())


def _attachments(text: str, lines: list[tuple[int, int]]) -> Fact | None:
    """The attachments the document names above its signature ("附件：1.…报告" and "2.…意见"
    on the next line): their titles, "；" between them."""
    for i, (a, b) in enumerate(lines):
        m = _ATTACHED.fullmatch(text[a:b])
        first = m.group(1).strip() if m else ""
        if m is None or (first and not re.search(r"[\u4e00-\u9fff]", first)):
            continue  # not the line; or "附件1", "附件2：", an attachment's own heading
        items, end = [first] if first else [], b
        for c, d in lines[i + 1 :]:
            if not _NUMBERED.match(text[c:d]):
                break
            items.append(text[c:d])
            end = d
        if items:
            return Fact("attachments", "；".join(items), a, end)
    return None


def _first(text: str, value: str) -> tuple[int, int] | None:
    at = text.find(value)
    return (at, at + len(value)) if at >= 0 else None


def facts_answer(
    index: PlanIndex, question: str, doc_id: str, fields: tuple[str, ...], hits: list[Hit]
) -> Answer | None:
    """ "《title》的发文机关为…[1]，文号为…[2]…"; None when the text does not state them all."""
    facts = document_facts(index, doc_id)
    if any(f not in facts for f in fields):
        return None
    title = index.doc_title(doc_id)
    cites: list[Citation] = []
    said = []
    for f in fields:
        fact = facts[f]
        cites.append(cite(index, len(cites) + 1, doc_id, title, fact.start, fact.end))
        several = fact.value.count("；") + 1 if f in ("attachments", "issued") else 1
        told = f"共{several}个：" if several > 1 else "为"  # "附件共2个：1.…；2.…"
        if f == "effective":  # "自2019年1月1日起施行" says itself
            said.append(f"{fact.value}[{len(cites)}]")
        else:
            said.append(f"{FIELD_NAMES[f]}{told}{fact.value}[{len(cites)}]")
    # "《…》自2019年1月1日起施行[1]"; "《…》的文号为…[1]，自…起施行[2]"
    text = f"《{title}》" + ("" if fields[0] == "effective" else "的") + "，".join(said) + "。"
    return Answer(question, text, False, tuple(cites), tuple(hits), "document", scope=doc_id)


def which_document(index: PlanIndex, doc_id: str, answer: Answer) -> Answer:
    """``answer`` (a quote of ``doc_id``) led by the name of the document it is from:
    "出自《title》（number）[1]：…", and the document it attaches the quote is in, if any
    ("…（国办发〔2018〕124号）[1]所附《进一步支持文化企业发展的规定》：…")."""
    facts = document_facts(index, doc_id)
    title = index.doc_title(doc_id)
    number = facts.get("number")
    at = answer.citations[0].start if answer.citations else -1
    # named when the title does not already say it ("…印发国家粮食应急预案的函")
    attached = [
        t for start, t in attached_titles(index.source_text(doc_id)) if start <= at and t not in title
    ]
    within = f"所附《{attached[-1]}》" if attached else ""
    if number is None:
        return replace(answer, text=f"出自《{title}》{within}：" + answer.text)
    lead = cite(index, 1, doc_id, title, number.start, number.end)
    cites = (lead, *(replace(c, n=c.n + 1) for c in answer.citations))
    text = f"出自《{title}》（{number.value}）[1]{within}：" + shift_markers(answer.text, 1)
    return replace(answer, text=text, citations=cites)


# the title of a document a notice attaches, set on lines of its own after the notice's date:
# no punctuation, ending with a kind of document ("进一步支持文化企业发展的规定")
_ATTACHED_KIND = re.compile(r"(?:规定|办法|方案|细则|条例|规则|预案|意见|纲要|指南|规划|计划|制度|标准)$")
_NOT_A_TITLE = re.compile(
    r"[，。；：:,;（）()、“”]|^(?:第[一二三四五六七八九十百\d]+[章节条]|[图表]\s*\d|附\s*件)"
)
ATTACHED_TITLE_MAX = 40  # characters a line of such a title holds at most


def attached_titles(text: str) -> list[tuple[int, str]]:
    """(where it starts, the title) of each document the text attaches after its date line,
    a title set on one line or two ("文化体制改革中经营性文化事业单位" / "转制为企业的规定")."""
    lines = _line_spans(text)
    dated = next((i for i, (a, b) in enumerate(lines) if date_of_line(text[a:b])), None)
    if dated is None:
        return []

    def plain(i: int) -> str:
        line = re.sub(r"\s+", "", text[lines[i][0] : lines[i][1]]) if i < len(lines) else ""
        return line if 0 < len(line) <= ATTACHED_TITLE_MAX and not _NOT_A_TITLE.search(line) else ""

    out: list[tuple[int, str]] = []
    i = dated + 1
    while i < len(lines):
        one, two = plain(i), plain(i + 1)
        for title, used in ((one, 1), (one + two if one and two else "", 2)):
            if len(title) >= 6 and _ATTACHED_KIND.search(title):
                out.append((lines[i][0], title))
                i += used
                break
        else:
            i += 1
    return out


def choose_among(index: PlanIndex, question: str, hits: list[Hit]) -> Answer:
    """A question about "this document" with several candidates: ask which."""
    docs = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:3] or sorted(index.documents)[:3]
    names = "；".join(f"《{index.doc_title(d)}》（{d}）" for d in docs)
    return Answer(
        question,
        f"已收录{len(index.documents)}份文件，请指明问的是哪一份（可在问题中写出文件名称，或用 --doc 指定），"
        f"例如：{names}。",
        False,
        (),
        tuple(hits),
        "clarify",
    )


def which_documents(ledger: Ledger, question: str, doc_ids: Collection[str] | None = None) -> Answer | None:
    """ "哪一份文件把国际发展合作署列为负责单位？": the documents whose notes list the
    department, each named with its number and cited to its measures' notes; None when
    the question names no department in a role."""
    q = normalize(question)
    found = ledger.departments.find_in(q)
    role = role_in(q)
    if not found or role is None:
        return None
    dept = found[0][0]
    tasks = [t for t in ledger.by_department(dept, role) if doc_ids is None or t.doc_id in doc_ids]
    if not tasks:
        return None
    index = ledger.index
    cites: list[Citation] = []
    parts = []
    for doc in dict.fromkeys(t.doc_id for t in tasks):
        number = document_facts(index, doc).get("number")
        title = index.doc_title(doc)
        name = f"《{title}》"
        if number is not None:
            cites.append(cite(index, len(cites) + 1, doc, title, number.start, number.end))
            name += f"（{number.value}）[{len(cites)}]"
        own = [t for t in tasks if t.doc_id == doc]
        items = []
        for t in own[:3]:
            assert t.measure.resp_span is not None  # a department only comes from a note
            span = t.measure.resp_span
            cites.append(cite(index, len(cites) + 1, doc, t.measure.title, span.start, span.end))
            items.append(f"“{t.measure.title}”[{len(cites)}]")
        parts.append(f"{name}，见{'、'.join(items)}" + (f"等{len(own)}项" if len(own) > len(items) else ""))
    head = f"列有{ledger.departments.display(dept)}的文件"
    return Answer(question, f"{head}：" + "；".join(parts) + "。", False, tuple(cites), (), "ledger")


# a body named as the doer of a clause ("国务院办公厅将于…组织…", "建议你省…"): its name, then
# what it is to do; a name may follow "由" / "请" ("请人力资源社会保障部研究…")
_BODY = r"[\u4e00-\u9fff]{1,12}?(?:人民政府|办公厅|办公室|总局|总社|总署|部|委员会|委|局|署|银行|办|社)"
_DOER_BODY = re.compile(
    rf"(?:^|(?<=[。；;：:\n，,]))(?:由|经|请|将由)?((?:{_BODY}(?:、|及|(?<=[部委局署厅])和))*{_BODY})"
    r"(?:等(?:有关)?(?:部门|单位))?(?:要|负责|牵头|会同|将|应当|应|统筹|组织|指导)"
)
_NOT_A_NAME = re.compile(r"^(?:我|该|本|其|各有关|有关|建立由|成员由)")
_NOT_IN_A_NAME = re.compile(r"[的已与了（）()]|会同")  # a clause caught, not a name


def bodies_named(text: str) -> set[str]:
    """The bodies a document names in its prose as doing something, and those it is
    addressed to: "国务院办公厅将于2020年4月底前组织…" → 国务院办公厅; a letter's "湖北省人民政府："."""
    names = {n for m in _DOER_BODY.finditer(text) for n in re.split(r"、|及|(?<=[部委局署厅])和", m.group(1))}
    to = _addressed(text)
    if to is not None and not to[2].startswith("各"):  # a letter to named bodies, not a circular
        names |= set(re.split(r"[、，,]", to[2]))
    return {n for n in names if len(n) >= 3 and not _NOT_A_NAME.match(n) and not _NOT_IN_A_NAME.search(n)}


# how a letter speaks to the body it is addressed to
_YOU = re.compile(r"你(?:省|市|区|县|州|部|委|局|厅|办|院|署|会|们|单位|公司|兵团)")


def _addressed(text: str) -> tuple[int, int, str] | None:
    """(start, end, bodies) of a document's salutation line ("湖北省人民政府："), among its
    first lines, if it has one."""
    for a, b in _line_spans(text)[:12]:
        m = _ADDRESSEES.match(text[a:b])
        if m:
            return a, b, m.group(1)
    return None


# a sentence of a document's own text: split where its sentences and clauses of tasks end
_SENTENCE = re.compile(r"[^。；;\n]+[。；;]?")
MAX_MENTIONS = 8


# where a document's attachments begin: a line of its own, "附件", "附件2", "附件1."
_ATTACHMENT_HEAD = re.compile(r"^[ \t\u3000]*附件[ \t\u3000]*\d*[ \t\u3000]*[.．:：]?[ \t\u3000]*$", re.M)


def _attachments_start(text: str) -> int:
    m = _ATTACHMENT_HEAD.search(text)
    return m.start() if m else len(text)


# what comes before a body that is the subject of its clause: the clause's start, a time
# ("2019年3月底前，", "3月底前国家卫生健康委完成…") or "由"
# ("由国家卫生健康委…": the name as the question says it may leave out "国家")
_CLAUSE_START = re.compile(r"(?:^|[，,：:；;。！!？?\s]|[前后起内时])(?:由)?(?:国家|国务院|中国)?$")
# what follows a body that is only named ("报送国家卫生健康委。", "国家卫生健康委《…》", "…的")
_NAMED_ONLY = re.compile(r"^(?:[。；;，,、》）)《\s]|的|$)")


def _acting(sentence: str, names: Collection[str]) -> bool:
    """The sentence has the body do something: it is the subject of a clause
    ("2019年3月底前，国家卫生健康委建立…"), not an object or an attribute ("纳入国家卫生健康委满意度
    调查平台", "按照国家卫生健康委…标准", "指标来源：国家卫生健康委。")."""
    for n in names:
        for m in re.finditer(re.escape(n), sentence):
            if _CLAUSE_START.search(sentence[: m.start()]) and not _NAMED_ONLY.match(sentence[m.end() :]):
                return True
    return False


# a ministry as laws and regulations name it, by what it administers: "国务院教育行政部门" (教育部),
# "国务院税务主管部门" (税务总局); in a list, "国务院人力资源社会保障行政部门、教育行政部门"
_MINISTRY = re.compile(r"^(?:国家)?(.{2,12}?)(?:总局|部|委|局|署)$")


def functional_names(names: Collection[str], text: str) -> list[str]:
    """``names`` and, where the document names the central ministry so, its functional name
    ("教育部" → "教育行政部门" of a text that says "国务院教育行政部门"; "国家卫生健康委" →
    "卫生健康部门" of one that says "各级卫生健康部门", every level's, the ministry's too)."""
    more = []
    for n in names:
        m = _MINISTRY.match(n)
        if m is None:
            continue
        for kind in ("行政部门", "主管部门", "部门"):
            if re.search(f"(?:国务院|各级){m.group(1)}{kind}", text) or re.search(
                f"(?:国务院|各级)[^，。；]{{0,20}}、{m.group(1)}{kind}", text
            ):
                more.append(m.group(1) + kind)
    return sorted({*names, *more}, key=len, reverse=True)


def department_mentions(
    index: PlanIndex,
    question: str,
    label: str,
    names: Collection[str],
    doc_ids: Collection[str] | None,
    listed: bool = False,
) -> Answer | None:
    """ "交通部要做哪些事？" of a document whose departments are named in its prose, not in
    responsibility notes (a 复函: "交通部要加强…"): the sentences naming the department,
    each cited, in the document's order; None when none does, or when they are spread over
    more documents than an answer can list. ``listed``: notes do name it (in prose, "X会同Y
    研究提出了办理意见"), so the answer does not say none does, and when it names the department
    more often than an answer lists, the notes' list answers (None)."""
    names = sorted({n for n in (label, *names) if len(n) >= 2}, key=len, reverse=True)
    docs = sorted(doc_ids) if doc_ids is not None else sorted(index.documents)
    found: list[tuple[str, int, int]] = []
    known_in: dict[str, list[str]] = {}  # the names each document may write it by
    for doc in docs:
        text = index.source_text(doc)
        known = known_in[doc] = functional_names(names, text)
        if not any(n in text for n in known):
            continue
        to = _addressed(text)
        title = index.doc_title(doc)
        # a letter to the department calls it "你省" / "你部": those sentences are its too
        you = to is not None and any(n in to[2] for n in known)
        sents = list(_SENTENCE.finditer(text))
        for i, m in enumerate(sents):
            said = m.group(0)
            if (
                (to is not None and m.start() < to[1] and to[0] < m.end())
                or said.lstrip().startswith("附件")
                or said.strip() in title
            ):
                continue  # the salutation, an attachment's title, a line of its own: not what it does
            if (any(n in said for n in known) or (you and _YOU.search(said))) and len(said.strip()) > 8:
                start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                end = m.end()
                # "司法部负责…。要及时跟踪…": what follows without a subject of its own is
                # the department's too, up to the paragraph's end
                heads = m.group(0).lstrip()[:12]
                for n in sents[i + 1 :] if any(name in heads for name in known) else ():
                    if "\n" in text[end : n.start()] or not subjectless(n.group(0)):
                        break
                    end = n.end()
                found.append((doc, start, end))
    named, kept = len(found), ""
    if len(found) > MAX_MENTIONS and not listed:
        # named more often than an answer lists: what its body says of it (not its attachments'
        # tables, "指标来源：国家卫生健康委"), and where that is still too much, what it does
        found, kept = [f for f in found if f[1] < _attachments_start(index.source_text(f[0]))], "正文中"
        if len(found) > MAX_MENTIONS:
            found, kept = (
                [(d, a, b) for d, a, b in found if _acting(index.source_text(d)[a:b], known_in[d])],
                f"其中写明{label}要做的",
            )
    if not found or len(found) > MAX_MENTIONS or (len({d for d, _, _ in found}) > 1 and doc_ids is None):
        return None
    cites = [cite(index, i, d, index.doc_title(d), a, b) for i, (d, a, b) in enumerate(found, 1)]
    items = "；".join(f"{c.n}.{c.quote.rstrip('。；;')}[{c.n}]" for c in cites)
    said = "" if listed else f"文中没有写明{label}牵头或配合的措施；"
    some = f"{named}处，{kept}有{len(cites)}处" if kept else f"{len(cites)}处"
    text = f"{said}文中提到{label}的有{some}：{items}。"
    return Answer(question, text, False, tuple(cites), (), "ledger")
