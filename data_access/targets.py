"""Reduction targets and the county's emission base (admin-edited data with sources), and the check of the
published list against them: one aggregate over the measures of the enterprises on the list."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from dashboard.errors import ConflictError, ValidationError
from dashboard.rules import targets as rules
from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.vocab import Level
from dashboard.timeutil import utcnow
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.models import CountyEmission, Enterprise, Measure, ReductionTarget

E, M = Enterprise, Measure
TPD = {"so2": M.so2_tpd, "nox": M.nox_tpd, "pm": M.pm_tpd, "vocs": M.vocs_tpd}
DEFAULT_SOURCE = (
    "环办大气函〔2019〕648号：黄色、橙色、红色预警期间减排量分别达到全社会排放总量的 10%、20%、30% 以上"
    "（据《天津市重污染天气应急预案》摘要等转述；山东省、济南市现行预案是否沿用此比例，需以预案原文核对）"
)
# Society-wide totals include traffic, households and dust, which no enterprise list covers.
DEMO_COVERAGE = 0.45
DEMO_EMISSION_SOURCE = (
    "演示数据：按演示清单年排放量合计 ÷ 0.45 估算（假定清单企业排放占全县全社会排放的 45%），不是统计数据"
)


def reductions(db: Database) -> dict[tuple[Level, str], float]:
    """Σ daily reductions (t/d) of the enterprises on the published list, per level and pollutant."""
    with db.read() as s:
        rows = s.execute(
            select(M.level, *(func.coalesce(func.sum(col), 0.0) for col in TPD.values()))
            .join(E, E.id == M.enterprise_id)
            .where(E.in_list.is_(True))
            .group_by(M.level)
        ).all()
    out = {(lv, p): 0.0 for lv in rules.LEVELS for p in POLLUTANTS}
    for level, *sums in rows:
        for p, value in zip(POLLUTANTS, sums, strict=True):
            out[(Level(level), p)] = float(value or 0.0)
    return out


@dataclass(frozen=True)
class TargetView:
    """A target as stored."""

    level: Level
    pollutant: str
    percent: float
    source: str
    updated_at: datetime
    updated_by: str
    version: int


@dataclass(frozen=True)
class BaseView:
    """A county total as stored."""

    pollutant: str
    annual_tpa: float
    year: int | None
    source: str
    is_demo: bool
    updated_at: datetime
    updated_by: str
    version: int


def targets(db: Database) -> dict[tuple[Level, str], TargetView]:
    """The targets that are set."""
    with db.read() as s:
        return {
            (t.level, t.pollutant): TargetView(
                t.level, t.pollutant, t.percent, t.source, t.updated_at, t.updated_by, t.version
            )
            for t in s.scalars(select(ReductionTarget))
        }


def bases(db: Database) -> dict[str, BaseView]:
    """The county totals that are set."""
    with db.read() as s:
        return {
            b.pollutant: BaseView(
                b.pollutant, b.annual_tpa, b.year, b.source, b.is_demo, b.updated_at, b.updated_by, b.version
            )
            for b in s.scalars(select(CountyEmission))
        }


def check(db: Database) -> list[rules.TargetRow]:
    """The target check of the published list (every level × pollutant)."""
    return rules.check(
        reductions(db),
        {p: b.annual_tpa for p, b in bases(db).items()},
        {k: t.percent for k, t in targets(db).items()},
    )


@dataclass(frozen=True)
class Contributor:
    """An enterprise's share of the list's reduction at a level."""

    enterprise_id: int
    name: str
    reduction_tpd: float
    share: float  # of the list's total at that level and pollutant


def contributors(db: Database, level: Level, pollutant: str, limit: int = 10) -> list[Contributor]:
    """The enterprises that contribute most to a level's reduction of a pollutant."""
    col = TPD[pollutant]
    with db.read() as s:
        total = s.scalar(
            select(func.coalesce(func.sum(col), 0.0))
            .join(E, E.id == M.enterprise_id)
            .where(E.in_list.is_(True), M.level == level)
        )
        rows = s.execute(
            select(E.id, E.name, func.sum(col).label("tpd"))
            .join(M, M.enterprise_id == E.id)
            .where(E.in_list.is_(True), M.level == level, col.is_not(None))
            .group_by(E.id, E.name)
            .having(func.sum(col) > 0)
            .order_by(func.sum(col).desc(), E.id)
            .limit(limit)
        ).all()
    return [Contributor(r.id, r.name, float(r.tpd), float(r.tpd) / total if total else 0.0) for r in rows]


# A plausibility bound, not a rule: no county emits ten million tonnes of one pollutant a year, so a larger
# number is a typed exponent or extra zeros (1e308 would also break every figure on the page).
MAX_ANNUAL_TPA = 10_000_000.0
MIN_ANNUAL_TPA = 1.0  # below a tonne a year is no county's total either: it would make every share absurd


def _percent(value: Any) -> float:
    try:
        if isinstance(value, bool):  # JSON true is not 1 %
            raise ValueError(value)
        pct = float(value)
    except (TypeError, ValueError):
        raise ValidationError("targets.bad_percent", field="percent") from None
    if not 0.01 <= pct <= 100:  # a share below 0.01 % is a slip of the decimal point, not a target
        raise ValidationError("targets.bad_percent", field="percent")
    return pct


