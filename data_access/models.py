"""Typed SQLAlchemy 2 models; every datetime column is aware UTC (naive ones are refused)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from dashboard.roles import Role
from dashboard.rules.vocab import Category, ChangeKind, ControlType, Grade, Level, WarningLevel
from dashboard.timeutil import ensure_aware, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant on every engine (SQLite stores naive text, so UTC is re-attached on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = ensure_aware(value, "database datetime")
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type, length: int = 32, name: str | None = None) -> Enum:
    """A portable enum: stored as VARCHAR + CHECK, so a new value is not a PostgreSQL type migration.

    `name` names the CHECK constraint; give one when a table has two columns of the same enum
    (PostgreSQL refuses two constraints of one name in a table; SQLite does not notice).
    """
    return Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base with constraint naming that Alembic can diff on both engines."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads this class attribute


class User(Base):
    """A person who logs in (sessions and tokens live in their own tables)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", foreign_keys="ApiToken.user_id", order_by="ApiToken.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy


class ApiToken(Base):
    """A bearer token for /api/v1: only its SHA-256 is stored; the secret is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens", foreign_keys=[user_id])

    __table_args__ = (
        # One live token per name and user: a double-clicked "issue" cannot create two, on any engine.
        Index(
            "uq_api_token_live_name",
            "user_id",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )


class UserSession(Base):
    """A login: the cookie carries a random secret, only its SHA-256 is stored; logout revokes it here."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AuditEvent(Base):
    """Who did what to which object, with before/after and why; written in the change's own transaction."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


class LoginFailure(Base):
    """One failed login, counted per username key and per address for throttling (a security log)."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Town(Base):
    """A 乡镇/街道 of the county (NBS code); reference data loaded by the migration that made the table."""

    __tablename__ = "town"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class ListRevision(Base):
    """A published revision of the 应急减排清单 (the demo list is revision 1)."""

    __tablename__ = "list_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16), default="full")  # full / grades / restore / demo
    restored_from: Mapped[int | None] = mapped_column(Integer)  # the revision number a restore brought back
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # enterprises, new, changed, removed
    # The whole list as published (gzipped JSON lines of records): what a restore brings back.
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class Enterprise(Base):
    """An enterprise on the list. Its id is stable across list revisions (imports match to it)."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(128), index=True)
    town_code: Mapped[str | None] = mapped_column(ForeignKey("town.code"), index=True)
    park: Mapped[str | None] = mapped_column(String(32), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    industry: Mapped[str] = mapped_column(String(32), index=True)
    industry_other: Mapped[str | None] = mapped_column(String(64))
    control_type: Mapped[ControlType] = mapped_column(enum_column(ControlType), index=True)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade), index=True)
    grade_raw: Mapped[str | None] = mapped_column(String(32))
    grade_local: Mapped[bool] = mapped_column(Boolean, default=False)
    lat: Mapped[float | None]  # WGS-84
    lon: Mapped[float | None]
    coord_crs: Mapped[str | None] = mapped_column(String(16))  # the CRS the coordinate arrived in
    so2_tpa: Mapped[float | None]  # annual emissions, t/a
    nox_tpa: Mapped[float | None]
    pm_tpa: Mapped[float | None]
    vocs_tpa: Mapped[float | None]
    base_capacity: Mapped[str | None] = mapped_column(String(255))  # 限产基准 as stated
    permit_no: Mapped[str | None] = mapped_column(String(255))  # several permits may share a cell
    has_cems: Mapped[bool] = mapped_column(Boolean, default=False)
    has_power_monitoring: Mapped[bool] = mapped_column(Boolean, default=False)
    # The strictest category of the enterprise's measures at each level (rules.measures.strictest), kept
    # beside the measures by every write that changes them, so the console filters on one indexed column.
    cat_yellow: Mapped[Category | None] = mapped_column(enum_column(Category, name="cat_yellow"), index=True)
    cat_orange: Mapped[Category | None] = mapped_column(enum_column(Category, name="cat_orange"), index=True)
    cat_red: Mapped[Category | None] = mapped_column(enum_column(Category, name="cat_red"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # On the published list. An enterprise a revision drops keeps its row (and id) for its history and
    # for the visits and problems that point at it; a later revision that lists it again finds it.
    in_list: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("list_revision.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the map cache's stamp
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[ProductionLine]] = relationship(
        back_populates="enterprise", order_by="ProductionLine.id", cascade="all, delete-orphan"
    )
    measures: Mapped[list[Measure]] = relationship(
        back_populates="enterprise", order_by="Measure.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy
    __table_args__ = (
        # One enterprise per USCC (a list with the same code twice is an import error, never two rows).
        Index(
            "uq_enterprise_uscc",
            "uscc",
            unique=True,
            sqlite_where=text("uscc IS NOT NULL"),
            postgresql_where=text("uscc IS NOT NULL"),
        ),
    )


class ProductionLine(Base):
    """A production line or process: a grade or a measure may belong to it, not the whole enterprise."""

    __tablename__ = "production_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade))
    capacity: Mapped[str | None] = mapped_column(String(128))

    enterprise: Mapped[Enterprise] = relationship(back_populates="lines")


class Measure(Base):
    """An enterprise's (or a line's) measure at one level: the text verbatim and what it was read as."""

    __tablename__ = "measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("production_line.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[Category | None] = mapped_column(enum_column(Category))  # None: a person must classify
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    unparsed: Mapped[list[str]] = mapped_column(JSON, default=list)
    transport: Mapped[bool] = mapped_column(Boolean, default=False)
    cut_percent: Mapped[float | None]
    so2_tpd: Mapped[float | None]  # daily reduction, t/d
    nox_tpd: Mapped[float | None]
    pm_tpd: Mapped[float | None]
    vocs_tpd: Mapped[float | None]
    reduction_derived: Mapped[bool] = mapped_column(Boolean, default=False)  # annual ÷ 365 × cut, not stated
    stated: Mapped[list[str]] = mapped_column(JSON, default=list)  # pollutants whose t/d the list states

    enterprise: Mapped[Enterprise] = relationship(back_populates="measures")

    __table_args__ = (Index("ix_measure_level_category", "level", "category"),)


class ListImport(Base):
    """An uploaded list file in staging: parsed, checked and compared, not yet (or never) published."""

    __tablename__ = "list_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # cleared once staged
    source: Mapped[str] = mapped_column(String(16), default="file")  # file / restore
    restore_of: Mapped[int | None] = mapped_column(Integer)  # revision number being restored
    mode: Mapped[str] = mapped_column(String(16), default="replace")  # replace / update (grades: detected)
    crs: Mapped[str] = mapped_column(String(16), default="wgs84")
    kind: Mapped[str | None] = mapped_column(String(16))  # full / grades, once parsed
    status: Mapped[str] = mapped_column(String(16), default="uploaded", index=True)
    base_revision_id: Mapped[int | None] = mapped_column(ForeignKey("list_revision.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failure: Mapped[str | None] = mapped_column(Text)  # why the file could not be read at all
    published_revision_id: Mapped[int | None] = mapped_column(ForeignKey("list_revision.id"))
    finished_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy


class ListImportRecord(Base):
    """One enterprise of a staged import and what it changes: new, changed, unchanged, removed, unmatched."""

    __tablename__ = "list_import_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("list_import.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sheet: Mapped[str | None] = mapped_column(String(64))
    first_row: Mapped[int | None] = mapped_column(Integer)  # Excel row
    rows: Mapped[list[int]] = mapped_column(JSON, default=list)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)  # the stored enterprise it matched
    change: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(255))
    uscc: Mapped[str | None] = mapped_column(String(32))
    town_code: Mapped[str | None] = mapped_column(String(12))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the record (None for a removed one)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [field, before, after]


class ListImportProblem(Base):
    """A problem found in a staged import, where it is in the file, and its rule and severity."""

    __tablename__ = "list_import_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("list_import.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(48))
    sheet: Mapped[str | None] = mapped_column(String(64))
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(8))
    header: Mapped[str | None] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WarningEpisode(Base):
    """One heavy-pollution warning of the city, from its issue to its lifting (only one is open at a time)."""

    __tablename__ = "warning_episode"

    id: Mapped[int] = mapped_column(primary_key=True)
    # True from issue until lifted. A partial unique index allows one open episode, even under a race.
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    issued_at: Mapped[datetime | None]  # the first notice (None: the source does not say)
    started_at: Mapped[datetime | None] = mapped_column(index=True)  # the first response start
    ended_at: Mapped[datetime | None]  # the response's end, from the lifting
    is_history: Mapped[bool] = mapped_column(Boolean, default=False)  # recorded afterwards from sources
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)  # where a historical episode is known from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    changes: Mapped[list[WarningChange]] = relationship(
        back_populates="episode", order_by="WarningChange.seq", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy
    __table_args__ = (
        Index(
            "uq_warning_episode_open",
            "is_open",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        {"sqlite_autoincrement": True},  # ids never reused: pages and the audit log name episodes by id
    )


class WarningChange(Base):
    """One step of an episode: issue, upgrade, downgrade or lifting, with the city's notice and times."""

    __tablename__ = "warning_change"
    # One step per position: two officers recording at once cannot both become step n.
    __table_args__ = (UniqueConstraint("episode_id", "seq", name="uq_warning_change_episode_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("warning_episode.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind))
    level: Mapped[WarningLevel | None] = mapped_column(enum_column(WarningLevel))  # None: a lifting
    doc_no: Mapped[str | None] = mapped_column(String(128))  # the city's document number (文号)
    notice_at: Mapped[datetime | None]  # when the city announced it (None: unknown)
    notice_time_known: Mapped[bool] = mapped_column(Boolean, default=True)  # False: only the day is known
    effective_at: Mapped[datetime | None]  # response start (issue, change) or end (lifting); None: unknown
    effective_time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(64))

    episode: Mapped[WarningEpisode] = relationship(back_populates="changes")


