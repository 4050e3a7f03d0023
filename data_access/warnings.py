"""Warning episodes: record the city's issue, level changes and lifting; read the current one and the history.

One episode is open at a time (a partial unique index enforces it even when two duty officers record at
once); every step is audited in its own transaction; times are aware UTC, shown in Beijing time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dashboard.errors import ConflictError, ValidationError
from dashboard.rules import warnings as rules
from dashboard.rules.vocab import ChangeKind, Level, WarningLevel
from dashboard.timeutil import format_local, from_local, utcnow
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.models import WarningChange, WarningEpisode

HISTORY = Path(__file__).resolve().parent / "reference" / "jinan_warnings_history.csv"
MAX_TEXT = 200
DOC_NO_MAX: int = WarningChange.__table__.c["doc_no"].type.length  # what the column keeps (128)


@dataclass(frozen=True)
class ChangeView:
    """One step of an episode as shown."""

    seq: int
    kind: ChangeKind
    level: WarningLevel | None
    doc_no: str | None
    notice_at: datetime | None
    notice_time_known: bool
    effective_at: datetime | None
    effective_time_known: bool
    note: str | None
    source_url: str | None
    recorded_at: datetime
    recorded_by: str

    @property
    def step(self) -> rules.Step:
        """The step as the rules see it."""
        return rules.Step(self.kind, self.level, self.effective_at)


@dataclass(frozen=True)
class EpisodeView:
    """An episode with its timeline."""

    id: int
    is_open: bool
    issued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    is_history: bool
    is_demo: bool
    source: str | None
    version: int
    changes: tuple[ChangeView, ...]

    def state(self, now: datetime | None = None) -> rules.State:
        """The episode at an instant (default: now); a closed one has ended, whatever its steps say
        (history often records no lifting)."""
        if not self.is_open:
            return rules.State(None, None, None, None, True)
        return rules.state([c.step for c in self.changes], now or utcnow())

    def over(self, now: datetime | None = None) -> bool:
        """Whether its response has ended by `now` (closed, or a recorded lifting whose time has come)."""
        return not self.is_open or (self.ended_at is not None and self.ended_at <= (now or utcnow()))

    @property
    def levels(self) -> list[WarningLevel]:
        """The levels it went through, in order."""
        return [c.level for c in self.changes if c.level is not None]

    @property
    def peak(self) -> WarningLevel | None:
        """Its highest level."""
        from dashboard.rules.vocab import WARNING_RANK

        return max(self.levels, key=lambda lv: WARNING_RANK[lv.value], default=None)


def _view(e: WarningEpisode) -> EpisodeView:
    return EpisodeView(
        id=e.id,
        is_open=e.is_open,
        issued_at=e.issued_at,
        started_at=e.started_at,
        ended_at=e.ended_at,
        is_history=e.is_history,
        is_demo=e.is_demo,
        source=e.source,
        version=e.version,
        changes=tuple(
            ChangeView(
                c.seq,
                c.kind,
                c.level,
                c.doc_no,
                c.notice_at,
                c.notice_time_known,
                c.effective_at,
                c.effective_time_known,
                c.note,
                c.source_url,
                c.recorded_at,
                c.recorded_by,
            )
            for c in e.changes
        ),
    )


def current(db: Database, now: datetime | None = None) -> EpisodeView | None:
    """The episode whose response is on at `now` (issued, and not lifted or lifted for a later time)."""
    with db.read() as s:
        e = s.scalars(
            select(WarningEpisode).options(selectinload(WarningEpisode.changes)).where(WarningEpisode.is_open)
        ).first()
        view = _view(e) if e else None
    return None if view is None or view.over(now) else view


def level_in_force(db: Database, now: datetime | None = None) -> Level | None:
    """The level enterprises act on at `now`, or None when no warning's response is on."""
    return obligation_level(current(db, now), now)


def obligation_level(episode: EpisodeView | None, now: datetime | None = None) -> Level | None:
    """The level enterprises act on at `now` in `episode` (the one `current` gave), None without one."""
    return episode.state(now).obligation_level if episode else None


