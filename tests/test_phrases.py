"""The answering room's word lists and phrase patterns live in one data file
(``assistant/answering/phrases.toml``): each named after the module that uses it, each with
why it exists, each read by that module and nothing left unread."""

from __future__ import annotations

import re
import tomllib

import pytest

from assistant.answering import phrases
from tests.conftest import ROOT

ANSWERING = ROOT / "assistant" / "answering"
KINDS = {"pattern", "any_of", "words", "table", "patterns"}


def entries() -> dict[str, dict]:
    with phrases.PHRASES.open("rb") as f:
        data = tomllib.load(f)
    return {f"{module}.{name}": entry for module, named in data.items() for name, entry in named.items()}


@pytest.mark.parametrize("key", sorted(entries()))
def test_each_entry_says_why_and_is_one_kind(key: str) -> None:
    entry = entries()[key]
    assert len(str(entry.get("why", "")).strip()) >= 20, f"{key}: say why it exists"
    assert len(KINDS & set(entry)) == 1, f"{key}: one of {sorted(KINDS)}"


@pytest.mark.parametrize("key", sorted(entries()))
def test_each_entry_is_read_by_the_module_it_is_named_after(key: str) -> None:
    module = ANSWERING / f"{key.split('.')[0]}.py"
    assert module.exists(), f"{key}: no module {module.name}"
    assert f'"{key}"' in module.read_text(encoding="utf-8"), f"{key}: {module.name} does not read it"


def test_every_entry_the_code_reads_exists() -> None:
    read = {
        m.group(1)
        for path in ANSWERING.glob("*.py")
        for m in re.finditer(
            r'(?:pattern|patterns|words|table)\("([\w.]+)"\)', path.read_text(encoding="utf-8")
        )
    }
    assert read and read <= set(entries())


def test_the_loaders_give_what_the_file_says() -> None:
    assert phrases.pattern("intent.support").pattern == "配合|协助|协同|参与"
    lead = phrases.pattern("intent.lead")  # any_of: the alternatives joined
    assert lead.search("这事归谁管") and lead.pattern == "|".join(entries()["intent.lead"]["any_of"])
    assert "是" in phrases.words("gate.no_content")  # a string of words, split
    assert phrases.table("intent.colloquial")["啥"] == "什么"
    assert phrases.pattern("generate.instruction").flags & re.IGNORECASE
