"""List revisions: upload → staging (parse, check, match, diff) → publish as a new revision, or discard.

An import never touches the list tables until it is published: it lands in `list_import*` (shared by every
worker), and publishing applies it in one transaction that also writes the revision, its snapshot and an
audit event per enterprise. A previous revision comes back the same way (staged from its snapshot).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from dashboard.errors import ConflictError, NotFoundError, ValidationError
from dashboard.geo import CRS
from dashboard.i18n import t
from dashboard.rules import listvalues as V
from dashboard.rules.listchecks import Severity
from dashboard.rules.listrecord import GRADE_FIELDS, ListRecord, diff
from dashboard.rules.names import match_key
from dashboard.timeutil import utcnow
from data_access import listfile
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.listfile import HasProblems, Incoming, ListFileError, ParsedList, ParseOptions, Problem
from data_access.listrecords import decode_snapshot, delist, encode_snapshot, load_records, write_records
from data_access.models import (
    AuditEvent,
    Enterprise,
    ListImport,
    ListImportProblem,
    ListImportRecord,
    ListRevision,
    Town,
)

E = Enterprise
MODES = ("replace", "update")
MAX_FILE_BYTES = 60 * 1024 * 1024
STALE_AFTER = timedelta(days=7)  # staged imports nobody published or discarded are cleared after this
OPEN = ("uploaded", "ready", "failed")
ProgressFn = Callable[[str, int, int], None]  # stage, done, total


# -- upload -------------------------------------------------------------------------------------------


def create_upload(
    db: Database, actor: Actor, file_name: str, data: bytes, *, mode: str = "replace", crs: str = "wgs84"
) -> int:
    """Store an uploaded list file in staging (nothing is parsed yet); return the import id."""
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if not name:
        raise ValidationError("listimport.no_file", field="file")
    if not data:
        raise ValidationError("check.file.empty", field="file")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError("listimport.too_big", field="file", mb=MAX_FILE_BYTES // (1024 * 1024))
    if mode not in MODES:
        raise ValidationError("listimport.bad_mode", field="mode")
    if crs not in {c.value for c in CRS}:
        raise ValidationError("listimport.bad_crs", field="crs")
    now = utcnow()
    with db.write() as s:
        _expire_stale(s, actor, now)
        imp = ListImport(
            created_at=now,
            created_by_id=actor.id,
            created_by=actor.name,
            file_name=name,
            file_sha256=hashlib.sha256(data).hexdigest(),
            file_size=len(data),
            file_data=data,
            mode=mode,
            crs=crs,
            status="uploaded",
            summary={},
        )
        s.add(imp)
        s.flush()
        record(
            s,
            actor,
            "list.import.upload",
            "list_import",
            imp.id,
            after={"file": name, "bytes": len(data), "sha256": imp.file_sha256, "mode": mode, "crs": crs},
        )
        return imp.id


def _expire_stale(s: Session, actor: Actor, now: datetime) -> None:
    stale = list(
        s.scalars(
            select(ListImport.id).where(
                ListImport.status.in_(OPEN), ListImport.created_at < now - STALE_AFTER
            )
        )
    )
    if not stale:
        return
    _clear_staging(s, stale)
    s.execute(
        update(ListImport)
        .where(ListImport.id.in_(stale))
        .values(status="expired", file_data=None, finished_at=now, version=ListImport.version + 1)
        .execution_options(synchronize_session=False)
    )
    record(s, actor, "list.import.expire", "list_import", None, after={"ids": stale})


def _clear_staging(s: Session, ids: list[int]) -> None:
    s.execute(delete(ListImportRecord).where(ListImportRecord.import_id.in_(ids)))
    s.execute(delete(ListImportProblem).where(ListImportProblem.import_id.in_(ids)))


# -- staging --------------------------------------------------------------------------------------------


@dataclass
class Staged:
    """A staged enterprise: the incoming record, what it matched, and what it changes."""

    incoming: Incoming | None
    enterprise_id: int | None
    change: str  # new / changed / unchanged / removed / unmatched
    changes: list[list[Any]] = field(default_factory=list)
    record: ListRecord | None = None  # for removed: the stored record


def parse_options(db: Database, crs: str) -> ParseOptions:
    """What the parser needs from the database: the towns and the sector names already on the list."""
    with db.read() as s:
        towns = dict(s.execute(select(Town.code, Town.name)).all())
        sectors = {x for x in s.scalars(select(E.industry_other).distinct()) if x}
    return ParseOptions(V.Towns(towns), frozenset(sectors), CRS(crs))


def _current_revision(s: Session) -> ListRevision | None:
    return s.scalars(select(ListRevision).order_by(ListRevision.number.desc()).limit(1)).first()


def match(s: Session, parsed: ParsedList, mode: str, problems: list[Problem]) -> list[Staged]:
    """Match incoming records to stored enterprises and compare them field by field."""
    rows = s.execute(select(E.id, E.uscc, E.name_key, E.town_code, E.in_list).order_by(E.id)).all()
    listed = {r.id for r in rows if r.in_list}
    by_uscc = {r.uscc: r.id for r in rows if r.uscc}
    by_name_town: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_name_town[(r.name_key, r.town_code)].append(r.id)
        if r.in_list:
            by_name[r.name_key].append(r.id)
    claimed: set[int] = set()
    matched: list[int | None] = [None] * len(parsed.records)
    # USCC first (for every row), then name + town for the rest: a code always wins over a name.
    for i, inc in enumerate(parsed.records):
        code = inc.record.fields.get("uscc")
        eid = by_uscc.get(code) if code else None
        if eid is not None and eid not in claimed:
            matched[i] = eid
            claimed.add(eid)
    grades = parsed.kind == "grades"
    for i, inc in enumerate(parsed.records):
        if matched[i] is not None:
            continue
        key = match_key(inc.record.fields.get("name"))
        town = inc.record.fields.get("town_code")
        if grades and town is None:
            candidates = [e for e in by_name.get(key, []) if e not in claimed]
            if len(candidates) > 1:
                problems.append(
                    Problem(
                        Severity.WARNING,
                        "match.ambiguous",
                        inc.sheet,
                        inc.rows[0],
                        params={"name": inc.name, "n": len(candidates)},
                    )
                )
                continue
        else:
            candidates = [e for e in by_name_town.get((key, town), []) if e not in claimed]
        if candidates:
            matched[i] = candidates[0]
            claimed.add(candidates[0])
    stored = load_records(s, ids=[e for e in matched if e is not None])
    staged: list[Staged] = []
    for inc, eid in zip(parsed.records, matched, strict=True):
        if eid is None:
            if grades:
                problems.append(
                    Problem(
                        Severity.WARNING,
                        "match.none",
                        inc.sheet,
                        inc.rows[0],
                        *parsed.column(inc.sheet, "name"),
                        {"name": inc.name},
                    )
                )
                staged.append(Staged(inc, None, "unmatched"))
            else:
                staged.append(Staged(inc, None, "new"))
            continue
        before = stored[eid]
        if grades:
            after = ListRecord(
                {**before.fields, **{k: inc.record.fields.get(k) for k in GRADE_FIELDS}},
                before.lines,
                before.measures,
            )
            changes = diff(before, after, grades_only=True)
            staged.append(Staged(inc, eid, "changed" if changes else "unchanged", changes, after))
            continue
        changes = diff(before, inc.record)
        if eid not in listed:
            staged.append(Staged(inc, eid, "new", changes))  # listed again: it keeps its id and history
        else:
            staged.append(Staged(inc, eid, "changed" if changes else "unchanged", changes))
    if mode == "replace" and not grades:
        gone = sorted(listed - claimed)
        for eid, rec in load_records(s, ids=gone).items():
            staged.append(Staged(None, eid, "removed", [], rec))
    return staged


def _summary(parsed: ParsedList | None, staged: list[Staged], problems: list[Problem]) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    for st in staged:
        counts[st.change] += 1
        if st.change == "new" and st.enterprise_id is not None:
            counts["relisted"] += 1
    return {
        "rows": parsed.rows if parsed else len(staged),
        "enterprises": sum(1 for st in staged if st.incoming is not None),
        "errors": sum(1 for p in problems if p.severity is Severity.ERROR),
        "warnings": sum(1 for p in problems if p.severity is Severity.WARNING),
        "blocked": sum(1 for st in staged if st.incoming is not None and st.incoming.blocked),
        **{k: counts.get(k, 0) for k in ("new", "changed", "unchanged", "removed", "unmatched", "relisted")},
        "sheets": [
            {
                "name": r.name,
                "header_rows": r.header_rows,
                "columns": [list(c) for c in r.columns],
                "ignored": r.ignored,
                "rows": r.rows,
                "footnotes": r.footnotes,
                "skipped": r.skipped,
            }
            for r in (parsed.sheets if parsed else [])
        ],
    }


def _store(
    s: Session,
    imp: ListImport,
    staged: list[Staged],
    problems: list[Problem],
    summary: dict[str, Any],
    kind: str,
    base: ListRevision | None,
) -> None:
    records = []
    for seq, st in enumerate(staged):
        inc = st.incoming
        rec = inc.record if inc else st.record
        assert rec is not None
        records.append(
            {
                "import_id": imp.id,
                "seq": seq,
                "sheet": inc.sheet if inc else None,
                "first_row": inc.rows[0] if inc and inc.rows else None,
                "rows": inc.rows if inc else [],
                "enterprise_id": st.enterprise_id,
                "change": st.change,
                "name": str(rec.fields.get("name") or "")[:255],
                "uscc": rec.fields.get("uscc"),
                "town_code": rec.fields.get("town_code"),
                "blocked": bool(inc and inc.blocked),
                "data": (st.record or rec).to_json() if inc else None,
                "changes": st.changes,
            }
        )
    for i in range(0, len(records), 5000):
        s.execute(insert(ListImportRecord), records[i : i + 5000])
    rows = [
        {
            "import_id": imp.id,
            "seq": seq,
            "severity": p.severity.value,
            "rule": p.rule,
            "sheet": p.sheet,
            "row": p.row,
            "column": p.column,
            "header": (p.header or "")[:128] or None,
            "params": _jsonable(p.params),
        }
        for seq, p in enumerate(problems)
    ]
    for i in range(0, len(rows), 5000):
        s.execute(insert(ListImportProblem), rows[i : i + 5000])
    imp.kind = kind
    imp.summary = summary
    imp.base_revision_id = base.id if base else None
    imp.status = "ready"
    imp.file_data = None
    imp.finished_at = utcnow()


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, str | int | float | bool) or v is None else str(v)) for k, v in params.items()
    }


@dataclass
class Analysis(HasProblems):
    """A file read, checked and compared with the published list (nothing written yet)."""

    parsed: ParsedList
    staged: list[Staged]
    problems: list[Problem]
    summary: dict[str, Any]


def analyse(
    db: Database, data: bytes, file_name: str, mode: str, crs: str, progress: ProgressFn | None = None
) -> Analysis:
    """Parse, check, match and compare a file against the published list, without writing anything.

    Raises ListFileError when the file cannot be read as a list at all.
    """
    options = parse_options(db, crs)
    parsed = listfile.parse(
        data, file_name, options, (lambda d, n: progress("parse", d, n)) if progress else None
    )
    problems = list(parsed.problems)
    if progress:
        progress("match", 0, 1)
    with db.read() as s:
        staged = match(s, parsed, mode, problems) if parsed.records else []
    if progress:
        progress("match", 1, 1)
    return Analysis(parsed, staged, problems, _summary(parsed, staged, problems))


def stage(db: Database, actor: Actor, import_id: int, progress: ProgressFn | None = None) -> ImportView:
    """Parse, check, match and compare an uploaded file; store the result in staging. Returns its view."""
    with db.read() as s:
        imp = s.get(ListImport, import_id)
        if imp is None:
            raise NotFoundError("listimport.not_found", id=import_id)
        if imp.status != "uploaded":
            raise ConflictError("listimport.not_uploaded", status=t(f"listimport.status.{imp.status}"))
        data, name, mode, crs = imp.file_data or b"", imp.file_name, imp.mode, imp.crs
        base_id = _current_revision(s)
        base_number = base_id.number if base_id else None
    try:
        result = analyse(db, data, name, mode, crs, progress)
    except ListFileError as exc:
        _fail(db, actor, import_id, exc.rule, exc.params)
        return get_import(db, import_id)
    with db.write() as s:
        imp = s.get(ListImport, import_id)
        assert imp is not None
        if imp.status != "uploaded":
            raise ConflictError("listimport.not_uploaded", status=t(f"listimport.status.{imp.status}"))
        base = _current_revision(s)
        if (base.number if base else None) != base_number:
            raise ConflictError("listimport.stale_base", number=base.number if base else 0)
        _store(s, imp, result.staged, result.problems, result.summary, result.parsed.kind, base)
        if not result.parsed.records:
            imp.status = "failed"
            imp.failure = "check.file.no_rows"
        record(s, actor, "list.import.stage", "list_import", import_id, after=_counts(result.summary))
    return get_import(db, import_id)


def _counts(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "sheets"}


def _fail(db: Database, actor: Actor, import_id: int, rule: str, params: dict[str, Any]) -> None:
    with db.write() as s:
        imp = s.get(ListImport, import_id)
        assert imp is not None
        imp.status = "failed"
        imp.failure = f"check.{rule}"
        imp.summary = {"failure_params": _jsonable(params)}
        imp.file_data = None
        imp.finished_at = utcnow()
        record(s, actor, "list.import.fail", "list_import", import_id, after={"rule": rule})


def stage_restore(db: Database, actor: Actor, number: int) -> int:
    """Stage a previous revision's list (from its snapshot) as an import; publish it to restore."""
    now = utcnow()
    with db.write() as s:
        rev = s.scalars(select(ListRevision).where(ListRevision.number == number)).first()
        if rev is None:
            raise NotFoundError("revision.not_found", number=number)
        base = _current_revision(s)
        if base is not None and base.number == number:
            raise ValidationError("revision.is_current", number=number)
        blob = s.scalar(select(ListRevision.snapshot).where(ListRevision.id == rev.id))
        if not blob:
            raise ValidationError("revision.no_snapshot", number=number)
        snapshot = decode_snapshot(blob)
        _expire_stale(s, actor, now)
        imp = ListImport(
            created_at=now,
            created_by_id=actor.id,
            created_by=actor.name,
            file_name=t("revision.restore_file", "zh", number=number),
            source="restore",
            restore_of=number,
            mode="replace",
            crs="wgs84",
            status="uploaded",
            summary={},
        )
        s.add(imp)
        s.flush()
        rows = s.execute(select(E.id, E.in_list)).all()
        exists = {r.id: r.in_list for r in rows}
        stored = load_records(s, ids=[eid for eid in snapshot if eid in exists])
        staged: list[Staged] = []
        for eid, rec in snapshot.items():
            inc = Incoming(imp.file_name, [], rec)
            if eid not in exists:
                staged.append(Staged(inc, None, "new"))
                continue
            changes = diff(stored[eid], rec)
            change = "new" if not exists[eid] else ("changed" if changes else "unchanged")
            staged.append(Staged(inc, eid, change, changes))
        gone = sorted(e for e, listed in exists.items() if listed and e not in snapshot)
        for eid, rec in load_records(s, ids=gone).items():
            staged.append(Staged(None, eid, "removed", [], rec))
        summary = _summary(None, staged, [])
        _store(s, imp, staged, [], summary, "full", base)
        record(
            s,
            actor,
            "list.restore.stage",
            "list_import",
            imp.id,
            after={"revision": number, **_counts(summary)},
        )
        return imp.id


