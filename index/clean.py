"""Remove scraped boilerplate from a document's text, keeping an offset map to the source.

Cleaning only ever *drops* ranges of the source text (whole lines or a spam string
inside a line); it never rewrites characters. The cleaned text is therefore a
concatenation of source slices, and every cleaned offset maps back exactly.

What is detected, generically (no strings of any particular page are listed):

- **repeated junk**: a short line without sentence punctuation that occurs two or
  more times (SEO spam, navigation repeated around the article); also where it is
  glued to the front of another line;
- **site chrome**: short lines made of web-page metadata fields
  ("栏目:… 发布时间:2023-05-03", "来源：… 作者：…") or page controls (打印/关闭窗口);
- **duplicated teasers**: a line near the top whose pieces all reappear later in the
  document (a listing page's truncated summary of the title and opening).

It does not touch the body's wording, numbering or punctuation: that is parsing's job.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

_WS = " \t\r\n\u3000\xa0\ufeff"
_SENTENCE_PUNCT = re.compile(r"[。，,；;！!？?：:]")
_META_FIELD = re.compile(
    r"(栏目|发布时间|发布日期|发文日期|来源|信息来源|作者|编辑|责任编辑|浏览次数|浏览量|点击数|点击量|阅读量|访问量|字号|分享到)\s*[:：]"
)
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}")
_CONTROL = r"(打印本页|打印|关闭窗口|关闭|返回顶部|返回|分享到|分享|收藏|字号|大\s*中\s*小|扫一扫[^。]*|上一篇|下一篇)"
# a line made only of page controls: "【打印】【关闭】", "打印本页 关闭窗口"
_CHROME = re.compile(rf"^(?:[\s【\[(（]*{_CONTROL}[\s】\]）)|｜]*)+$")
# breadcrumbs: "首页 > 政策文件 > 通知公告"
_BREADCRUMB = re.compile(r"^[^。，,；;]{1,20}(\s*[>›»＞]\s*[^。，,；;>›»＞]{1,20}){1,6}$")
_NUMBERED = re.compile(
    r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+(\.\d+)*[\s\u3000.．、]|第.{1,4}[章节条部分])"
)
# an issuing body's name standing alone (header or signature of an official document)
_ISSUER = re.compile(r"(政府|办公厅|办公室|委员会|领导小组|[部厅局院委署办])$")
_SEGMENT_SPLIT = re.compile(r"[ \t\u3000\xa0]{2,}")

# Teasers sit at the top of a scraped page; only look there (also keeps cleaning linear).
_TEASER_WINDOW = 4000
_MIN_TEASER_LEN = 30
_MIN_SEGMENT = 6
_MAX_JUNK_LEN = 40


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text plus the map back to the source it was cut from."""

    text: str
    # (clean_start, source_start, length) for each kept source slice, in order
    pieces: tuple[tuple[int, int, int], ...]
    # (source_start, source_end, reason) for each dropped range
    removed: tuple[tuple[int, int, str], ...] = ()
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(p[0] for p in self.pieces))

    def to_source(self, i: int) -> int:
        """Source offset of the cleaned character at ``i`` (``i == len(text)`` allowed)."""
        if not self.pieces:
            return 0
        k = bisect.bisect_right(self._starts, i) - 1
        k = max(k, 0)
        cs, ss, n = self.pieces[k]
        return ss + min(i - cs, n)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source ``(start, end)`` for the cleaned range ``[start, end)``.

        The end maps from the last included character, so a range that ends at a
        piece boundary does not swallow the dropped text that follows it.
        """
        if end <= start:
            s = self.to_source(start)
            return s, s
        return self.to_source(start), self.to_source(end - 1) + 1


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, newline included in end."""
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        out.append((pos, pos + len(line)))
        pos += len(line)
    return out


