"""User-facing strings: one JSON catalog per language, looked up at request time."""

from __future__ import annotations

import json
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


def current_language() -> str:
    """Return the language of the logged-in user, else of the session, else Chinese."""
    from flask import has_request_context, session
    from flask_login import current_user

    if not has_request_context():
        return DEFAULT_LANGUAGE
    lang = getattr(current_user, "language", None) or session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate key into lang (default: the current user's), filling {params}."""
    lang = lang if lang in LANGUAGES else current_language()
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text
