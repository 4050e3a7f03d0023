"""Reading list headers as real files write them (shared/data/README.md, domain.md §3.2, cases.md 7)."""

from __future__ import annotations

import pytest

from dashboard.rules.listlayout import ColumnKey, HeaderError, column_letter, layout, norm, read_header
from dashboard.rules.vocab import Level

Y, OR, R = Level.YELLOW, Level.ORANGE, Level.RED


@pytest.mark.parametrize(
    ("top", "sub", "expected"),
    [
        ("企业名称", None, ColumnKey("name")),
        ("单位名称", None, ColumnKey("name")),
        ("企业（单位）名称", None, ColumnKey("name")),
        ("企业名称（新闻中的简称）", None, ColumnKey("name")),  # a remark in brackets
        ("统一社会信用代码", None, ColumnKey("uscc")),
        ("绩效等级", None, ColumnKey("grade")),
        ("绩效级别", None, ColumnKey("grade")),
        ("绩效分级", None, ColumnKey("grade")),
        ("地 市", None, ColumnKey("city")),  # a stray space, as 陕西's list has it
        ("重点行业 类别", None, ColumnKey("industry")),
        ("行业类别", None, ColumnKey("industry")),
        ("其他行业类型", None, ColumnKey("industry_other")),
        ("区县", None, ColumnKey("county")),
        ("乡镇（街道）", None, ColumnKey("town")),
        ("街乡镇", None, ColumnKey("town")),
        ("经度", None, ColumnKey("lon")),
        ("东经", None, ColumnKey("lon")),
        ("纬度（°）", None, ColumnKey("lat")),
        ("SO₂年排放量（吨/年）", None, ColumnKey("annual", pollutant="so2")),
        ("颗粒物排放量(t/a)", None, ColumnKey("annual", pollutant="pm")),
        ("VOCs排放量", None, ColumnKey("annual", pollutant="vocs")),
        ("黄色预警减排措施", None, ColumnKey("measure", Y)),
        ("黄色预警", None, ColumnKey("measure", Y)),
        ("Ⅲ级响应措施", None, ColumnKey("measure", Y)),
        ("Ⅱ级响应措施", None, ColumnKey("measure", OR)),
        ("Ⅰ级响应措施", None, ColumnKey("measure", R)),
        ("红色预警期间应急减排措施", None, ColumnKey("measure", R)),
        ("黄色预警SO2减排量(吨/日)", None, ColumnKey("reduction", Y, "so2")),
        ("橙色预警（Ⅱ级响应）", "NOx减排量（吨/日）", ColumnKey("reduction", OR, "nox")),
        ("橙色预警（Ⅱ级响应）", "减排措施", ColumnKey("measure", OR)),
        ("应急减排措施", "红色预警", ColumnKey("measure", R)),
        ("企业名称", "企业名称", ColumnKey("name")),  # merged down over both header rows
        ("基本信息", "统一社会信用代码", ColumnKey("uscc")),
        ("生产线名称", None, ColumnKey("line")),
        ("生产线描述", None, ColumnKey("lines")),
        ("是否已有用电监测系统", None, ColumnKey("power")),
    ],
)
def test_header_variants(top: str, sub: str | None, expected: ColumnKey) -> None:
    assert read_header(top, sub).key == expected


@pytest.mark.parametrize(
    "text", ["电力局总表编号", "大气排放口数量", "黄色预警关键性指标", "联系人", "备用生产线描述"]
)
def test_columns_hazeops_does_not_read_are_left_alone(text: str) -> None:
    reading = read_header(text)
    assert reading.key is None and reading.ambiguous is None


def test_blue_is_recognised_as_the_legacy_level_and_two_levels_in_one_cell_are_ambiguous() -> None:
    assert read_header("蓝色预警减排措施").legacy
    assert read_header("Ⅳ级响应措施").legacy
    assert read_header("橙色、红色预警措施").ambiguous == "levels"
    assert read_header("减排措施").ambiguous == "no_level"


