"""What kind of value a question asks for, and whether a text states one.

A question that asks "多少钱", "几天内", "哪一年", "在哪里" or "哪位领导" expects a value of
that kind; a passage about the right thing that states none ("开展德州机场规划研究前期工作"
for "机场选址在哪里，哪年通航？") does not answer it. Chinese asks for these through a
closed set of interrogative forms, listed here once; the answerability gate weighs the
match (``assistant.answering.answer``), nothing here decides an answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.answering.phrases import pattern, words
from index.tokenize import get_jieba, normalize

_NUM = r"(?:\d[\d.,]*(?:\s*[—\-~～至到]\s*\d[\d.,]*)?|[一二两三四五六七八九十百千万]+)"
# a time limit counted from an event ("次月十五日内", "之日起30日内", "3个月内")
WITHIN = _NUM + r"\s*个?(?:工作日|日|天|月|年|小时)(?:内|以内|之内)"
_CLASSIFIER = (
    r"(?:个|家|项|座|所|名|人|次|批|条|处|张|件|类|级|位|种|支|台|辆|亩|公里|千瓦|吨|套|户|所|本|篇)"
)

# a figure in digits, or in characters with what it counts ("县乡村三级", "两个允许",
# "五分之一"); a lone 一 is an article more often than a count ("一批", "一个时期"), and
# "第二十六条" an ordinal
_CN_COUNT = r"(?:[二两三四五六七八九十百千万][一二两三四五六七八九十百千万零〇]*|一[十百千万][一二两三四五六七八九十百千万零〇]*)"
FIGURE = re.compile(
    r"\d|(?<![第一二两三四五六七八九十百千万零〇])"
    + _CN_COUNT
    + r"\s*(?:"
    + _CLASSIFIER
    + r"|年|个月|天|倍|成)|分之[一二三四五六七八九十]"
)


# a five-year plan's period ("“九五”期间", "十三五末"): a date, and the years it spans
_PLAN_PERIOD = r"[一二三四五六七八九十]{1,3}五”?(?:期间|时期|期末|末)"
# the kinds of time a paragraph led by its year ("2023年，…") states for each of its sentences
DATED_KINDS = frozenset({"date", "year"})

_ANY_NUMBER = "number"
# (kind, how a question asks for it, how a text states one)
KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "money",  # an amount: 投资多少亿元, 补助多少钱, 直接经济损失有多少
        re.compile(
            r"多少钱|(?:多少|几)(?:万|亿|千)?元|多少[\u4e00-\u9fff]{0,6}?(?:资金|投资|经费|补助|补贴|奖励|奖金|费用|预算|损失)|"
            r"(?:投资|预算|补助|补贴|奖励|奖补|费用|成本|价格|工资|注册资本|贷款额度|损失"
            # what is paid, by the word's last character: "资金", "经费", "罚款", "保费", "租金", "个税"
            # ("降价多少" asks a share as often: not by 价)
            r"|[\u4e00-\u9fff](?:费|款|金|税))"
            r"(?:是|为|有|要|按|达|达到|共|总共|一共|能|大概|大约|能拿|能给)?(?:多少|几)"
        ),
        re.compile(_NUM + r"\s*(?:万|亿|千)?元"),
    ),
    (
        "ratio",  # a share: 比例多少, 百分之几, 多少%
        re.compile(
            r"(?:比例|比重|占比|百分之|几成|税率|费率|利率|增幅|增速|降幅|率)[^？?，,。]{0,6}(?:多少|几|多大)"
            r"|(?:多少|什么|几|多大)[^？?，,。]{0,3}(?:比例|比重|占比)"  # either order: 占多少比例
            r"|多少\s*[%％]|百分之多少|百分之几|(?:几|多少)个?百分点"
        ),
        re.compile(
            r"\d[\d.]*\s*(?:[%％‰]|个百分点)|百分之|分之[一二三四五六七八九十]|[一二三四五六七八九]成"
        ),
    ),
    (
        "duration",  # a period: 多长时间, 几天内, 几年
        re.compile(
            # ("期限是哪个文件定的" asks the document, not the period)
            r"多长时间|多久|(?<![哪那这])(?:(?<!好)几|多少)(?:个月|个工作日|年|天|日|小时|工作日|周|星期)(?:内|以内|之内)?|期限是(?!哪个|哪份|哪一)"
            # "有效期多长", "有效期到哪年" ask one; "在有效期内能…" is a condition of what is asked
            r"|有效期(?!内)[^，,。；;？?]{0,4}?(?:多|几|哪)"
        ),
        # "每半年召开一次": half a year is a period too; "期限" alone names one, it states none
        # ("在法律、行政法规规定的期限内")
        re.compile(_NUM + r"\s*(?:个)?(?:年|月|天|日|小时|工作日|周|星期)|半个?(?:年|月|小时)|长期|永久"),
    ),
    (
        "day",  # a calendar day: 哪天印发, 几月几号
        re.compile(r"哪天|哪一天|(?<!第)几号|几月几日|几月几号|什么日子|日期"),  # "第几号建议": an ordinal
        re.compile(
            r"\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|[一二三四五六七八九十]+月[一二三四五六七八九十]+日"
            r"|\d{1,2}月(?:底|末)"  # the month's last day
        ),
    ),
    (
        "month",  # a month: 几月份交, 哪个月完成
        re.compile(r"几月|哪个月"),
        re.compile(r"\d{1,2}月|[一二三四五六七八九十]+月|年底|年末|年中"),
    ),
    (
        "date",  # a point in time: 什么时候, 何时, 截止
        re.compile(r"什么时候|什么时间|何时|截止|截至|啥时候|时限"),  # "哪年": a year, below
        re.compile(
            r"\d{1,2}月(?:底|末|中旬|上旬|下旬|份|\d{1,2}日)?|(?:19|20)\d\d年(?!度)|年底|年内|年中|年末|年初|[一二三四五六七八九十]+月"
            r"|"
            + _PLAN_PERIOD  # a five-year plan's period
            + r"|"
            + WITHIN  # a time limit counted from an event: "次月十五日内", "印发之日起30日内"
        ),
    ),
    (
        # which year: "哪年", "哪一年" ask a calendar year, which a period ("三年内") or a month does
        # not say (a paragraph led by its year dates its sentences: ``evidence.Sentence.year``)
        "year",
        re.compile(r"哪(?:一)?年(?![级度])"),
        re.compile(r"(?:19|20)\d\d\s*年|[〇零一二三四五六七八九]{4}年|今年|明年|" + _PLAN_PERIOD),
    ),
    (
        "count",  # how many things: 几个, 多少家, 几次
        re.compile(r"(?<![哪那这])(?:多少|(?<!好)几)\s*" + _CLASSIFIER),  # 哪几项 asks which, 那几个 points
        # "15万左右" (people): a number with its magnitude counts without a classifier
        re.compile(_NUM + r"\s*" + _CLASSIFIER + r"|\d[\d.]*\s*[万亿](?:左右|多|余)?(?!元)"),
    ),
    (
        "place",  # where: 在哪里, 选址, 哪个县 ("在哪年" asks when, "写在哪条措施里" which item,
        # "在哪次会议上" which occasion)
        re.compile(
            r"哪里|哪儿|在哪(?!些|[一个]?(?:年|月|天|日|季度|条|项|款|份|部分|次|届|轮))|什么地方|哪个地方|地点|选址|位置|哪个(?:县|市|区|城市|省|镇|村)|哪些(?:城市|省份|省|县|地区)"
        ),
        # a site ("重点监视防御区", "物流园", "青岛港"), or the body something is located at
        # ("办公室设在生态环境部"); a place's own name is read by jieba (``_names_place``)
        re.compile(r"[\u4e00-\u9fff]{1,8}(?:区|港|园|基地|路|街|城市)|设在[\u4e00-\u9fff]{2,}"),
    ),
    (
        # any number: "能减免多少？", "几年一届？", "占地多大？" ask one whatever its unit ("哪几项" asks which,
        # "那几个四字词" points, "好几样事" says several); only where no kind above is asked
        "number",
        re.compile(
            r"(?<![哪那这])(?:多少|(?<![好第])几)(?!乎)"
            # a size: "面积有多大", "占地多大", "建多大装机容量" (not "多大比例", a share; "多大作用")
            r"|(?:面积|规模|容量|占地|尺寸|体量|长度|功率)[^？?，,。]{0,3}多[大长]|多[大长]的?(?:面积|规模|装机|容量|尺寸)"
        ),
        FIGURE,
    ),
    (
        # who holds a post: 哪位, 一把手, 组长是谁. A person named ("组长：韩正（国务院副总理）", read by
        # jieba, ``_names_person``) states one, and so does a post filled by an office ("组长由…副秘书长
        # 担任"); a post's word alone does not ("各试点地区代表作为副主任", "主任人选由试点地区推举确定")
        "person",
        # a post asked with who fills it: "主任由谁来当", "组长一般由谁担任", "召集人是谁"
        re.compile(
            r"哪位|一把手|负责人是谁|领导是谁|是哪位|局长是|组长是|主任是|谁来?(?:当|担任|出任|兼任)"
            r"|(?:组长|主任|召集人|秘书长|总指挥|指挥长|局长|部长|主席|书记|负责人)[^，。？?]{0,4}?(?:是|由)谁"
        ),
        re.compile(
            r"由[^，。；：]{2,40}?(?:担任|兼任)|以[^，。；]{2,20}?为(?:副)?(?:组长|主任|总指挥|召集人|负责人|指挥长)"
            # an office's holder set against the post: "总指挥：国家发展改革委主要负责人", "…主要负责人，任总指挥"
            r"|[：:][^，。；：]{0,30}?(?:负责人|负责同志|领导同志)|(?:负责人|负责同志|领导同志)[，,]?\s*(?:任|担任|兼任)"
        ),
    ),
    (
        # a person's name (姓名, 叫什么名字): only a name states one, not the office that fills a
        # post ("由教育部分管职业教育工作的负责同志兼任")
        "name",
        re.compile(r"姓名|名字|叫什么名"),
        re.compile(r"(?!)"),
    ),
    (
        # a sanction: 会怎么罚, 受什么处分, 被怎么问责 ("怎么处理" asks how a matter is handled, as
        # often as not stated as a procedure: not asked here)
        "penalty",
        re.compile(
            r"(?:怎么|怎样|如何|咋)(?:罚|处罚|处分|问责|追责)|(?:什么|啥|哪些|何种)(?:样的)?(?:处罚|处分|罚则)"
            r"|受.{0,2}(?:处罚|处分)|被.{0,2}(?:问责|追责|处罚|处分)"  # "罚多少钱" asks an amount
        ),
        # the sanctions the documents impose, named by their own words (which the question
        # uses too: they are not blanked as the thing's name, see ``states``)
        re.compile(
            r"罚款|罚金|处罚|处分|追究[^，。；]{0,10}责任|问责|警告|没收|吊销|撤销|停产整顿|责令|免职|撤职|记过|开除"
            r"|通报批评|约谈|移送司法"
        ),
    ),
)


_ASKS_A_NUMBER_LINE = re.compile(r"(?:文号|发文字号|编号)[^，,。；;？?]{0,4}(?:多少|几)")


def asked_kinds(question: str, any_number: bool = True) -> tuple[str, ...]:
    """The kinds of value the question asks for (often none: "谁牵头", "有什么安排").
    ``any_number``: count a number asked of no kind of its own ("能减免多少？") as one."""
    # "文号是多少" asks a document's number, which names it and counts nothing
    unnumbered = _ASKS_A_NUMBER_LINE.sub("　", question)
    kinds = tuple(
        kind
        for kind, ask, _ in KINDS
        if ask.search(unnumbered if kind == _ANY_NUMBER else question) and (any_number or kind != _ANY_NUMBER)
    )
    # a number asked in a kind of its own (an amount, a date…) is asked as that kind
    numeric = set(kinds) - {_ANY_NUMBER, "place", "person", "name", "penalty"}
    return tuple(k for k in kinds if k != _ANY_NUMBER or not numeric)


def asked_predicate(question: str) -> str:
    """What the question asks a value *of*, when it says so after its interrogative
    ("哪年能通车？" → "能通车", "多少钱能补到位" → "能补到位"): the rest of that clause. A
    passage stating a time or figure of another doing ("开工建设") does not answer it."""
    ends = [m.end() for _, ask, _ in KINDS for m in ask.finditer(question)]
    if not ends:
        return ""
    tail = question[max(ends) :]
    return re.split(r"[，,。；;？?！!]", tail, maxsplit=1)[0]


# numbers that count nothing: a document's number ("国办函〔2004〕36号", "〔1996〕武司字第82号"),
# an ordinal ("第4626号提案", "第二十四届", "十届四次会议"), a calendar year or day ("2002年", "12月28日",
# "二〇〇五年七月十四日"); a question asking how many, how long or how much is not answered by them
_NOT_A_QUANTITY = re.compile(
    r"[〔\[(（]\d{4}[〕\])）][^，。；、\s]{0,8}?\d+号"
    r"|第[\d一二两三四五六七八九十百千零〇]+"
    r"|[一二三四五六七八九十]+届|[一二三四五六七八九十]+次(?:全体|常务)?会议"  # a session
    r"|(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇零一二三四五六七八九]{4}年(?:[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}日)?)?"
)
# the kinds whose values are quantities
_QUANTITIES = frozenset({"number", "count", "duration"})


def states(kind: str, text: str, own: tuple[str, ...] = ()) -> bool:
    """The text states a value of ``kind`` (a quantity: not in a document's number, an
    ordinal or a date). ``own``: the question's own words, in matching form — the name of
    the thing asked about states no value of it ("产业园区" is no place where the park is
    to be built, the 10 of "10G-PON" no share of its ports)."""
    for k, _, value in KINDS:
        if k == kind:
            # the question's words that state a value of the kind themselves: the thing's name (a
            # place it names, "德州" of "德州机场建在哪", is not where it is asked to be); not a
            # sanction's word ("受了什么处分" — "受到了党纪政纪处分"); a person it names is not the
            # one asked after ("韩正之前的组长是谁")
            if own and kind != "penalty":
                text = blanked(
                    text,
                    tuple(
                        w
                        for w in own
                        if value.search(w)
                        or (kind == "place" and _names_place(w))
                        or (kind in ("person", "name") and _is_name(w))
                    ),
                )
            if kind == "place" and _names_place(text):
                return True
            if kind in ("person", "name") and _names_person(text):
                return True
            return bool(value.search(_NOT_A_QUANTITY.sub("　", text) if kind in _QUANTITIES else text))
    raise ValueError(kind)


def blanked(text: str, words: tuple[str, ...]) -> str:
    """``text`` in matching form with ``words`` (those of two characters or more, not bare
    numbers; the longest first) blanked out."""
    out = normalize(text)
    for w in sorted(words, key=len, reverse=True):
        if len(w) >= 2 and not w.isdigit():
            out = out.replace(w, "　")
    return out


@lru_cache(maxsize=4096)
def _tagged(text: str, hmm: bool = True) -> tuple[tuple[str, str], ...]:
    """jieba's words of ``text`` with their parts of speech (its own model, loaded on first
    use); cached: the readers below ask of every candidate sentence and the question's words."""
    import jieba.posseg

    get_jieba()
    return tuple((w, flag) for w, flag in jieba.posseg.lcut(text, HMM=hmm))


