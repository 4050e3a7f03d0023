"""Queries on the published list: one filter → SQL for the map, the grid, the API and exports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from dashboard.filters import NO_PARK, UNCLASSIFIED, EnterpriseFilter
from dashboard.rules.industries import PARKS
from dashboard.rules.names import match_key
from dashboard.rules.vocab import Category, ControlType, Grade, Level
from data_access.audit import AuditFilter, AuditRow, list_events
from data_access.db import Database
from data_access.models import Enterprise, ListRevision, Measure, ProductionLine, Town

E = Enterprise
SECTOR = func.coalesce(E.industry_other, E.industry)  # what a person calls the industry (食品制造, not 其他)
LEVEL_COLUMN = {Level.YELLOW: E.cat_yellow, Level.ORANGE: E.cat_orange, Level.RED: E.cat_red}
# A point the map can draw: both numbers present and in range. NaN fails the range test on PostgreSQL
# and is stored as NULL by SQLite, so it never reaches the browser (cases.md 4).
LOCATED = and_(E.lat.is_not(None), E.lon.is_not(None), E.lat.between(-90, 90), E.lon.between(-180, 180))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(flt: EnterpriseFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter (the one definition every view uses): enterprises on the list."""
    where: list[ColumnElement[bool]] = [E.in_list.is_(True)]
    if flt.town:
        where.append(E.town_code.in_(flt.town))
    if flt.park:
        parks = [p for p in flt.park if p != NO_PARK]
        park_in = [E.park.in_(parks)] if parks else []
        where.append(or_(*park_in, E.park.is_(None)) if NO_PARK in flt.park else or_(*park_in))
    if flt.industry:
        where.append(SECTOR.in_(flt.industry))
    if flt.grade:
        where.append(E.grade.in_(flt.grade))
    if flt.control:
        where.append(E.control_type.in_(flt.control))
    if flt.level and flt.category:
        col = LEVEL_COLUMN[flt.level]
        named = [c for c in flt.category if c != UNCLASSIFIED]
        parts = [col.in_(named)] if named else []
        if UNCLASSIFIED in flt.category:
            parts.append(col.is_(None))
        where.append(or_(*parts))
    if flt.q:
        key = match_key(flt.q)
        if key:
            pattern = f"%{_like_escape(key)}%"
            where.append(
                or_(
                    E.name_key.like(pattern, escape="\\"),
                    E.uscc.like(f"{_like_escape(key.upper())}%", escape="\\"),
                )
            )
    return where


def filtered(flt: EnterpriseFilter, *columns: Any) -> Select[Any]:
    """SELECT columns (default: the enterprise) FROM the filtered enterprises."""
    return select(*(columns or (E,))).select_from(E).where(*conditions(flt))


@dataclass(frozen=True)
class Counts:
    """How many enterprises match, and how many of them the map can draw."""

    total: int
    located: int

    @property
    def unlocated(self) -> int:
        """Matching enterprises without a usable coordinate (the 无坐标 badge)."""
        return self.total - self.located


def count(db: Database, flt: EnterpriseFilter) -> Counts:
    """Total and located counts of the filtered enterprises, in one query."""
    with db.read() as s:
        total, located = s.execute(filtered(flt, func.count(), func.count(case((LOCATED, 1))))).one()
    return Counts(total, located or 0)


# -- grid ---------------------------------------------------------------------------------------------


def _ranked(col: Any, order: list[Any]) -> Any:
    """Sort a vocabulary column in its domain order (A+ before A before 引领性 …), not by its stored code."""
    return case({value: rank for rank, value in enumerate(order)}, value=col, else_=len(order))