def _is_junk_candidate(s: str) -> bool:
    """Short, no sentence punctuation, not a table row, not a numbered heading."""
    return (
        4 <= len(s) <= _MAX_JUNK_LEN
        and not _SENTENCE_PUNCT.search(s)
        and "\t" not in s
        and not _NUMBERED.match(s)
        and not _ISSUER.search(s)
    )


def _foreign_to(line: str, stripped: list[str]) -> bool:
    """Most of ``line``'s character pairs occur in no other line of the document
    (ignoring its own copies and headlines it is glued to): it is not about what the
    document is about (SEO spam), unlike a repeated heading, an issuer's name or a
    place name, whose words the body uses too."""
    rest = "\n".join(
        other for other in stripped if other != line and not (other.startswith(line) and "。" not in other)
    )
    pairs = {line[i : i + 2] for i in range(len(line) - 1)}
    pairs = {p for p in pairs if not p.isspace()}
    if not pairs:
        return False
    return sum(1 for p in pairs if p in rest) < 0.5 * len(pairs)


def _is_site_chrome(s: str) -> bool:
    if len(s) > 80 or "。" in s:
        return False
    if _CHROME.match(s) or _BREADCRUMB.match(s):
        return True
    fields = _META_FIELD.findall(s)
    return len(fields) >= 2 or (len(fields) == 1 and bool(_DATE.search(s)))


def _is_teaser(s: str, later: str) -> bool:
    """All substantial pieces of ``s`` reappear in the text after it."""
    if len(s) < _MIN_TEASER_LEN or "\t" in s:  # table rows repeat their headers
        return False
    segments = [seg.strip(_WS) for seg in _SEGMENT_SPLIT.split(s)]
    segments = [seg for seg in segments if len(seg) >= _MIN_SEGMENT]
    if not segments or sum(map(len, segments)) < 0.8 * len(s):
        return False
    return all(seg in later for seg in segments)


def clean_text(source: str) -> Cleaned:
    """Drop boilerplate lines and spam strings from ``source``; see the module docstring."""
    lines = _lines(source)
    stripped = [source[a:b].strip(_WS) for a, b in lines]

    counts = Counter(s for s in stripped if _is_junk_candidate(s))
    junk = {s for s, c in counts.items() if c >= 2 and _foreign_to(s, stripped)}

    drop: list[tuple[int, int, str]] = []
    for (a, b), s in zip(lines, stripped):
        if not s:
            continue
        if s in junk:
            drop.append((a, b, "repeated junk line"))
        elif _is_site_chrome(s):
            drop.append((a, b, "site header"))
        elif a < _TEASER_WINDOW and _is_teaser(s, source[b:]):
            drop.append((a, b, "duplicated teaser"))
        else:
            drop.extend(_junk_inside(source, a, b, s, junk))
    return _build(source, drop)


def _junk_inside(source: str, a: int, b: int, s: str, junk: set[str]) -> list[tuple[int, int, str]]:
    """Junk strings glued into a longer line: drop the line when what is left is
    only a headline (no full sentence), else drop just the junk string."""
    line = source[a:b]
    found = [(m.start(), m.end()) for j in junk for m in re.finditer(re.escape(j), line)]
    if not found:
        return []
    rest = s
    for j in junk:
        rest = rest.replace(j, "")
    if "。" not in rest and len(rest) < 60:
        return [(a, b, "line led by repeated junk")]
    return [(a + x, a + y, "repeated junk string") for x, y in sorted(found)]


def _build(source: str, drop: list[tuple[int, int, str]]) -> Cleaned:
    drop.sort()
    pieces: list[tuple[int, int, int]] = []
    parts: list[str] = []
    pos = 0  # source position
    clean_pos = 0
    for a, b, _ in drop:
        if a > pos:
            pieces.append((clean_pos, pos, a - pos))
            parts.append(source[pos:a])
            clean_pos += a - pos
        pos = max(pos, b)
    if pos < len(source):
        pieces.append((clean_pos, pos, len(source) - pos))
        parts.append(source[pos:])
    return Cleaned(text="".join(parts), pieces=tuple(pieces), removed=tuple(drop))