def town_names(db: Database) -> dict[str, str]:
    """Town names by code (for showing staged rows)."""
    with db.read() as s:
        return dict(s.execute(select(Town.code, Town.name)).all())


# -- reading staging ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportView:
    """A staged import as the page shows it."""

    id: int
    created_at: datetime
    created_by_id: int | None
    created_by: str
    file_name: str
    file_sha256: str | None
    file_size: int
    source: str
    restore_of: int | None
    mode: str
    crs: str
    kind: str | None
    status: str
    base_revision: int | None
    current_revision: int | None
    summary: dict[str, Any]
    failure: str | None
    published_revision: int | None
    version: int

    @property
    def changes(self) -> int:
        """How many enterprises publishing would add, change or remove."""
        return sum(int(self.summary.get(k, 0)) for k in ("new", "changed", "removed"))

    @property
    def stale(self) -> bool:
        """Someone published another revision since this import was compared."""
        return self.base_revision != self.current_revision

    @property
    def can_publish(self) -> bool:
        """Ready, without errors, changing something, and compared against the current revision."""
        return (
            self.status == "ready"
            and int(self.summary.get("errors", 0)) == 0
            and self.changes > 0
            and not self.stale
        )


def get_import(db: Database, import_id: int) -> ImportView:
    """One import (any status)."""
    with db.read() as s:
        imp = s.get(ListImport, import_id)
        if imp is None:
            raise NotFoundError("listimport.not_found", id=import_id)
        numbers = dict(s.execute(select(ListRevision.id, ListRevision.number)).all())
        current = _current_revision(s)
        return ImportView(
            id=imp.id,
            created_at=imp.created_at,
            created_by_id=imp.created_by_id,
            created_by=imp.created_by,
            file_name=imp.file_name,
            file_sha256=imp.file_sha256,
            file_size=imp.file_size,
            source=imp.source,
            restore_of=imp.restore_of,
            mode=imp.mode,
            crs=imp.crs,
            kind=imp.kind,
            status=imp.status,
            base_revision=numbers.get(imp.base_revision_id) if imp.base_revision_id else None,
            current_revision=current.number if current else None,
            summary=dict(imp.summary or {}),
            failure=imp.failure,
            published_revision=numbers.get(imp.published_revision_id) if imp.published_revision_id else None,
            version=imp.version,
        )


