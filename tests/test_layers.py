"""The import layers, read from the source (no module is imported): a lower layer never
imports a higher one.

    index/                   parse and store documents; knows nothing of asking
    assistant/answering/     retrieve, weigh, answer, the ledger, settings
    assistant/evaluation/    eval, fit, bench: measure the answering room
    assistant/surfaces/      CLI, web chat, API: reach the answering room (and the CLI runs the
                             evaluation commands)

Every module of ``assistant/`` lives in one of the three rooms (``assistant/__init__.py`` only
re-exports ``Assistant``); the rooms are the sub-packages, so a new module is placed by where it
is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

ROOMS = ("answering", "evaluation", "surfaces")
# what each room may not import
FORBIDDEN = {
    "answering": {"evaluation", "surfaces"},
    "evaluation": {"surfaces"},
    "surfaces": set(),
}
ASSISTANT = ROOT / "assistant"


def imported(path: Path) -> set[str]:
    """The modules a source file imports anywhere in it (also inside functions), as dotted
    names; ``from assistant.answering import session`` counts as ``assistant.answering.session``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path.name}: relative import; name the room (assistant.<room>.…)")
    return names


def rooms_reached(path: Path) -> set[str]:
    """The rooms of ``assistant`` a source file imports from."""
    return {
        n.split(".")[1] for n in imported(path) if n.startswith("assistant.") and n.split(".")[1] in ROOMS
    }


def modules() -> list[Path]:
    return sorted(p for p in ASSISTANT.rglob("*.py") if p != ASSISTANT / "__init__.py")


def test_every_assistant_module_is_in_a_room() -> None:
    outside = [
        str(p.relative_to(ASSISTANT)) for p in modules() if p.relative_to(ASSISTANT).parts[0] not in ROOMS
    ]
    assert not outside, f"place these in a room ({', '.join(ROOMS)}): {outside}"
    assert {p.relative_to(ASSISTANT).parts[0] for p in modules()} == set(ROOMS)


def test_the_package_only_reexports_the_assistant() -> None:
    assert rooms_reached(ASSISTANT / "__init__.py") == {"answering"}


@pytest.mark.parametrize("path", sorted((ROOT / "index").rglob("*.py")), ids=lambda p: p.stem)
def test_the_index_never_imports_the_assistant(path: Path) -> None:
    assert not {n for n in imported(path) if n == "assistant" or n.startswith("assistant.")}


@pytest.mark.parametrize("path", modules(), ids=lambda p: f"{p.parent.name}.{p.stem}")
def test_no_room_imports_a_room_above_it(path: Path) -> None:
    room = path.relative_to(ASSISTANT).parts[0]
    wrong = rooms_reached(path) & FORBIDDEN[room]
    assert not wrong, f"{path.stem} ({room}) imports {sorted(wrong)}"


def test_a_back_import_is_caught(tmp_path: Path) -> None:
    """The check itself: an answering module importing the CLI is found, in either spelling."""
    bad = tmp_path / "intent.py"
    bad.write_text(
        "def f():\n    from assistant.surfaces.cli import main\n    from assistant.evaluation import fit\n    return main, fit\n",
        encoding="utf-8",
    )
    assert rooms_reached(bad) & FORBIDDEN["answering"] == {"surfaces", "evaluation"}


def test_the_assistant_is_the_package_entry_point() -> None:
    from assistant import Assistant
    from assistant.answering.session import Assistant as InSession

    assert Assistant is InSession
