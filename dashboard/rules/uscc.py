"""统一社会信用代码 (USCC) per GB 32100-2015: 18 characters, the last a check character."""

from __future__ import annotations

import re
import unicodedata

# The 31 characters the standard allows (no I, O, S, V, Z), in the order of their values 0..30.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31, i = 0..16
_SHAPE = re.compile(rf"[{CHARSET}]{{18}}")


def normalize(raw: str | None) -> str:
    """Return the code as stored: NFKC (full-width → half-width), spaces removed, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"\s+", "", text).upper()


def check_char(body17: str) -> str:
    """Return the check character for the first 17 characters."""
    total = sum(CHARSET.index(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Return why a (normalised) code is invalid — 'length', 'charset' or 'check' — or None when valid."""
    if len(code) != 18:
        return "length"
    if not _SHAPE.fullmatch(code):
        return "charset"
    if check_char(code[:17]) != code[17]:
        return "check"
    return None


def is_valid(code: str) -> bool:
    """Return True for an 18-character code with a correct check character."""
    return problem(code) is None
