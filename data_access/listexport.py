"""Export the list — whole, or exactly the console's filter — as .xlsx in the official layout, or CSV.

The layout: a title row, the base columns merged down over two header rows, each warning level merged over
its measure and daily-reduction columns, frozen header, readable widths. It is also what the importer
reads back: re-importing an export gives an empty diff. Headers are the official Chinese ones whatever
the user's language (the list is a government document); the texts come from the zh catalog.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import xlsxwriter
from sqlalchemy import select

from dashboard.filters import EnterpriseFilter
from dashboard.i18n import t
from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.listrecord import LEVELS, ListRecord
from dashboard.timeutil import format_local, utcnow
from data_access.db import Database
from data_access.enterprises import conditions
from data_access.listrecords import load_records
from data_access.models import Enterprise, ListRevision, Town

ProgressFn = Callable[[int, int], None]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key, width) of the base columns; the header text is t("export.col.<key>", "zh").
BASE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("seq", 6),
    ("name", 34),
    ("uscc", 21),
    ("county", 9),
    ("town", 11),
    ("park", 18),
    ("address", 24),
    ("industry", 14),
    ("industry_other", 18),
    ("control", 9),
    ("grade", 10),
    ("permit", 22),
    ("lon", 12),
    ("lat", 12),
    ("crs", 9),
    *((f"annual.{p}", 11) for p in POLLUTANTS),
    ("base", 20),
    ("lines", 18),
    ("line", 14),
    ("cems", 9),
    ("power", 11),
)
LEVEL_COLUMNS: tuple[tuple[str, int], ...] = (("measure", 44), *((f"reduction.{p}", 11) for p in POLLUTANTS))
COUNTY = "商河县"
LEVEL_FILL = {"yellow": "#FFE699", "orange": "#F8CBAD", "red": "#F4B6B6"}


def header(key: str) -> str:
    """The official header text of a base column."""
    return t(f"export.col.{key}", "zh")


def level_header(level: str) -> str:
    """The merged header over a level's columns."""
    return t(f"export.level.{level}", "zh")


def level_sub(key: str) -> str:
    """A sub-column under a level."""
    return t(f"export.sub.{key}", "zh")


def flat_headers() -> list[str]:
    """The one-row header of the CSV: base columns, then each level's columns named with the level."""
    out = [header(k) for k, _ in BASE_COLUMNS]
    for level in LEVELS:
        out += [t(f"export.level.short.{level.value}", "zh") + level_sub(k) for k, _ in LEVEL_COLUMNS]
    return out


def _yes(value: Any) -> str:
    return "是" if value else "否"


def rows_of(record: ListRecord, towns: dict[str, str], seq: int) -> Iterator[list[Any]]:
    """The rows of one enterprise: one for its whole-enterprise measures, one per line that has its own."""
    f = record.fields
    located = f.get("lat") is not None and f.get("lon") is not None
    lines_text = "；".join(ln.name for ln in record.lines) or None
    line_grade = {ln.name: ln.grade for ln in record.lines if ln.grade}
    for unit in record.units or [None]:
        grade = line_grade.get(unit) if unit else None
        base = [
            seq,
            f.get("name"),
            f.get("uscc"),
            COUNTY,
            towns.get(f.get("town_code") or "", f.get("town_code")),
            f.get("park"),
            f.get("address"),
            f.get("industry"),
            f.get("industry_other"),
            f.get("control_type"),
            grade or f.get("grade_raw") or f.get("grade"),
            f.get("permit_no"),
            f.get("lon") if located else None,
            f.get("lat") if located else None,
            "WGS-84" if located else None,  # what the numbers written here are in (stored WGS-84)
            *(f.get(f"{p}_tpa") for p in POLLUTANTS),
            f.get("base_capacity"),
            lines_text,
            unit,
            _yes(f.get("has_cems")),
            _yes(f.get("has_power_monitoring")),
        ]
        for level in LEVELS:
            m = record.measure(unit, level)
            # Only what the list states: a derived value written here would read back as stated, and stay
            # stuck to the old cut when someone edits the measure (derived values: the 推算 sheet).
            base += [m.text if m else None, *(m.stated.get(p) if m else None for p in POLLUTANTS)]
        yield base


def derived_rows(record: ListRecord, seq: int) -> list[Any]:
    """One enterprise's daily reductions per level and pollutant, as stated or derived."""
    f = record.fields
    out: list[Any] = [seq, f.get("name"), f.get("uscc")]
    for level in LEVELS:
        out += [record.total_reduction(level, p) for p in POLLUTANTS]
    return out


@dataclass(frozen=True)
class ExportMeta:
    """What the title and the notes sheet say about an export."""

    revision: int | None
    published_at: datetime | None
    filter_text: str | None
    count: int
    exported_at: datetime
    exported_by: str


