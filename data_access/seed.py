"""The one deterministic demo seed, shared by `make run` and the tests (all of it is 演示数据)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from dashboard.roles import Role
from dashboard.timeutil import utcnow
from data_access import airquality, targets, warnings
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.demo_county import load_demo_list
from data_access.models import REFERENCE_TABLES, Base, User
from data_access.users import create_user

DEMO_PASSWORD = "hazeops-demo"  # noqa: S105 - demo accounts log in only while HAZEOPS_DEMO is set


@dataclass(frozen=True)
class DemoUser:
    """One demo login: a fictitious person per role."""

    username: str
    display_name: str
    role: Role


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "演示管理员", Role.ADMIN),
    DemoUser("duty", "演示值班员", Role.DUTY_OFFICER),
    DemoUser("lead", "演示帮扶组长", Role.TEAM_LEAD),
    DemoUser("member", "演示帮扶组员", Role.TEAM_MEMBER),
    DemoUser("leader", "演示局领导", Role.LEADERSHIP),
)


@cache
def _demo_hash() -> str:
    # One hash per process for the shared, published demo password: hashing is slow on purpose.
    return generate_password_hash(DEMO_PASSWORD)


def is_seeded(db: Database) -> bool:
    """Return True when the database holds any user (demo or real)."""
    with db.read() as s:
        return bool(s.scalar(select(func.count()).select_from(User)))


def delete_business_rows(conn: Connection | Session) -> None:
    """Delete every row but reference data, and restart ids so a reseed gives the same ids."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    for table in tables:
        conn.execute(delete(table))
    # SQLite reuses ids after a delete; PostgreSQL sequences do not.
    dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
    if dialect.name == "postgresql":
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"))


def wipe(db: Database, actor: Actor) -> None:
    """Delete every business row in one transaction (for `seed --demo --reset` and tests)."""
    with db.write() as s:
        delete_business_rows(s)
        record(s, actor, "seed.reset", "database", None)


DEMO_DOC_NO = "济南市重污染天气应急指挥部办公室〔演示〕1号"


def load_demo_warnings(db: Database, actor: Actor, now: datetime) -> None:
    """The real 济南 episodes 2015–2022 as history, and one active orange warning anchored to now (演示数据):
    noticed 20 hours ago, its Ⅱ级 response started 14 hours ago."""
    warnings.load_history(db, actor)
    warnings.issue(
        db,
        actor,
        "orange",
        notice_at=now - timedelta(hours=20),
        effective_at=now - timedelta(hours=14),
        doc_no=DEMO_DOC_NO,
        note=DEMO_WARNING_NOTE,
        demo=True,
    )


DEMO_WARNING_NOTE = "演示数据：演示用的橙色预警，发布于播种数据前 20 小时，Ⅱ级响应于 14 小时前开始"


def seed_demo(db: Database, *, reset: bool = False, now: datetime | None = None) -> bool:
    """Load the demo county; return False (and change nothing) when already seeded and not reset.

    `now` anchors the demo's active warning (tests pass a fixed instant)."""
    actor = Actor.system("seed")
    if is_seeded(db):
        if not reset:
            return False
        wipe(db, actor)
    load_demo_list(db, actor)
    load_demo_warnings(db, actor, now or utcnow())
    targets.seed_demo(db, actor)
    airquality.import_series(
        db, actor, airquality.DEMO_SERIES.read_bytes(), airquality.DEMO_SERIES.name, demo=True
    )
    for u in DEMO_USERS:
        create_user(
            db,
            actor,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            password=DEMO_PASSWORD,
            password_hash=_demo_hash(),
            is_demo=True,
            reason="演示数据",
        )
    return True
