"""Crash safety: an ingest killed with SIGKILL at any point — while embedding, while
writing its records or the BM25 index, just before or just after the switch to the new
generation, or at a random moment — leaves an index that answers exactly as before (or,
killed after the switch, the complete new one), and the next ingest succeeds and clears
what the dead writer left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from index import store
from index.ingest import ingest
from tests.conftest import DATA, ROOT, FakeEmbedder

QUESTION = "强化能源保障谁牵头？"
NEW = ["05", "10", "15", "52"]

# Run in a child process: arm one kill point, then ingest. The kill points patch the
# functions the writer calls (no hook in the product code).
CHILD = r"""
import os, signal, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from tests.conftest import FakeEmbedder
from index import store
import index.ingest as ingest_module
from index.ingest import ingest

point, home, paths = sys.argv[2], Path(sys.argv[3]), sys.argv[4:]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

class Embedder(FakeEmbedder):
    calls = 0
    def embed_documents(self, texts):
        Embedder.calls += 1
        if point == "embed" and Embedder.calls == 2:
            die()
        time.sleep(0.2 if point == "timed" else 0)
        return super().embed_documents(texts)

if point == "records":
    real_write_json = store._write_json
    def write_json(path, data):
        if path.name == "measures.json":  # sources and documents.json written, the rest not
            die()
        real_write_json(path, data)
    store._write_json = write_json
elif point == "bm25":
    store.BM25Store.save = die
elif point in ("switch", "prune"):
    real_replace = os.replace
    def replace(src, dst):
        if Path(dst).name == "CURRENT" and point == "switch":
            die()
        real_replace(src, dst)
        if Path(dst).name == "CURRENT":
            die()  # "prune": the new generation is live, the old ones not yet deleted
    store.os.replace = replace
ingest(paths, home, Embedder())
"""


def _state(home: Path) -> tuple[list[str], str, list[tuple[int, int]]]:
    a = Assistant(Settings(home=home), embedder=FakeEmbedder())
    try:
        ans = a.ask(QUESTION)
        return sorted(a.index.documents), ans.text, [(c.start, c.end) for c in ans.citations]
    finally:
        a.close()


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "new"
    folder.mkdir()
    for stem in NEW:
        shutil.copy(DATA / f"{stem}.html", folder / f"{stem}.html")
    return folder


@pytest.mark.parametrize("point", ["embed", "records", "bm25", "switch", "prune", "timed"])
def test_a_killed_ingest_loses_nothing(point: str, fresh_home: Path, corpus: Path) -> None:
    before = _state(fresh_home)
    cmd = [sys.executable, "-c", CHILD, str(ROOT), point, str(fresh_home), str(corpus)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if point == "timed":  # killed from outside, while it embeds (each batch sleeps 0.2 s)
        deadline = time.monotonic() + 60
        while not any(store.index_root(fresh_home).glob("gen-*/chroma/*")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()  # type: ignore[union-attr]

    after = _state(fresh_home)
    if point == "prune":  # killed after the switch: the new generation, whole
        assert after[0] == sorted(["dezhou-plan-2023", *NEW]) and after[1:] == before[1:]
    else:
        assert after == before  # the previous index, answering exactly as before

    report = ingest([corpus], fresh_home, FakeEmbedder())
    assert not report.failed
    assert sorted(report.added + report.unchanged) == NEW
    assert _state(fresh_home)[0] == sorted(["dezhou-plan-2023", *NEW])
    root = store.index_root(fresh_home)
    assert len(list(root.glob("gen-*"))) <= 2  # the dead writer's half-built generation is gone
    assert not list(root.glob(".CURRENT.*"))
