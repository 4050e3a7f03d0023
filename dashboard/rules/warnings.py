"""Warning episodes as rules: what is in force at an instant, which way a change goes, what may be recorded.

Pure: the caller passes the episode's changes and the instant. A city issues a warning (发布), may raise or
lower its level (升级/降级), and lifts it (解除); each step has the notice time and the time the response
starts (or ends) — often hours apart (Jinan 2017: notice 16:00, response 09:00 the next day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.errors import ValidationError
from dashboard.rules.vocab import WARNING_RANK, ChangeKind, Level, WarningLevel

RECORDABLE = frozenset({WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED})


@dataclass(frozen=True)
class Step:
    """One change of an episode as the rules need it."""

    kind: ChangeKind
    level: WarningLevel | None
    effective_at: datetime | None  # response start (issue, change) or end (lifting); None: not known


@dataclass(frozen=True)
class State:
    """An episode at one instant."""

    announced: WarningLevel | None  # the level the city has announced last (None once lifted)
    in_force: WarningLevel | None  # the level whose response has started (None before the first start)
    since: datetime | None  # when the level in force started
    next_step: Step | None  # an announced step whose time has not come (a start, a change, the end)
    ended: bool  # lifted and its end time has passed
    upcoming: WarningLevel | None = None  # the level in force once next_step takes effect (None: a lifting)

    @property
    def shown(self) -> WarningLevel | None:
        """The level to show and act on now: the one in force; before the first start, the one that starts.

        A change announced for later (up or down) does not apply before its time: enterprises keep the
        level in force, as they do until a lifting's time."""
        if self.ended:
            return None
        return self.in_force or self.upcoming or self.announced

    @property
    def obligation_level(self) -> Level | None:
        """The level enterprises act on now (see `shown`); 蓝色 carries no measures."""
        level = self.shown
        if level is None or level not in RECORDABLE:
            return None
        return Level(level.value)


def state(steps: Sequence[Step], now: datetime) -> State:
    """What an episode means at `now` (steps in their recorded order)."""
    announced: WarningLevel | None = None
    in_force: WarningLevel | None = None
    since: datetime | None = None
    pending: Step | None = None
    ended = False
    for step in steps:
        started = step.effective_at is None or step.effective_at <= now  # unknown time: taken as past
        if step.kind is ChangeKind.LIFT:
            announced = None
            if started:
                in_force, ended = None, True
            elif pending is None:
                pending = step
            continue
        announced = step.level
        if started:
            in_force, since = step.level, step.effective_at
        elif pending is None:
            pending = step
    upcoming = None
    if pending is not None and pending.kind is not ChangeKind.LIFT and pending.effective_at is not None:
        # Steps taking effect at the same instant (an issue and its upgrade both from 17:30): the last wins.
        upcoming = state(steps, pending.effective_at).in_force
    return State(announced, in_force, since, pending, ended, upcoming)


def kind_of_change(current: WarningLevel, new: WarningLevel) -> ChangeKind:
    """Upgrade or downgrade from the current level; the same level again is not a change."""
    if new is current:
        raise ValidationError("warning.same_level", field="level")
    up = WARNING_RANK[new.value] > WARNING_RANK[current.value]
    return ChangeKind.UPGRADE if up else ChangeKind.DOWNGRADE


def recordable(level: str | None) -> WarningLevel:
    """A level a person may record today: yellow, orange or red (blue is history only)."""
    try:
        parsed = WarningLevel(level or "")
    except ValueError:
        raise ValidationError("warning.bad_level", field="level") from None
    if parsed not in RECORDABLE:
        raise ValidationError("warning.bad_level", field="level")
    return parsed


NOTICE_SLACK = timedelta(minutes=10)  # clocks differ a little; a notice further in the future is a typo
MAX_LEAD = timedelta(days=7)  # responses start hours (at most a few days) after the notice


def check_times(
    notice_at: datetime,
    effective_at: datetime,
    after: datetime | None,
    *,
    lifting: bool,
    now: datetime | None = None,
) -> None:
    """A step (or the end) cannot come before the previous step, nor take effect before its notice; a notice
    is not in the future, and its effect not more than MAX_LEAD after it (a mistyped year or month)."""
    if now is not None and notice_at > now + NOTICE_SLACK:
        raise ValidationError("warning.notice_in_future", field="notice_at")
    if after is not None and effective_at < after:
        key = "warning.end_before_start" if lifting else "warning.change_before_previous"
        raise ValidationError(key, field="effective_at")
    if effective_at < notice_at:
        raise ValidationError("warning.effective_before_notice", field="effective_at")
    if effective_at - notice_at > MAX_LEAD:
        raise ValidationError("warning.effective_too_late", field="effective_at", days=MAX_LEAD.days)


def elapsed(since: datetime, now: datetime) -> tuple[int, int, int]:
    """(days, hours, minutes) from since to now (zero when since is later)."""
    minutes = max(0, int((now - since) / timedelta(minutes=1)))
    return minutes // 1440, minutes % 1440 // 60, minutes % 60
