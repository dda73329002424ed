"""Decode a text file's bytes: byte-order mark, UTF-8, else GB18030 vs Big5 scored as Chinese.

Used for .txt/.md (``index.load``) and .html (``index.htmltext``); never guessed from the extension.
"""

from __future__ import annotations

import codecs
import contextlib
import functools

from index.errors import LoadError

_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ("gb18030", "big5", "cp950")  # this order breaks ties in plausibility
_MIN_PLAUSIBLE = 0.5  # real Chinese scores > 0.9, GB18030/Big5 mix-ups 0.2-0.45
_MIN_SCORED = 10  # non-ASCII chars needed before an implausible decoding is refused
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1a\x1b")


def decode_bytes(data: bytes, path: str, declared: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding)``.

    ``data.decode(encoding) == text`` always holds (the ``utf-8-sig``, ``utf-16``
    and ``utf-32`` codecs strip the BOM). Order: BOM; ``declared`` (an encoding the
    file names itself, e.g. HTML ``<meta charset>``) if it decodes strictly; strict
    UTF-8; else whichever of GB18030 / Big5 / CP950 decodes strictly and reads
    most like Chinese. Raises ``LoadError`` for binary or undecodable data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as err:
                reason = f"has a {encoding} byte-order mark but is not valid {encoding}"
                raise LoadError(path, reason) from err
            _check_not_binary(text.encode("utf-8", "surrogatepass"), path)
            return text, encoding
    _check_not_binary(data, path)
    if declared:
        with contextlib.suppress(UnicodeDecodeError):  # pages often mislabel: detect
            return data.decode(declared), declared
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        bad = f"byte 0x{data[err.start]:02x} at offset {err.start}"
    candidates = []
    for rank, encoding in enumerate(_LEGACY):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_chinese_score(text), -rank, text, encoding))
    why = f"cannot decode the text: not UTF-8 ({bad})"
    if not candidates:
        raise LoadError(path, f"{why}, nor GB18030/GBK or Big5")
    score, _, text, encoding = max(candidates)
    if score < _MIN_PLAUSIBLE and sum(not c.isascii() for c in text) >= _MIN_SCORED:
        raise LoadError(path, f"{why}, and as GB18030 or Big5 it is not Chinese")
    return text, encoding


@functools.cache
def _common_chars() -> frozenset[str]:
    """The ~6,700 common Chinese characters, simplified and traditional, + punctuation.

    Read off the codecs themselves: GB2312 level 1 (rows B0-D7: the 3,755 most
    common simplified characters) and Big5's 常用字 block (A440-C67E: 5,401
    common traditional characters).
    """
    trails = (*range(0x40, 0x7F), *range(0xA1, 0xFF))
    gb2312 = [bytes((a, b)) for a in range(0xB0, 0xD8) for b in range(0xA1, 0xFF)]
    big5 = [bytes((a, b)) for a in range(0xA4, 0xC7) for b in trails]
    # "ignore": unassigned pairs give "" (or an ASCII char, which is never scored)
    chars = {raw.decode("gb2312", "ignore") for raw in gb2312}
    chars.update(raw.decode("big5", "ignore") for raw in big5 if raw < b"\xc6\xa1")
    # CJK punctuation (、。《》「」〔〕) and full-width forms (，：；（）)
    chars.update(map(chr, (*range(0x3000, 0x3040), *range(0xFF01, 0xFF5F))))
    chars.update("“”‘’—–…·•")
    return frozenset(chars)


def _chinese_score(text: str) -> float:
    """Share of non-ASCII chars that are common CJK characters or CJK punctuation.

    A wrong GB18030/Big5 decoding yields private-use, rare, kana, bopomofo or
    box-drawing characters instead, so the right candidate scores far higher.
    """
    common = _common_chars()
    rest = [ch for ch in text if not ch.isascii()]
    return sum(ch in common for ch in rest) / len(rest) if rest else 1.0


def _check_not_binary(data: bytes, path: str) -> None:
    if b"\x00" in data:
        raise LoadError(path, "binary file (NUL bytes; UTF-16 text needs a byte-order mark)")
    head = data[:65536]
    controls = sum((b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F for b in head)
    if controls > 0.05 * len(head):
        raise LoadError(path, f"binary file ({controls} control bytes), not text")