def load(
    db: Database, flt: EnterpriseFilter | None
) -> tuple[dict[int, ListRecord], dict[str, str], int | None, datetime | None]:
    """The records of the published list under a filter (the console's own WHERE clause), and context."""
    with db.read() as s:
        where = [*conditions(flt or EnterpriseFilter()), Enterprise.in_list.is_(True)]
        records = load_records(s, where=where)
        towns = dict(s.execute(select(Town.code, Town.name)).all())
        rev = s.execute(
            select(ListRevision.number, ListRevision.published_at)
            .order_by(ListRevision.number.desc())
            .limit(1)
        ).first()
    return records, towns, (rev.number if rev else None), (rev.published_at if rev else None)


def title(meta: ExportMeta) -> str:
    """The title row."""
    text = t("export.title", "zh", county=COUNTY)
    if meta.revision:
        text += t(
            "export.title_revision", "zh", number=meta.revision, date=format_local(meta.published_at)[:10]
        )
    if meta.filter_text:
        text += t("export.title_filtered", "zh", filter=meta.filter_text)
    return text


def to_xlsx(
    records: dict[int, ListRecord],
    towns: dict[str, str],
    meta: ExportMeta,
    progress: ProgressFn | None = None,
) -> bytes:
    """The official layout as .xlsx bytes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(t("export.sheet", "zh"))
    fmt_title = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    fmt_head = book.add_format(
        {
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
            "bg_color": "#DDEBF7",
        }
    )
    fmt_head_top = book.add_format(
        {
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
            "bottom": 0,
            "bg_color": "#DDEBF7",
        }
    )
    fmt_head_bottom = book.add_format({"border": 1, "top": 0, "bg_color": "#DDEBF7"})
    fmt_level = {
        lv: book.add_format(
            {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "bg_color": c}
        )
        for lv, c in LEVEL_FILL.items()
    }
    fmt_text = book.add_format({"valign": "top", "text_wrap": True})
    fmt_code = book.add_format({"valign": "top", "num_format": "@"})
    fmt_num = book.add_format({"valign": "top"})
    n_base = len(BASE_COLUMNS)
    n_cols = n_base + len(LEVELS) * len(LEVEL_COLUMNS)
    sheet.merge_range(0, 0, 0, n_cols - 1, title(meta), fmt_title)
    sheet.set_row(0, 28)
    sheet.set_row(1, 22)
    sheet.set_row(2, 36)
    # constant_memory writes rows in order, so a base column's header cannot be merged down over both
    # header rows after row 1 is done: its row-2 cell is a blank of the same fill instead (it reads the same).
    for c, (key, width) in enumerate(BASE_COLUMNS):
        sheet.write_string(1, c, header(key), fmt_head_top)
        sheet.set_column(c, c, width, fmt_code if key in ("uscc", "permit") else None)
    for i, level in enumerate(LEVELS):
        first = n_base + i * len(LEVEL_COLUMNS)
        sheet.merge_range(
            1, first, 1, first + len(LEVEL_COLUMNS) - 1, level_header(level.value), fmt_level[level.value]
        )
    for c in range(n_base):
        sheet.write_blank(2, c, None, fmt_head_bottom)
    for i, _level in enumerate(LEVELS):
        first = n_base + i * len(LEVEL_COLUMNS)
        for j, (key, width) in enumerate(LEVEL_COLUMNS):
            sheet.write_string(2, first + j, level_sub(key), fmt_head)
            sheet.set_column(first + j, first + j, width)
    sheet.freeze_panes(3, 2)
    row = 3
    total = len(records)
    for seq, rec in enumerate(records.values(), start=1):
        for values in rows_of(rec, towns, seq):
            for c, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_string(row, c, _yes(value))
                elif isinstance(value, int | float):
                    sheet.write_number(row, c, value, fmt_num)
                else:
                    sheet.write_string(row, c, str(value), fmt_text if len(str(value)) > 12 else None)
            row += 1
        if progress and seq % 1000 == 0:
            progress(seq, total)
    derived = book.add_worksheet(t("export.derived_sheet", "zh"))
    derived.write_string(0, 0, t("export.derived_title", "zh"), fmt_title)
    heads = [header("seq"), header("name"), header("uscc")] + [
        t(
            "export.derived_col",
            "zh",
            level=t(f"export.level.short.{lv.value}", "zh"),
            pollutant=t(f"pollutant.{p}", "zh"),
        )
        for lv in LEVELS
        for p in POLLUTANTS
    ]
    for c, text in enumerate(heads):
        derived.write_string(1, c, text, fmt_head)
        derived.set_column(c, c, 34 if c == 1 else (21 if c == 2 else 13))
    derived.freeze_panes(2, 2)
    for r, (seq, rec) in enumerate(enumerate(records.values(), start=1), start=2):
        for c, value in enumerate(derived_rows(rec, seq)):
            if isinstance(value, int | float):
                derived.write_number(r, c, value, fmt_num)
            elif value is not None:
                derived.write_string(r, c, str(value))
    notes = book.add_worksheet(t("export.notes_sheet", "zh"))
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 80)
    for r, (k, v) in enumerate(_notes(meta)):
        notes.write_string(r, 0, k)
        notes.write_string(r, 1, v)
    book.close()
    if progress:
        progress(total, total)
    return out.getvalue()


def _notes(meta: ExportMeta) -> list[tuple[str, str]]:
    return [
        (t("export.note.revision", "zh"), str(meta.revision or "—")),
        (t("export.note.published", "zh"), format_local(meta.published_at)),
        (t("export.note.filter", "zh"), meta.filter_text or t("export.note.all", "zh")),
        (t("export.note.count", "zh"), str(meta.count)),
        (
            t("export.note.exported", "zh"),
            f"{format_local(meta.exported_at, seconds=True)}（{meta.exported_by}）",
        ),
        (t("export.note.reduction", "zh"), t("export.note.reduction_text", "zh")),
        (t("export.note.crs", "zh"), t("export.note.crs_text", "zh")),
    ]


def to_csv(
    records: dict[int, ListRecord], towns: dict[str, str], progress: ProgressFn | None = None
) -> bytes:
    """The list as CSV: UTF-8 with BOM (Excel opens it right), one flat header row."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(flat_headers())
    total = len(records)
    for seq, rec in enumerate(records.values(), start=1):
        for values in rows_of(rec, towns, seq):
            w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in values])
        if progress and seq % 1000 == 0:
            progress(seq, total)
    if progress:
        progress(total, total)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export(
    db: Database,
    flt: EnterpriseFilter | None,
    fmt: str,
    *,
    by: str,
    filter_text: str | None = None,
    progress: ProgressFn | None = None,
) -> tuple[bytes, str]:
    """The export's bytes and file name (`xlsx` or `csv`)."""
    records, towns, number, published = load(db, flt)
    now = utcnow()
    meta = ExportMeta(number, published, filter_text, len(records), now, by)
    stamp = format_local(now).replace("-", "").replace(":", "").replace(" ", "-")
    name = t("export.file", "zh", county=COUNTY, stamp=stamp)
    if fmt == "csv":
        return to_csv(records, towns, progress), name + ".csv"
    return to_xlsx(records, towns, meta, progress), name + ".xlsx"


