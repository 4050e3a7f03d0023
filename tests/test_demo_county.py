"""The demo county's invariants, checked independently of the generator's own logic."""

from __future__ import annotations

import json
from collections import Counter

from shapely.geometry import Point, shape
from sqlalchemy import func, select, text

from dashboard.rules.names import match_key
from dashboard.rules.uscc import is_valid
from dashboard.rules.vocab import STRICTNESS, Category, Level
from data_access.county import OUTLINE
from data_access.db import Database
from data_access.demo_county import generate
from data_access.models import Enterprise, Measure, Town
from data_access.seed import seed_demo
from tests.conftest import clear_tables


def test_it_is_the_size_asked_for_and_fictitious_by_name(db: Database) -> None:
    with db.read() as s:
        names = list(s.scalars(select(Enterprise.name)))
        assert s.scalar(select(func.count()).where(Enterprise.is_demo.is_(False))) == 0
    assert 380 <= len(names) <= 420
    assert all(n.endswith("（演示）") for n in names)
    assert len({match_key(n) for n in names}) == len(names)


def test_at_least_300_distinct_trade_names() -> None:
    specs = generate()
    trade = {e.name.removesuffix("（演示）") for e in specs}
    for prefix in ("商河县", "济南", "山东"):
        trade = {n.removeprefix(prefix) for n in trade}
    assert len({n[:2] for n in trade}) >= 300


def test_every_point_is_inside_the_outline_and_a_handful_have_none(db: Database) -> None:
    outline = shape(json.loads(OUTLINE.read_text(encoding="utf-8"))["features"][0]["geometry"])
    with db.read() as s:
        coords = s.execute(select(Enterprise.lat, Enterprise.lon)).all()
    missing = [c for c in coords if c.lat is None]
    assert 1 <= len(missing) <= 10
    assert all(outline.contains(Point(c.lon, c.lat)) for c in coords if c.lat is not None)


def test_codes_are_valid_and_unique(db: Database) -> None:
    with db.read() as s:
        codes = [c for c in s.scalars(select(Enterprise.uscc)) if c is not None]
    assert codes and all(is_valid(c) for c in codes) and len(set(codes)) == len(codes)


def test_towns_are_the_12_real_ones(db: Database) -> None:
    with db.read() as s:
        towns = {code: name for code, name in s.execute(select(Town.code, Town.name)).all()}
        used = set(s.scalars(select(Enterprise.town_code).distinct()))
    assert len(towns) == 12 and towns["370126001"] == "许商街道" and towns["370126111"] == "沙河镇"
    assert used <= set(towns)


def test_every_enterprise_has_three_measures_that_never_soften(db: Database) -> None:
    with db.read() as s:
        rows = s.execute(
            select(Measure.enterprise_id, Measure.level, Measure.category, Measure.cut_percent)
        ).all()
    by_enterprise: dict[int, dict[Level, tuple[Category | None, float | None]]] = {}
    for eid, level, category, cut in rows:
        by_enterprise.setdefault(eid, {})[level] = (category, cut)
    assert all(set(v) == set(Level) for v in by_enterprise.values())
    for levels in by_enterprise.values():
        chain = [levels[lv] for lv in (Level.YELLOW, Level.ORANGE, Level.RED)]
        assert all(c is not None for c, _ in chain)
        if all(c in STRICTNESS for c, _ in chain):
            ranks = [(STRICTNESS[c], cut or 0) for c, cut in chain]
            assert ranks == sorted(ranks), chain


def test_the_list_exercises_every_measure_form(db: Database) -> None:
    with db.read() as s:
        texts = list(s.scalars(select(Measure.text)))
        categories = Counter(s.scalars(select(Measure.category)))
    joined = "\n".join(texts)
    for form in (
        "以生产线计",
        "由",
        "降低到",
        "VOCs排放工序停止生产",
        "停止使用国四",
        "停止公路运输",
        "以热定产",
        "长期停产",
        "自主采取减排措施",
    ):
        assert form in joined, form
    assert set(categories) == set(Category)


def test_daily_reductions_follow_annual_over_365(db: Database) -> None:
    with db.read() as s:
        rows = s.execute(
            select(Enterprise.vocs_tpa, Measure.cut_percent, Measure.vocs_tpd)
            .join(Measure)
            .where(Measure.cut_percent.is_not(None))
        ).all()
    assert rows
    for annual, cut, tpd in rows:
        assert abs(tpd - annual / 365 * cut / 100) < 1e-9


def test_seeding_twice_gives_identical_list_tables(database: Database) -> None:
    tables = ("enterprise", "production_line", "measure", "list_revision", "town")

    def dump() -> dict[str, list[tuple]]:
        with database.engine.connect() as conn:
            return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")).all())) for t in tables}  # noqa: S608

    clear_tables(database)
    seed_demo(database)
    first = dump()
    clear_tables(database)
    seed_demo(database)
    second = dump()
    assert second == first  # ids included: a reset restarts them on both databases
