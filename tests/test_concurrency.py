"""Load test (bounded, loopback only): 20 clients ask through the web app and the
OpenAI-compatible API for 60 s while an ingest of 44 documents runs, all on the real
embedding model. Zero errors, every answer complete; throughput and p95 are printed
(``pytest -s``) and written to ``<tmp>/load.json``."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.session import Assistant
from assistant.answering.settings import Settings
from assistant.evaluation.scale import make_variants
from assistant.surfaces.api import build_api
from assistant.surfaces.web import build_app, start
from tests.conftest import DATA
from tests.test_api import Server, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIENTS = 20
SECONDS = 60
# question -> words its complete answer contains
QUESTIONS = {
    "强化能源保障谁牵头？": "市发展改革委牵头负责",
    "到2025年，全市高新技术企业要达到多少家？": "1000家",
    "京杭运河复航的目标是什么？": "京杭运河",
    "市财政局作为配合单位参与了哪些工作？": "共16项",
    "加强科技创新主体培育的牵头单位是谁？": "市科技局",
}


def test_twenty_clients_for_a_minute_while_ingesting(
    tmp_path: Path, real_home: Path, real_embedder: Any
) -> None:
    import shutil

    import httpx
    from gradio_client import Client

    home = tmp_path / "home"
    shutil.copytree(real_home, home)
    assistant = Assistant(Settings(home=home), embedder=real_embedder)
    source = assistant.index.source_text("dezhou-plan-2023")
    app = build_app(assistant)
    port = free_port()
    start(app, "127.0.0.1", port)
    api = Server(build_api(assistant))
    docs = [str(DATA / f"{s}.html") for s in ("05", "10", "15", "52")]
    docs += make_variants(docs, 40, tmp_path / "variants")

    results: list[tuple[str, float]] = []  # (surface, seconds)
    errors: list[str] = []
    ingest_report: list[Any] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def check(question: str, text: str, citations: list[dict[str, Any]]) -> None:
        assert QUESTIONS[question] in text, (question, text[:200])
        assert citations, question
        for c in citations:
            if c["doc"] == "dezhou-plan-2023":
                assert source[c["start"] : c["end"]] == c["quote"]

    def client(n: int) -> None:
        questions = list(QUESTIONS)
        web = Client(f"http://127.0.0.1:{port}/", verbose=False) if n % 2 else None
        http = httpx.Client(timeout=120)
        i = n
        while time.monotonic() < stop:
            q = questions[i % len(questions)]
            i += 1
            t0 = time.monotonic()
            try:
                surface = _ask_once(q, web, http, api.url, check)
            except Exception as e:  # every failure is recorded, and fails the test
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")
                continue
            with lock:
                results.append((surface, time.monotonic() - t0))
        http.close()

    def ingester() -> None:
        time.sleep(5)
        ingest_report.append(assistant.ingest(docs))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    writer = threading.Thread(target=ingester)
    t0 = time.monotonic()
    for t in [*threads, writer]:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + 300)
    elapsed = time.monotonic() - t0  # the clients' minute (and their last answers)
    writer.join(timeout=600)
    ingest_s = time.monotonic() - t0 - 5
    api.stop()
    app.close()

    report = ingest_report[0] if ingest_report else None
    figures = _figures(results, len(errors), elapsed, report, ingest_s)
    (tmp_path / "load.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\nload test:", json.dumps(figures, ensure_ascii=False))
    assert not errors, errors[:5]
    assert report is not None and len(report.added) == 44 and not report.failed
    assert figures["web"]["answers"] >= 20 and figures["api"]["answers"] >= 20
    # after the ingest the new documents answer too, from both surfaces' shared index
    assert len(assistant.index.documents) == 45
    assistant.close()


def _ask_once(q: str, web: Any, http: Any, api_url: str, check: Any) -> str:
    """One question asked of the web chat (``web``, a Gradio client) or else of the API, its
    answer checked; the surface that answered."""
    if web is not None:
        d = web.predict(q, "dezhou-plan-2023", "", api_name="/ask")
        check(q, d["answer"], d["citations"])
        return "web"
    r = http.post(
        f"{api_url}/chat/completions",
        json={"model": "planqa", "messages": [{"role": "user", "content": q}], "doc": "dezhou-plan-2023"},
    )
    assert r.status_code == 200, r.text
    m = r.json()["choices"][0]["message"]
    check(q, m["content"], m["citations"])
    return "api"


def _figures(
    results: list[tuple[str, float]], errors: int, elapsed: float, report: Any, ingest_s: float
) -> dict[str, Any]:
    """Answers, answers a second and latency percentiles per surface, and the ingest's figures."""

    def pct(values: list[float], q: float) -> float:
        s = sorted(values)
        return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else 0.0

    figures: dict[str, Any] = {"clients": CLIENTS, "seconds": round(elapsed, 1), "errors": errors}
    for surface in ("web", "api"):
        lat = [s for w, s in results if w == surface]
        figures[surface] = {
            "answers": len(lat),
            "per_second": round(len(lat) / elapsed, 2),
            "p50_ms": round(pct(lat, 0.5) * 1000),
            "p95_ms": round(pct(lat, 0.95) * 1000),
        }
    figures["ingest"] = {
        "documents": len(report.added) if report else 0,
        "chunks": report.chunks_embedded if report else 0,
        "seconds": round(ingest_s, 1),
    }
    return figures
