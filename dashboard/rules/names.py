"""Enterprise-name matching key: invisible differences must not make two firms out of one."""

from __future__ import annotations

import re
import unicodedata

# Bracket forms seen in published lists, all folded to ASCII parentheses (after NFKC has already
# turned full-width （） and ［］ into their ASCII forms).
_BRACKETS = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "〔": "(",
        "〕": ")",
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        "〈": "(",
        "〉": ")",
        "《": "(",
        "》": ")",
        "﹙": "(",
        "﹚": ")",
    }
)


def display_form(raw: str | None) -> str:
    """The name as shown: NFKC and outer/inner runs of any Unicode space collapsed (published form kept)."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width and BOM characters
    return re.sub(r"\s+", " ", text).strip()


def match_key(raw: str | None) -> str:
    """The key two spellings of one name share: NFKC, no spaces of any kind, one bracket form, lower case."""
    text = display_form(raw).translate(_BRACKETS)
    return re.sub(r"\s+", "", text).lower()
