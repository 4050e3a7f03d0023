"""Cells of a list read into values, or refused with the rule that names why (cases.md 8, 9)."""

from __future__ import annotations

import pytest

from dashboard.geo import CRS
from dashboard.rules import listvalues as V
from dashboard.rules.industries import OTHER
from dashboard.rules.vocab import ControlType

TOWNS = V.Towns({"370126001": "许商街道", "370126101": "殷巷镇", "370126111": "沙河镇"})


def rule_of(func, value):  # type: ignore[no-untyped-def]
    with pytest.raises(V.CellError) as err:
        func(value)
    return err.value.rule


def test_text_keeps_the_published_form_and_drops_only_invisible_edges() -> None:
    assert V.text("  商河县甲化工有限公司（演示）\u3000") == "商河县甲化工有限公司（演示）"
    assert V.text("\u200b甲\u00a0") == "甲"
    assert V.text("停产；\r\n停止公路运输") == "停产；\n停止公路运输"
    for empty in (None, "", "  ", "-", "—", "／", "无", float("nan")):
        assert V.text(empty) is None


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (" 117.15 ", 117.15),
        ("1,234.5", 1234.5),
        ("3.2吨", 3.2),
        ("0.4 t/a", 0.4),
        (12, 12.0),
        ("", None),
        ("/", None),
    ],
)
def test_numbers(cell: object, value: float | None) -> None:
    assert V.number(cell) == value


@pytest.mark.parametrize("cell", ["#N/A", "#VALUE!", " #REF! ", "#DIV/0!", "nan", "NaN"])
def test_spreadsheet_errors_are_recognised_and_never_read_as_empty(cell: str) -> None:
    assert V.spreadsheet_error(cell) == cell.strip()
    assert V.text(cell) is not None


@pytest.mark.parametrize("cell", ["N/A", "-", "", "#1线", "nano", 3.0, None])
def test_ordinary_cells_are_not_spreadsheet_errors(cell: object) -> None:
    assert V.spreadsheet_error(cell) is None


def test_not_a_number_and_negative_amounts_are_errors() -> None:
    assert rule_of(V.number, "约三吨") == "number.invalid"
    assert rule_of(V.number, float("inf")) == "number.invalid"
    assert rule_of(V.amount, "-1") == "number.negative"


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (117.15, 117.15),
        (" 37.3 ", 37.3),
        ("117°15′", 117.25),
        ("117度15分36秒", 117.26),
        ("117°20′30″", 117 + 20 / 60 + 30 / 3600),  # prime and double prime (NFKC turns ″ into ′′)
        ("37°18'20\"", 37 + 18 / 60 + 20 / 3600),
        ("E117.25", 117.25),
        ("37.5N", 37.5),
        ("", None),
    ],
)
def test_degrees(cell: object, value: float | None) -> None:
    result = V.degrees(cell)
    assert result == pytest.approx(value) if value is not None else result is None


def test_a_coordinate_that_is_not_one_is_refused() -> None:
    assert rule_of(V.degrees, "东经一百一十七度") == "coords.invalid"


def test_uscc_keeps_all_18_characters_and_leading_zeros() -> None:
    code = "91350100M000100Y43"  # GB 32100-2015 example with a valid check character
    assert V.uscc(code) == code
    assert V.uscc(code.lower()) == code
    assert V.uscc("９１３５０１００Ｍ０００１００Ｙ４３") == code  # full-width digits and letters
    assert V.uscc("") is None


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        (913501001000100000, "uscc.numeric"),  # Excel made a number of it: digits are gone
        (9.135010010001e17, "uscc.numeric"),
        ("9.13501E+17", "uscc.numeric"),  # the same number, as a CSV saved by Excel writes it
        ("91350100M000100Y4", "uscc.length"),
        ("91350100M000100Y4O", "uscc.charset"),
        ("91350100M000100Y44", "uscc.check"),
    ],
)
def test_bad_codes(cell: object, rule: str) -> None:
    assert rule_of(V.uscc, cell) == rule


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("许商街道", "370126001"),
        (" 殷巷镇 ", "370126101"),
        ("殷巷", "370126101"),
        ("商河县沙河镇", "370126111"),
        ("370126111", "370126111"),
        ("", None),
    ],
)
def test_towns(cell: str, code: str | None) -> None:
    assert TOWNS.read(cell) == code


def test_unknown_town_and_a_park_in_the_town_column() -> None:
    assert rule_of(TOWNS.read, "济阳街道") == "town.unknown"
    assert rule_of(TOWNS.read, "商河经济开发区") == "town.is_park"


@pytest.mark.parametrize(
    ("cell", "control"),
    [
        ("重点", ControlType.KEY),
        ("一般管控", ControlType.GENERAL),
        ("民生保障类", ControlType.GUARANTEE),
        ("豁免", ControlType.EXEMPT),
        ("长期停产", ControlType.LONG_STOP),
        ("", None),
    ],
)
def test_control_types(cell: str, control: ControlType | None) -> None:
    assert V.control(cell) == control


def test_unknown_control_type() -> None:
    assert rule_of(V.control, "重要") == "control.unknown"


@pytest.mark.parametrize(
    ("cell", "other", "expected"),
    [
        ("制药", None, V.IndustryReading("制药", None, True)),
        ("家具", None, V.IndustryReading("家具制造", None, True)),
        ("工业涂装业", None, V.IndustryReading("工业涂装", None, True)),
        ("玻璃钢（纤维增强塑料制品）", None, V.IndustryReading("玻璃钢(纤维增强塑料制品)", None, True)),
        ("其他", "食品制造", V.IndustryReading(OTHER, "食品制造", True)),
        ("其他（金属制品）", None, V.IndustryReading(OTHER, "金属制品", True)),
        ("食品制造业", None, V.IndustryReading(OTHER, "食品制造业", True)),
        (None, "饲料加工", V.IndustryReading(OTHER, "饲料加工", True)),
        ("无人机总装", None, V.IndustryReading(OTHER, "无人机总装", False)),
    ],
)
def test_industries(cell: str | None, other: str | None, expected: V.IndustryReading) -> None:
    assert V.industry(cell, other) == expected


def test_a_sector_already_on_the_list_is_known() -> None:
    assert V.industry("无人机总装", None, ["无人机总装"]) == V.IndustryReading(OTHER, "无人机总装", True)


def test_parks() -> None:
    assert V.park("山东商河经济开发区") == ("商河经济开发区", True)
    assert V.park("商河生物医药化工产业园区") == ("生物医药化工产业园区", True)
    assert V.park("/") == (None, True)
    assert V.park("玉皇庙工业园") == ("玉皇庙工业园", False)


@pytest.mark.parametrize(
    ("cell", "value"), [("是", True), ("有", True), ("√", True), (2, True), ("否", False), ("", False)]
)
def test_yes_no(cell: object, value: bool) -> None:
    assert V.yes_no(cell) is value


def test_coordinate_systems() -> None:
    assert V.crs("WGS-84") is CRS.WGS84
    assert V.crs("CGCS2000") is CRS.WGS84
    assert V.crs("高德（GCJ-02）") is CRS.GCJ02
    assert V.crs("") is None
    assert rule_of(V.crs, "百度BD-09") == "crs.unsupported"
    assert rule_of(V.crs, "自定义") == "crs.unknown"
