"""The published list as records: read enterprises into ListRecords, write records back, snapshot them.

Every path that changes the list — the demo seed, a publish, a restore — writes through `write_records`,
so the derived columns (category per level, parsed actions, daily reductions) always come from the same
rules, and `load_records` reads back exactly what was written.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.listrecord import FIELDS, LineEntry, ListRecord, MeasureEntry, reading
from dashboard.rules.names import match_key
from dashboard.rules.vocab import Level
from data_access.models import Enterprise, Measure, ProductionLine

E = Enterprise
_ENTERPRISE_COLUMNS = [c for c in FIELDS]  # the record's fields are enterprise columns of the same name
CHUNK = 2000  # rows per IN (…) list: well under SQLite's and PostgreSQL's parameter limits


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _allocate_ids(session: Session, n: int) -> list[int]:
    """n new enterprise ids: from the sequence on PostgreSQL, after the highest on SQLite (whose write
    transactions hold the database's one write lock from their first statement, so nobody else inserts)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence('enterprise', 'id')) FROM generate_series(1, :n)"),
            {"n": n},
        )
        return sorted(int(r[0]) for r in rows)
    top = session.scalar(select(func.coalesce(func.max(E.id), 0))) or 0
    return list(range(top + 1, top + 1 + n))


def _tracked(session: Session, model: Any) -> Any:
    """The session's connection for a bulk Core statement, with the write noted for the audit rule (which
    otherwise sees ORM statements only): the transaction still must carry an AuditEvent to commit."""
    session.info.setdefault("writes", set()).add(model.__tablename__)
    return session.connection()


def load_records(
    session: Session, *, where: Iterable[ColumnElement[bool]] = (), ids: Iterable[int] | None = None
) -> dict[int, ListRecord]:
    """Records of the enterprises matching `where` (or with these ids), by enterprise id, in id order."""
    cols = [E.id, *(getattr(E, f) for f in FIELDS)]
    stmt = select(*cols).order_by(E.id)
    for cond in where:
        stmt = stmt.where(cond)
    rows: list[Any] = []
    if ids is not None:
        for chunk in _chunks(sorted(set(ids))):
            rows.extend(session.execute(stmt.where(E.id.in_(chunk))))
    else:
        rows = list(session.execute(stmt))
    fields: dict[int, dict[str, Any]] = {}
    for r in rows:
        values = dict(zip(FIELDS, r[1:], strict=True))
        for k in ("control_type", "grade"):
            if values[k] is not None:
                values[k] = values[k].value
        fields[r[0]] = values
    lines: dict[int, list[tuple[int, LineEntry]]] = defaultdict(list)
    measures: dict[int, list[tuple[int, MeasureEntry]]] = defaultdict(list)
    line_names: dict[int, str] = {}
    id_list = list(fields)
    for chunk in _chunks(id_list):
        for ln in session.execute(
            select(ProductionLine.id, ProductionLine.enterprise_id, ProductionLine.name, ProductionLine.grade)
            .where(ProductionLine.enterprise_id.in_(chunk))
            .order_by(ProductionLine.id)
        ):
            line_names[ln.id] = ln.name
            lines[ln.enterprise_id].append((ln.id, LineEntry(ln.name, ln.grade.value if ln.grade else None)))
        for m in session.execute(
            select(
                Measure.id,
                Measure.enterprise_id,
                Measure.line_id,
                Measure.level,
                Measure.text,
                Measure.stated,
                Measure.so2_tpd,
                Measure.nox_tpd,
                Measure.pm_tpd,
                Measure.vocs_tpd,
            )
            .where(Measure.enterprise_id.in_(chunk))
            .order_by(Measure.id)
        ):
            values = {"so2": m.so2_tpd, "nox": m.nox_tpd, "pm": m.pm_tpd, "vocs": m.vocs_tpd}
            stated = {p: values[p] for p in (m.stated or []) if p in values}
            line = line_names.get(m.line_id) if m.line_id else None
            measures[m.enterprise_id].append((m.id, MeasureEntry(Level(m.level), m.text, line, stated)))
    return {
        eid: ListRecord(
            f,
            tuple(entry for _, entry in lines.get(eid, [])),
            tuple(entry for _, entry in measures.get(eid, [])),
        )
        for eid, f in fields.items()
    }


def enterprise_values(record: ListRecord) -> dict[str, Any]:
    """The enterprise columns a record sets (its fields, the name key and the category per level)."""
    values = {f: record.fields.get(f) for f in FIELDS}
    values["name_key"] = match_key(values["name"])
    values["grade_local"] = bool(values.get("grade_local"))
    values["has_cems"] = bool(values.get("has_cems"))
    values["has_power_monitoring"] = bool(values.get("has_power_monitoring"))
    for level in Level:
        cat = record.category(level)
        values[f"cat_{level.value}"] = cat
    return values


_ACTION_FIELDS = ("kind", "percent", "basis", "quantity_from", "quantity_to", "unit", "scope")


def _action(a: Any) -> dict[str, Any]:
    """A parsed action as stored (its clause is the measure's own text; None fields are left out)."""
    return {k: v for k in _ACTION_FIELDS if (v := getattr(a, k)) is not None}


