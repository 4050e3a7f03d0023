"""Engines and sessions: the same code on SQLite (WAL, busy timeout) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from dashboard.config import mask_url, scrub
from dashboard.errors import ConflictError
from data_access.models import install_session_rules

SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "hazeops_write"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened or is not migrated; the message names the masked URL."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and explicit BEGINs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own handling defers it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock up front: a deferred one that reads first and
        # writes later fails with SQLITE_BUSY at once instead of waiting out the busy timeout.
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine and its session factories; built by the app factory, the CLI or a test."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )
        install_session_rules(self._read, self._write)
        # Set by the app factory: refuses a write inside a request declared READ (dashboard/permissions.py).
        self.write_check: Callable[[], None] | None = None

    @property
    def backend(self) -> str:
        """Return 'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session for queries; closing it ends (rolls back) its transaction, nothing is committed."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session in one transaction: committed when the block ends, rolled back on error.

        A unique-key clash or a stale version (someone else saved first) becomes a ConflictError.
        """
        if self.write_check is not None:
            self.write_check()
        try:
            with self._write() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise ConflictError("error.conflict") from exc
        except StaleDataError as exc:
            raise ConflictError("error.stale") from exc

    def check(self) -> None:
        """Raise DatabaseUnavailable unless the database opens and carries the current schema."""
        from data_access.migrate import current_head, database_revision

        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                revision = database_revision(conn)
        except Exception as exc:
            reason = scrub(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], self.url)
            raise DatabaseUnavailable(f"无法打开数据库 {mask_url(self.url)}：{reason}") from exc
        if revision is None:
            raise DatabaseUnavailable(
                f"数据库 {mask_url(self.url)} 尚未初始化：请先运行 python -m dashboard db upgrade"
            )
        if revision != current_head():
            raise DatabaseUnavailable(
                f"数据库 {mask_url(self.url)} 的结构版本为 {revision}，程序需要 {current_head()}："
                "请运行 python -m dashboard db upgrade"
            )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