class ReductionTarget(Base):
    """The share of county emissions the list must cut at a level, per pollutant: data, with a source."""

    __tablename__ = "reduction_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    pollutant: Mapped[str] = mapped_column(String(8))
    percent: Mapped[float]
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy
    __table_args__ = (UniqueConstraint("level", "pollutant", name="uq_reduction_target_level_pollutant"),)


class CountyEmission(Base):
    """The county's annual emission of a pollutant (全社会排放总量), the targets' base, with a source."""

    __tablename__ = "county_emission"

    id: Mapped[int] = mapped_column(primary_key=True)
    pollutant: Mapped[str] = mapped_column(String(8), unique=True)
    annual_tpa: Mapped[float]
    year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy


class AirQualityDay(Base):
    """One day's air quality of a city (daily mean PM2.5 in µg/m³, or AQI), from an imported series."""

    __tablename__ = "air_quality_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(8))  # pm25 / aqi
    value: Mapped[float]
    source: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("city", "day", "metric", name="uq_air_quality_day_city_day_metric"),
        Index("ix_air_quality_day_city_metric_day", "city", "metric", "day"),
    )


# Reference data loaded by migrations; wiping business data leaves it alone.
REFERENCE_TABLES = frozenset({"town"})

# Rows that are themselves logs (security bookkeeping); writing them needs no audit event of its own.
AUDIT_EXEMPT: tuple[type[Base], ...] = (AuditEvent, LoginFailure, UserSession)
_EXEMPT_TABLES = frozenset(cls.__tablename__ for cls in AUDIT_EXEMPT)


