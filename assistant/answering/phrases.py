"""The answering room's word lists and phrase patterns, read from ``phrases.toml`` (one file,
each list named and commented with why it exists). Patterns of the documents' own grammar
(numbers, dates, 文号, department names) stay with the code that reads them."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

PHRASES = Path(__file__).resolve().parent / "phrases.toml"


@cache
def _all() -> dict[str, Any]:
    with PHRASES.open("rb") as f:
        return tomllib.load(f)


def _entry(key: str) -> dict[str, Any]:
    entry: Any = _all()
    for part in key.split("."):
        entry = entry[part]
    return dict(entry)


def _compile(source: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE if ignore_case else 0)


def pattern(key: str) -> re.Pattern[str]:
    """The pattern ``key`` names: ``pattern``, or its alternatives ``any_of`` joined by ``|``."""
    entry = _entry(key)
    source = entry["pattern"] if "pattern" in entry else "|".join(entry["any_of"])
    return _compile(source, entry.get("ignore_case", False))


def patterns(key: str) -> dict[str, re.Pattern[str]]:
    """Named patterns, in the file's order (what each asks for → how a question asks it)."""
    entry = _entry(key)
    return {name: _compile(p, entry.get("ignore_case", False)) for name, p in entry["patterns"].items()}


def words(key: str) -> tuple[str, ...]:
    """A word list, in the file's order (an array, or a string of words split at white space)."""
    found = _entry(key)["words"]
    return tuple(found.split() if isinstance(found, str) else found)


def table(key: str) -> dict[str, Any]:
    """A mapping (a word → its standard form, or a value), in the file's order."""
    return dict(_entry(key)["table"])
