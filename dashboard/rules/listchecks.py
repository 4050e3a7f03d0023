"""清单数据逻辑校验: the checks a careful reviewer makes on each enterprise of a list (pure).

Each finding names its rule, severity (an error blocks publishing, a warning does not), the field it is
about (and the line and level, so the importer can point at the Excel cell) and the values for its message.
The rules follow ../shared/domain-model.md "List logic checks"; none of them carries a regulatory number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from dashboard.rules.industries import is_key_industry
from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.listrecord import LEVELS, ListRecord, MeasureEntry, reading
from dashboard.rules.vocab import STRICTNESS, Category, ControlType, Grade, Level


class Severity(StrEnum):
    """An error blocks publishing; a warning is shown and does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem with one enterprise: rule, severity, the field (and line/level) and message values."""

    rule: str
    severity: Severity
    field: str  # a layout key: "measure", "reduction", "grade" …
    level: Level | None = None
    line: str | None = None
    pollutant: str | None = None
    params: dict[str, object] = field(default_factory=dict)


# Reductions are compared with a little slack: a list rounds t/d to a few decimals.
REL_TOLERANCE = 0.005
ABS_TOLERANCE = 5e-5
NO_FORCED_CUT = frozenset({Grade.A, Grade.A_PLUS, Grade.LEADING})
OUTSIDE_RULES = frozenset({ControlType.GUARANTEE, ControlType.EXEMPT, ControlType.LONG_STOP})


def _strength(m: MeasureEntry) -> tuple[int, float] | None:
    """How strict a measure is (rank, cut %), or None when it is 保障 or unclassified (not compared)."""
    r = reading(m.text)
    cat = r.category
    if cat is None or cat is Category.GUARANTEE:
        return None
    cut = r.cut if cat is Category.LIMIT else None
    return STRICTNESS[cat], (cut or 0.0) * 100


def _milder(lower: MeasureEntry, higher: MeasureEntry) -> bool:
    """Is the measure at the higher level milder than the one below it?"""
    a, b = _strength(lower), _strength(higher)
    if a is None or b is None:
        return False
    if b[0] != a[0]:
        return b[0] < a[0]
    if b[0] == STRICTNESS[Category.LIMIT] and a[1] and b[1] and b[1] < a[1]:
        return True
    # Dropping a transport ban at a higher level is milder, unless the higher level stops production.
    return (
        reading(lower.text).transport
        and not reading(higher.text).transport
        and b[0] != STRICTNESS[Category.STOP]
    )


def _exceeds(value: float, limit: float) -> bool:
    return value > limit * (1 + REL_TOLERANCE) + ABS_TOLERANCE


def check(record: ListRecord) -> list[Finding]:
    """Every logic finding for one enterprise of a full list."""
    out: list[Finding] = []
    grade = Grade(record.fields["grade"]) if record.fields.get("grade") else None
    control = ControlType(record.fields["control_type"]) if record.fields.get("control_type") else None
    for m in record.measures:
        r = reading(m.text)
        if r.category is None:
            out.append(
                Finding(
                    "measure.unparsed",
                    Severity.WARNING,
                    "measure",
                    m.level,
                    m.line,
                    None,
                    {"text": m.text[:60]},
                )
            )
        elif r.unparsed:
            out.append(
                Finding(
                    "measure.partial",
                    Severity.WARNING,
                    "measure",
                    m.level,
                    m.line,
                    None,
                    {"clauses": "；".join(r.unparsed)[:60]},
                )
            )
        if r.cut is not None and r.cut > 1:
            out.append(
                Finding(
                    "measure.percent",
                    Severity.ERROR,
                    "measure",
                    m.level,
                    m.line,
                    None,
                    {"percent": round(r.cut * 100, 2)},
                )
            )
    for unit in record.units:
        for lower, higher in pairwise(LEVELS):
            a, b = record.measure(unit, lower), record.measure(unit, higher)
            if a and b and _milder(a, b):
                out.append(
                    Finding(
                        "measure.order",
                        Severity.ERROR,
                        "measure",
                        higher,
                        unit,
                        None,
                        {
                            "lower": lower.value,
                            "higher": higher.value,
                            "lower_text": a.text[:40],
                            "higher_text": b.text[:40],
                        },
                    )
                )
    all_totals = record.totals()
    for p in POLLUTANTS:
        totals = {level: all_totals[(level, p)] for level in LEVELS}
        for lower, higher in pairwise(LEVELS):
            a, b = totals[lower], totals[higher]
            if a is not None and b is not None and a > b * (1 + REL_TOLERANCE) + ABS_TOLERANCE:
                out.append(
                    Finding(
                        "reduction.order",
                        Severity.ERROR,
                        "reduction",
                        higher,
                        None,
                        p,
                        {"lower": lower.value, "higher": higher.value, "a": _t(a), "b": _t(b)},
                    )
                )
        annual = record.annual(p)
        if annual is not None:
            for level, value in totals.items():
                if value is not None and _exceeds(value, annual / 365):
                    out.append(
                        Finding(
                            "reduction.exceeds",
                            Severity.ERROR,
                            "reduction",
                            level,
                            None,
                            p,
                            {"value": _t(value), "limit": _t(annual / 365), "annual": _t(annual)},
                        )
                    )
    unknown_line = any(
        m.line is not None
        and reading(m.text).category in (Category.STOP, Category.LIMIT)
        and not any(v is not None for v in m.stated.values())
        for m in record.measures
    )
    if unknown_line:
        out.append(Finding("reduction.line_unknown", Severity.WARNING, "reduction"))
    if control not in OUTSIDE_RULES:
        cats = {level: record.category(level) for level in LEVELS}
        if grade in NO_FORCED_CUT:
            forced = [
                lv for lv, c in cats.items() if c in (Category.STOP, Category.LIMIT, Category.TRANSPORT)
            ]
            if forced:
                out.append(
                    Finding(
                        "grade.forced_cut",
                        Severity.WARNING,
                        "measure",
                        forced[0],
                        None,
                        None,
                        {"grade": grade.value},
                    )
                )
        if (
            grade is Grade.D
            and control is ControlType.KEY
            and is_key_industry(record.fields.get("industry") or "")
        ):
            soft = [lv for lv, c in cats.items() if c is not None and c is not Category.STOP]
            if soft:
                out.append(Finding("grade.d_not_stopped", Severity.WARNING, "measure", soft[0]))
    return out


def _t(value: float) -> str:
    return f"{value:.4f}"
