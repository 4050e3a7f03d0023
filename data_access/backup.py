"""Portable backups: every table as gzipped JSON lines, restorable on SQLite or PostgreSQL alike.

A backup is read in one consistent snapshot (REPEATABLE READ on PostgreSQL; SQLite's WAL snapshot) and carries
the schema revision; a restore runs in one transaction into a database at that revision, so a failed restore
leaves the database exactly as it was. Login sessions and failed-login counters are not carried: after a
restore everyone logs in again. The same file moves a site from SQLite to PostgreSQL.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import math
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Date, Enum, Float, LargeBinary, Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from dashboard.errors import HazeError
from dashboard.timeutil import utcnow
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.migrate import database_revision
from data_access.models import Base, LoginFailure, UserSession, UTCDateTime

FORMAT = "hazeops-backup"
VERSION = 1
BATCH = 1000
# Ephemeral security state: restoring it would revive logins that ended after the backup was made.
SKIPPED = frozenset({UserSession.__tablename__, LoginFailure.__tablename__})

Progress = Callable[[str, int, int], None]  # table, rows done, rows in all


class BackupError(HazeError):
    """A backup file that cannot be restored here, with the reason in the message."""


@dataclass(frozen=True)
class Summary:
    """What a backup or restore covered: rows per table, the schema revision and the file's SHA-256."""

    path: Path
    revision: str
    rows: dict[str, int]
    sha256: str