class UnauditedWriteError(RuntimeError):
    """A transaction changes business rows but records no AuditEvent, or edits the audit log."""


class ReadOnlySessionError(RuntimeError):
    """Something tried to write through a read session."""


def _refuse_naive(target: Any, value: Any, _old: Any, initiator: Any) -> Any:
    if isinstance(value, datetime):
        ensure_aware(value, f"{type(target).__name__}.{initiator.key}")
    return value


@event.listens_for(Mapper, "mapper_configured")
def _install_datetime_guards(mapper: Mapper[Any], cls: type) -> None:
    """Make assigning a naive datetime to any UTCDateTime attribute raise at once."""
    for attr in mapper.column_attrs:
        if any(isinstance(col.type, UTCDateTime) for col in attr.columns):
            event.listen(getattr(cls, attr.key), "set", _refuse_naive, retval=True)


def _track_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    """Note the business rows a flush changes and the audit events it adds; the log is append-only."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise UnauditedWriteError("the audit log is append-only")
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            session.info.setdefault("audit_events", []).append(obj)
        elif not isinstance(obj, AUDIT_EXEMPT) and (obj not in session.dirty or session.is_modified(obj)):
            session.info.setdefault("writes", set()).add(type(obj).__tablename__)


def _track_statement(state: Any) -> None:
    """Bulk INSERT/UPDATE/DELETE through the session count as writes too."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name is None or name not in _EXEMPT_TABLES:
            state.session.info.setdefault("writes", set()).add(name or "?")


def _require_audit(session: Session) -> None:
    """Refuse to commit business writes that no surviving AuditEvent in this transaction accounts for."""
    session.flush()
    writes = session.info.get("writes")
    # An event added inside a savepoint that rolled back is transient again: it does not count.
    audited = any(inspect(e).persistent for e in session.info.get("audit_events", ()))
    if writes and not audited:
        raise UnauditedWriteError(
            f"write to {', '.join(sorted(writes))} without an AuditEvent in the same transaction"
        )


def _reset(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("audit_events", None)
        session.info.pop("writes", None)


def _refuse_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("read sessions never write; use Database.write()")


def _refuse_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("read sessions never write; use Database.write()")


def install_session_rules(read_factory: Any, write_factory: Any) -> None:
    """Attach the audit rule to write sessions and the no-write rule to read sessions."""
    event.listen(write_factory, "before_flush", _track_flush)
    event.listen(write_factory, "do_orm_execute", _track_statement)
    event.listen(write_factory, "before_commit", _require_audit)
    event.listen(write_factory, "after_transaction_end", _reset)
    event.listen(read_factory, "before_flush", _refuse_flush)
    event.listen(read_factory, "do_orm_execute", _refuse_statement)