# a person's name stands beside their post or title: "韩正（国务院副总理）", "刘广润院士", "石英代表",
# "副局长杨国庆", "主任：张三"; a word jieba guesses a name ("普惠性政策", "博鳌乐城") does not
_POSTS = (
    r"(?:副)?(?:总理|国务委员|秘书长|部长|局长|主任|书记|市长|县长|省长|区长|组长|司长|处长|厅长|署长|"
    r"董事长|总经理|院长|校长|主席|委员|代表|院士|教授|研究员|同志|先生|女士|召集人|联系人|总指挥)"
)
_TITLE_AFTER = re.compile(
    r"\s*(?:[（(][^）)]{0,20}?" + _POSTS + r"[^）)]{0,6}[）)]|[\u4e00-\u9fff]{0,8}?" + _POSTS + ")"
)
_TITLE_BEFORE = re.compile(_POSTS + r"\s*[：:为]?\s*$")


def _is_name(word: str) -> bool:
    """A word of the question jieba reads as a person's name ("韩正")."""
    return any(flag == "nr" for _, flag in _tagged(word))


def _names_person(text: str) -> bool:
    """The text names a person: a word jieba tags as a name (part of speech nr) beside a post
    or title."""
    at = 0
    for w, flag in _tagged(text):
        start, at = at, at + len(w)
        if (
            flag == "nr"
            and len(w) >= 2
            and (_TITLE_AFTER.match(text, at) or _TITLE_BEFORE.search(text[max(0, start - 4) : start]))
        ):
            return True
    return False


