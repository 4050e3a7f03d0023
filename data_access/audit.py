"""Audit events: written beside every change, listed for the admin's audit page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from dashboard.roles import Role
from data_access.db import Database
from data_access.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or a named system actor such as the CLI (id None)."""

    id: int | None
    name: str
    role: Role | None = None
    address: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        """An actor for CLI and seeding work, which has no user row."""
        return cls(id=None, name=name, role=Role.ADMIN)


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Add an audit event to the session's transaction (it commits or rolls back with the change)."""
    session.add(
        AuditEvent(
            actor_id=actor.id,
            actor_name=actor.name[:64],
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            before=before,
            after=after,
            reason=(reason or "").strip() or None,
            address=actor.address,
            request_id=actor.request_id,
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit page: actor name, object (type or type:id), UTC [start, end)."""

    actor: str | None = None
    object: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    """One audit event as shown on the audit page."""

    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    address: str | None


def _filtered(flt: AuditFilter) -> Select[tuple[AuditEvent]]:
    stmt = select(AuditEvent)
    if flt.actor:
        stmt = stmt.where(AuditEvent.actor_name == flt.actor)
    if flt.object:
        kind, _, ident = flt.object.partition(":")
        stmt = stmt.where(AuditEvent.object_type == kind.strip())
        if ident.strip():
            stmt = stmt.where(AuditEvent.object_id == ident.strip())
    if flt.start is not None:
        stmt = stmt.where(AuditEvent.at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditEvent.at < flt.end)
    return stmt


def list_events(
    db: Database, flt: AuditFilter, offset: int = 0, limit: int = 100
) -> tuple[list[AuditRow], int]:
    """Return one page of audit events, newest first, and the total count under the filter."""
    stmt = _filtered(flt)
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit)
        )
        return [
            AuditRow(
                id=r.id,
                at=r.at,
                actor_name=r.actor_name,
                action=r.action,
                object_type=r.object_type,
                object_id=r.object_id,
                before=r.before,
                after=r.after,
                reason=r.reason,
                address=r.address,
            )
            for r in rows
        ], total


def actor_names(db: Database) -> list[str]:
    """Return every actor name that appears in the audit log, for the page's filter."""
    with db.read() as s:
        return list(s.scalars(select(AuditEvent.actor_name).distinct().order_by(AuditEvent.actor_name)))


def object_types(db: Database) -> list[str]:
    """Return every object type that appears in the audit log."""
    with db.read() as s:
        return list(s.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)))