# Grades from best to worst (the legend's order); categories from strictest to mildest, 保障 last.
GRADE_RANK = [Grade(g) for g in ("A+", "A", "引领性", "B", "B-", "C", "D", "非引领性", "未分级")]
CATEGORY_RANK = [Category.STOP, Category.LIMIT, Category.TRANSPORT, Category.SELF, Category.GUARANTEE]
SORTABLE: dict[str, Any] = {
    "id": E.id,
    "name": E.name_key,
    "uscc": E.uscc,
    "town": E.town_code,
    "park": E.park,
    "industry": SECTOR,
    "grade": _ranked(E.grade, GRADE_RANK),
    "control_type": _ranked(E.control_type, list(ControlType)),
    "cat_yellow": _ranked(E.cat_yellow, CATEGORY_RANK),
    "cat_orange": _ranked(E.cat_orange, CATEGORY_RANK),
    "cat_red": _ranked(E.cat_red, CATEGORY_RANK),
}
RANKED = {"grade", "control_type", "cat_yellow", "cat_orange", "cat_red"}


def _binary(session: Session, col: Any) -> Any:
    # Code-point order on both databases: PostgreSQL's default collation sorts Chinese by locale rules.
    if session.get_bind().dialect.name == "postgresql" and col is not E.id:
        return col.collate("C")
    return col


