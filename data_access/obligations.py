"""Obligations at a warning level: who must do what, counted per town and category, and listed for notifying
enterprises — through the console's own filter (`conditions`), so a list is exactly what is filtered."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select

from dashboard.filters import EnterpriseFilter
from dashboard.rules.vocab import Level
from data_access.db import Database
from data_access.enterprises import LEVEL_COLUMN, SECTOR, conditions
from data_access.models import Enterprise, Measure, ProductionLine, Town

E = Enterprise
UNCLASSIFIED = "unclassified"


def at_level(flt: EnterpriseFilter | None, level: Level) -> EnterpriseFilter:
    """The filter with its level set (the category filter then reads that level's column)."""
    return replace(flt or EnterpriseFilter(), level=level)


@dataclass(frozen=True)
class TownCounts:
    """Enterprises per town and category at a level (category None: no valid measure — a list error)."""

    level: Level
    towns: list[str]
    cells: dict[tuple[str, str], int]  # (town, category or "unclassified") → count

    def total(self, category: str | None = None) -> int:
        """All enterprises, or those of one category."""
        return sum(n for (_, c), n in self.cells.items() if category is None or c == category)

    def town_total(self, town: str) -> int:
        """All enterprises of one town."""
        return sum(n for (t, _), n in self.cells.items() if t == town)


def counts(db: Database, level: Level, flt: EnterpriseFilter | None = None) -> TownCounts:
    """Enterprises per town and category at a level (one GROUP BY)."""
    col = LEVEL_COLUMN[level]
    f = at_level(flt, level)
    with db.read() as s:
        rows = s.execute(
            select(Town.name, col, func.count())
            .select_from(E)
            .outerjoin(Town, Town.code == E.town_code)
            .where(*conditions(f))
            .group_by(Town.name, col)
        ).all()
        order = [name for (name,) in s.execute(select(Town.name).order_by(Town.code))]
    cells: dict[tuple[str, str], int] = {}
    for town, cat, n in rows:
        key = (town or "", cat.value if cat is not None else UNCLASSIFIED)
        cells[key] = cells.get(key, 0) + n
    towns = [t for t in order if any(k[0] == t for k in cells)] + (
        [""] if any(k[0] == "" for k in cells) else []
    )
    return TownCounts(level, towns, cells)


@dataclass(frozen=True)
class Obligation:
    """One enterprise's obligation at a level: what the list says it must do, and what can be checked."""

    id: int
    name: str
    uscc: str | None
    town: str | None
    industry: str
    grade: str
    control_type: str
    category: str | None  # None: no valid measure (a list error)
    measures: list[tuple[str | None, str]]  # (line, text as published)
    actions: list[dict[str, Any]]  # the parsed actions of those measures
    base_capacity: str | None


def _rows(s: Any, level: Level, f: EnterpriseFilter, start: int, limit: int | None) -> list[Obligation]:
    col = LEVEL_COLUMN[level]
    stmt = (
        select(
            E.id, E.name, E.uscc, Town.name.label("town"), SECTOR.label("industry"), E.grade, E.control_type,
            col.label("cat"), E.base_capacity,
        )
        .select_from(E)
        .outerjoin(Town, Town.code == E.town_code)
        .where(*conditions(f))
        .order_by(E.id)
        .offset(start)
    )  # fmt: skip
    if limit is not None:
        stmt = stmt.limit(limit)
    base = s.execute(stmt).all()
    ids = [r.id for r in base]
    measures: dict[int, list[tuple[str | None, str, list[dict[str, Any]]]]] = defaultdict(list)
    for i in range(0, len(ids), 2000):
        chunk = ids[i : i + 2000]
        for m in s.execute(
            select(Measure.enterprise_id, ProductionLine.name, Measure.text, Measure.actions)
            .outerjoin(ProductionLine, ProductionLine.id == Measure.line_id)
            .where(Measure.enterprise_id.in_(chunk), Measure.level == level)
            .order_by(Measure.id)
        ):
            measures[m[0]].append((m[1], m[2], list(m[3] or [])))
    return [
        Obligation(
            r.id,
            r.name,
            r.uscc,
            r.town,
            r.industry,
            r.grade.value,
            r.control_type.value,
            r.cat.value if r.cat is not None else None,
            [(line, text) for line, text, _ in measures.get(r.id, [])],
            [a for _, _, acts in measures.get(r.id, []) for a in acts],
            r.base_capacity,
        )
        for r in base
    ]


def page(
    db: Database, level: Level, flt: EnterpriseFilter | None, start: int, end: int
) -> tuple[list[Obligation], int]:
    """One page of obligations at a level under a filter, and how many there are."""
    f = at_level(flt, level)
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(E).where(*conditions(f))) or 0
        return _rows(s, level, f, max(0, start), max(0, min(end, start + 1000) - start)), total


def every(db: Database, level: Level, flt: EnterpriseFilter | None) -> list[Obligation]:
    """Every obligation at a level under a filter (for the notification list)."""
    with db.read() as s:
        return _rows(s, level, at_level(flt, level), 0, None)
