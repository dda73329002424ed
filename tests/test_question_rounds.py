"""The question sets as the rounds wrote them: no set copies a question of one written before it,
and each round's sets have the size and spread they were written for (the sets' shared checks are
test_question_sets.py)."""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from tests.test_question_sets import (
    COLLOQUIAL_SET,
    GOV2_SET,
    GOV3_SET,
    GOV4_SET,
    GOV5_SET,
    GOV6_SET,
    GOV7_SET,
    GOV8_SET,
    GOV9_SET,
    GOV10_SET,
    GOV11_SET,
    GOV12_SET,
    GOV13_SET,
    GOV14_SET,
    GOV15_SET,
    GOV16_SET,
    GOV17_SET,
    GOV18_SET,
    GOV19_SET,
    GOV20_SET,
    GOV21_SET,
    GOV22_SET,
    GOV23_SET,
    GOV24_SET,
    GOV25_SET,
    GOV_SET,
    NEWSTAFF_SET,
    PLAN2_SET,
    PLAN3_SET,
    PLAN4_SET,
    PLAN5_SET,
    PLAN6_SET,
    PLAN7_SET,
    PLAN8_SET,
    PLAN9_SET,
    PLAN10_SET,
    PLAN11_SET,
    PLAN12_SET,
    PLAN13_SET,
    PLAN14_SET,
    PLAN15_SET,
    PLAN16_SET,
    PLAN17_SET,
    PLAN18_SET,
    PLAN19_SET,
    PLAN20_SET,
    PUBLIC_SET,
    TEAM_SET,
    TWINS2_SET,
    TWINS3_SET,
    TWINS_SET,
    UNMENTIONED_SET,
    _load,
)

# the sets in the order they were written (twins2 and twins3 together)
WRITTEN = (
    PUBLIC_SET,
    TEAM_SET,
    COLLOQUIAL_SET,
    GOV_SET,
    TWINS_SET,
    UNMENTIONED_SET,
    GOV2_SET,
    TWINS2_SET,
    TWINS3_SET,
    GOV3_SET,
    NEWSTAFF_SET,
    GOV4_SET,
    GOV5_SET,
    PLAN2_SET,
    GOV6_SET,
    GOV7_SET,
    GOV8_SET,
    PLAN3_SET,
    GOV9_SET,
    PLAN4_SET,
    GOV10_SET,
    PLAN5_SET,
    GOV11_SET,
    PLAN6_SET,
    GOV12_SET,
    PLAN7_SET,
    GOV13_SET,
    PLAN8_SET,
    GOV14_SET,
    PLAN9_SET,
    GOV15_SET,
    PLAN10_SET,
    GOV16_SET,
    PLAN11_SET,
    GOV17_SET,
    PLAN12_SET,
    GOV18_SET,
    PLAN13_SET,
    GOV19_SET,
    PLAN14_SET,
    GOV20_SET,
    PLAN15_SET,
    GOV21_SET,
    PLAN16_SET,
    GOV22_SET,
    PLAN17_SET,
    GOV23_SET,
    PLAN18_SET,
    GOV24_SET,
    PLAN19_SET,
    GOV25_SET,
    PLAN20_SET,
)


# the sets written from the seventh round on, each checked against every set written before it
LATER = WRITTEN[WRITTEN.index(PLAN2_SET) :]


@pytest.mark.parametrize("later", LATER, ids=[p.stem.removeprefix("questions-") for p in LATER])
def test_later_sets_do_not_copy_any_earlier_set(later: Path) -> None:
    """plan2 and gov6 were written for the seventh round, gov7 for the eighth, gov8 and plan3
    for the ninth, gov9 and plan4 for the tenth, gov10 and plan5 for the eleventh, gov11 and
    plan6 for the twelfth, gov12 and plan7 for the thirteenth, gov13 and plan8 for the fourteenth,
    gov14 and plan9 for the fifteenth, gov15 and plan10 for the sixteenth, gov16 and plan11 for
    the seventeenth, gov17 and plan12 for the eighteenth, gov18 and plan13 for the nineteenth, gov19
    and plan14 for the twentieth, gov20 and plan15 for the twenty-first, gov21 and plan16 for the
    twenty-second, gov22 and plan17 for the twenty-third, gov23 and plan18 for the
    twenty-fourth, gov24 and plan19 for the twenty-fifth, gov25 and plan20 for the twenty-sixth:
    none of their questions
    is word for word one of a set written before them; from the twenty-first round on, not even
    with other punctuation or spacing ("19年国庆前后要补班的是哪两天？" repeats "…哪两天")."""
    strict = WRITTEN.index(later) >= WRITTEN.index(GOV20_SET)

    def key(question: str) -> str:
        return _unpunctuated(question) if strict else question.strip()

    earlier = {key(row["question"]) for p in WRITTEN[: WRITTEN.index(later)] for row in _load(p)}
    copied = [row["id"] for row in _load(later) if key(row["question"]) in earlier]
    assert not copied, copied