def grid_rows(
    db: Database, flt: EnterpriseFilter, start: int, end: int, sort: list[tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Rows start..end of the filtered enterprises for the grid (sorted by the given columns, then id)."""
    start = max(0, start)
    limit = max(0, min(end, start + 1000) - start)
    with db.read() as s:
        order = []
        for col_id, direction in sort or []:
            col = SORTABLE.get(col_id)
            if col is not None:
                expr = col if col_id in RANKED else _binary(s, col)
                order.append(expr.desc().nulls_last() if direction == "desc" else expr.asc().nulls_first())
        stmt = (
            filtered(
                flt,
                E.id,
                E.name,
                E.uscc,
                E.town_code,
                Town.name.label("town"),
                E.park,
                SECTOR.label("industry"),
                E.grade,
                E.control_type,
                E.cat_yellow,
                E.cat_orange,
                E.cat_red,
                E.lat,
                E.lon,
                LOCATED.label("located"),
            )
            .outerjoin(Town, Town.code == E.town_code)
            .order_by(*order, E.id)
            .offset(start)
            .limit(limit)
        )
        return [dict(r._mapping) for r in s.execute(stmt)]


# -- map (the feed itself is data_access/mapfeed.py) -----------------------------------------------


def list_stamp(db: Database) -> str:
    """Changes whenever any enterprise row does (count, newest change, highest id): the map cache key."""
    with db.read() as s:
        n, newest, top = s.execute(select(func.count(), func.max(E.updated_at), func.max(E.id))).one()
    stamp = newest.isoformat() if isinstance(newest, datetime) else str(newest)
    return f"{n}-{top}-{stamp}"


# -- one enterprise -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureView:
    """A measure as read: level, verbatim text, category, actions and reductions."""

    level: Level
    line: str | None
    text: str
    category: str | None
    actions: list[dict[str, Any]]
    unparsed: list[str]
    transport: bool
    cut_percent: float | None
    reductions: dict[str, float | None]
    derived: bool


@dataclass(frozen=True)
class EnterpriseView:
    """Everything the card and the enterprise page show."""

    fields: dict[str, Any]
    town: str | None
    revision: int | None
    lines: list[dict[str, Any]]
    measures: list[MeasureView]
    revision_published: datetime | None
    history: list[AuditRow]


LEVEL_ORDER = {Level.YELLOW: 0, Level.ORANGE: 1, Level.RED: 2}


def get(db: Database, enterprise_id: int, *, history: bool = False) -> EnterpriseView | None:
    """One enterprise with its lines and measures (and its audit history), or None."""
    if not 0 < enterprise_id < 2**63:  # beyond any stored id (and beyond what the engines can bind)
        return None
    with db.read() as s:
        e = s.get(E, enterprise_id)
        if e is None:
            return None
        lines = {
            ln.id: ln for ln in s.scalars(select(ProductionLine).where(ProductionLine.enterprise_id == e.id))
        }
        measures = sorted(
            s.scalars(select(Measure).where(Measure.enterprise_id == e.id)),
            key=lambda m: (LEVEL_ORDER[m.level], m.line_id or 0, m.id),
        )
        town = s.scalar(select(Town.name).where(Town.code == e.town_code)) if e.town_code else None
        rev = s.execute(
            select(ListRevision.number, ListRevision.published_at).where(ListRevision.id == e.revision_id)
        ).first()
        values = {c.key: getattr(e, c.key) for c in E.__table__.columns}
        view = EnterpriseView(
            fields=values,
            town=town,
            revision=rev.number if rev else None,
            revision_published=rev.published_at if rev else None,
            lines=[
                {"id": ln.id, "name": ln.name, "grade": ln.grade, "capacity": ln.capacity}
                for ln in lines.values()
            ],
            measures=[
                MeasureView(
                    level=m.level,
                    line=lines[m.line_id].name if m.line_id in lines else None,
                    text=m.text,
                    category=m.category.value if m.category else None,
                    actions=list(m.actions or []),
                    unparsed=list(m.unparsed or []),
                    transport=m.transport,
                    cut_percent=m.cut_percent,
                    reductions={"so2": m.so2_tpd, "nox": m.nox_tpd, "pm": m.pm_tpd, "vocs": m.vocs_tpd},
                    derived=m.reduction_derived,
                )
                for m in measures
            ],
            history=[],
        )
    if history:
        rows, _ = list_events(db, AuditFilter(object=f"enterprise:{enterprise_id}"), limit=200)
        return EnterpriseView(**{**view.__dict__, "history": rows})
    return view


# -- options and summary ------------------------------------------------------------------------------


def has_demo(db: Database) -> bool:
    """True when the list holds demo enterprises (the console then says so)."""
    with db.read() as s:
        return bool(s.scalar(select(E.id).where(E.is_demo, E.in_list).limit(1)))


def towns(db: Database) -> list[tuple[str, str]]:
    """(code, name) of the county's towns, in code order."""
    with db.read() as s:
        return [(c, n) for c, n in s.execute(select(Town.code, Town.name).order_by(Town.code))]


def unknown_places(db: Database, flt: EnterpriseFilter) -> dict[str, list[str]]:
    """The towns and parks a filter names that the county does not have (field → values)."""
    if not flt.town and not flt.park:
        return {}
    known = {
        "town": {code for code, _ in towns(db)},
        "park": {*distinct_values(db)["park"], *PARKS, NO_PARK},
    }
    unknown = {f: [v for v in getattr(flt, f) if v not in known[f]] for f in ("town", "park")}
    return {f: values for f, values in unknown.items() if values}


def without_unknown_places(db: Database, flt: EnterpriseFilter) -> EnterpriseFilter:
    """The filter without the towns and parks the county does not have (a hand-edited URL still opens)."""
    unknown = unknown_places(db, flt)
    kept = {f: tuple(v for v in getattr(flt, f) if v not in bad) for f, bad in unknown.items()}
    return replace(flt, **kept)


def distinct_values(db: Database) -> dict[str, list[str]]:
    """The parks and industries the list holds (for the filter dropdowns)."""
    with db.read() as s:
        parks = sorted(p for p in s.scalars(select(E.park).where(E.in_list).distinct()) if p)
        industries = sorted(i for i in s.scalars(select(SECTOR).where(E.in_list).distinct()) if i)
    return {"park": parks, "industry": industries}


def summary(db: Database, flt: EnterpriseFilter | None = None) -> dict[str, Any]:
    """Counts of the (filtered) list by grade, town, control type, and category per level."""
    flt = flt or EnterpriseFilter()
    out: dict[str, Any] = {}
    with db.read() as s:

        def by(col: Any) -> dict[str, int]:
            rows = s.execute(filtered(flt, col, func.count()).group_by(col)).all()
            return {(k.value if hasattr(k, "value") else k) or "": n for k, n in rows}

        out["total"] = s.scalar(filtered(flt, func.count()))
        out["grade"] = by(E.grade)
        out["control_type"] = by(E.control_type)
        town_rows = s.execute(
            filtered(flt, Town.name, func.count())
            .outerjoin(Town, Town.code == E.town_code)
            .group_by(Town.name)
        ).all()
        out["town"] = {k or "": n for k, n in town_rows}
        out["category"] = {
            level.value: {k or UNCLASSIFIED: v for k, v in by(col).items()}
            for level, col in LEVEL_COLUMN.items()
        }
    return out