def template() -> tuple[bytes, str]:
    """The official layout with no rows: a form to fill in."""
    meta = ExportMeta(None, None, None, 0, utcnow(), "")
    return to_xlsx({}, {}, meta), t("export.template_file", "zh") + ".xlsx"


def problems_xlsx(rows: list[dict[str, Any]], lang: str | None) -> bytes:
    """An import's problems as a workbook in the user's language (sheet, row, column, rule, message)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet(t("list.problems_sheet", lang))
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    keys = ("severity_label", "sheet", "row", "column", "header", "rule", "message")
    widths = (8, 14, 7, 6, 22, 20, 80)
    for c, (key, width) in enumerate(zip(keys, widths, strict=True)):
        sheet.write_string(0, c, t(f"list.xlsx.{key}", lang), bold)
        sheet.set_column(c, c, width)
    for r, row in enumerate(rows, start=1):
        for c, key in enumerate(keys):
            value = row.get(key)
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(keys) - 1)
    book.close()
    return out.getvalue()


def notification_file(
    items: list[Any], level: Any, fmt: str, *, doc_no: str | None, by: str
) -> tuple[bytes, str]:
    """The notification list (告知清单) at a level: who, where, what they must do, what is checked."""
    from dashboard.cards import indicator

    heads = [
        t(f"notify.col.{k}", "zh")
        for k in (
            "seq",
            "name",
            "uscc",
            "town",
            "industry",
            "grade",
            "control",
            "category",
            "measure",
            "indicator",
        )
    ]
    rows = [
        [
            i,
            o.name,
            o.uscc,
            o.town,
            o.industry,
            o.grade,
            o.control_type,
            t(f"category.{o.category or 'unclassified'}", "zh"),
            "；".join(f"{line}：{text}" if line else text for line, text in o.measures),
            indicator(o.actions, o.base_capacity),
        ]
        for i, o in enumerate(items, start=1)
    ]
    level_text = t(f"export.level.{level.value}", "zh")
    name = t(
        "notify.file",
        "zh",
        county=COUNTY,
        level=t(f"level.short.{level.value}", "zh"),
        stamp=format_local(utcnow()).replace("-", "").replace(":", "").replace(" ", "-"),
    )
    if fmt == "csv":
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(heads)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), name + ".csv"
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet(t("notify.sheet", "zh"))
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format(
        {"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True, "align": "center"}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.merge_range(
        0,
        0,
        0,
        len(heads) - 1,
        t("notify.title", "zh", county=COUNTY, level=level_text) + (f"（{doc_no}）" if doc_no else ""),
        title,
    )
    widths = (6, 34, 21, 11, 14, 8, 9, 10, 50, 30)
    for c, (text, width) in enumerate(zip(heads, widths, strict=True)):
        sheet.write_string(1, c, text, head)
        sheet.set_column(c, c, width)
    sheet.freeze_panes(2, 2)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value), wrap if c >= 8 else None)
    sheet.write_string(len(rows) + 3, 0, t("notify.footer", "zh", at=format_local(utcnow()), by=by))
    book.close()
    return out.getvalue(), name + ".xlsx"
