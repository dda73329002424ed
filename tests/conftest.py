"""Shared fixtures: a deterministic fake embedder and a small built index.

The fake embedder hashes character unigrams and bigrams into a fixed-size vector:
deterministic, offline, instant, and lexical enough that retrieval tests mean
something. Real models are exercised in the ``integration`` tier.
"""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "index" / "samples" / "dezhou-plan-2023.txt"
DATA = Path(__file__).resolve().parent / "data"
PUBLIC_QUESTIONS = ROOT / "evals" / "questions-public.jsonl"
MODELS = ROOT / ".cache" / "models"  # the converted e5 model: once per checkout, reused across runs
# the formats tier's converters (test_formats.py, test_table_plans.py)
needs_tools = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("chromium")),
    reason="LibreOffice and Chromium come with `make formats` and `make browser`",
)


class FakeEmbedder:
    name = "fake-bigram-hash"
    dim = 512

    def _vec(self, text: str) -> np.ndarray:
        t = unicodedata.normalize("NFKC", text).lower()
        v = np.zeros(self.dim, dtype=np.float32)
        grams = [t[i : i + 2] for i in range(len(t) - 1)] + list(t)
        for g in grams:
            if g.strip():
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                v[h % self.dim] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


@pytest.fixture(scope="session")
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def sample_text() -> str:
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        return f.read()


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder) -> Path:
    """A data directory with the bundled plan ingested (fake embedder). Read-only use."""
    from index.ingest import ingest

    home = tmp_path_factory.mktemp("home")
    ingest([SAMPLE], home, fake_embedder)
    return home


@pytest.fixture()
def fresh_home(tmp_path: Path, built_home: Path) -> Path:
    """A writable copy of ``built_home``."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    return home


@pytest.fixture(scope="session")
def plan_index(built_home: Path, fake_embedder: FakeEmbedder):
    from index.plan_index import PlanIndex

    idx = PlanIndex(built_home, fake_embedder)
    yield idx
    idx.close()


@pytest.fixture(scope="session")
def real_embedder():
    """The real embedding model (integration tier only)."""
    from index.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(cache_dir=MODELS)


@pytest.fixture(scope="session")
def real_home(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Path:
    """The bundled plan indexed with the real model. Read-only use: copy it to change it."""
    from index.ingest import ingest

    home = tmp_path_factory.mktemp("real-home")
    report = ingest([SAMPLE], home, real_embedder)
    assert report.added == ["dezhou-plan-2023"] and report.total_chunks == 34
    return home


@pytest.fixture(scope="session")
def real_assistant(real_home: Path, real_embedder):
    """An assistant over ``real_home`` with the real model (integration tier only)."""
    from assistant.answering.session import Assistant
    from assistant.answering.settings import Settings

    a = Assistant(Settings(home=real_home), embedder=real_embedder)
    yield a
    a.close()


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):
    """The URL of a real Chroma server (``chroma run``) on loopback, for the whole session."""
    from assistant.evaluation.scale import chroma_server

    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as (url, _):
        yield url
