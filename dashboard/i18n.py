"""User-facing strings: one JSON catalog per language, looked up at request time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Return the catalog of one language (read once per process)."""
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


# Work done outside a request (a background job) speaks the language of the user who started it.
_JOB_LANGUAGE: ContextVar[str | None] = ContextVar("hazeops_job_language", default=None)


@contextmanager
def language(lang: str | None) -> Iterator[None]:
    """Within the block, t() without an explicit language speaks lang (for background jobs)."""
    token = _JOB_LANGUAGE.set(lang if lang in LANGUAGES else None)
    try:
        yield
    finally:
        _JOB_LANGUAGE.reset(token)


def current_language() -> str:
    """Return the language of the logged-in user, else of the session, else Chinese."""
    from flask import has_request_context, session
    from flask_login import current_user

    forced = _JOB_LANGUAGE.get()
    if forced:
        return forced
    if not has_request_context():
        return DEFAULT_LANGUAGE
    lang = getattr(current_user, "language", None) or session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate key into lang (default: the current user's), filling {params}."""
    lang = lang if lang in LANGUAGES else current_language()
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text


def field_label(name: str, lang: str | None = None) -> str:
    """The name of an input in the user's language (field.<name>), or the name itself when none is given."""
    key = f"field.{name}"
    return t(key, lang) if key in catalog(DEFAULT_LANGUAGE) else name