def test_roman_numerals_do_not_swallow_each_other() -> None:
    assert norm("Ⅲ级") == "iii级"
    assert read_header("III级响应").key == ColumnKey("measure", Y)
    assert read_header("II级响应").key == ColumnKey("measure", OR)
    assert read_header("I级响应").key == ColumnKey("measure", R)


def _keys(lay) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {column_letter(c.index): c.key.key for c in lay.columns}


def test_a_title_row_and_notes_above_the_header_are_skipped() -> None:
    rows = [
        ["商河县重点行业应急减排清单（2026年版）", None, None],
        ["填报单位：演示", None, None],
        [],
        ["序号", "企业名称", "绩效等级", "黄色预警减排措施"],
        [1, "甲有限公司", "B", "停产"],
    ]
    lay = layout(rows)
    assert lay.header_rows == (3,) and lay.data_start == 4
    assert _keys(lay) == {"A": "seq", "B": "name", "C": "grade", "D": "measure.yellow"}


def test_red_orange_yellow_order_reads_each_level_by_its_name() -> None:
    rows = [
        ["企业名称", "乡镇", "红色预警", "橙色预警", "黄色预警"],
        ["甲", "殷巷镇", "停产", "限产30%", "限产10%"],
    ]
    assert _keys(layout(rows)) == {
        "A": "name",
        "B": "town",
        "C": "measure.red",
        "D": "measure.orange",
        "E": "measure.yellow",
    }


FLAT = [["企业名称", "乡镇", "黄色预警减排措施", "黄色预警SO2减排量", "红色预警减排措施"]]
# The same columns as a two-row header: levels merged over their sub-columns, base columns merged down.
TWO_ROWS = [
    ["企业名称", "乡镇", "黄色预警（Ⅲ级响应）", None, "红色预警（Ⅰ级响应）"],
    [None, None, "减排措施", "SO2减排量（吨/日）", "减排措施"],
]
MERGES = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3)]


def test_a_two_row_header_with_merged_cells_reads_like_the_flat_one() -> None:
    flat = layout([*FLAT, ["甲", "殷巷镇", "停产", 1.0, "停产"]])
    merged = layout([*TWO_ROWS, ["甲", "殷巷镇", "停产", 1.0, "停产"]], MERGES)
    assert [c.key for c in flat.columns] == [c.key for c in merged.columns]
    assert merged.header_rows == (0, 1) and merged.data_start == 2


def test_a_two_row_header_without_merge_information_reads_the_same() -> None:
    # A CSV of the same sheet: the level is written once, over blank cells that have sub-headers.
    lay = layout([*TWO_ROWS, ["甲", "殷巷镇", "停产", 1.0, "停产"]])
    assert [c.key.key for c in lay.columns] == [
        "name",
        "town",
        "measure.yellow",
        "reduction.yellow.so2",
        "measure.red",
    ]


def test_a_header_that_names_one_field_twice_is_refused_naming_the_rows_and_columns() -> None:
    with pytest.raises(HeaderError) as err:
        layout([["标题"], ["企业名称", "单位名称", "绩效等级", "黄色预警"], ["甲", "甲", "A", "停产"]])
    assert err.value.rule == "header.duplicate"
    assert err.value.params == {"rows": "2", "header": "单位名称", "first": "A", "second": "B"}


def test_a_measure_column_with_no_level_is_refused() -> None:
    with pytest.raises(HeaderError) as err:
        layout([["企业名称", "乡镇", "绩效等级", "减排措施"], ["甲", "殷巷镇", "A", "自主减排"]])
    assert err.value.rule == "header.ambiguous_no_level"
    assert err.value.params["column"] == "D"


def test_no_header_in_the_first_rows() -> None:
    with pytest.raises(HeaderError) as err:
        layout([["说明"], ["本表为演示"]])
    assert err.value.rule == "header.not_found"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
