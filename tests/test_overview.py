"""The plan overview agrees with the task ledger, and every fact points at its source."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from assistant.answering.ledger import Ledger
from assistant.answering.overview import build_overview
from assistant.surfaces.webhtml import overview_html
from index.plan_index import PlanIndex
from tests.conftest import DATA


@pytest.fixture(scope="module")
def ledger(plan_index: PlanIndex) -> Ledger:
    return Ledger(plan_index)


def test_counts_agree_with_the_ledger(ledger: Ledger) -> None:
    [ov] = build_overview(ledger)
    tasks = ledger.tasks
    assert ov.measures == len(tasks) == 33
    assert ov.with_lead == sum(1 for t in tasks if t.lead)
    show = ledger.departments.display
    assert set(ov.departments) == {show(d) for t in tasks for d in (*t.lead, *t.support)}
    # every (department, measure) pair of the ledger is one cell, with the ledger's role
    pairs = {(show(d), i, "牵头") for i, t in enumerate(tasks) for d in t.lead}
    pairs |= {(show(d), i, "配合") for i, t in enumerate(tasks) for d in t.support if d not in t.lead}
    assert {(d, i, role) for (d, i), (role, _) in ov.roles.items()} == pairs
    for d in ledger.departments.canonical:
        lead = [i for (name, i), (role, _) in ov.roles.items() if name == show(d) and role == "牵头"]
        assert len(lead) == len(ledger.by_department(d, "lead"))
    assert len(ov.deadlines) == len(ledger.due_between()) == sum(len(t.measure.deadlines) for t in tasks)
    assert len(ov.targets) == sum(1 for t in tasks for x in t.measure.targets if x.year)
    months = ov.by_month()
    assert sum(len(rows) for _, rows in months) == len(ov.deadlines)
    assert [m for m, _ in months] == sorted(m for m, _ in months)
    for month, rows in months:  # a month's rows are exactly the ledger's items due that month
        last = f"{month}-31"
        assert len(rows) == len(ledger.due_between(f"{month}-01", last))


def test_what_the_plan_implements_is_read_from_its_opening(ledger: Ledger) -> None:
    [ov] = build_overview(ledger)
    assert ov.implements is not None
    assert ov.implements.text == "《山东省人民政府关于印发突破菏泽鲁西崛起三年行动计划(2023—2025年)的通知》"
    assert ov.basis_number is not None and ov.basis_number.text == "鲁政字〔2023〕18号"
    assert ov.number is None  # the plan's own number is not given
    assert ov.date is not None and ov.date.text == "2023-05-03"
    headline = [t for t in ov.targets if t.period == "到2025年"]
    assert any(t.metric == "全市高新技术企业" and t.value == "达到1000家" for t in headline)


def test_every_reference_is_an_exact_span(ledger: Ledger, plan_index: PlanIndex) -> None:
    [ov] = build_overview(ledger)
    source = plan_index.source_text(ov.doc_id)
    refs = [ov.implements, ov.basis_number, ov.date]
    refs += [r for area in ov.areas for r in area.measures]
    refs += [t.ref for t in ov.targets] + [d.ref for d in ov.deadlines]
    for ref in refs:
        assert ref is not None and source[ref.start : ref.end] == ref.text
    for (_, i), (_, ref) in ov.roles.items():  # a role cites its measure's responsibility note
        span = ledger.tasks[i].measure.resp_span
        assert span is not None and (ref.start, ref.end) == (span.start, span.end)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def test_the_html_shows_the_counts_and_links_every_item(ledger: Ledger, plan_index: PlanIndex) -> None:
    [ov] = build_overview(ledger)
    page = overview_html(ov, heat_limit=1000)
    assert re.search(rf'class="pq-n-measures">{ov.measures}<', page)
    assert re.search(rf'class="pq-n-depts">{len(ov.departments)}<', page)
    assert re.search(rf'class="pq-n-deadlines">{len(ov.deadlines)}<', page)
    parser = _Links()
    parser.feed(page)
    source = plan_index.source_text(ov.doc_id)
    # every measure title, target, deadline and heat-map cell is a link to a source span
    expected = (
        sum(len(a.measures) for a in ov.areas) + len(ov.targets) + len(ov.deadlines) + len(ov.roles) + 3
    )
    assert len(parser.links) == expected
    for href in parser.links:
        url = urlparse(href)
        assert url.path == "source" and not url.netloc
        q = parse_qs(url.query)
        start, end = int(q["start"][0]), int(q["end"][0])
        assert q["doc"] == [ov.doc_id] and 0 <= start < end <= len(source)


def test_a_plan_without_dates_or_departments_still_has_an_overview(tmp_path: Path, fake_embedder) -> None:
    from index.ingest import ingest

    ingest([DATA / "05.html"], tmp_path, fake_embedder)
    index = PlanIndex(tmp_path, fake_embedder)
    try:
        [ov] = build_overview(Ledger(index))
        assert ov.measures == len(index.measures[ov.doc_id])
        assert ov.number is not None and re.fullmatch(r".+〔\d{4}〕\d+号", ov.number.text)
        overview_html(ov)  # renders
    finally:
        index.close()
