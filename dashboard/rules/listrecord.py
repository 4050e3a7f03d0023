"""One enterprise as the list states it, in one canonical form for import, diff, publish, snapshot and export.

A record holds exactly what a list can say (no ids, no derived columns), so the same enterprise read from
a file, from the database or from a revision snapshot compares equal when nothing changed. What HazeOps
derives from it (category, actions, daily reductions) is computed here, from the record alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.measures import Reading, read_measure, strictest
from dashboard.rules.vocab import Category, Level

# Scalar fields of a record, in the order the official layout shows them.
FIELDS: tuple[str, ...] = (
    "name",
    "uscc",
    "town_code",
    "park",
    "address",
    "industry",
    "industry_other",
    "control_type",
    "grade",
    "grade_raw",
    "grade_local",
    "permit_no",
    "lon",
    "lat",
    "coord_crs",
    "so2_tpa",
    "nox_tpa",
    "pm_tpa",
    "vocs_tpa",
    "base_capacity",
    "has_cems",
    "has_power_monitoring",
)
# What a grade-only list (name + grade, as the provinces publish them) may change.
GRADE_FIELDS: tuple[str, ...] = ("grade", "grade_raw", "grade_local")
LEVELS: tuple[Level, ...] = (Level.YELLOW, Level.ORANGE, Level.RED)


@dataclass(frozen=True)
class MeasureEntry:
    """A measure at one level, for the whole enterprise (line None) or one line, with stated reductions."""

    level: Level
    text: str
    line: str | None = None
    stated: dict[str, float | None] = field(default_factory=dict)  # t/d as the list states them

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stated reductions only where given)."""
        out: dict[str, Any] = {"level": self.level.value, "text": self.text}
        if self.line is not None:
            out["line"] = self.line
        given = {p: v for p, v in self.stated.items() if v is not None}
        if given:
            out["stated"] = given
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeasureEntry:
        """The inverse of to_json."""
        return cls(Level(data["level"]), data["text"], data.get("line"), dict(data.get("stated") or {}))


@dataclass(frozen=True)
class LineEntry:
    """A production line or process the list names, with its own grade when the list gives one."""

    name: str
    grade: str | None = None