def _close_if_over(s: Session, actor: Actor, now: datetime) -> None:
    """Close the open episode whose recorded lifting time has passed (the response ended then)."""
    e = s.scalars(select(WarningEpisode).where(WarningEpisode.is_open).with_for_update()).first()
    if e is not None and e.ended_at is not None and e.ended_at <= now:
        e.is_open = False
        s.flush()
        record(s, actor, "warning.end", "warning_episode", e.id, after={"ended_at": e.ended_at.isoformat()})


def episodes(db: Database, limit: int = 200) -> list[EpisodeView]:
    """Episodes, newest first: by response start, else by the earliest time any of its steps knows."""
    with db.read() as s:
        rows = s.scalars(
            select(WarningEpisode)
            .options(selectinload(WarningEpisode.changes))
            .order_by(WarningEpisode.id.desc())
            .limit(limit)
        )
        views = [_view(e) for e in rows]

    def when(e: EpisodeView) -> datetime:
        known = [t for c in e.changes for t in (c.effective_at, c.notice_at) if t is not None]
        return e.started_at or min(known, default=datetime.min.replace(tzinfo=UTC))

    return sorted(views, key=when, reverse=True)


def _text(value: object, field: str) -> str | None:
    if value is not None and not isinstance(value, str):  # a direct request sending a list or a number
        raise ValidationError("warning.bad_text", field=field)
    text = (value or "").strip()
    if any(
        ord(ch) < 32 for ch in text
    ):  # control characters (a NUL breaks PostgreSQL): never typed in a form
        raise ValidationError("warning.bad_text", field=field)
    limit = DOC_NO_MAX if field == "doc_no" else MAX_TEXT
    if len(text) > limit:
        raise ValidationError("warning.text_long", field=field, max=limit)
    return text or None


def _open(s: Session, episode_id: int | None, last_seq: int | None) -> WarningEpisode:
    """The open episode, checked against what the form was loaded with: the same episode, no step since.

    The row is locked (FOR UPDATE on PostgreSQL) so two officers recording a step at once are serialised:
    the second sees the first's step and is refused as stale.
    """
    e = s.scalars(
        select(WarningEpisode)
        .options(selectinload(WarningEpisode.changes))
        .where(WarningEpisode.is_open)
        .with_for_update(of=WarningEpisode)
    ).first()
    if e is None or (e.ended_at is not None and e.ended_at <= utcnow()):
        raise ValidationError("warning.none_active")
    if episode_id is not None and e.id != episode_id:
        raise ConflictError("warning.other_episode")
    if last_seq is not None and e.changes[-1].seq != last_seq:
        raise ConflictError("warning.changed_meanwhile")
    return e


def _change_json(c: WarningChange) -> dict[str, Any]:
    return {
        "kind": c.kind.value,
        "level": c.level.value if c.level else None,
        "doc_no": c.doc_no,
        "notice_at": c.notice_at.isoformat() if c.notice_at else None,
        "effective_at": c.effective_at.isoformat() if c.effective_at else None,
        "note": c.note,
    }


def issue(
    db: Database,
    actor: Actor,
    level: str,
    notice_at: datetime,
    effective_at: datetime,
    doc_no: str | None = None,
    note: str | None = None,
    *,
    demo: bool = False,
) -> EpisodeView:
    """Record the city's new warning; refused while another episode is open."""
    lv = rules.recordable(level)
    rules.check_times(notice_at, effective_at, None, lifting=False, now=utcnow())
    doc, text = _text(doc_no, "doc_no"), _text(note, "note")
    with db.write() as s:
        _close_if_over(s, actor, utcnow())
        other = s.scalars(select(WarningEpisode).where(WarningEpisode.is_open)).first()
        if other is not None:
            if other.ended_at is not None:  # lifted, but for a time still to come
                raise ValidationError("warning.lift_pending", end=format_local(other.ended_at))
            raise ValidationError("warning.already_active")
        overlap = s.scalars(
            select(WarningEpisode.ended_at)
            .where(WarningEpisode.ended_at.is_not(None), WarningEpisode.ended_at > effective_at)
            .order_by(WarningEpisode.ended_at.desc())
            .limit(1)
        ).first()
        if overlap is not None:  # a new warning cannot start while the last one's response was still on
            raise ValidationError("warning.overlaps", field="effective_at", end=format_local(overlap))
        e = WarningEpisode(
            is_open=True, issued_at=notice_at, started_at=effective_at, created_by=actor.name, is_demo=demo
        )
        c = WarningChange(
            seq=1,
            kind=ChangeKind.ISSUE,
            level=lv,
            doc_no=doc,
            notice_at=notice_at,
            effective_at=effective_at,
            note=text,
            recorded_by=actor.name,
        )
        e.changes.append(c)
        s.add(e)
        s.flush()
        record(s, actor, "warning.issue", "warning_episode", e.id, after=_change_json(c), reason=text)
        return _view(e)


