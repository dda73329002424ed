"""What a question asks for: responsibility, a target figure, a deadline, or general.

Also extracts the question's *content* (what it is about, with question words and
role words removed) as weighted matching keys, and any quoted phrases. Pure
functions on strings; no retrieval, no index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.fitted import load_document_sort, load_intent
from assistant.answering.phrases import pattern, table, words
from index.departments import ORG_SUFFIX
from index.tokenize import get_jieba, normalize, tokenize

_SUPPORT = pattern("intent.support")
_LEAD = pattern("intent.lead")
_DEADLINE = pattern("intent.deadline")
_TARGET = pattern("intent.target")


def _words(*patterns: re.Pattern[str]) -> frozenset[str]:
    """The plain words among the alternatives of patterns ("牵头|谁负责|…")."""
    return frozenset(
        w for p in patterns for w in re.split(r"[|()?]", p.pattern) if re.fullmatch(r"[\u4e00-\u9fff]+", w)
    )


# the words questions are recognised by (a typo of one is corrected to it: "牵投" → 牵头)
QUESTION_WORDS = _words(_SUPPORT, _LEAD, _DEADLINE, _TARGET)

_NOISE = sorted(words("intent.noise"), key=len, reverse=True)
_NOISE_CHARS = frozenset(w for w in _NOISE if len(w) == 1)
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,40})[”\"」』]")
_YEAR = re.compile(r"(20\d\d)年?")
_DOCUMENTS_YEAR = pattern("intent.documents_year")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)[%％]?[个家项座所名张条件批次亿万千百元公里亩倍级]*")


@dataclass(frozen=True)
class Intent:
    kind: str  # "responsibility" | "deadline" | "target" | "general"
    wants_lead: bool
    wants_support: bool
    years: tuple[str, ...]  # years the question names ("今年" counts as the plan year, resolved later)
    this_year: bool  # "今年/当年/年内"
    wants_day: bool  # asks for a calendar date ("哪天印发")
    long_term: bool  # the plan's whole period ("三年内", "总目标", "累计")
    quoted: tuple[str, ...]
    keys: tuple[str, ...]  # content words (jieba), question/role words removed
    nouns: tuple[str, ...] = ()  # the nouns among them: what the question is about
    months: tuple[str, ...] = ()  # months the question names ("6月底前", "年中" said as 6月底)


# a document number (发文字号): "鲁政字〔2023〕18号" names a document; its digits are no figure
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[(（【]\d{4}[〕\])）】]\s*\d+\s*号")


def detect_intent(question: str, learned: bool = True) -> Intent:
    """What a question asks, by the word lists; where they find nothing, by the fitted
    intent model (``learned``)."""
    q = DOC_NUMBER.sub("文件", normalize(question))
    support = bool(_SUPPORT.search(q))
    lead = bool(_LEAD.search(q))
    if support or lead:
        kind = "responsibility"
    elif _DEADLINE.search(q):
        kind = "deadline"
    elif _TARGET.search(q) or re.search(r"\d", q):
        kind = "target"
    else:
        # no word of the lists: the fitted model reads the question ("…除了最高法还有谁一起指导？")
        kind = learned_kind(q) if learned else "general"
    # "2004年的国务院工作规则里…": a year that names the document asks for no year's figure
    years = tuple(dict.fromkeys(_YEAR.findall(_DOCUMENTS_YEAR.sub(" ", q))))
    return Intent(
        kind=kind,
        wants_lead=lead or not support,
        wants_support=support,
        years=years,
        this_year=bool(re.search(r"今年|当年|年内|本年", q)),
        wants_day=bool(re.search(r"哪天|哪一天|何日|日期|几号|几月几日", q))
        and not re.search(r"之前|以前|时限|完成", q),  # "哪天之前完成" asks for a deadline
        long_term=bool(re.search(r"三年|总目标|累计|行动期|期末|最终", q)),
        quoted=quoted_phrases(question),
        keys=content_keys(question),
        nouns=content_nouns(question),
        months=months_in(q),
    )


_MONTH = re.compile(r"(?<![\d.])(\d{1,2})\s*月")


@lru_cache(maxsize=4096)
def learned_kind(q: str) -> str:
    """What the fitted intent model (``assistant.answering.fitted.IntentModel``) says a question asks,
    when it is sure enough; "general" otherwise, or when none is fitted."""
    model = load_intent()
    if model is None:
        return "general"
    probs = model.probs(q)
    kind = max(probs, key=lambda k: probs[k])
    return kind if probs[kind] >= model.threshold else "general"


def months_in(text: str) -> tuple[str, ...]:
    """The months a text names ("6月底前" → 6; "年底" is December's end), each once."""
    months = [str(int(m)) for m in _MONTH.findall(text) if 1 <= int(m) <= 12]
    return tuple(dict.fromkeys(months + (["12"] if re.search(r"年底|年末", text) else [])))


def _content(text: str) -> str:
    """The question with years, question/role words removed and numbers (with their
    classifier, "10家") set apart, so jieba does not glue a classifier to the next word."""
    q = normalize(text)
    q = _YEAR.sub(" ", q)
    q = _NUMBER.sub(lambda m: f" {m.group(1)} ", q)
    return _strip_noise(q)


def _strip_noise(q: str) -> str:
    """Remove question/role words: phrases as substrings, single characters only
    where jieba finds them as words (so 能 goes from 能否 but stays in 能力)."""
    for w in _NOISE:
        if len(w) > 1:
            q = q.replace(w, " ")
    jieba = get_jieba()
    out = []
    for tok in jieba.lcut(q):
        if not jieba.dt.FREQ.get(tok):  # a guessed word ("要修"): trim noise at its edges
            tok = tok.strip("".join(_NOISE_CHARS))
        if tok.strip() and tok not in _NOISE_CHARS:
            out.append(tok)
    return " ".join(out)


_COLLOQUIAL = table("intent.colloquial")


# a year written with two digits ("到25年", "98年要招多少", "，25年的目标") — only where it is
# marked as a point in time: at a clause's start, after a clause-opening "到 / 截至…", before a
# year's part ("23年底"), or after "到 / 至 / 截至 / 于" with no range before it and not a
# round period ("延长到10年", "5至10年", "不超过10年", "25年内", "满15年" stay periods)
_TWO_DIGITS = re.compile(r"(?<![\d.])(\d{2})(?=\s*年)")
_CLAUSE_START = re.compile(r"(?:^|[，,。？?；;：:！!\s])(?:到|至|截至|截止|在|于|从|自)?$")
_YEAR_PART = re.compile(r"\s*年(?:底|初|末|度|上半年|下半年|\d{1,2}月)")
_AFTER_TO = re.compile(r"(?<![\d.～~\-—至到])(?:到|至|截至|截止|于)$")
_A_PERIOD = re.compile(r"\s*年(?:内|以内|之内|以上|以下|左右|多|来|间|期|后|一遇|的时间)")
_ROUND_PERIODS = frozenset({10, 15, 20, 30, 40, 50, 60, 70})
# unmarked, a two-digit number of these years' is a year ("技术合同成交额25年要到多少", "跨境电商企业24年
# 要新增多少家"), unless a length of time is counted ("满25年", "连续18年", "第24年", "租期25年",
# "工龄25年", "5至25年", "21-25年")
_RECENT = range(18, 36)
_COUNTED = re.compile(
    r"(?:满|近|约|达|超过|连续|历时|长达|共|每|第|已|了|期|限|龄|最长|最短|为|持续|累计|都|\d\s*[～~\-—至到])\s*$"
)


def _full_years(question: str) -> str:
    def year(m: re.Match[str]) -> str:
        n = int(m.group(1))
        before, after = question[: m.start()], question[m.end() :]
        marked = (
            bool(_CLAUSE_START.search(before))
            or bool(_YEAR_PART.match(after))
            or (bool(_AFTER_TO.search(before)) and n not in _ROUND_PERIODS)
            or (n in _RECENT and n not in _ROUND_PERIODS and not _COUNTED.search(before))
        )
        if not marked or _A_PERIOD.match(after) or 50 <= n < 80:
            return m.group(0)
        return f"{2000 + n if n < 50 else 1900 + n}"

    return _TWO_DIGITS.sub(year, question)


def standard_form(question: str) -> str:
    """The question with colloquial interrogatives in their standard form ("有啥要完成的" →
    "有什么要完成的") and years in four digits ("到25年" → 到2025年); what it asks is
    recognised from this form."""
    for a, b in _COLLOQUIAL.items():
        question = question.replace(a, b)
    return _full_years(question)


def retrieval_query(question: str) -> str:
    """What to search for: the question without its question and role words
    (every measure has a 牵头单位; "谁牵头" says nothing about which one), keeping
    years and figures. Falls back to the question when nothing else is left."""
    q = _strip_noise(normalize(question).replace("今年", " 今年 ").replace("当年", " 当年 "))
    q = re.sub(r"[\s，,。？?！!；;：:、“”\"（）()]+", " ", q).strip()
    return q if len(q.replace(" ", "")) >= 2 else question


# jieba part-of-speech tags of function words: adverbs, numerals, classifiers,
# pronouns, prepositions, particles, conjunctions, modal/interjection, direction, place (省里);
# not time ("t"): it tags holidays too (春节, 元旦, 节假日), which are what a question is about
_FUNCTION_TAGS = ("d", "m", "q", "r", "p", "u", "c", "y", "e", "o", "f", "z", "s")


def content_nouns(text: str) -> tuple[str, ...]:
    """Content words of two characters or more (numbers aside): what the question is about."""
    return tuple(k for k in content_keys(text) if len(k) >= 2 and not k.isdigit())


def _is_function_word(word: str) -> bool:
    get_jieba()
    import jieba.posseg

    tags = [flag for _, flag in jieba.posseg.lcut(word)]
    return bool(tags) and all(t.startswith(_FUNCTION_TAGS) for t in tags)


@lru_cache(maxsize=4096)
def is_thing(word: str) -> bool:
    """jieba tags the word as a noun (森林覆盖率, 生产总值), not as a doing (看病, 养老)."""
    get_jieba()
    import jieba.posseg

    tags = [flag for _, flag in jieba.posseg.lcut(word)]
    return bool(tags) and tags[-1].startswith("n")


def content_keys(text: str) -> tuple[str, ...]:
    """Content words of a question (jieba search mode), question and role words removed.

    Single CJK characters are dropped (too ambiguous); numbers and latin tokens stay.
    """
    q = _content(text)
    keys = [normalize(m) for m in _QUOTED.findall(text)]
    for tok in tokenize(q):
        if tok.isascii() or (len(tok) >= 2 and not _is_function_word(tok)):
            keys.append(tok)
    return tuple(dict.fromkeys(keys))


def sub_questions(question: str) -> list[str]:
    """The separate asks of a compound question ("…多少？2023年当年新建多少？")."""
    out: list[str] = []
    for part in (p.strip() for p in re.split(r"[？?；;]", question)):
        if content_keys(part):
            out.append(part)
        elif out and detect_intent(part).kind != "general":
            # "这项工作归哪个部门牵头": about what the previous ask was about
            out.append(f"{out[-1]}，{part}")
    return out


def match_form(text: str) -> str:
    """The matching form of a passage: a key is found when it is a substring."""
    return normalize(text)


# Words a question uses for something the text writes in a fixed form.
_KEY_FORMS = {
    "文号": re.compile(r"[〔\[(（]\d{4}[〕\])）]\d+号"),
}


def key_found(key: str, text: str) -> bool:
    """``key`` occurs in ``text``: as itself, in its fixed written form, or (three
    characters or more) as an abbreviation: its characters in order, close together
    (交通局 in 市交通运输局, 综保区 in 综合保税区)."""
    if key in text:
        return True
    other = other_forms(key)
    return other is not None and bool(other.search(text))


def other_forms(key: str) -> re.Pattern[str] | None:
    """Where ``key_found`` looks beyond the key itself: its fixed written form, or its
    abbreviation pattern (names of three characters or more); None when nowhere.
    Neither pattern matches across a line break."""
    form = _KEY_FORMS.get(key)
    if form is not None:
        return form
    if len(key) <= 8 and not key.isascii() and ORG_SUFFIX.search(key) is not None:
        return _abbreviation(key)
    return None


@lru_cache(maxsize=2048)
def _abbreviation(word: str) -> re.Pattern[str]:
    return re.compile("[^，,。；;\\n]{0,4}".join(re.escape(ch) for ch in word))


_META = pattern("intent.meta")
_NAME = pattern("intent.name")


_MENTION = pattern("intent.mention")


def mention_of(question: str) -> str:
    """What a question asks the documents to mention ("有没有提到数字人民币？" → 数字人民币),
    or "" for any other question."""
    m = _MENTION.search(normalize(question).strip())
    if not m:
        return ""
    return next(g for g in m.groups() if g).strip('“”"「」')


def quoted_phrases(question: str) -> tuple[str, ...]:
    """Phrases the question quotes (“…”), in matching form."""
    return tuple(normalize(m) for m in _QUOTED.findall(question))


def asks_name(question: str) -> bool:
    return bool(_NAME.search(normalize(question)))


WHICH_DOCUMENT = pattern("intent.which_document")
_BASIS = pattern("intent.basis")


def sort_rule(sort: str, q: str) -> tuple[bool, bool]:
    """A document sort's word rule on a normalised question: (its words are there, it is
    ruled out). "which_document" is ruled out by a question about what this document is
    based on ("本方案贯彻落实的是哪个文件？"), "document" by one asking which document."""
    if sort == "which_document":
        return bool(WHICH_DOCUMENT.search(q)), bool(_BASIS.search(q))
    return bool(_META.search(q) or DOC_NUMBER.search(q)), asks_which_document(q, learned=False)


def asks_which_document(question: str, learned: bool = True) -> bool:
    """The question asks which document says something (not what this one is based on): the
    word rule, joined as fitted to what the fitted sort reads in the question
    (``fitted.DocumentSort``; ``learned=False``: the rule alone)."""
    q = normalize(question)
    said, out = sort_rule("which_document", q)
    return (_sorted_as("which_document", q, said) if learned else said) and not out


def is_meta(question: str, learned: bool = True) -> bool:
    """A question about the document itself (its basis, number, issuer); not one asking
    which document says a thing. The word rule, joined as fitted to the fitted sort."""
    q = normalize(question)
    said, _ = sort_rule("document", q)
    return (_sorted_as("document", q, said) if learned else said) and not asks_which_document(q, learned)


@lru_cache(maxsize=4096)
def _sorted_as(sort: str, q: str, rule: bool) -> bool:
    model = load_document_sort()
    return rule if model is None else model.says(sort, q, rule)


def clear_learned() -> None:
    """Forget what the fitted question models said (after a refit)."""
    learned_kind.cache_clear()
    _sorted_as.cache_clear()


_EACH_DOCUMENT = pattern("intent.each_document")


def across_documents(question: str) -> str | None:
    """For a question asked across documents ("各个方案里关于5G基站的目标分别是多少？",
    "哪些文件提到了…"), the question each document is asked ("关于5G基站的目标是多少？");
    None for any other question."""
    if not _EACH_DOCUMENT.search(question):
        return None
    rest = _EACH_DOCUMENT.sub("", question).replace("分别", "").strip("，,：: ")
    return rest if len(rest) >= 2 else None


def in_script(question: str, traditional: bool) -> str:
    """``question`` in the script of the documents it is asked of (简体 or 繁體), so that
    "強化能源保障誰牽頭？" finds a simplified plan's words. Offsets are never taken from it."""
    import zhconv

    return str(zhconv.convert(question, "zh-hant" if traditional else "zh-cn"))


MAX_QUESTION_CHARS = 2000


def check_question(question: str) -> str:
    """``question`` if it can be asked; PlanQAError saying why not (empty, too long)."""
    from index.errors import PlanQAError

    if not question.strip():
        raise PlanQAError("the question is empty (请输入问题)")
    if len(question) > MAX_QUESTION_CHARS:
        raise PlanQAError(
            f"the question is too long: {len(question):,} characters, at most {MAX_QUESTION_CHARS:,} "
            f"(问题过长，请精简到{MAX_QUESTION_CHARS}字以内)"
        )
    return question
