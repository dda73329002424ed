"""Answers read from a document's roster (``index.roster``): who holds a post ("副组长有几个，都谁"),
which posts a department's people hold ("教育部在教材委里担了哪些角色"), what post a person
holds. Each person is cited by their own line of the list; the post a line falls under is
the roster's, not a guess from the line.

A post is matched as the question's own word ("组长" in "领导小组组长是谁", not "委员" in
"委员会"); a post the document assigns in its prose ("办公室主任由…兼任") is the prose's to
answer, not the roster's "主任".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.evidence import KeyWeights, Sentence
from assistant.answering.gate import WHICH_ONES, Candidate, asks_who
from assistant.answering.intent import Intent, key_found, match_form
from assistant.answering.types import Answer, cite
from index.plan_index import PlanIndex
from index.roster import Post, roster, unspaced
from index.tokenize import jieba_words, word_bounds
from index.types import Hit

# asks after people or posts, besides who ("谁") and how many ("几位")
_ASKS_PEOPLE = re.compile(
    r"哪几位|哪些人|哪位|有谁|都谁|是谁|什么职务|啥职务|什么角色|哪些角色|担任什么|当什么|几位|多少位|多少人|几个"
)
# asks for a person: a department's people are read from the list only then ("公安部是谁参加"),
# not for what it does ("教育部负责哪些工作")
_ASKS_PERSON = re.compile(r"谁|哪位|哪些人|什么人|名字|叫什么")


def _group(post: Post) -> str:
    """The heading's name without its number and remark: "（二）专家委员（…）" → 专家委员."""
    return re.sub(r"^[（(][一二三四五六七八九十]+[）)]|[（(].*$", "", post.group)


# an office after a department's name: where the name ends, whatever jieba cuts
# ("生态环境部副部长" → 生态环境 / 部副 / 部长)
_OFFICE_AFTER = re.compile(r"副?(?:部长|主任|局长|署长|行长|秘书长|院长|厅长|司长|主席)")


@dataclass(frozen=True)
class Listing:
    """A document's posts and what each question reads beside them, in matching form: the
    offices (``titles``, aligned with ``posts``), the prose (its sentences, the list's lines left
    out), the document's title, the body the list is of (the title and the heading over the list:
    "2.1　国家粮食应急工作指挥部"), and the list's offices and names."""

    posts: tuple[Post, ...]
    titles: tuple[str, ...]
    prose: tuple[str, ...]
    title: str
    body: str
    listed: str


def _read(src: str, doc_title: str) -> Listing:
    posts = tuple(roster(src))
    if not posts:
        return Listing((), (), (), "", "", "")
    text = list(src)
    for p in posts:
        text[p.start : p.end] = "\n" * (p.end - p.start)
    prose = tuple(s for s in re.split(r"[。；;\n]", unspaced(match_form("".join(text)))) if s)
    heading = src[: min(p.start for p in posts)].rstrip().rsplit("\n", 1)[-1]
    return Listing(
        posts,
        tuple(unspaced(match_form(p.title)) for p in posts),
        prose,
        unspaced(match_form(doc_title)),
        unspaced(match_form(doc_title + "\n" + heading)),
        "\n".join(unspaced(match_form(p.title + p.name)) for p in posts),
    )


def posts_asked(question: str, posts: list[Post]) -> list[Post]:
    """The posts the question names as words of its own (the longest first: 副主任 before 主任)."""
    q = unspaced(match_form(question))
    bounds = word_bounds(q, hmm=False)
    taken: list[tuple[int, int]] = []
    out: list[str] = []
    for role in sorted({p.role for p in posts}, key=len, reverse=True):
        for m in re.finditer(re.escape(role), q):
            inside = any(a <= m.start() and m.end() <= b for a, b in taken)
            if not inside and m.start() in bounds and m.end() in bounds:
                taken.append(m.span())
                if role not in out:
                    out.append(role)
    return [p for p in posts if p.role in out]


class RosterAnswers:
    """Candidate answers from the roster of the document in focus (a part of ``Composer``)."""

    index: PlanIndex
    weights: KeyWeights
    _rosters: dict[str, Listing]

    def _roster_of(self, doc_id: str) -> Listing:
        """The document's roster and what is read beside it, once per document."""
        cached = self._rosters.get(doc_id)
        if cached is None:
            cached = self._rosters[doc_id] = _read(
                self.index.source_text(doc_id), self.index.doc_title(doc_id)
            )
        return cached

    def _roster(
        self, question: str, intent: Intent, hits: list[Hit], scored: list[tuple[float, Sentence]]
    ) -> Candidate | None:
        """The roster's lines that answer a question asking after people or posts, when the
        document the best sentence is from lists them."""
        if not (asks_who(question, intent) or _ASKS_PEOPLE.search(question) or WHICH_ONES.search(question)):
            return None
        doc_id = scored[0][1].chunk.doc_id
        listing = self._roster_of(doc_id)
        if not listing.posts:
            return None
        picked = people_asked(question, listing)
        if not picked:
            return None
        spans = [(p.start, p.end) for p in picked]
        title = self.index.doc_title(doc_id)
        cites = [cite(self.index, i, doc_id, title, a, b) for i, (a, b) in enumerate(spans, 1)]
        text = _wording(picked)
        answer = Answer(question, text, False, tuple(cites), tuple(hits), intent.kind)
        stating = [
            s
            for _, s in scored
            if s.chunk.doc_id == doc_id and any(s.start < b and a < s.end for a, b in spans)
        ]
        found = "\n".join(match_form(f"{p.role}：{p.name}{p.title}{_group(p)}") for p in picked)
        # the list's own words name what is asked (a person, a post, a department): as sure an
        # answer as a measure the question names by its title, weighed by the gate's rules only
        return Candidate(
            answer, found, stating or [scored[0][1]], "roster", named=True, stated=_stated(picked)
        )