def _names_place(text: str) -> bool:
    """The text names a place (a province, city, county…: jieba's part-of-speech ns) —
    not "市、县级政府" or "省、地、县各级", which say a level, not where."""
    return any(flag.startswith("ns") for _, flag in _tagged(text, hmm=False))


_HOW_MANY = words("answertype.how_many")
# the general classifier: "多少个" asks a count, which any classifier states ("8500处")
_GENERAL_UNIT = "个"


def asked_unit(question: str, units: frozenset[str]) -> str | None:
    """The unit a question asks a number in ("多少亿" → 亿, "几条" → 条), when it is one of
    ``units`` (those the documents put after numbers: ``KeyWeights.units``); None when it
    asks none, or a word that is no unit ("多少重点事项")."""
    tokens = get_jieba().lcut(question, HMM=False)
    for prev, tok, nxt in zip(["", *tokens], tokens, [*tokens[1:], ""]):
        if prev.endswith("哪") or tok.startswith("哪"):
            continue  # 哪几家 asks which, not how many
        # "多少 / 亿", or one word "几条"
        unit = nxt if tok in _HOW_MANY else next((tok[len(w) :] for w in _HOW_MANY if tok.startswith(w)), "")
        if unit in units and unit != _GENERAL_UNIT:
            return unit
    return None