def change_level(
    db: Database,
    actor: Actor,
    level: str,
    notice_at: datetime,
    effective_at: datetime,
    doc_no: str | None = None,
    note: str | None = None,
    *,
    episode_id: int | None = None,
    last_seq: int | None = None,
) -> EpisodeView:
    """Record an upgrade or downgrade of the open episode."""
    lv = rules.recordable(level)
    doc, text = _text(doc_no, "doc_no"), _text(note, "note")
    with db.write() as s:
        e = _open(s, episode_id, last_seq)
        last = e.changes[-1]
        if last.kind is ChangeKind.LIFT:
            raise ValidationError("warning.already_lifted")
        if last.level is None:
            raise ValidationError("warning.none_active")
        kind = rules.kind_of_change(last.level, lv)
        rules.check_times(notice_at, effective_at, last.effective_at, lifting=False, now=utcnow())
        return _append(s, actor, e, kind, lv, notice_at, effective_at, doc, text)


def lift(
    db: Database,
    actor: Actor,
    notice_at: datetime,
    end_at: datetime,
    doc_no: str | None = None,
    note: str | None = None,
    *,
    episode_id: int | None = None,
    last_seq: int | None = None,
) -> EpisodeView:
    """Record the lifting of the open episode: its response ends at end_at."""
    doc, text = _text(doc_no, "doc_no"), _text(note, "note")
    with db.write() as s:
        e = _open(s, episode_id, last_seq)
        last = e.changes[-1]
        if last.kind is ChangeKind.LIFT:
            raise ValidationError("warning.already_lifted")
        rules.check_times(notice_at, end_at, last.effective_at, lifting=True, now=utcnow())
        # An end announced for later keeps the response on (and the episode open) until then.
        e.is_open = end_at > utcnow()
        e.ended_at = end_at
        return _append(s, actor, e, ChangeKind.LIFT, None, notice_at, end_at, doc, text)


def _append(
    s: Session,
    actor: Actor,
    e: WarningEpisode,
    kind: ChangeKind,
    level: WarningLevel | None,
    notice_at: datetime,
    effective_at: datetime,
    doc: str | None,
    text: str | None,
) -> EpisodeView:
    """Add a step after the episode's last one, audited as warning.<kind> with the level it left."""
    last = e.changes[-1]
    c = WarningChange(
        seq=last.seq + 1,
        kind=kind,
        level=level,
        doc_no=doc,
        notice_at=notice_at,
        effective_at=effective_at,
        note=text,
        recorded_by=actor.name,
    )
    e.changes.append(c)
    s.flush()
    before = {"level": last.level.value if last.level else None}
    record(
        s,
        actor,
        f"warning.{kind.value}",
        "warning_episode",
        e.id,
        before=before,
        after=_change_json(c),
        reason=text,
    )
    return _view(e)


WITHDRAW_DAYS = 7  # a step recorded by mistake can be withdrawn for this long after the episode's last step


def latest_recorded(db: Database, now: datetime | None = None) -> EpisodeView | None:
    """The newest episode recorded here (not loaded history) whose last step may still be withdrawn."""
    with db.read() as s:
        e = s.scalars(
            select(WarningEpisode)
            .options(selectinload(WarningEpisode.changes))
            .where(WarningEpisode.is_history.is_(False))
            .order_by(WarningEpisode.id.desc())
            .limit(1)
        ).first()
        view = _view(e) if e and e.changes else None
    if view is None:
        return None
    if (now or utcnow()) - view.changes[-1].recorded_at > timedelta(days=WITHDRAW_DAYS):
        return None
    return view


