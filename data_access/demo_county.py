"""The demo county: about 400 fictitious enterprises inside the real 商河 outline — all of it 演示数据.

A generator, not regulation: grades, shares, emissions and measure texts are made up to exercise
every form a real list uses (percentages, by line, quantity targets, process stops, transport bans,
保障, 长期停产). Every name ends in （演示）, so no real firm is ever shown with an invented grade.
The same seed gives the same list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import prep
from sqlalchemy import func, select

from dashboard.rules.listrecord import LineEntry, ListRecord, MeasureEntry
from dashboard.rules.uscc import CHARSET, check_char
from dashboard.rules.vocab import ControlType, Grade, Level
from dashboard.timeutil import LOCAL_TZ
from data_access.audit import Actor, record
from data_access.county import outline as county_outline
from data_access.db import Database
from data_access.listrecords import encode_snapshot, write_records
from data_access.models import ListRevision, Town

REFERENCE = Path(__file__).resolve().parent / "reference"
SEED = 20261203
SIZE = 400
PUBLISHED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=LOCAL_TZ).astimezone(UTC)
DEMO_NOTE = "演示数据：程序随机生成的演示清单，企业、等级与措施均为虚构"

TRANSPORT = "停止使用国四及以下重型载货车辆（含燃气）进行运输"
SELF = "鼓励结合实际，自主采取减排措施"

# (industry, free text when outside the 39, weight, name words, emission profile)
INDUSTRIES: tuple[tuple[str, str | None, int, tuple[str, ...], str], ...] = (
    ("制药", None, 12, ("制药", "药业", "生物医药", "医药科技"), "vocs"),
    ("农药制造", None, 6, ("农化", "生物农药", "作物科学"), "vocs"),
    ("其他", "化学原料和化学制品制造", 12, ("化工", "精细化工", "化学", "新材料"), "vocs"),
    ("涂料制造", None, 3, ("涂料", "漆业"), "vocs"),
    ("工业涂装", None, 12, ("机械", "装备制造", "车辆配件", "钢结构", "农机"), "vocs"),
    ("铸造", None, 8, ("铸造", "铸业", "机械铸件"), "pm"),
    ("包装印刷", None, 6, ("包装", "印务", "彩印"), "vocs"),
    ("家具制造", None, 6, ("家具", "木业"), "vocs"),
    ("砖瓦窑", None, 4, ("新型建材", "砖业"), "combustion"),
    ("其他", "食品制造", 10, ("食品", "面业", "粮油", "食品科技"), "combustion"),
    ("玻璃", None, 1, ("玻璃制品",), "combustion"),
    ("橡胶制品制造", None, 2, ("橡胶", "胶业"), "vocs"),
    ("人造板制造", None, 2, ("板业", "人造板"), "pm"),
    ("其他", "金属制品", 8, ("金属制品", "五金"), "pm"),
    ("其他", "塑料制品", 4, ("塑业", "塑料制品"), "vocs"),
    ("其他", "纺织", 2, ("纺织", "棉业"), "combustion"),
    ("其他", "饲料加工", 2, ("饲料", "牧业科技"), "pm"),
)
KEY_GRADES = (
    (Grade.A, 4),
    (Grade.LEADING, 3),
    (Grade.B, 25),
    (Grade.B_MINUS, 8),
    (Grade.C, 32),
    (Grade.D, 13),
    (Grade.NON_LEADING, 15),
)
# Characters for fictitious 字号 (trade names): pairs of them, drawn without replacement.
NAME_CHARS = "泽沐岚昕禾钧澜沛琛翊瀚晟煦珂璟骁玥砚蔚骞芃霁棠筠翎岱逸钦铎颉琨臻祺骅朔旻烨璞淳晞霆"
PREFIXES = (("商河县", 5), ("济南", 3), ("山东", 2), ("", 2))
SUFFIXES = (("有限公司", 8), ("股份有限公司", 1), ("有限责任公司", 1), ("厂", 1))
PARK_BY_INDUSTRY = {"制药": 0.7, "农药制造": 0.8, "化学原料和化学制品制造": 0.7, "涂料制造": 0.6}
EMISSIONS = {  # profile → (pollutant, lognormal mu, sigma) in t/a: made-up magnitudes for a small county
    "vocs": (("vocs", 1.2, 0.9), ("pm", -0.5, 0.8), ("nox", -0.3, 0.8), ("so2", -1.5, 0.8)),
    "pm": (("pm", 1.3, 0.9), ("vocs", -0.7, 0.8), ("nox", 0.0, 0.8), ("so2", -1.0, 0.8)),
    "combustion": (("so2", 1.0, 0.9), ("nox", 1.5, 0.8), ("pm", 0.8, 0.8), ("vocs", -1.0, 0.8)),
}


@dataclass(frozen=True)
class DemoEnterprise:
    """One generated enterprise with its lines and its measure text per level."""

    name: str
    uscc: str | None
    town_code: str
    park: str | None
    address: str
    industry: str
    industry_other: str | None
    control_type: ControlType
    grade: Grade
    lat: float | None
    lon: float | None
    so2_tpa: float
    nox_tpa: float
    pm_tpa: float
    vocs_tpa: float
    base_capacity: str | None
    permit_no: str
    has_cems: bool
    has_power_monitoring: bool
    lines: tuple[str, ...]
    measures: tuple[tuple[Level, str], ...]


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _uscc(rng: random.Random) -> str:
    body = "91370126MA" + "".join(rng.choice(CHARSET) for _ in range(7))
    return body + check_char(body)


def _measures(
    rng: random.Random, grade: Grade, control: ControlType, industry: str, lines: int, profile: str
) -> tuple[tuple[Level, str], ...]:
    """Measure texts per level, never milder at a higher level (the list-logic checks rely on it)."""
    y = o = r = ""
    if control is ControlType.LONG_STOP:
        y = o = r = "长期停产"
    elif control in (ControlType.GUARANTEE, ControlType.EXEMPT):
        y = o = r = rng.choice(("以热定产，保障民生供热", "民生保障类企业，保障生产"))
    elif grade in (Grade.A, Grade.A_PLUS, Grade.LEADING):
        y = o = r = SELF
    elif grade is Grade.D:
        y = o = r = "停产；停止公路运输"
    elif grade in (Grade.B, Grade.B_MINUS):
        first = 10 if grade is Grade.B_MINUS else 0
        y = f"限产{first}%（以三者日均值的最小值为基准核算）；{TRANSPORT}" if first else TRANSPORT
        pct = rng.choice((20, 30)) if grade is Grade.B_MINUS else rng.choice((10, 20))
        if profile == "combustion" and rng.random() < 0.5:
            feed = rng.choice((120, 240, 480, 960))
            o = f"原料日投料量由{feed}吨降低到{round(feed * (100 - pct) / 100)}吨及以下；{TRANSPORT}"
        else:
            o = f"限产{pct}%（以三者日均值的最小值为基准核算）；{TRANSPORT}"
        r = f"停产；{TRANSPORT}"
    elif grade in (Grade.C, Grade.NON_LEADING):
        if lines >= 2:
            y = f"停产50%，以生产线计；{TRANSPORT}"
        elif profile == "vocs" and rng.random() < 0.4:
            y = f"VOCs排放工序停止生产；{TRANSPORT}"
        else:
            y = f"限产30%（以三者日均值的最小值为基准核算）；{TRANSPORT}"
        o = r = f"停产；{TRANSPORT}"
    else:  # 一般 enterprises outside the 39 industries, ungraded
        a, b = rng.choice(((10, 20), (10, 30), (20, 30)))
        y, o = f"限产{a}%", f"限产{b}%"
        r = rng.choice(("停产", f"限产{min(b + 20, 50)}%"))
    return ((Level.YELLOW, y), (Level.ORANGE, o), (Level.RED, r))


@cache
def generate(size: int = SIZE, seed: int = SEED) -> tuple[DemoEnterprise, ...]:
    """Return the demo list (pure and deterministic: the same arguments give the same list)."""
    rng = random.Random(seed)
    outline = shape(county_outline()["features"][0]["geometry"])
    inside = prep(outline)
    minx, miny, maxx, maxy = outline.bounds
    with (REFERENCE / "shanghe_towns_nbs2023.csv").open(encoding="utf-8") as f:
        towns = [
            line.split(",")[0]
            for line in f.read().splitlines()[1:]
            if line.split(",")[1].endswith(("镇", "街道"))
        ]
    trade_names = [a + b for a in NAME_CHARS for b in NAME_CHARS if a != b]
    rng.shuffle(trade_names)
    no_coords = set(rng.sample(range(size), 6))
    no_uscc = set(rng.sample(range(size), 10))
    out: list[DemoEnterprise] = []
    for i in range(size):
        industry, other, _, words, profile = rng.choices(INDUSTRIES, weights=[x[2] for x in INDUSTRIES])[0]
        key = industry != "其他"
        special = rng.random()
        if special < 0.03:
            control = ControlType.LONG_STOP
        elif special < 0.07:
            control = ControlType.GUARANTEE
        elif special < 0.09:
            control = ControlType.EXEMPT
        else:
            control = ControlType.KEY if key else ControlType.GENERAL
        grade = _weighted(rng, KEY_GRADES) if key else Grade.UNGRADED
        if control in (ControlType.GUARANTEE, ControlType.EXEMPT) and key and grade in (Grade.C, Grade.D):
            grade = Grade.B  # a 保障类 firm in a key industry is graded B or better
        # Past the 1,560 pairs (only bench-sized lists get there) a number keeps names distinct.
        trade = trade_names[i % len(trade_names)] + (
            str(i // len(trade_names)) if i >= len(trade_names) else ""
        )
        name = f"{_weighted(rng, PREFIXES)}{trade}{rng.choice(words)}{_weighted(rng, SUFFIXES)}（演示）"
        if i in no_coords:
            lat = lon = None
        else:
            while True:
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if inside.contains(Point(x, y)):
                    break
            lat, lon = round(y, 6), round(x, 6)
        sector = other or industry
        park = None
        if rng.random() < PARK_BY_INDUSTRY.get(sector, 0.25):
            park = (
                "生物医药化工产业园区"
                if sector in PARK_BY_INDUSTRY and rng.random() < 0.6
                else "商河经济开发区"
            )
        emissions = {p: round(rng.lognormvariate(mu, sigma), 3) for p, mu, sigma in EMISSIONS[profile]}
        n_lines = rng.choice((0, 0, 0, 1, 2, 2, 3, 4))
        lines = tuple(f"{k + 1}#生产线" for k in range(n_lines))
        base = (
            f"日产能 {rng.choice((20, 50, 80, 120, 200))} 吨（三者日均值的最小值）"
            if rng.random() < 0.3
            else None
        )
        out.append(
            DemoEnterprise(
                name=name,
                uscc=None if i in no_uscc else _uscc(rng),
                town_code=rng.choice(towns),
                park=park,
                address=f"商河县演示路{rng.randint(1, 999)}号",
                industry=industry,
                industry_other=other,
                control_type=control,
                grade=grade,
                lat=lat,
                lon=lon,
                so2_tpa=emissions["so2"],
                nox_tpa=emissions["nox"],
                pm_tpa=emissions["pm"],
                vocs_tpa=emissions["vocs"],
                base_capacity=base,
                permit_no=f"91370126DEMO{i + 1:04d}001P",
                has_cems=rng.random() < 0.2,
                has_power_monitoring=rng.random() < 0.5,
                lines=lines,
                measures=_measures(rng, grade, control, sector, n_lines, profile),
            )
        )
    return tuple(out)


def record_of(e: DemoEnterprise) -> ListRecord:
    """A generated enterprise as a list record (what an import of the demo list would give)."""
    fields = {
        "name": e.name,
        "uscc": e.uscc,
        "town_code": e.town_code,
        "park": e.park,
        "address": e.address,
        "industry": e.industry,
        "industry_other": e.industry_other,
        "control_type": e.control_type.value,
        "grade": e.grade.value,
        "grade_raw": e.grade.value,
        "grade_local": False,
        "permit_no": e.permit_no,
        "lon": e.lon,
        "lat": e.lat,
        "coord_crs": None if e.lat is None else "wgs84",
        "so2_tpa": e.so2_tpa,
        "nox_tpa": e.nox_tpa,
        "pm_tpa": e.pm_tpa,
        "vocs_tpa": e.vocs_tpa,
        "base_capacity": e.base_capacity,
        "has_cems": e.has_cems,
        "has_power_monitoring": e.has_power_monitoring,
    }
    return ListRecord(
        fields,
        tuple(LineEntry(name) for name in e.lines),
        tuple(MeasureEntry(level, text) for level, text in e.measures),
    )


def load_demo_list(db: Database, actor: Actor, size: int = SIZE) -> int:
    """Publish the demo list as revision 1 in one transaction; return how many enterprises it holds."""
    records = [record_of(e) for e in generate(size)]
    with db.write() as s:
        if s.scalar(select(func.count()).select_from(Town)) == 0:
            raise RuntimeError("no towns: run `python -m dashboard db upgrade` first")
        revision = ListRevision(
            number=1,
            published_at=PUBLISHED_AT,
            published_by="seed",
            note=DEMO_NOTE,
            is_demo=True,
            kind="demo",
            counts={"enterprises": len(records), "new": len(records), "changed": 0, "removed": 0},
        )
        s.add(revision)
        s.flush()
        ids = write_records(s, records, {}, revision_id=revision.id, now=PUBLISHED_AT, is_demo=True)
        revision.snapshot = encode_snapshot(dict(zip(ids, records, strict=True)))
        record(
            s,
            actor,
            "list.publish",
            "list_revision",
            revision.id,
            after={"number": 1, "enterprises": len(records), "demo": True},
            reason=DEMO_NOTE,
        )
    return len(records)