# a question this alike to one of an earlier set, unpunctuated, asks it again in other words
NEAR = 0.86


@pytest.mark.parametrize(
    "later", LATER[LATER.index(GOV25_SET) :], ids=lambda p: p.stem.removeprefix("questions-")
)
def test_later_sets_do_not_nearly_repeat_any_earlier_set(later: Path) -> None:
    """From the twenty-sixth round on, a set's question is not nearly one of a set written before
    it: "高薪技术企业到2024年要发展到多少家啊？" repeats "高薪技术企业到2024年要发展到多少家？" with a
    particle more, and "科技局牵头的活儿都有哪几条？" repeats "…都有哪些"; questions of one thing
    asked otherwise ("…今年底要有多大比例…" against "…要有多少学校…") stay."""
    earlier = [_unpunctuated(row["question"]) for p in WRITTEN[: WRITTEN.index(later)] for row in _load(p)]
    near = []
    for row in _load(later):
        q = _unpunctuated(row["question"])
        for e in earlier:
            m = SequenceMatcher(None, q, e, autojunk=False)
            if m.real_quick_ratio() >= NEAR and m.quick_ratio() >= NEAR and m.ratio() >= NEAR:
                near.append((row["id"], e))
                break
    assert not near, near


def _unpunctuated(question: str) -> str:
    """The question without its punctuation and spaces: two questions alike but for them are
    one question."""
    return "".join(c for c in question if not (c.isspace() or unicodedata.category(c).startswith("P")))


def _assert_gov_round(
    rows: list[dict],
    *,
    size: int,
    docs: int,
    unanswerable: int,
    about_documents: int = 0,
    no_doc_named: int = 90,
) -> None:
    """A round's State Council set: its size, how many documents it asks of, how many of its
    questions are unanswerable or about the document itself or which document, and how many
    name no document (90 or more, unless said)."""
    assert len(rows) >= size and len({r["doc"] for r in rows}) == docs
    assert sum(not r["answerable"] for r in rows) >= unanswerable
    assert sum(r["category"] in ("document", "which_document") for r in rows) >= about_documents
    assert sum("no_doc_named" in r["style"] for r in rows) >= no_doc_named


def _assert_plan_round(rows: list[dict], *, size: int, unanswerable: int) -> None:
    """A round's set on the plan: its size, no other document, how many are unanswerable."""
    assert len(rows) >= size and not any(r.get("doc") for r in rows)
    assert sum(not r["answerable"] for r in rows) >= unanswerable


def test_tenth_round_sets_ask_mostly_what_looks_answerable_but_is_not() -> None:
    """gov9: ten State Council documents, a third of the questions unanswerable, most naming no
    document; plan4: the plan alone, with 18 unanswerable questions about things it discusses."""
    _assert_gov_round(_load(GOV9_SET), size=120, docs=10, unanswerable=40)
    _assert_plan_round(_load(PLAN4_SET), size=60, unanswerable=18)


def test_eleventh_round_sets_ask_of_short_documents_and_of_the_plan() -> None:
    """gov10: twelve short State Council replies, decisions and notices (only twins2, twins3
    and gov2 asked of them before), a third unanswerable, with document and which-document
    questions; plan5: the plan, with 15 unanswerable questions about things it discusses (two
    questions that repeated earlier sets word for word were left out)."""
    _assert_gov_round(_load(GOV10_SET), size=100, docs=12, unanswerable=36, about_documents=30)
    _assert_plan_round(_load(PLAN5_SET), size=58, unanswerable=15)


