"""Errors that carry an i18n key, so the web layer shows them in the user's language."""

from __future__ import annotations

from typing import Any


class HazeError(Exception):
    """A refusal a user can act on: `key` names a catalog message, `field` the input at fault."""

    status = 400

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params

    def __str__(self) -> str:
        return f"{self.key} {self.params}" if self.params else self.key


class ValidationError(HazeError):
    """Input that breaks a rule; nothing was written."""


class NotFoundError(HazeError):
    """The object does not exist (or is not visible to this user)."""

    status = 404


class ConflictError(HazeError):
    """Someone else changed the object since it was loaded, or it already exists."""

    status = 409


class PermissionDeniedError(HazeError):
    """The user's role may not do this."""

    status = 403