def recent_imports(db: Database, limit: int = 20) -> list[ImportView]:
    """The newest imports, newest first."""
    with db.read() as s:
        ids = list(s.scalars(select(ListImport.id).order_by(ListImport.id.desc()).limit(limit)))
    return [get_import(db, i) for i in ids]


def problem_rows(
    db: Database,
    import_id: int,
    *,
    severity: str | None = None,
    rule: str | None = None,
    start: int = 0,
    end: int = 100,
) -> tuple[list[Problem], int]:
    """One page of an import's problems (in file order) and how many match the filter."""
    P = ListImportProblem
    stmt = select(P).where(P.import_id == import_id)
    if severity:
        stmt = stmt.where(P.severity == severity)
    if rule:
        stmt = stmt.where(P.rule == rule)
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        errors_first = case((P.severity == Severity.ERROR.value, 0), else_=1)
        rows = s.scalars(
            stmt.order_by(errors_first, P.seq).offset(max(0, start)).limit(max(0, min(end - start, 1000)))
        )
        return [
            Problem(Severity(p.severity), p.rule, p.sheet, p.row, p.column, p.header, dict(p.params or {}))
            for p in rows
        ], total


def all_problems(db: Database, import_id: int) -> list[Problem]:
    """Every problem of an import, in file order (for the download)."""
    _, total = problem_rows(db, import_id, start=0, end=0)
    out: list[Problem] = []
    while len(out) < total:
        page, _ = problem_rows(db, import_id, start=len(out), end=len(out) + 1000)
        if not page:
            break
        out.extend(page)
    return out


