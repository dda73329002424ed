"""HTML for the web chat: answers with openable citations, source passages, the overview.

Pure functions from PlanQA's types to HTML strings (every text escaped), so the
rendering is tested without a browser. Links to a source span go to the app's
``source`` page: ``source?doc=ID&start=S&end=E``.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from assistant.answering.conversation import Turn
from assistant.answering.overview import DocOverview, Ref, TargetRow
from assistant.answering.types import MARKER, Answer
from index.plan_index import PlanIndex

CONTEXT = 160  # characters of the paragraph shown on each side of a quote

CSS = """
.pq-refusal { border-left: 4px solid #d97706; background: #fff7ed; padding: 6px 10px; margin-bottom: 6px; }
.pq-refusal b { color: #b45309; }
.pq-rewrite { color: #6b7280; font-size: 0.9em; margin-bottom: 4px; }
.pq-marker { color: #2563eb; font-weight: 600; }
.pq-cites { margin-top: 8px; border-top: 1px solid #e5e7eb; padding-top: 6px; }
.pq-cite summary, .pq-near summary { cursor: pointer; color: #1d4ed8; }
.pq-copytext { display: none; }
.pq-mode { color: #6b7280; font-size: 0.85em; margin-top: 4px; }
.pq-copy { margin-top: 6px; font-size: 0.85em; color: #4b5563; border: 1px solid #d1d5db; border-radius: 4px;
           padding: 1px 8px; background: #fff; cursor: pointer; }
.pq-src { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 10px; margin: 4px 0 8px; }
.pq-src .pq-measure { font-weight: 600; margin-bottom: 4px; }
.pq-src mark, .pq-page mark { background: #fde68a; padding: 0 1px; }
.pq-ov table { border-collapse: collapse; margin: 6px 0 14px; }
.pq-ov th, .pq-ov td { border: 1px solid #e5e7eb; padding: 3px 6px; vertical-align: top; }
.pq-ov .pq-bar { display: inline-block; height: 12px; background: #60a5fa; vertical-align: middle; }
.pq-heat td.pq-lead { background: #1d4ed8; }
.pq-heat td.pq-support { background: #93c5fd; }
.pq-heat td { width: 14px; min-width: 14px; height: 14px; padding: 0; }
.pq-heat td a { display: block; width: 100%; height: 100%; }
.pq-heat th.pq-dept { text-align: right; white-space: nowrap; font-weight: normal; }
.pq-key span { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 3px 0 10px; }
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def source_url(doc: str, start: int, end: int) -> str:
    return "source?" + urlencode({"doc": doc, "start": start, "end": end})


def link(ref: Ref, label: str | None = None) -> str:
    url = source_url(ref.doc, ref.start, ref.end)
    return f'<a href="{esc(url)}" target="_blank" title="{esc(ref.text[:120])}">{esc(label or ref.text)}</a>'


def passage(index: PlanIndex, doc: str, start: int, end: int, context: int = CONTEXT) -> tuple[str, str]:
    """(measure title, HTML of the quote's paragraph with the quote in <mark>)."""
    source = index.source_text(doc)
    start, end = max(0, min(start, len(source))), max(0, min(end, len(source)))
    para_start = source.rfind("\n", 0, start) + 1
    para_end = source.find("\n", end)
    para_end = len(source) if para_end < 0 else para_end
    left = max(para_start, start - context)
    right = min(para_end, end + context)
    before = ("…" if left > para_start else "") + source[left:start]
    after = source[end:right] + ("…" if right < para_end else "")
    body = f"{esc(before.lstrip())}<mark>{esc(source[start:end])}</mark>{esc(after.rstrip())}"
    measure = next(
        (m for m in index.measures.get(doc, []) if m.span.start <= start < m.span.end),
        None,
    )
    return (measure.title if measure else ""), body


REFUSED = "⚠️ 未找到依据"

# The copy button of an answer copies the hidden .pq-copytext beside it (plain text with its sources),
# through one listener on the page: chat HTML carries no scripts of its own.
COPY_JS = """
() => {
  document.addEventListener('click', async (event) => {
    const button = event.target.closest && event.target.closest('.pq-copy');
    if (!button) return;
    const source = button.parentElement && button.parentElement.querySelector('.pq-copytext');
    const text = source ? source.textContent : '';
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {  // no clipboard API outside a secure context (plain http on a LAN)
      const area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    button.textContent = '已复制';
    setTimeout(() => { button.textContent = '复制回答'; }, 1500);
  });
}
"""


def answer_text(answer: Answer) -> str:
    """The answer as plain text, as it streams in: [n] markers, a refusal marked."""
    return ("⚠️ " if answer.refused else "") + answer.text


def copy_text(turn: Turn, index: PlanIndex) -> str:
    """What an answer's copy button copies (see ``plain_text``)."""
    return plain_text(turn.answer, index)


def plain_text(answer: Answer, index: PlanIndex) -> str:
    """An answer as plain text that stands on its own (a report, a chat client): the text
    with its [n] markers, a verification note, then each citation's document, measure
    and exact quote."""
    lines = [answer_text(answer)]
    if answer.note:
        lines.append(f"（{answer.note}）")
    if answer.citations:
        lines.append("")
        lines.append("依据：")
        for c in answer.citations:
            measure = f" {c.title}" if c.title else ""
            lines.append(f"[{c.n}] 《{index.doc_title(c.doc)}》{measure}：“{c.quote}”")
    return "\n".join(lines)


def answer_html(turn: Turn, index: PlanIndex, show_rewrite: bool = False, nearest: int = 3) -> str:
    """The chat message of one turn: the answer with [n] markers, each citation opening
    onto its quote highlighted in its paragraph with the measure's title; a refusal in a
    marked box with the closest passages; a copy button."""
    ans = turn.answer
    parts: list[str] = []
    if show_rewrite and turn.rewritten:
        parts.append(f'<div class="pq-rewrite">理解为：{esc(turn.resolved)}</div>')
    text = MARKER.sub(r'<span class="pq-marker">[\1]</span>', esc(ans.text)).replace("\n", "<br>")
    if ans.refused:
        near = []
        for h in ans.hits[:nearest]:
            title, body = passage(index, h.chunk.doc_id, h.chunk.start, min(h.chunk.end, h.chunk.start + 80))
            near.append(
                f'<details class="pq-near"><summary>{esc(h.chunk.measure_title or title or "—")}</summary>'
                f'<div class="pq-src"><p>{body}</p></div></details>'
            )
        parts.append(
            f'<div class="pq-refusal"><b>{REFUSED}</b>　<span class="pq-text">{text}</span>{"".join(near)}</div>'
        )
    else:
        parts.append(f'<div class="pq-text">{text}</div>')
    if ans.mode == "llm":
        parts.append(f'<div class="pq-mode">由模型生成，每句已按所引原文核验。{esc(ans.note)}</div>')
    if ans.citations:
        items = []
        for c in ans.citations:
            title, body = passage(index, c.doc, c.start, c.end)
            # with several documents indexed, each citation says which one it quotes
            doc = f"《{index.doc_title(c.doc)}》" if len(index.documents) > 1 else ""
            label = f"[{c.n}] {doc}{c.title or title}"
            items.append(
                f'<details class="pq-cite" data-n="{c.n}"><summary>{esc(label)}</summary>'
                f'<div class="pq-src"><div class="pq-measure">措施：{esc(title or c.title or "—")}'
                f"　·　《{esc(index.doc_title(c.doc))}》</div><p>{body}</p>"
                f'<a href="{esc(source_url(c.doc, c.start, c.end))}" target="_blank">在原文中查看</a>'
                f"（{_where(c.page, c.start, c.end)}）</div></details>"
            )
        parts.append('<div class="pq-cites">依据：' + "".join(items) + "</div>")
    copy = esc(copy_text(turn, index)).replace("\n", "&#10;")  # no blank line: it would end the HTML block
    parts.append(f'<button class="pq-copy">复制回答</button><pre class="pq-copytext">{copy}</pre>')
    return "\n".join(parts)


def source_page(index: PlanIndex, doc: str, start: int, end: int) -> str:
    """The source page: document title, measure title, the span highlighted in its paragraph."""
    if doc not in index.documents:
        return f"<p>没有编号为 {esc(doc)} 的文件。</p>"
    title, body = passage(index, doc, start, end, context=600)
    return (
        f'<div class="pq-page"><h3>《{esc(index.doc_title(doc))}》</h3>'
        f"<p><b>措施：</b>{esc(title or '（不在任何措施内）')}　"
        f"<small>{_where(index.page_of(doc, start), start, end)}</small></p>"
        f'<div class="pq-src"><p>{body}</p></div></div>'
    )


def _where(page: int | None, start: int, end: int) -> str:
    """Where a quote is: its page in a paged file (pdf, ofd), and its characters."""
    return f"第 {page} 页，字符 {start}–{end}" if page else f"字符 {start}–{end}"


def overview_html(ov: DocOverview, heat_limit: int = 25) -> str:
    """One document's overview: header, areas and measures, targets, timeline, heat map."""
    out = [f'<div class="pq-ov" data-doc="{esc(ov.doc_id)}"><h2>《{esc(ov.title)}》</h2><ul>']
    if ov.implements is not None:
        basis = f"（{link(ov.basis_number)}）" if ov.basis_number else ""
        out.append(f"<li>贯彻落实：{link(ov.implements)}{basis}</li>")
    if ov.number is not None:
        out.append(f"<li>文号：{link(ov.number)}</li>")
    if ov.date is not None:
        out.append(f"<li>日期：{link(ov.date)}</li>")
    out.append(
        f'<li>共 <b class="pq-n-measures">{ov.measures}</b> 项措施，'
        f'其中 <b class="pq-n-lead">{ov.with_lead}</b> 项写明牵头单位；'
        f'涉及 <b class="pq-n-depts">{len(ov.departments)}</b> 个部门；'
        f'量化目标 <b class="pq-n-targets">{len(ov.targets)}</b> 项；'
        f'有日期的节点 <b class="pq-n-deadlines">{len(ov.deadlines)}</b> 个。</li></ul>'
    )
    out.append("<h3>领域与措施</h3>")
    for area in ov.areas:
        items = "、".join(link(r) for r in area.measures)
        out.append(
            f"<details><summary>{esc(area.name or '全部措施')}（{len(area.measures)} 项）</summary>"
            f"<p>{items}</p></details>"
        )
    if ov.targets:
        # the headline: targets for the end of the plan's period ("到2025年"); the rest folded
        headline = [t for t in ov.targets if t.period.startswith("到")] or ov.targets
        others = [t for t in ov.targets if t not in headline]
        out.append(f"<h3>主要目标（{len(headline)} 项）</h3>" + _targets_table(headline))
        if others:
            out.append(
                f"<details><summary>年度及其他目标（{len(others)} 项）</summary>{_targets_table(others)}</details>"
            )
    months = ov.by_month()
    if months:
        most = max(len(rows) for _, rows in months)
        out.append(
            '<h3>时间节点（按月）</h3><table class="pq-timeline"><tr><th>月份</th><th>到期</th><th>事项</th></tr>'
        )
        for month, rows in months:
            bar = (
                f'<span class="pq-bar" style="width:{max(8, 120 * len(rows) // most)}px"></span> {len(rows)}'
            )
            items = "<br>".join(
                f"{esc(r.when)}　{esc(r.measure)}：{link(r.ref, _clip(r.item, 40))}" for r in rows
            )
            out.append(
                f'<tr data-month="{esc(month)}"><td>{esc(month)}</td><td>{bar}</td><td>{items}</td></tr>'
            )
        out.append("</table>")
    if ov.roles:
        out.append(_heat(ov, heat_limit))
    out.append("</div>")
    return "".join(out)


def _targets_table(rows: list[TargetRow]) -> str:
    body = "".join(
        f"<tr><td>{esc(t.period)}</td><td>{link(t.ref, t.metric or t.ref.text)}</td>"
        f"<td>{esc(t.value)}</td><td>{esc(t.measure)}</td></tr>"
        for t in rows
    )
    return f'<table class="pq-targets"><tr><th>时间</th><th>指标</th><th>目标值</th><th>措施</th></tr>{body}</table>'


def _heat(ov: DocOverview, limit: int) -> str:
    depts = ov.departments[:limit]
    rest = len(ov.departments) - len(depts)
    head = "".join(f'<th title="{esc(t)}">{i + 1}</th>' for i, t in enumerate(ov.measure_titles))
    rows = []
    for d in depts:
        cells = []
        for i, title in enumerate(ov.measure_titles):
            role_ref = ov.roles.get((d, i))
            if role_ref is None:
                cells.append("<td></td>")
                continue
            role, ref = role_ref
            cls = "pq-lead" if role == "牵头" else "pq-support"
            tip = f"{d}　{role}　{i + 1}.{title}"
            url = source_url(ref.doc, ref.start, ref.end)
            cells.append(
                f'<td class="{cls}"><a href="{esc(url)}" target="_blank" title="{esc(tip)}"></a></td>'
            )
        rows.append(f'<tr><th class="pq-dept">{esc(d)}</th>{"".join(cells)}</tr>')
    more = f"<p>另有 {rest} 个部门未列出（见“任务台账”）。</p>" if rest > 0 else ""
    return (
        '<h3>部门 × 措施</h3><p class="pq-key">列为措施序号（悬停看名称），'
        '<span style="background:#1d4ed8"></span>牵头<span style="background:#93c5fd"></span>配合</p>'
        f'<div style="overflow-x:auto"><table class="pq-heat"><tr><th></th>{head}</tr>{"".join(rows)}</table></div>'
        f"{more}"
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