def withdraw_last(
    db: Database, actor: Actor, reason: str | None, *, episode_id: int | None, last_seq: int | None
) -> EpisodeView | None:
    """Withdraw the newest episode's last step (recorded by mistake); the episode goes when it was its issue.

    A withdrawn lifting re-opens the episode. The step is kept in the audit log with the reason.
    """
    why = _text(reason, "reason")
    if not why:
        raise ValidationError("warning.reason_required", field="reason")
    with db.write() as s:
        e = s.scalars(
            select(WarningEpisode)
            .options(selectinload(WarningEpisode.changes))
            .where(WarningEpisode.is_history.is_(False))
            .order_by(WarningEpisode.id.desc())
            .limit(1)
            .with_for_update(of=WarningEpisode)
        ).first()
        if e is None or not e.changes or e.id != episode_id:
            raise ConflictError("warning.other_episode")
        last = e.changes[-1]
        if last.seq != last_seq:
            raise ConflictError("warning.changed_meanwhile")
        if utcnow() - last.recorded_at > timedelta(days=WITHDRAW_DAYS):
            raise ValidationError("warning.withdraw_too_late", days=WITHDRAW_DAYS)
        before = {**_change_json(last), "seq": last.seq}
        if len(e.changes) == 1:
            eid = e.id
            s.delete(e)
            s.flush()
            record(s, actor, "warning.withdraw", "warning_episode", eid, before=before, reason=why)
            return None
        if last.kind is ChangeKind.LIFT and not e.is_open:
            other = s.scalars(select(WarningEpisode.id).where(WarningEpisode.is_open)).first()
            if other is not None:
                raise ValidationError("warning.already_active")
        e.changes.remove(last)
        if last.kind is ChangeKind.LIFT:
            e.is_open, e.ended_at = True, None
        s.flush()
        record(s, actor, "warning.withdraw", "warning_episode", e.id, before=before, reason=why)
        return _view(e)


# -- history from sources ----------------------------------------------------------------------------------


def _when(day: str, clock: str) -> tuple[datetime | None, bool]:
    """A time from the history fixture: a day with a clock, a day only ("unknown" clock), or nothing."""
    if not day or day == "unknown":
        return None, False
    d = date.fromisoformat(day)
    if not clock or clock == "unknown":
        return from_local(d), False
    if clock == "24:00":
        from datetime import timedelta

        return from_local(d + timedelta(days=1)), True
    hh, mm = clock.split(":")
    return from_local(d, int(hh), int(mm)), True


def load_history(db: Database, actor: Actor, path: Path = HISTORY) -> int:
    """Load the curated real 济南 episodes (reference/jinan_warnings_history.csv) as closed history."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_episode: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_episode.setdefault(r["episode"], []).append(r)
    with db.write() as s:
        if s.scalars(select(WarningEpisode.id).where(WarningEpisode.is_history).limit(1)).first():
            raise ValidationError("warning.history_loaded")  # loading twice would show every episode twice
        for _key, steps in by_episode.items():
            e = WarningEpisode(
                is_open=False, is_history=True, created_by=actor.name, source=steps[0]["source"]
            )
            for seq, r in enumerate(steps, start=1):
                notice, notice_known = _when(r["notice_day"], r["notice_time"])
                effective, effective_known = _when(r["effective_day"], r["effective_time"])
                e.changes.append(
                    WarningChange(
                        seq=seq,
                        kind=ChangeKind(r["kind"]),
                        level=WarningLevel(r["level"]) if r["level"] else None,
                        doc_no=r["doc_no"] or None,
                        notice_at=notice,
                        notice_time_known=notice_known,
                        effective_at=effective,
                        effective_time_known=effective_known,
                        note=r["note"] or None,
                        source_url=r["source"] or None,
                        recorded_by=actor.name,
                    )
                )
            first = e.changes[0]
            lifting = next((c for c in e.changes if c.kind is ChangeKind.LIFT), None)
            e.issued_at, e.started_at = first.notice_at, first.effective_at
            e.ended_at = lifting.effective_at if lifting else None
            s.add(e)
        record(s, actor, "warning.history", "warning_episode", None, after={"episodes": len(by_episode)})
    return len(by_episode)
