"""Warning episodes as rules, on hand-written timelines (Jinan practice: notice first, response later)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.errors import ValidationError
from dashboard.rules import targets as T
from dashboard.rules import warnings as W
from dashboard.rules.vocab import ChangeKind, Level, WarningLevel

H = timedelta(hours=1)
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 16:00 Beijing time: the notice
ORANGE = W.Step(ChangeKind.ISSUE, WarningLevel.ORANGE, T0 + 17 * H)  # response from 09:00 the next day
RED = W.Step(ChangeKind.UPGRADE, WarningLevel.RED, T0 + 41 * H)
LIFT = W.Step(ChangeKind.LIFT, None, T0 + 70 * H)


def test_between_notice_and_response_the_level_is_announced_not_in_force() -> None:
    s = W.state([ORANGE], T0 + H)
    assert (s.announced, s.in_force, s.since, s.next_step) == (WarningLevel.ORANGE, None, None, ORANGE)
    assert s.obligation_level is Level.ORANGE  # enterprises prepare as soon as the city announces it
    assert not s.ended


def test_in_force_after_the_start_with_a_raise_announced_for_later() -> None:
    s = W.state([ORANGE, RED], T0 + 20 * H)
    assert (s.announced, s.in_force, s.since, s.next_step) == (
        WarningLevel.RED,
        WarningLevel.ORANGE,
        ORANGE.effective_at,
        RED,
    )
    # Red applies from its time: until then enterprises keep orange (and prepare for red).
    assert (s.shown, s.obligation_level, s.upcoming) == (WarningLevel.ORANGE, Level.ORANGE, WarningLevel.RED)
    s = W.state([ORANGE, RED], T0 + 41 * H)
    assert (s.in_force, s.since, s.next_step) == (WarningLevel.RED, RED.effective_at, None)


def test_a_downgrade_announced_for_tomorrow_keeps_the_higher_level_until_then() -> None:
    down = W.Step(ChangeKind.DOWNGRADE, WarningLevel.YELLOW, T0 + 60 * H)
    s = W.state([ORANGE, RED, down], T0 + 50 * H)
    assert (s.announced, s.in_force, s.obligation_level) == (WarningLevel.YELLOW, WarningLevel.RED, Level.RED)
    assert W.state([ORANGE, RED, down], T0 + 60 * H).obligation_level is Level.YELLOW


def test_an_issue_and_its_upgrade_from_the_same_instant_start_at_the_upgraded_level() -> None:
    start = T0 + 5 * H
    issue = W.Step(ChangeKind.ISSUE, WarningLevel.YELLOW, start)
    up = W.Step(ChangeKind.UPGRADE, WarningLevel.ORANGE, start)
    s = W.state([issue, up], T0 + H)
    assert (s.in_force, s.next_step, s.upcoming, s.obligation_level) == (
        None,
        issue,
        WarningLevel.ORANGE,
        Level.ORANGE,
    )


def test_a_lifting_ends_the_episode_at_its_end_time() -> None:
    before = W.state([ORANGE, RED, LIFT], T0 + 60 * H)
    assert (before.in_force, before.announced, before.next_step, before.ended) == (
        WarningLevel.RED,
        None,
        LIFT,
        False,
    )
    assert before.obligation_level is Level.RED  # enterprises keep acting at red until the lifting time
    after = W.state([ORANGE, RED, LIFT], T0 + 70 * H)
    assert (after.in_force, after.ended, after.obligation_level) == (None, True, None)


def test_blue_history_carries_no_measures() -> None:
    blue = W.Step(ChangeKind.DOWNGRADE, WarningLevel.BLUE, T0 + 20 * H)
    s = W.state([ORANGE, blue], T0 + 30 * H)
    assert s.in_force is WarningLevel.BLUE and s.obligation_level is None


def test_changes_go_up_or_down_and_never_to_the_same_level() -> None:
    assert W.kind_of_change(WarningLevel.YELLOW, WarningLevel.RED) is ChangeKind.UPGRADE
    assert W.kind_of_change(WarningLevel.RED, WarningLevel.ORANGE) is ChangeKind.DOWNGRADE
    with pytest.raises(ValidationError) as err:
        W.kind_of_change(WarningLevel.ORANGE, WarningLevel.ORANGE)
    assert err.value.key == "warning.same_level"


@pytest.mark.parametrize("level", ["blue", "purple", "", None, "Orange"])
def test_only_yellow_orange_and_red_can_be_recorded(level: str | None) -> None:
    with pytest.raises(ValidationError) as err:
        W.recordable(level)
    assert err.value.key == "warning.bad_level" and err.value.field == "level"


def test_times_must_follow_each_other() -> None:
    with pytest.raises(ValidationError) as err:
        W.check_times(T0, T0 - H, None, lifting=False)
    assert err.value.key == "warning.effective_before_notice"
    with pytest.raises(ValidationError) as err:
        W.check_times(T0 + 30 * H, T0 + 10 * H, T0 + 17 * H, lifting=True)
    assert err.value.key == "warning.end_before_start"  # the more telling of the two
    with pytest.raises(ValidationError) as err:
        W.check_times(T0, T0 + 10 * H, T0 + 17 * H, lifting=True)
    assert err.value.key == "warning.end_before_start"
    W.check_times(T0, T0 + 17 * H, T0 + 17 * H, lifting=False)  # the same instant is fine


def test_elapsed() -> None:
    assert W.elapsed(T0, T0 + 26 * H + timedelta(minutes=7)) == (1, 2, 7)
    assert W.elapsed(T0 + H, T0) == (0, 0, 0)


def test_target_check_against_a_hand_computed_county() -> None:
    """SO₂: county 365 t/a = 1 t/d; the list cuts 0.08 t/d at yellow (10 % target: 0.1 t/d needed)."""
    reductions = {(Level.YELLOW, "so2"): 0.08, (Level.ORANGE, "so2"): 0.25, (Level.RED, "so2"): 0.30}
    rows = {
        (r.level, r.pollutant): r
        for r in T.check(
            reductions,
            {"so2": 365.0},
            {(Level.YELLOW, "so2"): 10.0, (Level.ORANGE, "so2"): 20.0, (Level.RED, "so2"): 30.0},
        )
    }
    y, o, r = rows[(Level.YELLOW, "so2")], rows[(Level.ORANGE, "so2")], rows[(Level.RED, "so2")]
    assert y.base_tpd == pytest.approx(1.0)
    assert (
        y.achieved_percent == pytest.approx(8.0) and y.shortfall_tpd == pytest.approx(0.02) and y.met is False
    )
    assert o.achieved_percent == pytest.approx(25.0) and o.shortfall_tpd == 0 and o.met is True
    assert r.achieved_percent == pytest.approx(30.0) and r.met is True  # exactly the target
    nox = rows[(Level.YELLOW, "nox")]  # no base and no target: nothing can be said
    assert (nox.achieved_percent, nox.shortfall_tpd, nox.met) == (None, None, None)