def people_asked(question: str, listing: Listing) -> list[Post]:
    """The people the question asks after: those it names, else those of the departments it
    names (within the post it names, if it names one), else those of the post it names."""
    posts = list(listing.posts)
    q = unspaced(match_form(question))
    named = [p for p in posts if len(p.name) >= 2 and p.name in q]
    by_post = posts_asked(question, posts)
    if named:  # a post's holders asked "besides" one of them ("除了陈宝生，还有谁"): all of them
        return by_post if by_post and set(named) <= set(by_post) else named
    if by_post and _post_in_prose(q, by_post, listing):
        return []
    group = [p for p in by_post if _group(p) and _group(p) in q]
    by_post = group or by_post
    titles = dict(zip(listing.posts, listing.titles))
    depts = _departments_named(q, listing.titles, listing.title)
    if depts and not by_post and not _ASKS_PERSON.search(question):
        return []  # what a department does, not who of it is on the list
    picked = (
        [p for p in (by_post or posts) if any(key_found(k, titles[p]) for k in depts)] if depts else by_post
    )
    # a post the list does not have ("联络员"), or an office that narrows it ("副部长"): only
    # the people whose office says so, if any
    for word in _other_posts(q, posts):
        picked = [p for p in picked if word in titles[p]]
    return picked


def _post_in_prose(q: str, by_post: list[Post], listing: Listing) -> bool:
    """The question asks the post of a part of the body that the document's prose speaks
    of ("协调委办公室的副主任", "办公室主任由…兼任"): a word of the question before the post,
    not of the body's name nor of the list, in a sentence of the prose with the post."""
    groups = {_group(p) for p in by_post}  # "部门委员": the list's own headings
    for role in {p.role for p in by_post}:
        before = jieba_words(q[: q.find(role)], hmm=False)
        parts = [
            w
            for w in before
            if len(w) >= 2
            and w not in listing.body
            and w not in listing.listed
            and not any(w in g for g in groups)
        ]
        if any(w in s and role in s for w in parts for s in listing.prose):
            return True
    return False


def _stated(picked: list[Post]) -> frozenset[str]:
    """What a roster's answer states by construction: who (a doer, named ones); each person by
    name, unless a post is filled by office ("总指挥：国家发展改革委主要负责人" names no one);
    how many, where it counts the holders of one post ("副组长共3位")."""
    stated = {"doer", "names"}
    if all(p.name for p in picked):
        stated |= {"person", "name"}
    if len(picked) > 1 and len({p.role for p in picked}) == 1:
        stated |= {"count", "number"}
    return frozenset(stated)


_ORG_END = "部委局办院署行厅"


def _departments_named(q: str, titles: tuple[str, ...], body: str) -> list[str]:
    """The departments the question names that the list's offices name, each the longest
    stretch of the question that ends as a department's name ends and is that name or its
    abbreviation ("人社部" of 人力资源社会保障部副部长; jieba cuts it "人 / 社部"), also where an
    office follows ("生态环境部副部长", cut "生态环境 / 部副 / 部长"); not the body the list is of
    (a word of the document's title)."""
    out: list[str] = []
    bounds = word_bounds(q, hmm=False) | {m.start() for m in _OFFICE_AFTER.finditer(q)}
    for end in sorted(bounds):
        if end < 2 or q[end - 1] not in _ORG_END:  # a name ends where a word does ("部际" goes on)
            continue
        for size in range(min(8, end), 1, -1):
            word = q[end - size : end]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", word) or word in body:
                continue
            # two characters name a department only as they stand ("教部" abbreviates too much)
            if any(word in t if size == 2 else key_found(word, t) for t in titles):
                out.append(word)
                break
    return out


def _other_posts(q: str, posts: list[Post]) -> list[str]:
    """Words of the question that end as the list's posts end (长, 任, 员, 人…) but are none
    of them: another post ("联络员", "局长"), or an office ("副部长")."""
    roles = {p.role for p in posts}
    ends = {r[-1] for r in roles}
    # an office as the question writes it, whatever jieba cuts ("部副 / 部长" of "副部长")
    offices = [m.group(0) for m in _OFFICE_AFTER.finditer(q)]
    return [
        w
        for w in (*jieba_words(q, hmm=False), *offices)
        if len(w) >= 2 and w[-1] in ends and w not in roles and not any(w in r for r in roles)
    ]


def _person(p: Post) -> str:
    return f"{p.name}（{p.title}）" if p.name else p.title


def _wording(picked: list[Post]) -> str:
    """One post's people ("副组长共3位：丁学东（国务院副秘书长）[1]、…"), or each person with
    their post ("陈宝生（教育部部长），任副主任[1]；…")."""
    roles = list(dict.fromkeys(p.role for p in picked))
    if len(roles) == 1:
        role = roles[0]
        people = "、".join(f"{_person(p)}[{i}]" for i, p in enumerate(picked, 1))
        if len(picked) == 1:
            return f"{role}：{people}。"
        return f"{role}共{len(picked)}位：{people}。"
    return "；".join(f"{_person(p)}，任{p.role}[{i}]" for i, p in enumerate(picked, 1)) + "。"
