"""Daily air quality (PM2.5 or AQI per city and day): import a CSV series, read it back for the timeline.

An import is all or nothing: every bad row is reported with its line number and nothing is written; good
files replace the values they repeat (the same city, day and metric).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_

from dashboard.errors import ValidationError
from dashboard.rules.listlayout import norm
from dashboard.timeutil import to_local, utcnow
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.listfile import decode_text
from data_access.models import AirQualityDay

CITY_MAX: int = AirQualityDay.__table__.c["city"].type.length  # what the column keeps

DEMO_SERIES = Path(__file__).resolve().parent / "reference" / "jinan_area_pm25_daily_2014_2015.csv"
DEMO_SOURCE = "CNEMC（中国环境监测总站）城市日均值，经 R 包 SpTe2M 1.0.3 整理"
METRICS = ("pm25", "aqi")
MAX_ROWS = 200_000
# Header names by preference (a file with both city and city_zh gives the Chinese name).
_CITY = ("city_zh", "城市", "城市名称", "地区", "站点", "city")
_DAY = ("date", "日期", "day", "监测日期")
_METRIC = {
    "pm25": ("pm25", "pm25ugm3", "pm2.5", "pm25浓度", "pm25日均值", "细颗粒物"),
    "aqi": ("aqi", "空气质量指数"),
}


@dataclass(frozen=True)
class BadRow:
    """One line of the file that cannot be read, and why (a catalog key and its values)."""

    line: int
    key: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Parsed:
    """What a file gave: rows (city, day, metric, value) and the lines that could not be read."""

    rows: list[tuple[str, date, str, float]]
    bad: list[BadRow]
    metric: str | None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    keys = [norm(h, remarks=False).replace(".", "") for h in header]
    for name in names:
        wanted = norm(name, remarks=False).replace(".", "")
        if wanted in keys:
            return keys.index(wanted)
    return None


_DAY_FORM = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
FIRST_DAY = date(2000, 1, 1)  # China's daily air-quality reporting starts after this; earlier is a typo


def _day(text: str) -> date | None:
    """A day as files write it: 2015-01-24, 2015/1/24 (Excel's default), 2015.1.24, with or without a time."""
    m = _DAY_FORM.fullmatch(text)
    if m is None:
        return None
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= to_local(utcnow()).date() + timedelta(days=1) else None


def _cell(cells: list[str], i: int | None) -> str:
    return cells[i].strip() if i is not None and i < len(cells) else ""


def parse(data: bytes, city: str | None = None) -> Parsed:
    """Read a CSV of daily values: a date column, a PM2.5 or AQI column, and a city column (or `city`)."""
    try:
        content, _ = decode_text(data)
    except Exception:
        raise ValidationError("aq.encoding", field="file") from None
    reader = csv.reader(io.StringIO(content, newline=""))
    header = next(reader, None)
    if not header:
        raise ValidationError("aq.empty", field="file")
    day_col = _column(header, _DAY)
    city_col = _column(header, _CITY)
    metric, value_col = None, None
    for name, aliases in _METRIC.items():
        col = _column(header, aliases)
        if col is not None:
            metric, value_col = name, col
            break
    if day_col is None or value_col is None or metric is None:
        raise ValidationError("aq.header", field="file")
    fixed_city = (city or "").strip() or None
    if city_col is None and fixed_city is None:
        raise ValidationError("aq.no_city", field="city")
    if city_col is not None and fixed_city is not None:
        # Which would win is a guess either way, and a wrong guess files one city's air under another.
        raise ValidationError("aq.city_twice", field="city", column=header[city_col])
    if fixed_city and len(fixed_city) > CITY_MAX:
        raise ValidationError("aq.city_long", field="city", max=CITY_MAX)
    rows: list[tuple[str, date, str, float]] = []
    bad: list[BadRow] = []
    seen: dict[tuple[str, date], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(bad) >= MAX_ROWS:
            raise ValidationError("aq.too_many", field="file", max=MAX_ROWS)
        where = fixed_city or _cell(cells, city_col)
        if not where:
            bad.append(BadRow(line, "aq.bad_city", {}))
            continue
        if len(where) > CITY_MAX:
            bad.append(BadRow(line, "aq.city_long", {"max": CITY_MAX}))
            continue
        raw_day = _cell(cells, day_col)
        day = _day(raw_day)
        if day is None:
            bad.append(BadRow(line, "aq.bad_date", {"value": raw_day[:20]}))
            continue
        raw = _cell(cells, value_col)
        if not raw:
            bad.append(BadRow(line, "aq.no_value", {}))
            continue
        try:
            value = float(raw)
        except ValueError:
            bad.append(BadRow(line, "aq.bad_value", {"value": raw[:20]}))
            continue
        if not math.isfinite(value) or value < 0 or value > 2000:
            bad.append(BadRow(line, "aq.bad_value", {"value": raw[:20]}))
            continue
        if (where, day) in seen:
            bad.append(BadRow(line, "aq.duplicate", {"first": seen[(where, day)]}))
            continue
        seen[(where, day)] = line
        rows.append((where, day, metric, value))
    return Parsed(rows, bad, metric)


def import_series(
    db: Database, actor: Actor, data: bytes, file_name: str, *, city: str | None = None, demo: bool = False
) -> Parsed:
    """Store a file's values (all or nothing). Returns what was read; raises nothing for bad rows: the caller
    shows them (`Parsed.bad`) and nothing was written."""
    parsed = parse(data, city)
    if parsed.bad or not parsed.rows:
        return parsed
    source = DEMO_SOURCE if demo else f"{file_name}"
    with db.write() as s:
        keys = [(c, d, m) for c, d, m, _ in parsed.rows]
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            s.execute(
                delete(AirQualityDay).where(
                    tuple_(AirQualityDay.city, AirQualityDay.day, AirQualityDay.metric).in_(chunk)
                )
            )
        values = [
            {"city": c, "day": d, "metric": m, "value": v, "source": source, "is_demo": demo}
            for c, d, m, v in parsed.rows
        ]
        for i in range(0, len(values), 5000):
            s.execute(insert(AirQualityDay), values[i : i + 5000])
        cities = sorted({c for c, *_ in parsed.rows})
        record(
            s,
            actor,
            "aq.import",
            "air_quality",
            parsed.metric,
            after={"file": file_name, "rows": len(values), "cities": cities},
        )
    return parsed


@dataclass(frozen=True)
class SeriesInfo:
    """A stored series: city, metric, how many days, first and last day."""

    city: str
    metric: str
    days: int
    first: date
    last: date


def series_list(db: Database) -> list[SeriesInfo]:
    """The stored series."""
    A = AirQualityDay
    with db.read() as s:
        rows = s.execute(
            select(A.city, A.metric, func.count(), func.min(A.day), func.max(A.day))
            .group_by(A.city, A.metric)
            .order_by(A.city, A.metric)
        ).all()
    return [SeriesInfo(*r) for r in rows]


def series(db: Database, city: str, metric: str) -> list[tuple[date, float]]:
    """One city's values of one metric, by day."""
    A = AirQualityDay
    with db.read() as s:
        return [
            (d, v)
            for d, v in s.execute(
                select(A.day, A.value).where(A.city == city, A.metric == metric).order_by(A.day)
            )
        ]
