"""PlanQA's ask side, in three rooms: ``answering`` (how an answer is made), ``surfaces`` (how
people reach it: CLI, web chat, API) and ``evaluation`` (how it is measured). It imports ``index``.

``from assistant import Assistant`` is the entry point for code; it is loaded on first use, so
importing one room does not load the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answering.session import Assistant

__all__ = ["Assistant"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.answering.session import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