def _source(text: object) -> str:
    if text is not None and not isinstance(text, str):  # a direct request sending a list or a number
        raise ValidationError("targets.no_source", field="source")
    source = (text or "").strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in source):  # control characters: not typed, forged
        raise ValidationError("targets.no_source", field="source")
    if not source:
        raise ValidationError("targets.no_source", field="source")
    if len(source) > 1000:
        raise ValidationError("targets.source_long", field="source")
    return source


def set_target(
    db: Database,
    actor: Actor,
    level: str,
    pollutant: str,
    percent: Any,
    source: str | None,
    version: int | None = None,
) -> None:
    """Set one target (percent of the county's daily emission), with where it comes from."""
    if not isinstance(level, str) or level not in {lv.value for lv in Level}:
        raise ValidationError("targets.bad_level", field="level")
    lv = Level(level)
    if not isinstance(pollutant, str) or pollutant not in POLLUTANTS:
        raise ValidationError("targets.bad_pollutant", field="pollutant")
    pct, src = _percent(percent), _source(source)
    now = utcnow()
    with db.write() as s:
        t = s.scalars(
            select(ReductionTarget).where(ReductionTarget.level == lv, ReductionTarget.pollutant == pollutant)
        ).first()
        before = {"percent": t.percent, "source": t.source} if t else None
        # version: what the form was loaded with (0: not set then); someone saving since makes it stale.
        if version is not None and (t.version if t else 0) != version:
            raise ConflictError("error.stale")
        if t is None:
            t = ReductionTarget(level=lv, pollutant=pollutant, percent=pct, source=src, updated_by=actor.name)
            s.add(t)
        else:
            t.percent, t.source, t.updated_at, t.updated_by = pct, src, now, actor.name
        s.flush()
        record(
            s,
            actor,
            "targets.set",
            "reduction_target",
            f"{lv.value}:{pollutant}",
            before=before,
            after={"percent": pct, "source": src},
        )


def use_defaults(db: Database, actor: Actor) -> int:
    """Fill the targets not yet set with the national 10/20/30 % (and their source); return how many."""
    have = targets(db)
    added = 0
    with db.write() as s:
        for level, pct in rules.DEFAULT_PERCENT.items():
            for p in POLLUTANTS:
                if (level, p) in have:
                    continue
                s.add(
                    ReductionTarget(
                        level=level, pollutant=p, percent=pct, source=DEFAULT_SOURCE, updated_by=actor.name
                    )
                )
                added += 1
        record(s, actor, "targets.defaults", "reduction_target", None, after={"added": added})
    return added


def set_base(
    db: Database,
    actor: Actor,
    pollutant: str,
    annual_tpa: Any,
    year: Any,
    source: str | None,
    *,
    demo: bool = False,
    version: int | None = None,
) -> None:
    """Set the county's total annual emission of a pollutant (t/a), with its year and source."""
    if not isinstance(pollutant, str) or pollutant not in POLLUTANTS:
        raise ValidationError("targets.bad_pollutant", field="pollutant")
    limits = {"min": f"{MIN_ANNUAL_TPA:g}", "max": f"{MAX_ANNUAL_TPA:,.0f}"}
    try:
        if isinstance(annual_tpa, bool):
            raise ValueError(annual_tpa)
        annual = float(annual_tpa)
    except (TypeError, ValueError):
        raise ValidationError("targets.bad_total", field="annual_tpa", **limits) from None
    if not (MIN_ANNUAL_TPA <= annual <= MAX_ANNUAL_TPA and math.isfinite(annual)):
        raise ValidationError("targets.bad_total", field="annual_tpa", **limits)
    year_value = None
    if year not in (None, ""):
        try:
            as_number = float(year)
        except (TypeError, ValueError):
            raise ValidationError("targets.bad_year", field="year") from None
        if not (as_number.is_integer() and 1990 <= as_number <= 2100):
            raise ValidationError("targets.bad_year", field="year")
        year_value = int(as_number)
    src = _source(source)
    now = utcnow()
    with db.write() as s:
        b = s.scalars(select(CountyEmission).where(CountyEmission.pollutant == pollutant)).first()
        before = {"annual_tpa": b.annual_tpa, "year": b.year, "source": b.source} if b else None
        if version is not None and (b.version if b else 0) != version:
            raise ConflictError("error.stale")
        if b is None:
            b = CountyEmission(
                pollutant=pollutant,
                annual_tpa=annual,
                year=year_value,
                source=src,
                is_demo=demo,
                updated_by=actor.name,
            )
            s.add(b)
        else:
            b.annual_tpa, b.year, b.source, b.is_demo = annual, year_value, src, demo
            b.updated_at, b.updated_by = now, actor.name
        s.flush()
        record(
            s,
            actor,
            "targets.base",
            "county_emission",
            pollutant,
            before=before,
            after={"annual_tpa": annual, "year": year_value, "source": src, "demo": demo},
        )


def seed_demo(db: Database, actor: Actor) -> None:
    """Demo targets (the national defaults) and a demo county total (list total ÷ 0.45, labelled as demo)."""
    use_defaults(db, actor)
    with db.read() as s:
        totals = s.execute(
            select(*(func.coalesce(func.sum(getattr(E, f"{p}_tpa")), 0.0) for p in POLLUTANTS)).where(
                E.in_list
            )
        ).one()
    for p, total in zip(POLLUTANTS, totals, strict=True):
        if total:
            set_base(
                db, actor, p, round(float(total) / DEMO_COVERAGE, 1), 2025, DEMO_EMISSION_SOURCE, demo=True
            )
