"""清单数据逻辑校验 on hand-written enterprises: each rule once failing, once passing (domain-model.md)."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.rules.listchecks import Severity, check
from dashboard.rules.listrecord import ListRecord, MeasureEntry, diff, normalized
from dashboard.rules.vocab import Level

Y, OR, R = Level.YELLOW, Level.ORANGE, Level.RED
TRUCKS = "停止使用国四及以下重型载货车辆（含燃气）进行运输"


def firm(
    y: str, o: str, r: str, *, grade: str = "B", industry: str = "铸造", control: str = "重点", **fields: Any
) -> ListRecord:
    base = {"name": "甲", "grade": grade, "industry": industry, "control_type": control, **fields}
    return ListRecord(base, (), (MeasureEntry(Y, y), MeasureEntry(OR, o), MeasureEntry(R, r)))


def rules(record: ListRecord) -> list[tuple[str, Severity]]:
    return [(f.rule, f.severity) for f in check(record)]


def test_a_guide_shaped_b_grade_enterprise_passes() -> None:
    # The cement-clinker B row of the 2020 guide (measures.md §2), word for word.
    assert (
        rules(firm(TRUCKS, f"限产20%（以三者日均值的最小值为基准核算）；{TRUCKS}", f"停产；{TRUCKS}")) == []
    )


@pytest.mark.parametrize(
    ("y", "o", "r"),
    [
        ("停产", "限产50%", "停产"),  # orange milder than yellow
        ("限产30%", "限产20%", "停产"),  # a smaller cut at a higher level
        (f"限产20%；{TRUCKS}", "限产20%", "停产"),  # the transport ban dropped at orange
        ("运输管控", "自主减排", "停产"),
    ],
)
def test_measures_must_not_ease_as_the_level_rises(y: str, o: str, r: str) -> None:
    found = check(firm(y, o, r))
    assert [(f.rule, f.severity, f.level) for f in found] == [("measure.order", Severity.ERROR, OR)]


def test_equal_measures_at_two_levels_and_a_stop_without_transport_words_are_fine() -> None:
    assert rules(firm("限产10%", "限产10%", "停产")) == []
    assert rules(firm(f"停产50%，以生产线计；{TRUCKS}", f"停产；{TRUCKS}", "停产")) == []


def test_guarantee_and_unclassified_measures_are_not_compared() -> None:
    assert rules(firm("以热定产，保障民生供热", "以热定产，保障民生供热", "以热定产", control="保障类")) == []
    found = rules(firm("按要求执行", "限产10%", "停产"))
    assert found == [("measure.unparsed", Severity.WARNING)]


def test_a_partly_read_measure_is_a_warning_naming_the_unread_words() -> None:
    found = check(firm("限产10%；加强巡查", "限产20%", "停产"))
    assert [(f.rule, f.params) for f in found] == [("measure.partial", {"clauses": "加强巡查"})]


def test_a_cut_over_100_percent() -> None:
    assert ("measure.percent", Severity.ERROR) in rules(firm("限产120%", "停产", "停产"))


def test_reductions_must_not_fall_as_the_level_rises() -> None:
    stated = {"so2": 0.5}
    record = ListRecord(
        {"name": "甲", "grade": "C", "industry": "铸造", "control_type": "重点", "so2_tpa": 365.0},
        (),
        (
            MeasureEntry(Y, "限产30%", None, {"so2": 0.6}),
            MeasureEntry(OR, "停产", None, stated),
            MeasureEntry(R, "停产", None, {"so2": 1.0}),
        ),
    )
    found = check(record)
    assert [(f.rule, f.level, f.pollutant) for f in found] == [("reduction.order", OR, "so2")]
    assert found[0].params["a"] == "0.6000" and found[0].params["b"] == "0.5000"


def test_a_daily_reduction_above_the_annual_emission_over_365() -> None:
    # 73 t/a is 0.2 t/d: stating 0.25 t/d at red is impossible; 0.2 is the most there is.
    def red(value: float) -> ListRecord:
        return ListRecord(
            {"name": "甲", "grade": "C", "industry": "铸造", "control_type": "重点", "pm_tpa": 73.0},
            (),
            (
                MeasureEntry(Y, "限产30%", None, {"pm": 0.06}),
                MeasureEntry(OR, "停产", None, {"pm": 0.2}),
                MeasureEntry(R, "停产", None, {"pm": value}),
            ),
        )

    assert [(f.rule, f.level) for f in check(red(0.25))] == [("reduction.exceeds", R)]
    assert check(red(0.2)) == []


def test_derived_reductions_follow_the_cut() -> None:
    rec = firm("限产20%", "限产50%", "停产", so2_tpa=365.0)
    assert rec.total_reduction(Y, "so2") == pytest.approx(0.2)
    assert rec.total_reduction(OR, "so2") == pytest.approx(0.5)
    assert rec.total_reduction(R, "so2") == pytest.approx(1.0)
    assert rec.total_reduction(R, "nox") is None  # no annual NOx given


@pytest.mark.parametrize("grade", ["A", "A+", "引领性"])
def test_a_and_leading_enterprises_carry_no_forced_cut(grade: str) -> None:
    assert rules(firm("鼓励结合实际，自主采取减排措施", "自主减排", "自主减排", grade=grade)) == []
    assert rules(firm("自主减排", "限产10%", "停产", grade=grade)) == [("grade.forced_cut", Severity.WARNING)]


def test_a_grade_d_enterprise_of_a_key_industry_stops_at_yellow_and_above() -> None:
    assert rules(firm("停产；停止公路运输", "停产；停止公路运输", "停产；停止公路运输", grade="D")) == []
    assert rules(firm("限产30%", "停产", "停产", grade="D")) == [("grade.d_not_stopped", Severity.WARNING)]
    # Outside the 39 industries the guide's pattern does not apply.
    assert rules(firm("限产30%", "停产", "停产", grade="D", industry="其他", control="一般")) == []


def test_per_line_measures_without_stated_reductions_cannot_be_derived() -> None:
    rec = ListRecord(
        {"name": "甲", "grade": "C", "industry": "玻璃", "control_type": "重点", "so2_tpa": 10.0},
        (),
        (
            MeasureEntry(Y, "限产10%", "1#窑"),
            MeasureEntry(OR, "限产20%", "1#窑"),
            MeasureEntry(R, "停产", "1#窑"),
        ),
    )
    assert rules(rec) == [("reduction.line_unknown", Severity.WARNING)]
    assert rec.total_reduction(R, "so2") is None


def test_a_stated_reduction_equal_to_the_derived_one_is_dropped_and_diff_sees_no_change() -> None:
    stated = ListRecord(
        {"name": "甲", "so2_tpa": 36.5}, (), (MeasureEntry(Y, "限产10%", None, {"so2": 36.5 / 365 * 0.1}),)
    )
    plain = ListRecord({"name": "甲", "so2_tpa": 36.5}, (), (MeasureEntry(Y, "限产10%"),))
    assert normalized(stated) == plain
    assert diff(plain, normalized(stated)) == []
    other = ListRecord(
        {"name": "甲", "so2_tpa": 36.5}, (), (MeasureEntry(Y, "限产10%", None, {"so2": 0.02}),)
    )
    assert diff(plain, normalized(other)) == [["reduction.yellow.so2", None, 0.02]]


def test_diff_names_each_changed_field_and_ignores_where_a_coordinate_came_from() -> None:
    a = firm("限产10%", "限产20%", "停产", lat=37.3, lon=117.2, coord_crs="wgs84", park=None)
    b = firm("限产10%", "限产30%", "停产", lat=37.3, lon=117.2, coord_crs="gcj02", park="")
    assert diff(a, b) == [["measure.orange", "限产20%", "限产30%"]]
    c = firm("限产10%", "限产20%", "停产", grade="C", lat=37.3, lon=117.2)
    assert diff(a, c, grades_only=True) == [["grade", "B", "C"]]