@dataclass(frozen=True)
class ListRecord:
    """One enterprise of a list: scalar fields (FIELDS), its lines and its measures."""

    fields: dict[str, Any]
    lines: tuple[LineEntry, ...] = ()
    measures: tuple[MeasureEntry, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; equal records give equal dicts."""
        return {
            "fields": {k: self.fields.get(k) for k in FIELDS if k in self.fields},
            "lines": [asdict(ln) for ln in self.lines],
            "measures": [m.to_json() for m in self.measures],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListRecord:
        """The inverse of to_json."""
        return cls(
            dict(data.get("fields") or {}),
            tuple(LineEntry(**ln) for ln in data.get("lines") or ()),
            tuple(MeasureEntry.from_json(m) for m in data.get("measures") or ()),
        )

    @property
    def units(self) -> list[str | None]:
        """The units measures are given for: None (the whole enterprise) and/or line names, in order."""
        return list(dict.fromkeys(m.line for m in self.measures))

    def measure(self, unit: str | None, level: Level) -> MeasureEntry | None:
        """The measure of a unit at a level, if the record has one."""
        return next((m for m in self.measures if m.line == unit and m.level is level), None)

    def annual(self, pollutant: str) -> float | None:
        """Annual emission of a pollutant, t/a."""
        value = self.fields.get(f"{pollutant}_tpa")
        return None if value is None else float(value)

    def category(self, level: Level) -> Category | None:
        """The enterprise's category at a level: the strictest of its measures (None: a person must look)."""
        return strictest(reading(m.text).category for m in self.measures if m.level is level)

    def reductions(self, m: MeasureEntry) -> tuple[dict[str, float | None], bool]:
        """Daily reduction per pollutant of one measure, and whether any value was derived, not stated.

        Derived = annual ÷ 365 × cut, for whole-enterprise measures only: a line's share of the enterprise's
        emissions is not on the list, so a line's reduction is known only when stated.
        """
        r = reading(m.text)
        out: dict[str, float | None] = {}
        derived = False
        for p in POLLUTANTS:
            stated = m.stated.get(p)
            if stated is not None:
                out[p] = stated
                continue
            annual, cut = self.annual(p), r.cut
            if m.line is None and annual is not None and cut is not None:
                out[p] = annual / 365 * cut
                derived = True
            else:
                out[p] = None
        return out, derived

    def total_reduction(self, level: Level, pollutant: str) -> float | None:
        """The daily reduction of a pollutant at a level: the sum over its measures (None: unknown)."""
        return self.totals()[(level, pollutant)]

    def totals(self) -> dict[tuple[Level, str], float | None]:
        """Daily reduction per (level, pollutant): the sum over the measures at that level (None: unknown)."""
        per = [(m.level, self.reductions(m)[0]) for m in self.measures]
        out: dict[tuple[Level, str], float | None] = {}
        for level in LEVELS:
            for p in POLLUTANTS:
                known = [r[p] for lv, r in per if lv is level and r[p] is not None]
                out[(level, p)] = sum(known) if known else None
        return out


@lru_cache(maxsize=65536)
def reading(text: str) -> Reading:
    """read_measure, cached: real lists repeat a few hundred wordings over thousands of rows."""
    return read_measure(text)


def normalized(record: ListRecord) -> ListRecord:
    """The record as stored: a stated reduction equal to the derived one, or a line grade equal to the
    enterprise's, says nothing more than the record already does and is dropped (so an export re-imports
    to the same record)."""
    grade = record.fields.get("grade")
    lines = tuple(LineEntry(ln.name, None if ln.grade == grade else ln.grade) for ln in record.lines)
    measures = []
    for m in record.measures:
        stated = dict(m.stated)
        if m.line is None:
            cut = reading(m.text).cut
            for p, value in m.stated.items():
                annual = record.annual(p)
                if (
                    value is not None
                    and annual is not None
                    and cut is not None
                    and _same(value, annual / 365 * cut)
                ):
                    stated[p] = None
        measures.append(
            MeasureEntry(m.level, m.text, m.line, {p: v for p, v in stated.items() if v is not None})
        )
    return ListRecord(record.fields, lines, tuple(measures))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return (a if a != "" else None) == (b if b != "" else None)


# Fields a diff compares. coord_crs says where a coordinate came from; it changes only with the coordinate.
DIFF_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f != "coord_crs")


def _unit(key: str, line: str | None) -> str:
    return f"{key}@{line}" if line else key


def diff(before: ListRecord, after: ListRecord, *, grades_only: bool = False) -> list[list[Any]]:
    """Field-level changes [key, before, after] from one record to another (empty: nothing changed).

    Keys: a field name, `lines`, `measure.<level>[@line]`, `reduction.<level>.<pollutant>[@line]`.
    """
    keys = GRADE_FIELDS if grades_only else DIFF_FIELDS
    out: list[list[Any]] = [
        [k, before.fields.get(k), after.fields.get(k)]
        for k in keys
        if not _same(before.fields.get(k), after.fields.get(k))
    ]
    if grades_only:
        return out

    def lines_text(r: ListRecord) -> str | None:
        return "；".join(f"{ln.name}（{ln.grade}）" if ln.grade else ln.name for ln in r.lines) or None

    if lines_text(before) != lines_text(after):
        out.append(["lines", lines_text(before), lines_text(after)])
    units = list(dict.fromkeys([*before.units, *after.units]))
    for unit in units:
        for level in LEVELS:
            a, b = before.measure(unit, level), after.measure(unit, level)
            if (a.text if a else None) != (b.text if b else None):
                out.append(
                    [_unit(f"measure.{level.value}", unit), a.text if a else None, b.text if b else None]
                )
            for p in POLLUTANTS:
                x = a.stated.get(p) if a else None
                y = b.stated.get(p) if b else None
                if not _same(x, y):
                    out.append([_unit(f"reduction.{level.value}.{p}", unit), x, y])
    return out