def _measure_rows(enterprise_id: int, record: ListRecord, line_ids: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for m in record.measures:
        r = reading(m.text)
        reductions, derived = record.reductions(m)
        cut = r.cut
        out.append(
            {
                "enterprise_id": enterprise_id,
                "line_id": line_ids.get(m.line) if m.line else None,
                "level": m.level,
                "text": m.text,
                "category": r.category,
                "actions": [_action(a) for a in r.actions],
                "unparsed": list(r.unparsed),
                "transport": r.transport,
                "cut_percent": None if cut is None else round(cut * 100, 2),
                **{f"{p}_tpd": reductions[p] for p in POLLUTANTS},
                "reduction_derived": derived,
                "stated": [p for p in POLLUTANTS if m.stated.get(p) is not None],
            }
        )
    return out


def write_records(
    session: Session,
    new: list[ListRecord],
    changed: dict[int, ListRecord],
    *,
    revision_id: int,
    now: datetime,
    relisted: Iterable[int] = (),
    versions: dict[int, int] | None = None,
    is_demo: bool = False,
) -> list[int]:
    """Insert new enterprises and rewrite changed ones (fields, lines, measures) in bulk; return new ids.

    Lines keep their ids (and capacity) when a line of the same name stays; measures are rewritten.
    """
    relisted = set(relisted)
    ids: list[int] = []
    if new:
        rows = [
            {
                **enterprise_values(r),
                "in_list": True,
                "is_demo": is_demo,
                "revision_id": revision_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for r in new
        ]
        # Ids are allocated first, so the rows go in as one plain executemany: INSERT … RETURNING with the ids
        # in parameter order falls back to one statement per row on SQLite (10,000 rows took 20 s).
        ids = _allocate_ids(session, len(rows))
        for eid, values in zip(ids, rows, strict=True):
            values["id"] = eid
        conn = _tracked(session, E)
        for chunk in _chunks(rows, 5000):
            conn.execute(insert(E.__table__), chunk)
    if changed:
        versions = versions or {}
        params = [
            {
                **enterprise_values(r),
                "b_id": eid,
                "in_list": True,
                "revision_id": revision_id,
                "updated_at": now,
                "version": versions.get(eid, 1) + 1,
            }
            for eid, r in changed.items()
        ]
        cols = [*FIELDS, "name_key", "cat_yellow", "cat_orange", "cat_red", "in_list", "revision_id"]
        cols += ["updated_at", "version"]
        stmt = (
            update(E.__table__)
            .where(E.__table__.c.id == bindparam("b_id"))
            .values({c: bindparam(c) for c in cols})
        )
        _tracked(session, E).execute(stmt, params)
    targets = list(zip(ids, new, strict=True)) + list(changed.items())
    existing_lines: dict[int, dict[str, int]] = defaultdict(dict)
    changed_ids = list(changed)
    for chunk in _chunks(changed_ids):
        session.execute(delete(Measure).where(Measure.enterprise_id.in_(chunk)))
        for ln in session.execute(
            select(ProductionLine.id, ProductionLine.enterprise_id, ProductionLine.name).where(
                ProductionLine.enterprise_id.in_(chunk)
            )
        ):
            existing_lines[ln.enterprise_id][ln.name] = ln.id
    stale: list[int] = []
    line_updates: list[dict[str, Any]] = []
    line_inserts: list[dict[str, Any]] = []
    for eid, record in targets:
        have = existing_lines.get(eid, {})
        wanted = {ln.name for ln in record.lines}
        stale.extend(lid for name, lid in have.items() if name not in wanted)
        for ln in record.lines:
            if ln.name in have:
                line_updates.append({"b_id": have[ln.name], "grade": ln.grade})
            else:
                line_inserts.append({"enterprise_id": eid, "name": ln.name, "grade": ln.grade})
    for chunk in _chunks(stale):
        session.execute(delete(ProductionLine).where(ProductionLine.id.in_(chunk)))
    if line_updates:
        table = ProductionLine.__table__
        _tracked(session, ProductionLine).execute(
            update(table).where(table.c.id == bindparam("b_id")).values(grade=bindparam("grade")),
            line_updates,
        )
    if line_inserts:
        _tracked(session, ProductionLine).execute(insert(ProductionLine.__table__), line_inserts)
    line_ids: dict[int, dict[str, int]] = defaultdict(dict)
    target_ids = [eid for eid, _ in targets]
    if any(r.lines for _, r in targets):
        for chunk in _chunks(target_ids):
            for ln in session.execute(
                select(ProductionLine.id, ProductionLine.enterprise_id, ProductionLine.name).where(
                    ProductionLine.enterprise_id.in_(chunk)
                )
            ):
                line_ids[ln.enterprise_id][ln.name] = ln.id
    measure_rows = [row for eid, r in targets for row in _measure_rows(eid, r, line_ids.get(eid, {}))]
    conn = _tracked(session, Measure)
    for chunk in _chunks(measure_rows, 5000):
        conn.execute(insert(Measure.__table__), chunk)
    return ids


def delist(session: Session, ids: list[int], *, revision_id: int, now: datetime) -> None:
    """Take enterprises off the published list (their rows, ids and history stay)."""
    for chunk in _chunks(ids):
        session.execute(
            update(E)
            .where(E.id.in_(chunk))
            .values(in_list=False, revision_id=revision_id, updated_at=now, version=E.version + 1)
            .execution_options(synchronize_session=False)
        )


# -- snapshots --------------------------------------------------------------------------------------------


def encode_snapshot(records: dict[int, ListRecord]) -> bytes:
    """The whole list as gzipped JSON lines ({"id": enterprise id, …record}) for a revision."""
    body = b"".join(orjson.dumps({"id": eid, **r.to_json()}) + b"\n" for eid, r in records.items())
    return gzip.compress(body, compresslevel=6, mtime=0)  # the same list gives the same bytes


def decode_snapshot(blob: bytes) -> dict[int, ListRecord]:
    """The inverse of encode_snapshot."""
    out: dict[int, ListRecord] = {}
    for line in gzip.decompress(blob).splitlines():
        if line:
            data = orjson.loads(line)
            out[int(data.pop("id"))] = ListRecord.from_json(data)
    return out