# people are counted by any of these ("多少人" — "86名矿工")
_PEOPLE = "人名位"


def states_unit(unit: str, text: str) -> bool:
    """The text states a number in ``unit`` ("1.2万亿元" states 亿; "三条" states 条)."""
    unit_re = f"[{_PEOPLE}]|万(?:左右|多|余)" if unit in _PEOPLE else re.escape(unit)
    return bool(
        re.search(rf"(?:\d[\d.]*|[一二两三四五六七八九十百千万零〇]+)\s*[十百千万亿]*(?:{unit_re})", text)
    )


def states_figure(text: str) -> bool:
    """The text states a number (in digits or in characters)."""
    return bool(FIGURE.search(text))


INDICATOR = pattern("answertype.indicator")


# how an answer names what the text does not state
ASKED_LABEL = {
    "money": "具体金额",
    "ratio": "具体比例",
    "duration": "具体期限",
    "day": "具体日期",
    "date": "具体时间",
    "month": "具体月份",
    "year": "具体年份",
    "count": "具体数量",
    "number": "具体数字",
    "place": "具体地点",
    "person": "具体人员",
    "name": "具体姓名",
    "penalty": "具体处罚",
    "names": "具体名单",  # which ones by name ("都是哪几个镇"), of a set the text only counts
}


# how often: "一年开几次会", "多久开一回例会", "多长时间调度一次" ask it; "每年召开两次会议", "每半年召开一次例会",
# "季调度、半年通报" state it
_ASKS_HOW_OFTEN = re.compile(
    r"(?:一年|每年|一个?月|每个?月|每季度?|一季度|半年|每周|一周)[^，,。？?]{0,8}?(?:几|多少)\s*(?:次|回)"
    r"|(?:多久|多长时间|多长时候)[^，,。？?]{0,6}?一\s*(?:次|回)"
)
_STATES_HOW_OFTEN = re.compile(
    r"每(?:年|个?月|季度?|半年|周|星期|天|日)[^，。；]{0,12}?" + _NUM + r"\s*(?:次|回)"
    r"|(?:半年|季|月|年|周)(?:调度|通报)"
)


def asks_how_often(question: str) -> bool:
    """The question asks how often something is done ("一年开几次会？", "多久开一回例会？")."""
    return bool(_ASKS_HOW_OFTEN.search(question))


def states_how_often(text: str) -> bool:
    """The text states how often ("每年召开两次会议", "每半年召开一次例会", "季调度")."""
    return bool(_STATES_HOW_OFTEN.search(text))