def test_twelfth_round_sets_ask_of_the_least_asked_documents_and_of_the_plan() -> None:
    """gov11: the ten State Council documents the earlier sets asked least of (short decisions,
    replies, notices and a plan's approval), nearly a third unanswerable, with document and
    which-document questions; plan6: the plan, with 16 unanswerable questions about things it
    discusses."""
    _assert_gov_round(_load(GOV11_SET), size=110, docs=10, unanswerable=34, about_documents=30)
    _assert_plan_round(_load(PLAN6_SET), size=56, unanswerable=16)


def test_thirteenth_round_sets_ask_of_sixteen_documents_and_of_the_plan() -> None:
    """gov12: sixteen State Council documents asked little before (replies, rosters of leading
    bodies, a plan for bonded zones, rewards for local governments), under a third
    unanswerable, with document and which-document questions; plan7: the plan, with 16
    unanswerable questions about things it discusses."""
    _assert_gov_round(_load(GOV12_SET), size=115, docs=16, unanswerable=35, about_documents=30)
    _assert_plan_round(_load(PLAN7_SET), size=58, unanswerable=16)


def test_fourteenth_round_sets_ask_of_twelve_documents_and_of_the_plan() -> None:
    """gov13: twelve State Council documents none of the four rounds before asked of (the
    guarantee fund, law-enforcement disclosure, individual income tax, employment, the State
    Council's working rules, a mine-disaster circular, social organisations, the vocational
    education conference, praise after an inspection, the free trade zones, patent agencies),
    under a third unanswerable, with document and which-document questions; plan8: the plan,
    with 16 unanswerable questions about things it discusses (one question that repeated an
    earlier set word for word was left out)."""
    _assert_gov_round(_load(GOV13_SET), size=129, docs=12, unanswerable=39, about_documents=24)
    _assert_plan_round(_load(PLAN8_SET), size=54, unanswerable=16)


def test_fifteenth_round_sets_ask_of_sixteen_short_documents_and_of_the_plan() -> None:
    """gov14: the sixteen State Council documents the rounds before asked of least (replies to
    deputies' proposals, approvals, a science award, a holiday notice, a group's members, the
    Shenzhen Bay port), a third unanswerable, with document and which-document questions; plan9:
    the plan, with 17 unanswerable questions about things it discusses (one question that
    repeated an earlier set word for word was left out of gov14)."""
    _assert_gov_round(
        _load(GOV14_SET), size=79, docs=16, unanswerable=27, about_documents=18, no_doc_named=70
    )
    _assert_plan_round(_load(PLAN9_SET), size=55, unanswerable=17)


def test_sixteenth_round_sets_ask_of_sixteen_documents_about_themselves_and_of_the_plan() -> None:
    """gov15: sixteen State Council documents of the least asked half (approvals, replies to a
    province's requests, earthquake reports, a roster, a guiding opinion), weighted to what the
    bars still miss: unanswerable questions (more than a third) and questions about the document
    itself or which document says something (a quarter); plan10: the plan, with 17 unanswerable
    questions about things it discusses."""
    _assert_gov_round(
        _load(GOV15_SET), size=80, docs=16, unanswerable=30, about_documents=21, no_doc_named=64
    )
    _assert_plan_round(_load(PLAN10_SET), size=55, unanswerable=17)


