"""Errors that reach the user as a clear one-line message (no traceback)."""

from __future__ import annotations


class PlanQAError(Exception):
    """Base class: ``str(err)`` is the message shown to the user."""


class LoadError(PlanQAError):
    """A source file could not be loaded; names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ModelError(PlanQAError):
    """The embedding model could not be prepared or loaded."""


class IndexMissingError(PlanQAError):
    """No index exists yet under the data directory."""
