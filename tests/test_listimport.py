"""List import: real published files, messy workbooks (cases.md 7–10), each check in a file, diff, publish,
restore, export → re-import, and nothing written by an import that fails or is abandoned."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from dashboard.errors import ConflictError, ValidationError
from dashboard.geo import distance_m
from dashboard.rules.listchecks import Severity
from dashboard.rules.vocab import Grade
from data_access import listexport, listimport
from data_access.audit import Actor
from data_access.db import Database
from data_access.listfile import ListFileError
from data_access.listrecords import load_records
from data_access.models import Enterprise
from tests.conftest import snapshot
from tests.listfiles import COL, HEADER, TRUCKS, code, csv_bytes, formatted_tail, row, xlsx

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
ADMIN = Actor(id=None, name="test-admin")
LIST_TABLES = ("enterprise", "production_line", "measure", "list_revision")


def analyse(
    db: Database, data: bytes, name: str = "清单.xlsx", mode: str = "replace", crs: str = "wgs84"
) -> Any:
    return listimport.analyse(db, data, name, mode, crs)


def found(result: Any, rule: str) -> list[tuple[int | None, str | None, Severity]]:
    return [(p.row, p.column, p.severity) for p in result.problems if p.rule == rule]


def list_tables(db: Database) -> dict[str, Any]:
    snap = snapshot(db)
    return {t: snap[t] for t in LIST_TABLES}


def publish(
    db: Database, data: bytes, name: str = "清单.xlsx", mode: str = "replace", note: str = "测试"
) -> int:
    import_id = listimport.create_upload(db, ADMIN, name, data, mode=mode)
    view = listimport.stage(db, ADMIN, import_id)
    assert view.status == "ready", view
    return listimport.publish(db, ADMIN, import_id, note)


# -- real published files -------------------------------------------------------------------------------


def test_chongqing_2024_batch_1_reads_five_grades_and_skips_its_footnote(db: Database) -> None:
    before = list_tables(db)
    result = analyse(
        db, (REAL / "grades_chongqing_2024_batch1.csv").read_bytes(), "grades_chongqing_2024_batch1.csv"
    )
    assert result.parsed.kind == "grades"
    assert [(r.name, r.record.fields["grade"]) for r in result.parsed.records] == [
        ("重庆京东方光电科技有限公司", "A"),
        ("重庆京东方显示技术有限公司", "A"),
        ("重庆宏声纸箱有限责任公司", "B"),
        ("重庆市乐缘复合包装制品有限责任公司", "B"),
        ("重庆市东鹏智能家居有限公司", "B"),
    ]
    assert result.parsed.sheets[0].footnotes == 1  # "※地方标准相关行业参照…" under the table
    # None of these firms is in 商河: five rows 未匹配, nothing created, nothing changed.
    # The name is the third column (序号, 区县, 企业名称): the warning points at it.
    assert found(result, "match.none") == [(r, "C", Severity.WARNING) for r in range(2, 7)]
    assert result.errors == []
    assert [s.change for s in result.staged] == ["unmatched"] * 5
    assert list_tables(db) == before


def test_shaanxi_2024_batch_4_reads_headers_with_stray_spaces_and_line_grades(db: Database) -> None:
    result = analyse(db, (REAL / "grades_shaanxi_2024_batch4_partial.csv").read_bytes(), "shaanxi.csv")
    assert result.parsed.kind == "grades"
    keys = [c[2] for c in result.parsed.sheets[0].columns]
    assert keys == ["seq", "name", "city", "industry", "grade"]  # 地 市, 重点行业 类别
    assert [(r.record.fields["grade"], r.record.fields["grade_raw"]) for r in result.parsed.records] == [
        ("A", "A级"),
        ("B", "B级"),
        ("B", "B级"),
        ("B", "B级"),
        ("引领性", "引领性 生产线"),
    ]
    assert len(found(result, "match.none")) == 5 and result.errors == []


def test_shandong_2020_names_from_news_read_with_a_remark_in_the_header(db: Database) -> None:
    result = analyse(db, (REAL / "grades_shandong_2020_named_in_news.csv").read_bytes(), "shandong.csv")
    assert [r.record.fields["grade"] for r in result.parsed.records] == ["A", "A", "A", "B", "B", "B"]
    assert [s.change for s in result.staged] == ["unmatched"] * 6


def test_a_grade_list_updates_grades_of_matched_enterprises_only(db: Database) -> None:
    with db.read() as s:
        listed = load_records(s, where=[Enterprise.in_list.is_(True)])
    (a_id, a), (b_id, b) = list(listed.items())[:2]
    new_a = "C" if a.fields["grade"] != "C" else "D"
    rows = [
        ["序号", "企业名称", "绩效等级"],
        [1, a.fields["name"].replace("（", "(").replace("）", ")"), new_a],  # half-width brackets still match
        [2, b.fields["name"], b.fields["grade"]],
        [3, "商河县不存在的演示企业（演示）", "A"],
    ]
    number = publish(db, csv_bytes(rows), "grades.csv")
    with db.read() as s:
        after = load_records(s, ids=[a_id, b_id])
        total = s.query(Enterprise).count()
    assert after[a_id].fields["grade"] == new_a and after[a_id].measures == a.measures
    assert after[b_id] == b
    assert total == len(listed)  # the unmatched row created nothing
    assert listimport.revisions(db)[0].number == number and listimport.revisions(db)[0].kind == "grades"


# -- cases.md 7–10 --------------------------------------------------------------------------------------


def _two_row_workbook(rows: list[list[Any]]) -> bytes:
    """The same list with a title row, base columns merged down and each level merged over its columns."""
    n_base = HEADER.index("黄色预警减排措施")
    top = [*HEADER[:n_base], "黄色预警（Ⅲ级响应）", "橙色预警（Ⅱ级响应）", "红色预警（Ⅰ级响应）", None]
    sub = [None] * n_base + ["减排措施", "减排措施", "减排措施", "SO2减排量（吨/日）"]
    merges = [f"{chr(65 + c)}2:{chr(65 + c)}3" for c in range(n_base)] + ["A1:P1", "O2:P2"]
    return xlsx(("清单", [["商河县应急减排清单（测试）"], top, sub, *rows], merges))


def test_case_7_a_merged_two_row_header_gives_the_same_records_as_a_flat_one(db: Database) -> None:
    rows = [row(1), row(2, red_so2=0.1), row(3, park="商河经济开发区")]
    flat = analyse(db, csv_bytes([HEADER, *rows]), "flat.csv")
    merged = analyse(db, _two_row_workbook(rows))
    assert merged.parsed.sheets[0].header_rows == [2, 3]
    assert [r.record for r in merged.parsed.records] == [r.record for r in flat.parsed.records]
    assert len(flat.parsed.records) == 3 and flat.errors == merged.errors == []


def test_case_7_an_ambiguous_header_is_refused_naming_its_rows(db: Database) -> None:
    top = ["企业名称", "乡镇", "行业类型", "绩效等级", "橙色、红色预警", "黄色预警"]
    result = analyse(db, xlsx(("清单", [["标题"], top, ["甲", "许商街道", "铸造", "B", "停产", "限产"]], [])))
    assert [(p.rule, p.params["rows"], p.column) for p in result.errors] == [
        ("header.ambiguous_levels", "2", "E")
    ]
    assert "第 2 行" in result.errors[0].message()


def test_case_8_codes_stay_text_and_numbers_read_through_spaces(db: Database) -> None:
    rows = [
        row(1, lon=" 117.15 ", lat=" 37.31 "),
        row(2, uscc=None),  # one blank code must not turn the column into numbers
        row(3, uscc=913701261234567890),  # Excel made a number of it
    ]
    result = analyse(db, xlsx(("清单", [HEADER, *rows], [])))
    first, second = result.parsed.records[0].record.fields, result.parsed.records[1].record.fields
    assert (first["lon"], first["lat"]) == (117.15, 37.31)
    assert first["uscc"] == code(1) and len(first["uscc"]) == 18
    assert second["uscc"] is None
    assert found(result, "uscc.numeric") == [(4, COL["uscc"], Severity.ERROR)]


def test_case_9_invisible_differences_do_not_make_new_enterprises_and_namesakes_in_two_towns_stay_two(
    db: Database,
) -> None:
    base = [row(1, uscc=None), row(2, uscc=None, town="殷巷镇")]
    base[1][HEADER.index("企业名称")] = base[0][HEADER.index("企业名称")]  # the same name in another town
    publish(db, csv_bytes([HEADER, *base]), "base.csv", mode="update")
    name = base[0][HEADER.index("企业名称")]
    spelled = [
        name.replace("（", "(").replace("）", ")"),
        "\u3000" + name + "\u00a0",
        name[:3] + "\u200b" + name[3:],
        name.replace("铸造", "铸造 "),
    ]
    changes = []
    for variant in spelled:
        again = [row(1, uscc=None, name=variant), base[1]]
        result = analyse(db, csv_bytes([HEADER, *again]), "again.csv", mode="update")
        first, second = result.staged
        assert first.enterprise_id is not None and first.change != "new", variant
        assert second.change == "unchanged"
        changes.append([c[0] for c in first.changes])
    # Bracket forms and inner spaces are kept as published (a name change to review); invisible edges are not.
    assert changes == [["name"], [], [], ["name"]]
    with db.read() as s:
        assert s.query(Enterprise).filter(Enterprise.name == name).count() == 2


def test_case_10_csv_export_has_a_bom_and_reimports_the_same_strings(db: Database) -> None:
    data, name = listexport.export(db, None, "csv", by="test")
    assert data.startswith(b"\xef\xbb\xbf") and name.endswith(".csv")
    result = analyse(db, data, name)
    assert result.errors == [] and {s.change for s in result.staged} == {"unchanged"}


def test_gbk_csv_and_a_utf8_csv_without_bom_read_the_same(db: Database) -> None:
    rows = [
        HEADER,
        row(1),
        row(2, name="商河县测试二号精细化工有限公司（演示）", industry="其他（化学原料和化学制品制造）"),
    ]
    records = [
        [r.record for r in analyse(db, csv_bytes(rows, enc), "x.csv").parsed.records]
        for enc in ("utf-8-sig", "utf-8", "gbk", "gb18030")
    ]
    assert records[0] == records[1] == records[2] == records[3]
    assert records[0][1].fields["industry_other"] == "化学原料和化学制品制造"


def test_title_footnotes_formatted_empty_cells_and_several_sheets(db: Database) -> None:
    sheet1 = [["商河县重污染天气应急减排清单"], HEADER, row(1), row(2), [], ["注：本表为测试数据。"]]
    sheet2 = [HEADER, row(3)]
    notes = [["填表说明"], ["请按模板填写"]]
    data = formatted_tail(
        xlsx(("第一部分", sheet1, ["A1:P1"]), ("说明", notes, []), ("第二部分", sheet2, []))
    )
    result = analyse(db, data)
    assert [r.name for r in result.parsed.records] == [row(n)[1] for n in (1, 2, 3)]
    reports = {s.name: s for s in result.parsed.sheets}
    assert reports["第一部分"].footnotes == 1 and reports["说明"].skipped == "header.not_found"
    assert result.errors == []


def test_hidden_sheets_are_not_read_and_say_so(db: Database) -> None:
    from openpyxl import load_workbook

    data = xlsx(("清单", [HEADER, row(1), row(2)], []), ("旧清单", [HEADER, row(3)], []))
    book = load_workbook(io.BytesIO(data))
    book["旧清单"].sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    result = analyse(db, out.getvalue())
    assert [r.name for r in result.parsed.records] == [row(1)[1], row(2)[1]]
    assert [(p.sheet, p.severity) for p in result.problems if p.rule == "sheet.hidden"] == [
        ("旧清单", Severity.WARNING)
    ]
    assert "旧清单" in next(p for p in result.problems if p.rule == "sheet.hidden").message()


def test_error_values_in_cells_are_errors_naming_the_cell_in_xlsx_and_csv(db: Database) -> None:
    # openpyxl stores "#N/A" as an error cell (t="e"), as Excel does for a failed formula.
    data = xlsx(("清单", [HEADER, row(1), row(2, pm="#N/A"), row(3, lon="#VALUE!")], []))
    result = analyse(db, data)
    assert found(result, "cell.spreadsheet_error") == [
        (3, COL["pm"], Severity.ERROR),
        (4, COL["lon"], Severity.ERROR),
    ]
    by_name = {r.name: r for r in result.parsed.records}
    assert by_name[row(2)[1]].blocked and by_name[row(3)[1]].blocked and not by_name[row(1)[1]].blocked
    result = analyse(db, csv_bytes([HEADER, row(1), row(2, so2="nan")]), "e.csv")
    assert found(result, "cell.spreadsheet_error") == [(3, COL["so2"], Severity.ERROR)]


def test_text_longer_than_the_database_keeps_is_an_error_before_publishing(db: Database) -> None:
    long_name = "商河县" + "很长的名字" * 30 + "有限公司"  # 157 characters; the column keeps 128
    result = analyse(db, csv_bytes([HEADER, row(1), row(2, name=long_name)]), "long.csv")
    assert found(result, "text.too_long") == [(3, COL["name"], Severity.ERROR)]
    problem = next(p for p in result.problems if p.rule == "text.too_long")
    assert "157" in problem.message() and "128" in problem.message()
    before = list_tables(db)
    data = csv_bytes([HEADER, row(1), row(2, name=long_name)])
    import_id = listimport.create_upload(db, ADMIN, "long.csv", data)
    assert listimport.stage(db, ADMIN, import_id).summary["errors"] == 1
    with pytest.raises(ValidationError):
        listimport.publish(db, ADMIN, import_id, "测试")
    assert list_tables(db) == before


def test_signature_lines_under_the_table_are_notes_not_enterprises(db: Database) -> None:
    rows = [HEADER, row(1), row(2), ["注：本表由县局填报"], ["填表人：张三", "2026-10-01"], ["审核人：李四"]]
    result = analyse(db, csv_bytes(rows), "signed.csv")
    assert [r.name for r in result.parsed.records] == [row(1)[1], row(2)[1]]
    assert result.parsed.sheets[0].footnotes == 3
    assert result.errors == []


def test_a_semicolon_separated_csv_reads_like_a_comma_separated_one(db: Database) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";").writerows([HEADER, row(1), row(2)])
    result = analyse(db, buf.getvalue().encode("utf-8-sig"), "semi.csv")
    comma = analyse(db, csv_bytes([HEADER, row(1), row(2)]), "comma.csv")
    assert [r.record for r in result.parsed.records] == [r.record for r in comma.parsed.records]
    assert result.errors == []


def test_a_county_list_with_one_row_per_line_and_merged_enterprise_cells(db: Database) -> None:
    header = [
        "企业名称",
        "统一社会信用代码",
        "乡镇",
        "行业类型",
        "绩效等级",
        "生产线名称",
        "红色预警",
        "橙色预警",
        "黄色预警",
    ]
    rows = [
        header,
        [
            "商河县测试玻璃制品有限公司（演示）",
            code(9),
            "玉皇庙镇",
            "玻璃",
            "C",
            "1#窑",
            "原料日投料量由960吨降低到768吨及以下",
            "原料日投料量由960吨降低到768吨及以下",
            "限产10%",
        ],
        [None, None, None, None, None, "2#窑", "停产", "停产", "限产20%"],
    ]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3"]
    result = analyse(db, xlsx(("清单", rows, merges)))
    assert len(result.parsed.records) == 1
    rec = result.parsed.records[0].record
    assert [ln.name for ln in rec.lines] == ["1#窑", "2#窑"]
    assert [(m.line, m.level.value, m.text) for m in rec.measures][:2] == [
        ("1#窑", "yellow", "限产10%"),
        ("1#窑", "orange", "原料日投料量由960吨降低到768吨及以下"),
    ]
    assert result.errors == []
    assert found(result, "reduction.line_unknown") == [(2, None, Severity.WARNING)]


def test_coordinates_declared_gcj02_are_stored_in_wgs84(db: Database) -> None:
    # 高德's own answer for a Beijing point (coordtransform's tests): GCJ-02 39.90874539, 116.39713623.
    rows = [HEADER, row(1, lon=116.39713623, lat=39.90874539)]
    result = analyse(db, csv_bytes(rows), "gcj.csv", crs="gcj02")
    f = result.parsed.records[0].record.fields
    assert distance_m(f["lat"], f["lon"], 39.90734, 116.39089) < 1.0
    assert f["coord_crs"] == "gcj02"
    assert found(result, "coords.outside") == [(2, COL["lat"], Severity.WARNING)]  # Beijing is not in 商河


# -- every check, one failing row (row 3) beside a passing one (row 2) -----------------------------------

D_STOP = "停产；停止公路运输"
CHECKS: list[tuple[str, dict[str, Any], str | None, Severity]] = [
    ("uscc.check", {"uscc": code(2)[:-1] + ("0" if code(2)[-1] != "0" else "1")}, "uscc", Severity.ERROR),
    ("uscc.length", {"uscc": "91370126MA123"}, "uscc", Severity.ERROR),
    ("uscc.duplicate", {"uscc": code(1)}, "uscc", Severity.ERROR),
    ("town.unknown", {"town": "济阳街道"}, "town", Severity.ERROR),
    ("town.is_park", {"town": "商河经济开发区"}, "town", Severity.ERROR),
    ("required", {"town": None}, "town", Severity.ERROR),
    ("required", {"industry": None}, "industry", Severity.ERROR),
    ("industry.unknown", {"industry": "无人机总装"}, "industry", Severity.WARNING),
    ("park.unknown", {"park": "玉皇庙工业园"}, "park", Severity.WARNING),
    ("control.unknown", {"control": "重要"}, "control", Severity.ERROR),
    ("control.derived", {"control": None}, "control", Severity.WARNING),
    ("control.conflict", {"control": "重点", "grade": "民生豁免-B"}, "control", Severity.WARNING),
    ("grade.unknown", {"grade": "E级"}, "grade", Severity.ERROR),
    ("number.invalid", {"so2": "约三吨"}, "so2", Severity.ERROR),
    ("number.negative", {"pm": -1}, "pm", Severity.ERROR),
    ("coords.swapped", {"lon": 37.3097, "lat": 117.1566}, "lat", Severity.WARNING),
    ("coords.invalid", {"lon": "东经一百一十七度"}, "lon", Severity.WARNING),
    ("coords.partial", {"lat": None}, "lon", Severity.WARNING),
    ("coords.missing", {"lon": None, "lat": None}, "lon", Severity.WARNING),
    ("coords.outside", {"lon": 117.7, "lat": 37.3}, "lat", Severity.WARNING),
    ("measure.missing", {"orange": None}, "orange", Severity.ERROR),
    ("measure.unparsed", {"yellow": "按要求执行"}, "yellow", Severity.WARNING),
    ("measure.partial", {"red": "停产；加强巡查"}, "red", Severity.WARNING),
    ("measure.order", {"red": "限产10%"}, "red", Severity.ERROR),
    ("measure.percent", {"red": "限产120%"}, "red", Severity.ERROR),
    ("reduction.exceeds", {"red_so2": 0.2}, "red_so2", Severity.ERROR),
    ("grade.forced_cut", {"grade": "A"}, "yellow", Severity.WARNING),  # the truck ban at yellow
    (
        "grade.d_not_stopped",
        {"grade": "D", "yellow": "限产50%", "orange": D_STOP, "red": D_STOP},
        "yellow",
        Severity.WARNING,
    ),
]


@pytest.mark.parametrize(
    ("rule", "changes", "column", "severity"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_each_check_names_its_excel_row_and_column(
    db: Database, rule: str, changes: dict[str, Any], column: str | None, severity: Severity
) -> None:
    result = analyse(db, xlsx(("清单", [HEADER, row(1), row(2, **changes)], [])))
    assert found(result, rule) == [(3, COL.get(column or ""), severity)]
    problem = next(p for p in result.problems if p.rule == rule)
    assert problem.message() != f"check.{rule}" and "{" not in problem.message()
    assert problem.message("en") != problem.message("zh")


def test_reductions_falling_as_the_level_rises_and_rows_of_one_enterprise_that_disagree(db: Database) -> None:
    header = [*HEADER, "橙色预警SO2减排量（吨/日）"]
    good = [*row(1, red_so2=0.1), 0.08]
    bad = [*row(2, red_so2=0.05), 0.08]
    result = analyse(db, csv_bytes([header, good, bad]), "r.csv")
    assert found(result, "reduction.order") == [(3, COL["red_so2"], Severity.ERROR)]
    header = [*HEADER, "生产线名称"]
    a = [*row(1), "1#线"]
    b = [*row(1, industry="制药"), "2#线"]
    result = analyse(db, csv_bytes([header, a, b]), "lines.csv")
    assert found(result, "rows.conflict") == [(3, COL["industry"], Severity.ERROR)]


def test_same_name_same_town_without_a_code_is_a_warning(db: Database) -> None:
    twin = row(1, uscc=None)
    result = analyse(db, csv_bytes([HEADER, twin, twin]), "twins.csv", mode="update")
    assert found(result, "name.duplicate") == [(3, COL["name"], Severity.WARNING)]
    assert [s.change for s in result.staged] == ["new", "new"]


def test_files_that_are_not_lists(db: Database) -> None:
    for data, name, rule in [
        (b"", "x.xlsx", "file.empty"),
        (b"PK\x03\x04 not really a zip", "x.xlsx", "file.unreadable"),
        (b"\x00\x01\x02", "x.pdf", "file.type"),
        (csv_bytes([["说明"], ["本表为空"]]), "x.csv", "header.not_found"),
        ("企业名称,乡镇\n".encode() + b"\xff\xfe\xfa", "x.csv", "file.encoding"),
    ]:
        with pytest.raises(ListFileError) as err:
            analyse(db, data, name)
        assert err.value.rule == rule
        assert err.value.message("zh") != f"check.{rule}"


def test_a_list_missing_a_required_column_names_it(db: Database) -> None:
    header = [h for h in HEADER if h != "红色预警减排措施"]
    cells = [v for h, v in zip(HEADER, row(1), strict=True) if h != "红色预警减排措施"]
    result = analyse(db, csv_bytes([header, cells]), "x.csv")
    assert [(p.rule, p.params["fields"]) for p in result.errors] == [("header.missing", "红色预警减排措施")]


# -- diff, publish, restore --------------------------------------------------------------------------------


def test_diff_publish_and_restore_round_trip(db: Database) -> None:
    with db.read() as s:
        original = load_records(s, where=[Enterprise.in_list.is_(True)])
    data, name = listexport.export(db, None, "xlsx", by="test")
    exported = analyse(db, data, name)
    assert exported.errors == [] and {s.change for s in exported.staged} == {"unchanged"}

    # Revision 2: one enterprise's orange measure changes, one leaves the list, one new enterprise joins.
    rows = [HEADER, row(1), row(2)]
    staged = analyse(db, csv_bytes(rows), "new.csv", mode="update")
    assert [s.change for s in staged.staged] == ["new", "new"]
    two = publish(db, csv_bytes(rows), "new.csv", mode="update")
    assert two == 2
    changed_rows = [HEADER, row(1, orange=f"限产30%；{TRUCKS}")]
    import_id = listimport.create_upload(db, ADMIN, "修订.csv", csv_bytes(changed_rows), mode="update")
    view = listimport.stage(db, ADMIN, import_id)
    assert (view.summary["new"], view.summary["changed"], view.summary["unchanged"]) == (0, 1, 0)
    rows_shown, total = listimport.record_rows(db, import_id)
    assert total == 1
    assert rows_shown[0].changes == [
        ["measure.orange", f"限产20%（以三者日均值的最小值为基准核算）；{TRUCKS}", f"限产30%；{TRUCKS}"]
    ]
    assert listimport.publish(db, ADMIN, import_id, "橙色措施加严") == 3
    with db.read() as s:
        now = load_records(s, where=[Enterprise.in_list.is_(True)])
    assert len(now) == len(original) + 2

    # Restoring revision 1 brings back exactly the first list; the two additions leave it (their ids stay).
    restore_id = listimport.stage_restore(db, ADMIN, 1)
    summary = listimport.get_import(db, restore_id).summary
    assert (summary["new"], summary["changed"], summary["removed"]) == (0, 0, 2)
    assert listimport.publish(db, ADMIN, restore_id, None) == 4
    with db.read() as s:
        restored = load_records(s, where=[Enterprise.in_list.is_(True)])
        kept = s.query(Enterprise).count()
    assert restored == original
    assert kept == len(original) + 2
    revs = listimport.revisions(db)
    assert [(r.number, r.kind, r.restored_from) for r in revs] == [
        (4, "restore", 1),
        (3, "full", None),
        (2, "full", None),
        (1, "demo", None),
    ]
    assert revs[0].counts == {"enterprises": len(original), "new": 0, "changed": 0, "removed": 2}


def test_publish_writes_one_audit_event_per_enterprise_and_one_for_the_revision(db: Database) -> None:
    from data_access.audit import AuditFilter, list_events

    publish(db, csv_bytes([HEADER, row(1), row(2)]), "two.csv", mode="update")
    events, total = list_events(db, AuditFilter(object="enterprise"), limit=10)
    assert total == 2 and {e.action for e in events} == {"enterprise.create"}
    rev, _ = list_events(db, AuditFilter(object="list_revision"), limit=10)
    assert rev[0].action == "list.publish" and rev[0].after["new"] == 2


def test_export_of_a_console_filter_reimports_with_an_empty_diff(db: Database) -> None:
    from dashboard.filters import parse_filter

    flt = parse_filter({"grade": ["C"], "level": ["red"], "category": ["stop"]})
    data, name = listexport.export(db, flt, "xlsx", by="test")
    result = analyse(db, data, name, mode="update")
    with db.read() as s:
        from data_access.enterprises import conditions

        expected = s.query(Enterprise).filter(*conditions(flt)).count()
    assert len(result.parsed.records) == expected > 0
    assert {s.change for s in result.staged} == {"unchanged"}


# -- nothing lost, nothing half-written ------------------------------------------------------------------


def test_an_import_with_errors_cannot_be_published_and_changes_nothing(db: Database) -> None:
    before = list_tables(db)
    import_id = listimport.create_upload(db, ADMIN, "bad.csv", csv_bytes([HEADER, row(1, town="济阳街道")]))
    view = listimport.stage(db, ADMIN, import_id)
    assert view.summary["errors"] == 1 and not view.can_publish
    with pytest.raises(ValidationError):
        listimport.publish(db, ADMIN, import_id, None)
    listimport.discard(db, ADMIN, import_id)
    assert list_tables(db) == before
    assert listimport.get_import(db, import_id).status == "discarded"


def test_an_unreadable_file_fails_its_import_and_changes_nothing(db: Database) -> None:
    before = list_tables(db)
    import_id = listimport.create_upload(db, ADMIN, "x.xlsx", b"PK\x03\x04 broken")
    view = listimport.stage(db, ADMIN, import_id)
    assert view.status == "failed" and view.failure == "check.file.unreadable"
    assert list_tables(db) == before


def test_a_publish_that_lost_the_race_changes_nothing_and_says_why(db: Database) -> None:
    first = listimport.create_upload(db, ADMIN, "a.csv", csv_bytes([HEADER, row(1)]), mode="update")
    second = listimport.create_upload(db, ADMIN, "b.csv", csv_bytes([HEADER, row(2)]), mode="update")
    listimport.stage(db, ADMIN, first)
    listimport.stage(db, ADMIN, second)
    listimport.publish(db, ADMIN, first, None)
    after_first = list_tables(db)
    assert listimport.get_import(db, second).stale
    with pytest.raises(ConflictError) as err:
        listimport.publish(db, ADMIN, second, None)
    assert err.value.key == "listimport.stale_base"
    assert list_tables(db) == after_first


def test_publishing_twice_is_refused(db: Database) -> None:
    import_id = listimport.create_upload(db, ADMIN, "a.csv", csv_bytes([HEADER, row(1)]), mode="update")
    listimport.stage(db, ADMIN, import_id)
    listimport.publish(db, ADMIN, import_id, None)
    with pytest.raises(ConflictError):
        listimport.publish(db, ADMIN, import_id, None)
    assert [r.number for r in listimport.revisions(db)] == [2, 1]


def test_a_list_identical_to_the_current_one_is_not_published(db: Database) -> None:
    data, name = listexport.export(db, None, "csv", by="test")
    import_id = listimport.create_upload(db, ADMIN, name, data)
    view = listimport.stage(db, ADMIN, import_id)
    assert view.changes == 0 and not view.can_publish
    with pytest.raises(ValidationError) as err:
        listimport.publish(db, ADMIN, import_id, None)
    assert err.value.key == "listimport.nothing"


def test_replace_mode_takes_enterprises_missing_from_the_file_off_the_list(db: Database) -> None:
    with db.read() as s:
        listed = s.query(Enterprise).filter(Enterprise.in_list.is_(True)).count()
    result = analyse(db, csv_bytes([HEADER, row(1)]), "only-one.csv", mode="replace")
    changes = [s.change for s in result.staged]
    assert changes.count("new") == 1 and changes.count("removed") == listed
    publish(db, csv_bytes([HEADER, row(1)]), "only-one.csv", mode="replace")
    with db.read() as s:
        assert s.query(Enterprise).filter(Enterprise.in_list.is_(True)).count() == 1
        assert s.query(Enterprise).count() == listed + 1  # nobody's row or id is deleted


def test_grade_values_round_trip_through_export(db: Database) -> None:
    rows = [
        HEADER,
        row(1, grade="民生豁免-B", control="豁免"),
        row(2, grade="地方A", yellow="自主减排", orange="自主减排", red="自主减排"),
    ]
    publish(db, csv_bytes(rows), "grades.csv", mode="update")
    data, name = listexport.export(db, None, "xlsx", by="test")
    result = analyse(db, data, name)
    assert {s.change for s in result.staged} == {"unchanged"}
    with db.read() as s:
        e = s.query(Enterprise).filter(Enterprise.uscc == code(2)).one()
    assert (e.grade, e.grade_raw, e.grade_local) == (Grade.A, "地方A", True)