def test_seventeenth_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov16: the sixteen State Council documents the rounds before asked of least (replies to
    deputies' and members' proposals on government websites, a premier's blog and a hotline, the
    Universiade bids, the Boao medical zone, the abandoned chemical weapons, a holiday notice, the
    science awards, the pollution census group, the vocational education meeting, the income tax
    deductions, cotton-for-grain rewards), a third unanswerable, a quarter about the document
    itself or which document; plan11: the plan, with 18 unanswerable questions about things it
    discusses."""
    _assert_gov_round(
        _load(GOV16_SET), size=80, docs=16, unanswerable=28, about_documents=20, no_doc_named=73
    )
    _assert_plan_round(_load(PLAN11_SET), size=55, unanswerable=18)


def test_eighteenth_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov17: the sixteen State Council documents the rounds before asked of least (replies to
    deputies' and members' proposals, the Universiade and winter games bids, a relocation approval,
    the Xinjiang innovation zone, the Shenzhen Bay port, the Boao medical zone, gold policy, a
    decree, the State Council's working rules, the mine disasters, praise after an inspection), a
    third unanswerable, a quarter about the document itself or which document; plan12: the plan,
    with 18 unanswerable questions about things it discusses (one question that repeated an earlier
    set word for word was left out of gov17)."""
    _assert_gov_round(
        _load(GOV17_SET), size=79, docs=16, unanswerable=28, about_documents=20, no_doc_named=69
    )
    _assert_plan_round(_load(PLAN12_SET), size=55, unanswerable=18)


def test_nineteenth_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov18: the sixteen State Council documents the rounds before asked of least (government
    new media, an armed police move, the government website pilot, public hospital appraisal,
    replies to deputies' and members' proposals, the Shenzhen Universiade bid, the 2019 holidays,
    the abandoned chemical weapons, water saving by science, innovation reforms, the 2018 science
    awards, cotton-for-grain rewards, the pollution census group, the income tax deductions), a
    third unanswerable, a fifth about the document itself or which document; plan13: the plan,
    with 16 unanswerable questions about things it discusses (three questions that repeated
    earlier sets word for word were left out)."""
    _assert_gov_round(
        _load(GOV18_SET), size=87, docs=16, unanswerable=30, about_documents=20, no_doc_named=76
    )
    _assert_plan_round(_load(PLAN13_SET), size=53, unanswerable=16)


def test_twentieth_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov19: the sixteen State Council documents the rounds before asked of least (patent
    agents, the Urumqi innovation zone, joint random inspections, the Guangdong-Hong Kong-Macao
    weather stations, the vocational education joint meeting, a reply to a deputy's proposal, the
    Shenzhen Bay port, fire and rescue number plates, the Boao medical pilot, the Harbin Universiade
    bid, a reply to a member's proposal, the income tax regulations, four coal mine explosions, the
    fifth inspection's praise, the State Council's working rules, gold policy), a third
    unanswerable, a fifth about the document itself or which document; plan14: the plan, with 16
    unanswerable questions about things it discusses, most on measures near its middle and end
    (four questions that repeated earlier sets word for word were left out of the two)."""
    _assert_gov_round(
        _load(GOV19_SET), size=87, docs=16, unanswerable=28, about_documents=16, no_doc_named=78
    )
    _assert_plan_round(_load(PLAN14_SET), size=54, unanswerable=16)


def test_twenty_first_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov20: the sixteen State Council documents the rounds before asked of least (public
    hospital appraisal, government new media, a move of the armed police, replies to deputies'
    and members' proposals, the Shenzhen Universiade bid, the 2019 holidays, Hubei's report, the
    Urumqi innovation zone, the government website pilot, the 2018 science awards, abandoned
    chemical weapons, water saving, cotton-for-grain rewards), a third unanswerable, a sixth about
    the document itself or which document; plan15: the plan, with 14 unanswerable questions about
    things it discusses, most on its later measures and closing safeguards (six questions that
    repeated earlier sets, one word for word and five but for punctuation, were left out)."""
    _assert_gov_round(
        _load(GOV20_SET), size=89, docs=16, unanswerable=28, about_documents=16, no_doc_named=82
    )
    _assert_plan_round(_load(PLAN15_SET), size=51, unanswerable=14)


def test_twenty_second_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov21: the sixteen State Council documents the rounds before asked of least (the second
    batch of innovation reforms, the special additional deductions of individual income tax,
    Sichuan's report, the patent agency regulations, fire rescue plates, the vocational education
    joint meeting, the pollution census group, the Guangdong–Hong Kong–Macao weather stations,
    the Shenzhen Bay port area, the textbook committee, Tibet classes in the interior, the Boao
    pilot zone, the Harbin Universiade bid, a reply to a CPPCC proposal, the Olympic airport
    committee, gold policy), nearly a third unanswerable, a sixth about the document itself or
    which document; plan16: the plan, section by section, with 15 unanswerable questions about
    things it discusses (one question that repeated an earlier set but for punctuation was left
    out of gov21)."""
    _assert_gov_round(
        _load(GOV21_SET), size=93, docs=16, unanswerable=29, about_documents=17, no_doc_named=88
    )
    _assert_plan_round(_load(PLAN16_SET), size=52, unanswerable=15)


