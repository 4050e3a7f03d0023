"""The console's one filter set: parsed from a URL query (console, API) and written back to one.

Pure: no database. data_access.enterprises turns an EnterpriseFilter into SQL, the same for the map,
the grid, the API and (later) exports, so every view of "the filtered enterprises" is one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from dashboard.errors import HazeError
from dashboard.rules.vocab import Category, ControlType, Grade, Level

UNCLASSIFIED = "unclassified"  # category filter value: measures a person still has to classify
NO_PARK = "none"  # park filter value: enterprises outside both parks
MAX_VALUES = 64  # per parameter; more is a malformed request, not a filter
MAX_QUERY = 64  # characters of free-text search


@dataclass(frozen=True)
class EnterpriseFilter:
    """Town, park, industry, grade, control type, level → category, and a name/USCC search."""

    town: tuple[str, ...] = ()
    park: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    grade: tuple[Grade, ...] = ()
    control: tuple[ControlType, ...] = ()
    level: Level | None = None
    category: tuple[str, ...] = ()  # Category values and UNCLASSIFIED; only with a level
    q: str = ""

    def query(self) -> list[tuple[str, str]]:
        """The filter as URL query pairs (multi-values repeated), in a stable order."""
        pairs: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                pairs.extend((f.name, str(v)) for v in value)
            elif value:
                pairs.append((f.name, str(value)))
        return pairs

    def query_string(self) -> str:
        """The filter as `?a=1&b=2`, or "" when empty."""
        pairs = self.query()
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def empty(self) -> bool:
        """True when nothing is filtered."""
        return not self.query()


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    if len(items) > MAX_VALUES:
        raise HazeError("filter.too_many", field=name)
    out: list[str] = []
    for item in items:
        if name == "grade" and str(item) in ("A ", " A "):
            # A hand-typed ?grade=A+ reaches us as "A " (a + in a query string is a space): it means A+,
            # and stripping it to "A" would silently show another grade.
            item = "A+"
        item = str(item).strip()
        if item and item not in out:
            out.append(item)
    return out


def _enum(params: Mapping[str, str | Sequence[str]], name: str, allowed: Sequence[str]) -> list[str]:
    values = _values(params, name)
    for v in values:
        if v not in allowed:
            raise HazeError("filter.bad_value", field=name, value=v[:40])
    return values


def parse_filter(params: Mapping[str, str | Sequence[str]]) -> EnterpriseFilter:
    """Read a filter from query parameters; raise HazeError naming the parameter for a bad value."""
    levels = _enum(params, "level", [lv.value for lv in Level])
    if len(levels) > 1:
        raise HazeError("filter.one_level", field="level")
    categories = _enum(params, "category", [c.value for c in Category] + [UNCLASSIFIED])
    if categories and not levels:
        raise HazeError("filter.category_needs_level", field="category")
    q = " ".join(_values(params, "q"))
    if len(q) > MAX_QUERY:
        raise HazeError("filter.q_too_long", field="q", max=MAX_QUERY)
    return EnterpriseFilter(
        town=tuple(_values(params, "town")),
        park=tuple(_values(params, "park")),
        industry=tuple(_values(params, "industry")),
        grade=tuple(Grade(v) for v in _enum(params, "grade", [g.value for g in Grade])),
        control=tuple(ControlType(v) for v in _enum(params, "control", [c.value for c in ControlType])),
        level=Level(levels[0]) if levels else None,
        category=tuple(categories),
        q=q,
    )


def parse_lenient(params: Mapping[str, str | Sequence[str]]) -> EnterpriseFilter:
    """Like parse_filter, but drop what is invalid (a hand-edited console URL still opens)."""
    clean: dict[str, list[str]] = {}
    for f in fields(EnterpriseFilter):
        for value in _values_or_empty(params, f.name):
            trial = {**clean, f.name: [*clean.get(f.name, []), value]}
            try:
                parse_filter(trial)
            except HazeError:
                continue
            clean = trial
    return parse_filter(clean)


def _values_or_empty(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    try:
        return _values(params, name)[:MAX_VALUES]
    except HazeError:
        raw = params.get(name)
        return [str(v).strip() for v in (raw if isinstance(raw, list) else [])[:MAX_VALUES]]