def tables() -> list[Table]:
    """The tables a backup carries, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]


def _encode(table: Table) -> Callable[[Any], list[Any]]:
    """Row → JSON-ready list: datetimes as ISO 8601 with offset, enums by value, non-finite floats tagged."""
    kinds = [_kind(c.type) for c in table.columns]

    def encode(row: Any) -> list[Any]:
        out = []
        for kind, value in zip(kinds, row, strict=True):
            if value is None:
                out.append(None)
            elif kind in ("datetime", "date"):
                out.append(value.isoformat())
            elif kind == "enum":
                out.append(value.value if hasattr(value, "value") else value)
            elif kind == "float" and not math.isfinite(value):
                out.append({"$float": repr(value)})  # JSON has no NaN or Infinity
            elif kind == "bytes":
                out.append({"$b64": base64.b64encode(value).decode("ascii")})
            else:
                out.append(value)
        return out

    return encode


def _decoder(table: Table, columns: list[str]) -> Callable[[list[Any]], dict[str, Any]]:
    """JSON list (in the file's column order) → insert parameters typed for this table."""
    unknown = [c for c in columns if c not in table.c]
    missing = [
        c.name for c in table.columns if c.name not in columns and not c.nullable and c.default is None
    ]
    if unknown or missing:
        raise BackupError("backup.columns", table=table.name, columns=", ".join(unknown or missing))
    kinds = [_kind(table.c[c].type) for c in columns]
    enums = [getattr(table.c[c].type, "enum_class", None) for c in columns]

    def decode(values: list[Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, kind, enum_cls, value in zip(columns, kinds, enums, values, strict=True):
            if value is not None:
                if kind == "datetime":
                    value = datetime.fromisoformat(value)
                elif kind == "date":
                    value = date.fromisoformat(value)
                elif kind == "enum" and enum_cls is not None:
                    value = enum_cls(value)
                elif kind == "float" and isinstance(value, dict):
                    value = float(value["$float"])
                elif kind == "bytes" and isinstance(value, dict):
                    value = base64.b64decode(value["$b64"])
            row[name] = value
        return row

    return decode


def _kind(type_: Any) -> str:
    if isinstance(type_, UTCDateTime):
        return "datetime"
    if isinstance(type_, Date):
        return "date"
    if isinstance(type_, Enum):
        return "enum"
    if isinstance(type_, Float):
        return "float"
    if isinstance(type_, LargeBinary):
        return "bytes"
    return "plain"


def _line(obj: Any) -> bytes:
    return orjson.dumps(obj) + b"\n"


def backup(db: Database, path: Path, progress: Progress | None = None) -> Summary:
    """Write every table to path (gzipped JSON lines) from one consistent snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    rows: dict[str, int] = {}
    with db.read() as s:
        if db.backend == "postgresql":  # one snapshot for every table, not one per statement
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        revision = database_revision(s.connection()) or ""
        counts = {str(t.name): s.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}
        with gzip.open(partial, "wb", compresslevel=6) as f:
            f.write(
                _line(
                    {
                        "format": FORMAT,
                        "version": VERSION,
                        "schema": revision,
                        "created_at": utcnow().isoformat(),
                        "backend": db.backend,
                        "tables": counts,
                    }
                )
            )
            for table in tables():
                f.write(_line({"table": str(table.name), "columns": [str(c.name) for c in table.columns]}))
                encode, done = _encode(table), 0
                order = list(table.primary_key.columns)
                for row in s.execute(select(table).order_by(*order)).yield_per(BATCH):
                    f.write(_line(encode(row)))
                    done += 1
                    if progress and done % BATCH == 0:
                        progress(table.name, done, counts[table.name])
                rows[table.name] = done
                if progress:
                    progress(table.name, done, counts[table.name])
    os.chmod(partial, 0o600)  # it holds password and token hashes
    partial.replace(path)  # a backup interrupted half-way never looks like a finished one
    return Summary(path, revision, rows, _sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(f: IO[bytes]) -> Iterator[Any]:
    for number, raw in enumerate(f, start=1):
        try:
            yield orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BackupError("backup.corrupt", line=number) from None


def _guarded(items: Iterator[Any]) -> Iterator[Any]:
    """Reading past a truncated gzip stream is a refusal, not a traceback."""
    try:
        yield from items
    except (EOFError, OSError, zlib.error):
        raise BackupError("backup.truncated", tables="—") from None


def _header(path: Path) -> dict[str, Any]:
    try:
        with gzip.open(path, "rb") as f:
            first = f.readline()
    except (OSError, EOFError):
        raise BackupError("backup.not_a_backup", path=str(path)) from None
    try:
        head = orjson.loads(first)
    except orjson.JSONDecodeError:
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BackupError("backup.not_a_backup", path=str(path))
    if head.get("version") != VERSION:
        raise BackupError("backup.version", version=head.get("version"), supported=VERSION)
    return head


def has_business_rows(s: Session) -> bool:
    """True when any table but the migration's reference data holds a row (a restore would replace it)."""
    from data_access.models import REFERENCE_TABLES

    return any(
        s.execute(select(text("1")).select_from(t).limit(1)).first() is not None
        for t in tables()
        if t.name not in REFERENCE_TABLES
    )


def restore(
    db: Database, path: Path, actor: Actor, *, replace: bool = False, progress: Progress | None = None
) -> Summary:
    """Restore a backup in one transaction; refuse another schema, and a non-empty database unless replace."""
    head = _header(path)
    with db.read() as s:
        current = database_revision(s.connection())
        occupied = has_business_rows(s)
    if head["schema"] != current:
        raise BackupError("backup.schema", backup=head["schema"], database=current or "—")
    if occupied and not replace:
        raise BackupError("backup.not_empty")
    sha = _sha256(path)
    expected: dict[str, int] = head.get("tables", {})
    by_name = {t.name: t for t in tables()}
    rows: dict[str, int] = {}
    with db.write() as s:
        for table in reversed(Base.metadata.sorted_tables):  # children first
            s.execute(delete(table))
        with gzip.open(path, "rb") as f:
            lines = _read(f)
            next(lines)  # the header
            table: Table | None = None
            decode: Callable[[list[Any]], dict[str, Any]] = lambda v: {}  # noqa: E731
            batch: list[dict[str, Any]] = []

            def flush() -> None:
                if table is not None and batch:
                    s.execute(insert(table), batch)
                    rows[table.name] = rows.get(table.name, 0) + len(batch)
                    if progress:
                        progress(table.name, rows[table.name], expected.get(table.name, 0))
                    batch.clear()

            for item in _guarded(lines):
                if isinstance(item, dict) and "table" in item:
                    flush()
                    if item["table"] not in by_name:
                        raise BackupError("backup.columns", table=item["table"], columns="—")
                    table = by_name[item["table"]]
                    decode = _decoder(table, item["columns"])
                    rows.setdefault(table.name, 0)
                    continue
                if table is None or not isinstance(item, list):
                    raise BackupError("backup.corrupt", line=0)
                try:
                    batch.append(decode(item))
                except (ValueError, TypeError, KeyError, IndexError):
                    raise BackupError("backup.bad_value", table=table.name) from None
                if len(batch) >= BATCH:
                    flush()
            flush()
        short = {name: n for name, n in expected.items() if rows.get(name, 0) != n}
        if short:  # a truncated file: nothing of it is kept
            raise BackupError("backup.truncated", tables=", ".join(sorted(short)))
        if db.backend == "postgresql":
            _restart_sequences(s)
        record(
            s,
            actor,
            "db.restore",
            "database",
            None,
            after={"file": path.name, "sha256": sha, "created_at": head.get("created_at"), "rows": rows},
        )
    return Summary(path, head["schema"], rows, sha)


def _restart_sequences(s: Session) -> None:
    """Continue every id sequence after the highest restored id (PostgreSQL keeps its own counter)."""
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
            top = s.scalar(select(func.max(table.c.id))) or 0
            # Table names come from our own metadata, never from the file.
            s.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n, false)"),
                {"t": table.name, "n": top + 1},
            )
