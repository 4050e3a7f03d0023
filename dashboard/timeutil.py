"""Time rules: store aware UTC, show Asia/Shanghai whatever the server's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class NaiveDatetimeError(ValueError):
    """A datetime without tzinfo reached code that only accepts aware instants."""


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def ensure_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return value converted to UTC; raise NaiveDatetimeError when it carries no time zone."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(f"{what} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """Return an aware instant in Asia/Shanghai."""
    return ensure_aware(value).astimezone(LOCAL_TZ)


def format_local(value: datetime | None, *, seconds: bool = False) -> str:
    """Format an instant as Asia/Shanghai wall time, e.g. 2026-12-03 20:15."""
    if value is None:
        return ""
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the UTC [start, end) of one Asia/Shanghai calendar day."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local_today(now: datetime | None = None) -> date:
    """Return today's date in Asia/Shanghai."""
    return to_local(now or utcnow()).date()


def from_local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """An Asia/Shanghai wall time as an aware UTC instant (what a person types into a form)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


# 2026-12-04, 2026/12/4, 2026.12.4 and 2026年12月4日 (年 月 日 and the full-width colon written as escapes:
# this module carries no user-facing text).
_DAY = re.compile(r"(\d{4})[-/.\u5e74](\d{1,2})[-/.\u6708](\d{1,2})\u65e5?")
_CLOCK = re.compile(r"(\d{1,2})[:\uff1a](\d{2})")


def parse_local(day: object, clock: object) -> datetime | None:
    """A form's date (2026-12-04, 2026/12/4, 2026年12月4日) and time (HH:MM; 24:00 is the end of that day) in
    Beijing time, as aware UTC; None when the date is empty. Raises ValueError for anything else, a missing
    time of day included (a warning's hour matters: it is never taken as 00:00)."""
    if day is None or day == "":
        return None
    if not isinstance(day, str) or not isinstance(clock, str):
        raise ValueError("not text")
    d, c = _DAY.fullmatch(day.strip()), _CLOCK.fullmatch(clock.strip())
    if d is None or c is None:
        raise ValueError(day)
    year, month, dd = (int(g) for g in d.groups())
    if not 2000 <= year <= 2100:
        raise ValueError(day)
    parsed = date(year, month, dd)  # ValueError for 2026-02-30
    hour, minute = int(c.group(1)), int(c.group(2))
    if (hour, minute) == (24, 0):
        return from_local(parsed + timedelta(days=1))
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(clock)
    return from_local(parsed, hour, minute)
