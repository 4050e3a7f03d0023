"""The measure parser against real phrasings (tests/fixtures/measure_phrasings.json), and the category rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.rules.measures import Action, Reading, daily_reduction, read_measure
from dashboard.rules.vocab import ActionKind, Category

CORPUS = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "measure_phrasings.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["source"] for c in CORPUS["cases"]])
def test_real_phrasings(case: dict) -> None:
    reading = read_measure(case["text"])
    assert reading.category == (Category(case["category"]) if case["category"] else None)
    if case.get("unparsed"):
        assert reading.unparsed and not reading.actions
        return
    assert reading.unparsed == ()
    assert reading.transport is case["transport"]
    limits = [a for a in reading.actions if a.kind is ActionKind.LIMIT]
    if "percent" in case:
        assert limits and limits[0].percent == case["percent"]
    if "basis" in case:
        assert limits[0].basis == case["basis"]


def test_the_quantity_form_keeps_both_quantities() -> None:
    [limit] = read_measure("原料日投料量由960吨降低到768吨及以下").actions
    assert (limit.quantity_from, limit.quantity_to, limit.unit) == (960, 768, "吨")


def test_full_width_digits_and_spaces_are_read() -> None:
    assert read_measure("限产 ２０ ％").actions[0].percent == 20


def test_the_strictest_action_is_the_category() -> None:
    both = Reading((Action(ActionKind.SELF), Action(ActionKind.STOP), Action(ActionKind.TRANSPORT)))
    assert both.category is Category.STOP
    assert (
        Reading((Action(ActionKind.GUARANTEE), Action(ActionKind.TRANSPORT))).category is Category.TRANSPORT
    )
    assert Reading((Action(ActionKind.GUARANTEE),)).category is Category.GUARANTEE
    assert Reading(()).category is None


def test_daily_reduction_is_annual_over_365_times_the_cut() -> None:
    assert daily_reduction(36.5, read_measure("停产")) == pytest.approx(0.1)  # 36.5 / 365 × 100 %
    assert daily_reduction(73.0, read_measure("限产20%")) == pytest.approx(0.04)  # 73 / 365 × 20 %
    assert (
        daily_reduction(73.0, read_measure("停止使用国四及以下重型载货车辆进行运输")) == 0.0
    )  # not quantified
    assert (
        daily_reduction(73.0, read_measure("VOCs排放工序停止生产")) is None
    )  # no number stated: a person decides
    assert daily_reduction(None, read_measure("停产")) is None
