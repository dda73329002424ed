"""The import layers, read from the source (no module is imported): a lower layer never
imports a higher one.

    index/                         parse and store documents; knows nothing of asking
    assistant: answering           retrieve, weigh, answer, the ledger, settings
    assistant: evaluation          eval, fit, bench: measure the answering layer
    assistant: surfaces            CLI, web chat, API: reach the answering layer (and the CLI
                                   runs the evaluation commands)

Every module of ``assistant/`` belongs to exactly one room; a new one must be placed here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

ANSWERING = {
    "__init__",
    "answer",
    "answertype",
    "conversation",
    "copydecode",
    "crossdoc",
    "document",
    "evidence",
    "export",
    "fitted",
    "generate",
    "intent",
    "ledger",
    "llm",
    "overview",
    "retrieve",
    "scope",
    "session",
    "settings",
    "spelling",
}
EVALUATION = {"bench", "evaluate", "fit", "fitscope", "formatbench", "peers", "report", "scale"}
SURFACES = {"api", "cli", "cliparser", "web", "webdocs", "webhtml"}
# what each room may not import
FORBIDDEN = {
    "answering": EVALUATION | SURFACES,
    "evaluation": SURFACES,
    "surfaces": set(),
}


def imported(path: Path) -> set[str]:
    """The modules a source file imports anywhere in it (also inside functions), as dotted
    names; ``from assistant import session`` counts as ``assistant.session``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def room_of(module: str) -> str:
    return "answering" if module in ANSWERING else "evaluation" if module in EVALUATION else "surfaces"


def test_every_assistant_module_is_in_one_room() -> None:
    modules = {p.stem for p in (ROOT / "assistant").glob("*.py")}
    rooms = (ANSWERING, EVALUATION, SURFACES)
    assert modules == set().union(*rooms), "place new modules in a room here"
    assert sum(len(r) for r in rooms) == len(modules)


@pytest.mark.parametrize("path", sorted((ROOT / "index").rglob("*.py")), ids=lambda p: p.stem)
def test_the_index_never_imports_the_assistant(path: Path) -> None:
    assert not {n for n in imported(path) if n == "assistant" or n.startswith("assistant.")}


@pytest.mark.parametrize("path", sorted((ROOT / "assistant").glob("*.py")), ids=lambda p: p.stem)
def test_no_room_imports_a_room_above_it(path: Path) -> None:
    room = room_of(path.stem)
    reached = {n.split(".")[1] for n in imported(path) if n.startswith("assistant.")}
    wrong = reached & FORBIDDEN[room]
    assert not wrong, f"{path.stem} ({room}) imports {sorted(wrong)}"


def test_a_back_import_is_caught(tmp_path: Path) -> None:
    """The check itself: an answering module importing the CLI is found."""
    bad = tmp_path / "intent.py"
    bad.write_text("def f():\n    from assistant.cli import main\n    return main\n", encoding="utf-8")
    reached = {n.split(".")[1] for n in imported(bad) if n.startswith("assistant.")}
    assert reached & FORBIDDEN[room_of(bad.stem)] == {"cli"}