def problem_rules(db: Database, import_id: int) -> list[tuple[str, str, int]]:
    """(severity, rule, count) of an import's problems, for the filter."""
    P = ListImportProblem
    with db.read() as s:
        return [
            (sev, rule, n)
            for sev, rule, n in s.execute(
                select(P.severity, P.rule, func.count())
                .where(P.import_id == import_id)
                .group_by(P.severity, P.rule)
                .order_by(P.severity, P.rule)
            )
        ]


@dataclass(frozen=True)
class StagedRow:
    """One staged enterprise for the diff table."""

    seq: int
    change: str
    enterprise_id: int | None
    name: str
    uscc: str | None
    town_code: str | None
    sheet: str | None
    first_row: int | None
    blocked: bool
    changes: list[list[Any]]


def record_rows(
    db: Database,
    import_id: int,
    *,
    change: str | None = None,
    q: str | None = None,
    start: int = 0,
    end: int = 100,
) -> tuple[list[StagedRow], int]:
    """One page of an import's enterprises with what each changes, and how many match the filter."""
    R = ListImportRecord
    stmt = select(R).where(R.import_id == import_id)
    # Unchanged enterprises are the bulk of a yearly revision and say nothing: shown only when asked for.
    stmt = stmt.where(R.change == change) if change else stmt.where(R.change != "unchanged")
    if q:
        key = f"%{match_key(q).replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(func.lower(R.name).like(key), R.uscc.like(q.strip().upper() + "%")))
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(R.seq).offset(max(0, start)).limit(max(0, min(end - start, 1000))))
        return [
            StagedRow(
                r.seq,
                r.change,
                r.enterprise_id,
                r.name,
                r.uscc,
                r.town_code,
                r.sheet,
                r.first_row,
                r.blocked,
                list(r.changes or []),
            )
            for r in rows
        ], total


