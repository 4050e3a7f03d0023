"""Aware UTC everywhere: round-trips on SQLite and PostgreSQL; naive datetimes refused on assignment and flush."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm.attributes import flag_modified

from dashboard.timeutil import NaiveDatetimeError, format_local, local_day_bounds, to_local
from data_access.db import Database
from data_access.models import AuditEvent, User
from data_access.seed import DEMO_USERS


def test_local_time_is_shanghai_whatever_the_server_zone() -> None:
    instant = datetime(2024, 3, 8, 16, 30, tzinfo=UTC)  # 00:30 next day in Beijing
    assert format_local(instant) == "2024-03-09 00:30"
    assert to_local(instant).utcoffset() == timedelta(hours=8)


def test_a_local_day_maps_to_its_utc_bounds() -> None:
    start, end = local_day_bounds(date(2024, 3, 8))
    assert start == datetime(2024, 3, 7, 16, 0, tzinfo=UTC)
    assert end == datetime(2024, 3, 8, 16, 0, tzinfo=UTC)


def test_format_refuses_naive() -> None:
    with pytest.raises(NaiveDatetimeError):
        format_local(datetime(2024, 1, 1, 12, 0))


def test_aware_datetimes_round_trip_as_the_same_instant(db: Database) -> None:
    beijing = datetime(2024, 3, 9, 0, 0, 1, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == DEMO_USERS[0].username))
        user.last_login_at = beijing
        s.add(AuditEvent(actor_name="test", action="test", object_type="user", object_id=str(user.id)))
    with db.read() as s:
        stored = s.scalar(select(User.last_login_at).where(User.username == DEMO_USERS[0].username))
    assert stored == beijing  # same instant
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2024, 3, 8, 16, 0, 1, 123456, tzinfo=UTC)


def test_a_fixed_offset_is_converted_not_relabelled(db: Database) -> None:
    plus8 = datetime(2024, 3, 8, 23, 59, 59, tzinfo=timezone(timedelta(hours=8)))
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == "duty"))
        user.last_login_at = plus8
        s.add(AuditEvent(actor_name="test", action="test", object_type="user"))
    with db.read() as s:
        stored = s.scalar(select(User.last_login_at).where(User.username == "duty"))
    assert stored == datetime(2024, 3, 8, 15, 59, 59, tzinfo=UTC)


def test_assigning_a_naive_datetime_raises(db: Database) -> None:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == "duty"))
        with pytest.raises(NaiveDatetimeError, match=r"User\.last_login_at"):
            user.last_login_at = datetime(2024, 1, 1)
        with pytest.raises(NaiveDatetimeError):
            AuditEvent(actor_name="x", action="x", object_type="x", at=datetime(2024, 1, 1))


def test_flushing_a_naive_datetime_raises_and_writes_nothing(db: Database) -> None:
    with pytest.raises(StatementError, match="timezone-aware"), db.write() as s:
        user = s.scalar(select(User).where(User.username == "duty"))
        user.__dict__["last_login_at"] = datetime(2024, 1, 1)
        flag_modified(user, "last_login_at")
        s.add(AuditEvent(actor_name="test", action="test", object_type="user"))
    with db.read() as s:
        assert s.scalar(select(User.last_login_at).where(User.username == "duty")) is None


def test_core_inserts_refuse_naive_too(db: Database) -> None:
    with pytest.raises(StatementError, match="timezone-aware"), db.engine.begin() as conn:
        conn.execute(
            insert(AuditEvent).values(actor_name="x", action="x", object_type="x", at=datetime(2024, 1, 1))
        )


@pytest.mark.parametrize(
    ("day", "clock", "local"),
    [
        ("2026-12-04", "08:00", "2026-12-04 08:00"),
        ("2026/12/4", "8:05", "2026-12-04 08:05"),
        ("2026年12月4日", "23:59", "2026-12-04 23:59"),
        ("2026-12-04", "24:00", "2026-12-05 00:00"),
    ],
)
def test_form_times_are_read_in_beijing_time(day: str, clock: str, local: str) -> None:
    from dashboard.timeutil import format_local, parse_local

    value = parse_local(day, clock)
    assert value is not None and format_local(value) == local


@pytest.mark.parametrize(
    ("day", "clock"),
    [
        ("2026-12-04", ""),  # no hour: never taken as 00:00
        ("2026-12-04 garbage", "08:00"),
        ("2026-02-30", "08:00"),
        ("0001-01-01", "08:00"),
        ("2026-12-04", "25:00"),
        (["2026-12-04"], "08:00"),  # a direct request with a list for a date
        ("2026-12-04", 800),
    ],
)
def test_form_times_that_are_not_a_day_and_a_time_are_refused(day: object, clock: object) -> None:
    from dashboard.timeutil import parse_local

    with pytest.raises((ValueError, TypeError)):
        parse_local(day, clock)
