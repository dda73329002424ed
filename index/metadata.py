"""A document's own particulars, when its text states them: issuer, number, date;
and the collection it is filed in (named by whoever ingests it).

- **number** (发文字号, "国发〔2019〕5号"; a decree's "国令第706号"): a line of its own near
  the top. A number inside
  the text ("贯彻落实《…》(鲁政字〔2023〕18号)") is another document's, not this one's.
- **issuer**: the title's "X关于…" (国务院办公厅关于…), else the signature line above
  the closing date ("国务院 / 2019年1月27日").
- **date**: the closing date line in the last lines, else a date line near the top.

Empty strings when the text does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from itertools import pairwise

_NUMBER_LINE = re.compile(r"^[\u4e00-\u9fff]{1,12}(?:〔\d{4}〕\d{1,4}号|第\d{1,5}号)$")
_DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_ORGAN = r"(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|国务院|政府|部|委|局|厅|署)"
_TITLE_ISSUER = re.compile(rf"^([\u4e00-\u9fff、]{{0,24}}?{_ORGAN})(?:关于|印发|转发|批转|对)")
_SIGNATURE = re.compile(rf"^[\u4e00-\u9fff、]{{2,40}}{_ORGAN}$")

_DECREE = re.compile(r"^(?:中华人民共和国)?([\u4e00-\u9fff]{2,12})令$")

HEAD_LINES = 12
TAIL_LINES = 12


@dataclass(frozen=True)
class DocMeta:
    issuer: str = ""
    number: str = ""
    date: str = ""  # ISO, YYYY-MM-DD


FIELDS = tuple(f.name for f in fields(DocMeta))  # as they are kept in a document's record


def _lines(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s]


_CN_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0}
_CN_DATE_LINE = re.compile(
    r"^([〇○Ｏ零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$"
)


def _cn_number(text: str) -> int:
    """一 … 三十一 (a month's or a day's number written in characters)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def is_number_line(line: str) -> bool:
    """The line is a document number ("国办发明电〔2018〕15号", "第706号")."""
    return bool(_NUMBER_LINE.match(line.strip()))


def date_of_line(line: str) -> str:
    """The ISO date a date line states ("2019年1月27日", "二〇〇五年六月十一日"), else ""."""
    m = _DATE_LINE.match(line)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    m = _CN_DATE_LINE.match(line)
    if m:
        year = int("".join(str(_CN_DIGITS[ch]) for ch in m.group(1)))
        month, day = _cn_number(m.group(2)), _cn_number(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def decree_at(lines: list[str]) -> int | None:
    """Where a decree's heading stands among ``lines`` (stripped): "中华人民共和国国务院令" over
    "第706号"; None for any other document."""
    return next(
        (
            i
            for i, (a, b) in enumerate(pairwise(lines))
            if _DECREE.match(a) and re.fullmatch(r"第\d{1,5}号", b)
        ),
        None,
    )


def doc_meta(text: str, title: str = "") -> DocMeta:
    lines = _lines(text)
    head, tail = lines[:HEAD_LINES], lines[-TAIL_LINES:]
    number = next((s for s in head if _NUMBER_LINE.match(s)), "")
    date, issuer = "", ""
    at = decree_at(head)
    decree = _DECREE.match(head[at]) if at is not None else None
    if at is not None and decree is not None:  # a decree: "中华人民共和国国务院令" / "第706号"
        organ = decree.group(1)
        number = ("国令" if organ == "国务院" else organ + "令") + head[at + 1]
        issuer = organ
    for i in range(len(tail) - 1, -1, -1):
        date = date_of_line(tail[i])
        if date:
            if i > 0 and _SIGNATURE.match(tail[i - 1]):
                issuer = tail[i - 1]
            break
    if not date:
        date = next((d for s in head if (d := date_of_line(s))), "")
    if not date:  # signed above attachments longer than the tail (tables, figures of a form)
        date = next((d for s in reversed(lines) if (d := date_of_line(s))), "")
    t = _TITLE_ISSUER.match(re.sub(r"\s+", "", title or (head[0] if head else "")))
    if t:
        issuer = t.group(1)
        # the date it signs with, where attachments signed by others follow it (a report it
        # forwards, an expert group's opinion): their dates are theirs, not the document's
        signed = next(
            (d for a, b in pairwise(lines) if re.sub(r"\s+", "", a) == issuer and (d := date_of_line(b))), ""
        )
        date = signed or date
    return DocMeta(issuer, number, date)


# -- collections --------------------------------------------------------------

DEFAULT_COLLECTION = "default"
_COLLECTION_NAME = re.compile(r"[^\W_][\w-]{0,39}")


def check_collection(name: str) -> str:
    """A collection's name as kept (NFKC, lower case); PlanQAError saying why not."""
    from unicodedata import normalize

    from index.errors import PlanQAError

    kept = normalize("NFKC", name).strip().lower()
    if not _COLLECTION_NAME.fullmatch(kept):
        raise PlanQAError(
            f"collection name {name!r}: use 1–40 letters, digits, Chinese characters, - or _ "
            "(starting with a letter, digit or character; no dots or spaces)"
        )
    return kept


def collection_doc_id(collection: str, doc_id: str) -> str:
    """A document's id within its collection: ``<collection>.<id>`` outside the default
    one, so that the same file name in two collections (this year's and last year's
    实施方案) makes two documents."""
    return doc_id if collection == DEFAULT_COLLECTION else f"{collection}.{doc_id}"


def collection_of(record: dict[str, object]) -> str:
    return str(record.get("collection") or DEFAULT_COLLECTION)