# -- publish / discard ------------------------------------------------------------------------------------


def discard(db: Database, actor: Actor, import_id: int, version: int | None = None) -> None:
    """Drop a staged import (the list tables never saw it)."""
    with db.write() as s:
        imp = s.get(ListImport, import_id)
        if imp is None:
            raise NotFoundError("listimport.not_found", id=import_id)
        if version is not None and imp.version != version:
            raise ConflictError("error.stale")
        if imp.status not in OPEN:
            raise ConflictError("listimport.closed", status=t(f"listimport.status.{imp.status}"))
        _clear_staging(s, [import_id])
        imp.status = "discarded"
        imp.file_data = None
        imp.finished_at = utcnow()
        record(s, actor, "list.import.discard", "list_import", import_id, before={"file": imp.file_name})


PUBLISH_STEPS = ("check", "write", "snapshot", "commit")


def publish(
    db: Database,
    actor: Actor,
    import_id: int,
    note: str | None,
    version: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Apply a staged import to the list as a new revision, in one transaction; return its number.

    `progress(step, n, of)` is told each step of PUBLISH_STEPS as it starts.
    """

    def step(name: str) -> None:
        if progress:
            progress(name, PUBLISH_STEPS.index(name) + 1, len(PUBLISH_STEPS))

    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise ValidationError("listimport.note_long", field="note")
    now = utcnow()
    step("check")
    with db.write() as s:
        imp = s.get(ListImport, import_id)
        if imp is None:
            raise NotFoundError("listimport.not_found", id=import_id)
        if version is not None and imp.version != version:
            raise ConflictError("error.stale")
        if imp.status != "ready":
            raise ConflictError("listimport.closed", status=t(f"listimport.status.{imp.status}"))
        summary = dict(imp.summary or {})
        if int(summary.get("errors", 0)):
            raise ValidationError("listimport.has_errors", n=summary["errors"])
        base = _current_revision(s)
        if (base.id if base else None) != imp.base_revision_id:
            raise ConflictError("listimport.stale_base", number=base.number if base else 0)
        # Plain rows, not ORM objects: 100,000 of them in the session would make every autoflush walk them.
        R = ListImportRecord
        staged = s.execute(
            select(R.enterprise_id, R.change, R.name, R.data, R.changes)
            .where(R.import_id == import_id)
            .order_by(R.seq)
        ).all()
        if not any(r.change in ("new", "changed", "removed") for r in staged):
            raise ValidationError("listimport.nothing")
        kind = "restore" if imp.source == "restore" else (imp.kind or "full")
        revision = ListRevision(
            number=(base.number if base else 0) + 1,
            published_at=now,
            published_by=actor.name,
            file_name=imp.file_name,
            file_sha256=imp.file_sha256,
            note=note,
            is_demo=False,
            kind=kind,
            restored_from=imp.restore_of,
            counts={},
        )
        s.add(revision)
        s.flush()  # the revision number is unique: a publish that raced this one fails here (a conflict)
        step("write")
        apply_staged(s, actor, staged, revision.id, now)
        step("snapshot")
        listed = load_records(s, where=[E.in_list.is_(True)])
        revision.counts = {
            "enterprises": len(listed),
            **{k: sum(1 for r in staged if r.change == k) for k in ("new", "changed", "removed")},
        }
        revision.snapshot = encode_snapshot(listed)
        _clear_staging(s, [import_id])
        imp.status = "published"
        imp.published_revision_id = revision.id
        imp.finished_at = now
        record(
            s,
            actor,
            "list.restore" if kind == "restore" else "list.publish",
            "list_revision",
            revision.id,
            after={
                "number": revision.number,
                "file": imp.file_name,
                "sha256": imp.file_sha256,
                **revision.counts,
            },
            reason=note,
        )
        step("commit")
        return revision.number


def apply_staged(s: Session, actor: Actor, staged: list[Any], revision_id: int, now: datetime) -> None:
    """Write staged records to the list tables, with one audit event per enterprise touched."""
    versions: dict[int, int] = {}
    new = [r for r in staged if r.change == "new" and r.enterprise_id is None]
    changed = {
        r.enterprise_id: r for r in staged if r.enterprise_id is not None and r.change in ("new", "changed")
    }
    removed = [r.enterprise_id for r in staged if r.change == "removed" and r.enterprise_id is not None]
    ids = list(changed)
    for i in range(0, len(ids), 2000):
        versions.update(s.execute(select(E.id, E.version).where(E.id.in_(ids[i : i + 2000]))).all())
    new_ids = write_records(
        s,
        [ListRecord.from_json(r.data or {}) for r in new],
        {eid: ListRecord.from_json(r.data or {}) for eid, r in changed.items()},
        revision_id=revision_id,
        now=now,
        versions=versions,
    )
    delist(s, removed, revision_id=revision_id, now=now)
    events: list[dict[str, Any]] = []

    def event(action: str, eid: int, before: Any, after: Any) -> None:
        events.append(
            {
                "at": now,
                "actor_id": actor.id,
                "actor_name": actor.name[:64],
                "action": action,
                "object_type": "enterprise",
                "object_id": str(eid),
                "before": before,
                "after": after,
                "reason": None,
                "address": actor.address,
                "request_id": actor.request_id,
            }
        )

    for eid, r in zip(new_ids, new, strict=True):
        event("enterprise.create", eid, None, {"name": r.name, "revision_id": revision_id})
    for eid, r in changed.items():
        before = {c[0]: c[1] for c in r.changes}
        after = {c[0]: c[2] for c in r.changes}
        if r.change == "new":
            before["in_list"], after["in_list"] = False, True
        event("enterprise.update", eid, before, after)
    for eid in removed:
        event("enterprise.delist", eid, {"in_list": True}, {"in_list": False})
    for i in range(0, len(events), 5000):
        s.connection().execute(
            insert(AuditEvent.__table__), events[i : i + 5000]
        )  # Core: batched, not per row


# -- revisions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionView:
    """A published revision as the revisions table shows it."""

    number: int
    published_at: datetime
    published_by: str
    file_name: str | None
    file_sha256: str | None
    note: str | None
    kind: str
    restored_from: int | None
    counts: dict[str, Any]
    is_demo: bool
    has_snapshot: bool


def revisions(db: Database) -> list[RevisionView]:
    """Every published revision, newest first."""
    R = ListRevision
    with db.read() as s:
        rows = s.execute(
            select(
                R.number,
                R.published_at,
                R.published_by,
                R.file_name,
                R.file_sha256,
                R.note,
                R.kind,
                R.restored_from,
                R.counts,
                R.is_demo,
                R.snapshot.is_not(None).label("has_snapshot"),
            ).order_by(R.number.desc())
        ).all()
    return [RevisionView(**r._mapping) for r in rows]