def test_twenty_third_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov22: the sixteen State Council documents the rounds before asked of least (market
    supervision's joint random inspections, abandoned chemical weapons, three replies to deputies'
    proposals and one to a CPPCC proposal on government websites, the Shenzhen Universiade bid,
    the 2019 holidays, the Guangdong–Hong Kong–Macao weather stations, a move of the armed police,
    four coal mine gas explosions, the 1997 earthquake outlook, the Urumqi innovation zone, the
    vocational education joint meeting, the fifth State Council inspection's commendations, the
    pollution census group), nearly a third unanswerable, a fifth about the document itself or
    which document; plan17: the plan, from every section, with 15 unanswerable questions about
    things it discusses."""
    _assert_gov_round(
        _load(GOV22_SET), size=93, docs=16, unanswerable=28, about_documents=20, no_doc_named=81
    )
    _assert_plan_round(_load(PLAN17_SET), size=52, unanswerable=15)


def test_twenty_fourth_round_sets_ask_of_the_sixteen_least_asked_documents_and_of_the_plan() -> None:
    """gov23: the sixteen State Council documents every set before asked of least (vocational
    education reform, "zero-waste" cities, comprehensive bonded zones, the 2018 science awards,
    cotton-for-grain rewards, the textbook committee, Hubei's and Liaoning's reports, Tibet classes,
    farm machinery, consumption for poverty relief, drug procurement, incentives for places that
    deliver, the Xiong'an plan, earthquake monitoring zones, the Badong landslide), nearly a third
    unanswerable, a sixth about the document itself or which document, a sixth paraphrases;
    plan18: the plan asked as new staff ask, in their own words (one question of gov23 and three
    of plan18 that repeated earlier sets but for punctuation were left out)."""
    _assert_gov_round(
        _load(GOV23_SET), size=92, docs=16, unanswerable=27, about_documents=16, no_doc_named=18
    )
    _assert_plan_round(_load(PLAN18_SET), size=48, unanswerable=12)


def test_twenty_fifth_round_sets_ask_of_the_least_asked_documents_for_their_length_and_of_the_plan() -> None:
    """gov24: the sixteen State Council documents every set before asked of least for their
    length (vocational education reform, public hospital assessment, "zero-waste" cities, drug
    procurement, consumption for poverty relief, law-enforcement transparency, farm machinery,
    cultural enterprises, financing guarantees, the individual income tax regulation, sports
    events, incentives for places that deliver, the grain emergency plan, the Shenzhen Bay port,
    the State Council's working rules, the pilot free trade zones), nearly a third unanswerable,
    a sixth about the document itself or which document, a sixth paraphrases in everyday words;
    plan19: the plan, from every section, in new staff's own words (one question of gov24 and
    four of plan19 that repeated earlier sets but for punctuation were left out)."""
    _assert_gov_round(
        _load(GOV24_SET), size=91, docs=16, unanswerable=27, about_documents=16, no_doc_named=17
    )
    _assert_plan_round(_load(PLAN19_SET), size=46, unanswerable=10)


def test_twenty_sixth_round_sets_ask_of_the_least_asked_documents_for_their_length_and_of_the_plan() -> None:
    """gov25: the sixteen State Council documents every set before asked of least for their
    length (gov24's, with the Badong landslide reply in place of the drug procurement pilot), more than a quarter unanswerable, about a sixth about the document itself or which
    document, about a sixth paraphrases in everyday words; plan20: the plan, in new staff's own
    words (five questions of gov25 and eleven of plan20 that nearly repeated earlier sets were
    left out)."""
    _assert_gov_round(
        _load(GOV25_SET), size=87, docs=16, unanswerable=25, about_documents=15, no_doc_named=12
    )
    _assert_plan_round(_load(PLAN20_SET), size=35, unanswerable=9)
