"""Names that must and must not merge (case 9 of shared/cases.md)."""

from __future__ import annotations

import pytest

from dashboard.rules.names import display_form, match_key

SAME = [
    ("商河县华泰化工有限公司", "商河县华泰化工有限公司 "),  # trailing space
    ("商河县华泰化工有限公司", "商河县\u3000华泰化工有限公司"),  # ideographic space
    ("商河县华泰化工有限公司", "商河县\u00a0华泰化工有限公司"),  # no-break space
    ("商河县华泰化工有限公司", "商河县华泰\u200b化工有限公司"),  # zero-width space
    ("济南某某制药（商河）有限公司", "济南某某制药(商河)有限公司"),  # full- vs half-width brackets
    ("济南某某制药【商河】有限公司", "济南某某制药（商河）有限公司"),
    ("ＡＢＣ包装有限公司", "abc包装有限公司"),  # full-width Latin, case
]
DIFFERENT = [
    ("商河县华泰化工有限公司", "商河县华泰化工有限责任公司"),
    ("商河县华泰化工有限公司", "商河县华泰化工厂"),
    ("济南某某制药（商河）有限公司", "济南某某制药有限公司"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_invisible_differences_share_one_key(a: str, b: str) -> None:
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert match_key(a) != match_key(b)


def test_display_form_keeps_the_published_name_but_tidies_spaces() -> None:
    assert display_form("  商河县\u3000华泰 化工（商河）有限公司\u200b ") == "商河县 华泰 化工(商河)有限公司"
