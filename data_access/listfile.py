"""Read an emission-reduction list file (.xlsx/.xls/.ods/.csv) into records and problems.

No database here: the caller passes the county's towns and the sector names already on the list. The
file is read once, streaming: python-calamine for workbooks (it also gives merged header cells), the csv
module for text files in UTF-8 (with or without BOM) or GBK/GB18030. Every problem names its sheet,
Excel row, column and rule; nothing is guessed and nothing is dropped without a note.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from dashboard.geo import CRS, gcj02_to_wgs84
from dashboard.i18n import t
from dashboard.rules import listlayout as L
from dashboard.rules import listvalues as V
from dashboard.rules.grades import read_grade
from dashboard.rules.industries import is_key_industry
from dashboard.rules.listchecks import Finding, Severity, check
from dashboard.rules.listlayout import POLLUTANTS, Column, HeaderError, Layout, column_letter
from dashboard.rules.listrecord import (
    FIELDS,
    GRADE_FIELDS,
    LEVELS,
    LineEntry,
    ListRecord,
    MeasureEntry,
    normalized,
)
from dashboard.rules.names import match_key
from dashboard.rules.vocab import ControlType, Grade, Level
from data_access.county import outline
from data_access.models import Enterprise, ProductionLine

ProgressFn = Callable[[int, int], None]


class ListFileError(Exception):
    """The file cannot be read at all (not a workbook or CSV, no sheet with a list header)."""

    def __init__(self, rule: str, **params: object) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params

    def message(self, lang: str | None = "zh") -> str:
        """The reason in the given language."""
        return t(f"check.{self.rule}", lang, **self.params)


# -- reading sheets -------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet: its rows from the first row of the sheet (cells at their absolute column index)."""

    name: str
    rows: Iterator[list[Any]]
    merged: list[tuple[int, int, int, int]]
    height: int
    hidden: bool = False  # hidden in the workbook: an old copy or a scratch table, never read as the list


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".txt")


NO_ERRORS: dict[int, dict[int, str]] = {}


def _workbook_sheets(data: bytes) -> list[Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise ListFileError("file.unreadable", reason=str(exc)[:120]) from exc
    sheets: list[Sheet] = []
    errors = _xlsx_error_cells(data) if data[:4] == b"PK\x03\x04" else {}
    for meta in book.sheets_metadata:
        if str(meta.typ).endswith("WorkSheet") is False:
            continue
        hidden = not str(meta.visible).endswith("Visible")
        sheet = book.get_sheet_by_name(meta.name)
        start = sheet.start
        offset = start[1] if start else 0
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]

        def rows(
            s: Any = sheet, pad: int = offset, bad: dict[int, dict[int, str]] = NO_ERRORS
        ) -> Iterator[list[Any]]:
            lead = [None] * pad
            for r, row in enumerate(s.iter_rows()):
                cells = lead + row if pad else row
                if r in bad:  # python-calamine reads error cells as "": put back what Excel showed
                    cells = list(cells)
                    for c, value in bad[r].items():
                        if c < len(cells):
                            cells[c] = value
                yield cells

        height = (sheet.end[0] + 1) if sheet.end else 0
        sheets.append(Sheet(meta.name, rows(bad=errors.get(meta.name, NO_ERRORS)), merged, height, hidden))
    return sheets


_ERROR_CELL = re.compile(rb'<c\b([^>]*?)\bt="e"([^>]*)>(.*?)</c>', re.DOTALL)
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _xlsx_error_cells(data: bytes) -> dict[str, dict[int, dict[int, str]]]:
    """Error cells (#N/A, #VALUE! …) of an .xlsx by sheet name → row → column (0-based), read from its XML.

    python-calamine gives an error cell as "" (python-calamine issue #105), which would make a failed
    formula look like an empty cell; the worksheet XML marks them t="e". Sheets without one cost a scan.
    """
    out: dict[str, dict[int, dict[int, str]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            targets = _sheet_targets(z)
            for name, target in targets.items():
                if not _contains(z, target, b't="e"'):
                    continue
                xml = z.read(target)
                found: dict[int, dict[int, str]] = {}
                for m in _ERROR_CELL.finditer(xml):
                    ref = _CELL_REF.search(m.group(1) + b" " + m.group(2))
                    value = _CELL_VALUE.search(m.group(3))
                    if ref is None:
                        continue
                    col = _column_index(ref.group(1).decode())
                    row = int(ref.group(2)) - 1
                    found.setdefault(row, {})[col] = value.group(1).decode() if value else "#N/A"
                if found:
                    out[name] = found
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError):
        return {}  # not an .xlsx package calamine could still read (.ods): nothing to add
    return out


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")


def _attr(attrs: bytes, name: bytes) -> str | None:
    m = re.search(rb"(?:^|\s)(?:\w+:)?" + name + rb'="([^"]*)"', attrs)
    return html.unescape(m.group(1).decode("utf-8")) if m else None


def _sheet_targets(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet XML path inside an .xlsx package (read by pattern: no XML parser on uploads)."""
    by_id = {
        _attr(m.group(1), b"Id"): _attr(m.group(1), b"Target")
        for m in _REL_TAG.finditer(z.read("xl/_rels/workbook.xml.rels"))
    }
    out = {}
    for m in _SHEET_TAG.finditer(z.read("xl/workbook.xml")):
        name, target = _attr(m.group(1), b"name"), by_id.get(_attr(m.group(1), b"id"))
        if name is not None and target:
            out[name] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def _contains(z: zipfile.ZipFile, member: str, needle: bytes, chunk: int = 1 << 22) -> bool:
    """Whether a (possibly large) member holds needle, reading it in chunks."""
    tail = b""
    with z.open(member) as f:
        while block := f.read(chunk):
            if needle in tail + block[: len(needle)] or needle in block:
                return True
            tail = block[-len(needle) :]
    return False


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 (BOM or not), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ListFileError("file.encoding")


def _csv_sheets(data: bytes, name: str) -> list[Sheet]:
    content, _ = decode_text(data)
    delimiter = _delimiter(content)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    height = content.count("\n") + 1
    return [Sheet(PurePath(name).stem or "CSV", (list(r) for r in reader), [], height)]


def _delimiter(content: str) -> str:
    """The delimiter under which the first lines hold a list header: comma, tab, or semicolon."""
    head = content[:65536].splitlines()[: L.SCAN_ROWS]
    for delimiter in (",", "\t", ";"):
        if L.find_header_row(list(csv.reader(head, delimiter=delimiter))) is not None:
            return delimiter
    return ","


def read_sheets(data: bytes, file_name: str) -> list[Sheet]:
    """The sheets of a list file, by its content (the name's suffix only breaks ties)."""
    if not data:
        raise ListFileError("file.empty")
    suffix = PurePath(file_name).suffix.lower()
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _workbook_sheets(data)
    if suffix in WORKBOOK_SUFFIXES:
        raise ListFileError("file.unreadable", reason=suffix)
    if suffix in TEXT_SUFFIXES or suffix == "":
        return _csv_sheets(data, file_name)
    raise ListFileError("file.type", suffix=suffix or "?")


# -- problems -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem of an import: where (sheet, Excel row, column), which rule, how bad, message values."""

    severity: Severity
    rule: str
    sheet: str | None = None
    row: int | None = None  # Excel row, 1-based
    column: str | None = None  # Excel column letter
    header: str | None = None  # the column's header as the file shows it
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = "zh") -> str:
        """The message in a language (default Chinese), with level and pollutant names spelled out."""
        return problem_message(self.rule, self.params, lang)

    def to_json(self, lang: str | None = "zh") -> dict[str, Any]:
        """What `list import --json` prints for a problem."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message(lang),
        }


_NAMED = {
    "level": "level.short.",
    "lower": "level.short.",
    "higher": "level.short.",
    "pollutant": "pollutant.",
}


def problem_message(rule: str, params: dict[str, Any], lang: str | None = "zh") -> str:
    """Render a rule's message: codes such as levels and pollutants become words of the language."""
    shown = {k: (t(_NAMED[k] + str(v), lang) if k in _NAMED and v else v) for k, v in params.items()}
    return t(f"check.{rule}", lang, **shown)


# -- parsed rows and the result -------------------------------------------------------------------------


@dataclass
class Incoming:
    """One enterprise (full list) or one grade row (grade list) as read, with where it came from."""

    sheet: str
    rows: list[int]  # Excel rows
    record: ListRecord
    blocked: bool = False  # an error in one of its rows: it is shown, and publishing waits for a fix
    unit_rows: dict[str | None, int] = field(default_factory=dict)  # line (None: whole firm) → Excel row

    @property
    def name(self) -> str:
        """The enterprise name as published."""
        return str(self.record.fields.get("name") or "")


@dataclass
class SheetReport:
    """What was read from one sheet."""

    name: str
    header_rows: list[int] = field(default_factory=list)  # Excel rows
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # (letter, header, key)
    ignored: list[str] = field(default_factory=list)
    rows: int = 0
    footnotes: int = 0
    skipped: str | None = None  # why the sheet was not read (no list header)


class HasProblems:
    """Errors and warnings of something that carries `problems`."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """Problems that block publishing."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems shown for review."""
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass
class ParsedList(HasProblems):
    """Everything one file gave: its kind, records, problems and a report per sheet."""

    kind: str  # "full" (an emission-reduction list) or "grades" (a published grade list)
    records: list[Incoming]
    problems: list[Problem]
    sheets: list[SheetReport]

    @property
    def rows(self) -> int:
        """Data rows read over all sheets."""
        return sum(s.rows for s in self.sheets)

    def column(self, sheet: str, key: str) -> tuple[str | None, str | None]:
        """(letter, header) of the column a sheet reads `key` from, or (None, None)."""
        for report in self.sheets:
            if report.name == sheet:
                for letter, header, k in report.columns:
                    if k == key:
                        return letter, header
        return None, None


@dataclass(frozen=True)
class ParseOptions:
    """What the importer needs besides the file: the county's towns, known sectors, the coordinates' CRS."""

    towns: V.Towns
    known_sectors: frozenset[str] = frozenset()
    crs: CRS = CRS.WGS84  # what coordinates without a 坐标系 column are in
    outline_tolerance_m: float = 1000.0  # the outline is simplified: farther than this outside is flagged


# Text fields with a length limit in the database: (record field, layout column key). The limits are the
# columns' own, so a list that would not fit is refused at the check, never half-way through publishing.
_TEXT_COLUMNS = (
    ("name", "name"),
    ("address", "address"),
    ("permit_no", "permit"),
    ("base_capacity", "base"),
    ("park", "park"),
    ("industry", "industry"),
    ("industry_other", "industry_other"),
    ("grade_raw", "grade"),
)
_LIMITS: dict[str, int] = {
    **{key: Enterprise.__table__.c[field].type.length for field, key in _TEXT_COLUMNS},
    "line": ProductionLine.__table__.c["name"].type.length,
    "lines": ProductionLine.__table__.c["name"].type.length,
}

FULL_REQUIRED = (L.NAME, L.TOWN, L.INDUSTRY, L.GRADE)
GRADES_REQUIRED = (L.NAME, L.GRADE)
BLANK_STREAK_LIMIT = 500  # formatted but empty rows at the end of a sheet: stop reading after this many
PROGRESS_EVERY = 2000
_LINE_SPLIT = re.compile(r"[；;\n、]+")
GRADE_RANK = {
    Grade.A_PLUS: 0,
    Grade.A: 1,
    Grade.LEADING: 1,
    Grade.B: 2,
    Grade.B_MINUS: 3,
    Grade.C: 4,
    Grade.NON_LEADING: 4,
    Grade.D: 5,
}


@dataclass
class _Row:
    """One data row read into fields, before rows are grouped into enterprises."""

    sheet: str
    row: int
    fields: dict[str, Any]
    line: str | None
    lines: list[str]
    measures: dict[Level, str]
    stated: dict[Level, dict[str, float | None]]
    grade_per_line: bool
    failed: bool


class _Reader:
    """Reads the data rows of one sheet with its layout, collecting problems."""

    def __init__(
        self, sheet: str, layout: Layout, kind: str, options: ParseOptions, problems: list[Problem]
    ) -> None:
        self.sheet = sheet
        self.layout = layout
        self.kind = kind
        self.options = options
        self.problems = problems
        self.cols = layout.by_key()
        self.name_col = self.cols["name"]
        self.header_name = L.norm(self.name_col.header)
        self._had_errors = False

    def problem(
        self, severity: Severity, rule: str, row: int | None, col: Column | None, **params: Any
    ) -> None:
        self.problems.append(
            Problem(
                severity,
                rule,
                self.sheet,
                row,
                column_letter(col.index) if col else None,
                col.header if col else None,
                params,
            )
        )

    def cell(self, cells: Sequence[Any], key: str) -> Any:
        col = self.cols.get(key)
        if col is None or col.index >= len(cells):
            return None
        return cells[col.index]

    def read(self, cells: Sequence[Any], row: int) -> _Row | None:
        """One data row → _Row (None for an empty row)."""
        failed = False

        def get(key: str, parse: Callable[[Any], Any]) -> Any:
            nonlocal failed
            value = self.cell(cells, key)
            try:
                return parse(value)
            except V.CellError as exc:
                failed = True
                self.problem(Severity.ERROR, exc.rule, row, self.cols[key], **exc.params)
                return None

        cells = self._errors_cleared(cells, row)
        failed = self._had_errors
        name = V.text(self.cell(cells, "name"))
        if name is None:
            return None  # the name itself was an error value, already reported
        f: dict[str, Any] = {"name": name}
        uscc = get("uscc", V.uscc) if "uscc" in self.cols else None
        town = get("town", self.options.towns.read) if "town" in self.cols else None
        f["uscc"] = uscc
        f["town_code"] = town
        grade_raw = V.text(self.cell(cells, "grade"))
        grading = read_grade(grade_raw)
        if grading is None:
            failed = True
            self.problem(Severity.ERROR, "grade.unknown", row, self.cols["grade"], value=grade_raw)
        per_line = bool(grading and grading.per_line)
        f["grade"] = grading.grade.value if grading else None
        f["grade_raw"] = grade_raw
        f["grade_local"] = bool(grading and grading.local_standard)
        if self.kind == "grades":
            failed = self._too_long(f, None, [], row) or failed
            return _Row(self.sheet, row, f, None, [], {}, {}, per_line, failed)

        if "town" in self.cols and town is None and not failed:
            failed = True
            self.problem(Severity.ERROR, "required", row, self.cols["town"], field=self.cols["town"].header)
        industry = None
        try:
            industry = V.industry(
                self.cell(cells, "industry"), self.cell(cells, "industry_other"), self.options.known_sectors
            )
        except V.CellError as exc:  # pragma: no cover - industry() raises none today
            self.problem(Severity.ERROR, exc.rule, row, self.cols["industry"], **exc.params)
        if industry is None:
            failed = True
            self.problem(
                Severity.ERROR, "required", row, self.cols["industry"], field=self.cols["industry"].header
            )
        elif not industry.known:
            self.problem(
                Severity.WARNING, "industry.unknown", row, self.cols["industry"], value=industry.other or ""
            )
        f["industry"] = industry.industry if industry else None
        f["industry_other"] = industry.other if industry else None
        implied = grading.control if grading else None
        control: ControlType | None
        if V.text(self.cell(cells, "control")) is not None:
            control = get("control", V.control)
            if control is not None and implied is not None and implied is not control:
                self.problem(
                    Severity.WARNING,
                    "control.conflict",
                    row,
                    self.cols["control"],
                    value=control.value,
                    grade=grade_raw,
                )
        else:
            # No control type given: the grade cell's prefix says it (民生豁免-B), else the industry does.
            control = implied or (
                ControlType.KEY if is_key_industry(f["industry"] or "") else ControlType.GENERAL
            )
            if "control" in self.cols:
                self.problem(
                    Severity.WARNING, "control.derived", row, self.cols["control"], value=control.value
                )
        f["control_type"] = control.value if control else None
        parked, known_park = V.park(self.cell(cells, "park")) if "park" in self.cols else (None, True)
        if not known_park:
            self.problem(Severity.WARNING, "park.unknown", row, self.cols["park"], value=parked)
        f["park"] = parked
        f["address"] = V.text(self.cell(cells, "address"))
        f["permit_no"] = V.text(self.cell(cells, "permit"))
        f["base_capacity"] = V.text(self.cell(cells, "base"))
        for p in POLLUTANTS:
            f[f"{p}_tpa"] = get(f"annual.{p}", V.amount) if f"annual.{p}" in self.cols else None
        f["has_cems"] = bool(get("cems", V.yes_no)) if "cems" in self.cols else False
        f["has_power_monitoring"] = bool(get("power", V.yes_no)) if "power" in self.cols else False
        f.update(self._coords(cells, row))
        measures: dict[Level, str] = {}
        stated: dict[Level, dict[str, float | None]] = {}
        for level in LEVELS:
            col = self.cols.get(f"measure.{level.value}")
            text = V.text(self.cell(cells, f"measure.{level.value}"))
            if text is None:
                failed = True
                self.problem(Severity.ERROR, "measure.missing", row, col, level=level.value)
            else:
                measures[level] = text
            stated[level] = {
                p: get(f"reduction.{level.value}.{p}", V.amount)
                if f"reduction.{level.value}.{p}" in self.cols
                else None
                for p in POLLUTANTS
            }
        line = V.text(self.cell(cells, "line"))
        lines = [s.strip() for s in _LINE_SPLIT.split(V.text(self.cell(cells, "lines")) or "") if s.strip()]
        failed = self._too_long(f, line, lines, row) or failed
        return _Row(self.sheet, row, f, line, lines, measures, stated, per_line, failed)

    def _errors_cleared(self, cells: Sequence[Any], row: int) -> Sequence[Any]:
        """The row with spreadsheet error cells (#N/A …) reported and emptied."""
        self._had_errors = False
        bad = [(c, v) for c in self.layout.columns if (v := V.spreadsheet_error(self.cell(cells, c.key.key)))]
        if not bad:
            return cells
        self._had_errors = True
        cleared = list(cells)
        for col, value in bad:
            self.problem(Severity.ERROR, "cell.spreadsheet_error", row, col, value=value)
            cleared[col.index] = None
        return cleared

    def _too_long(self, f: dict[str, Any], line: str | None, lines: list[str], row: int) -> bool:
        """Report text longer than the database keeps (a name pasted twice, a paragraph in a code column)."""
        failed = False
        values = [(key, f.get(field)) for field, key in _TEXT_COLUMNS]
        values += [("line", line)] + [("lines", n) for n in lines]
        for key, value in values:
            limit = _LIMITS[key]
            if isinstance(value, str) and len(value) > limit and key in self.cols:
                failed = True
                self.problem(
                    Severity.ERROR, "text.too_long", row, self.cols[key], limit=limit, length=len(value)
                )
        return failed

    def _coords(self, cells: Sequence[Any], row: int) -> dict[str, Any]:
        out: dict[str, Any] = {"lat": None, "lon": None, "coord_crs": None}
        if "lat" not in self.cols and "lon" not in self.cols:
            return out
        values: dict[str, float | None] = {}
        unreadable = False
        for key in ("lat", "lon"):
            try:
                values[key] = V.degrees(self.cell(cells, key)) if key in self.cols else None
            except V.CellError as exc:
                unreadable = True
                self.problem(Severity.WARNING, exc.rule, row, self.cols[key], **exc.params)
        if unreadable:
            return out
        lat, lon = values["lat"], values["lon"]
        if lat is None and lon is None:
            self.problem(
                Severity.WARNING, "coords.missing", row, self.cols.get("lon") or self.cols.get("lat")
            )
            return out
        if lat is None or lon is None:
            self.problem(
                Severity.WARNING, "coords.partial", row, self.cols.get("lon") or self.cols.get("lat")
            )
            return out
        crs = self.options.crs
        if "crs" in self.cols:
            try:
                crs = V.crs(self.cell(cells, "crs")) or crs
            except V.CellError as exc:
                self.problem(Severity.WARNING, exc.rule, row, self.cols["crs"], **exc.params)
                return out
        # GeoJSON is [lon, lat] and lists get it wrong: values that only make sense the other way round
        # (a "latitude" of 117 in China) are swapped back and flagged, never drawn silently.
        if 70 <= lat <= 140 and 0 <= lon <= 60:
            self.problem(Severity.WARNING, "coords.swapped", row, self.cols.get("lat"), lat=lat, lon=lon)
            lat, lon = lon, lat
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.problem(Severity.WARNING, "coords.range", row, self.cols.get("lat"), lat=lat, lon=lon)
            return out
        if crs is CRS.GCJ02:
            w_lat, w_lon = gcj02_to_wgs84(lat, lon)
            lat, lon = round(float(w_lat), 7), round(float(w_lon), 7)
        out.update(lat=lat, lon=lon, coord_crs=crs.value)
        return out


def _layout_problem(sheet: str, err: HeaderError) -> Problem:
    column, header = err.params.get("column"), err.params.get("header")
    return Problem(
        Severity.ERROR,
        err.rule,
        sheet,
        None,
        None if column is None else str(column),
        None if header is None else str(header),
        dict(err.params),
    )


def _required_problem(sheet: str, layout: Layout, kind: str) -> Problem | None:
    have = layout.by_key()
    needed = list(FULL_REQUIRED if kind == "full" else GRADES_REQUIRED)
    if kind == "full":
        needed += [f"measure.{lv.value}" for lv in LEVELS]
    missing = [k for k in needed if k not in have]
    if not missing:
        return None
    rows = "–".join(str(r + 1) for r in (layout.header_rows[0], layout.header_rows[-1]))
    names = "、".join(t(f"listfield.{k}", "zh") for k in missing)
    return Problem(
        Severity.ERROR,
        "header.missing",
        sheet,
        layout.header_rows[0] + 1,
        None,
        None,
        {"rows": rows, "fields": names},
    )


def _filled(sheet: Sheet, head: list[list[Any]], data_start: int) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows with merged data cells filled from their top-left cell.

    County lists merge an enterprise's cells down over its line rows, and sometimes one measure across
    the three levels: every covered cell means the same value.
    """
    spans = [m for m in sheet.merged if m[2] >= data_start and (m[2] > m[0] or m[3] > m[1])]
    by_start: dict[int, list[tuple[int, int, int, int]]] = {}
    for m in spans:
        by_start.setdefault(m[0], []).append(m)
    active: list[tuple[tuple[int, int, int, int], Any]] = []

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(head)
        yield from enumerate(sheet.rows, start=len(head))

    for index, cells in rows():
        if not spans:
            yield index, cells
            continue
        for m in by_start.get(index, ()):
            active.append((m, cells[m[1]] if m[1] < len(cells) else None))
        active[:] = [(m, v) for m, v in active if m[2] >= index]
        if active:
            cells = list(cells)
            for (r0, c0, _r1, c1), value in active:
                if len(cells) <= c1:
                    cells.extend([None] * (c1 + 1 - len(cells)))
                for c in range(c0, c1 + 1):
                    if (index, c) != (r0, c0):
                        cells[c] = value
        yield index, cells


def parse(
    data: bytes, file_name: str, options: ParseOptions, progress: ProgressFn | None = None
) -> ParsedList:
    """Read a list file: find each sheet's header, read and check every row, group rows into enterprises."""
    sheets = read_sheets(data, file_name)
    total = sum(s.height for s in sheets) or 1
    done = 0
    problems: list[Problem] = []
    reports: list[SheetReport] = []
    planned: list[tuple[Sheet, Layout, list[list[Any]], SheetReport]] = []
    for sheet in sheets:
        report = SheetReport(sheet.name)
        reports.append(report)
        if sheet.hidden:
            report.skipped = "hidden"
            problems.append(
                Problem(Severity.WARNING, "sheet.hidden", sheet.name, params={"sheet": sheet.name})
            )
            continue
        head: list[list[Any]] = []
        for row in sheet.rows:
            head.append(row)
            if len(head) >= L.SCAN_ROWS + 2:
                break
        try:
            lay = L.layout(head, sheet.merged)
        except HeaderError as err:
            report.skipped = err.rule
            if err.rule != "header.not_found":
                problems.append(_layout_problem(sheet.name, err))
            continue
        report.header_rows = [r + 1 for r in lay.header_rows]
        report.columns = [(column_letter(c.index), c.header, c.key.key) for c in lay.columns]
        report.ignored = list(lay.ignored) + list(lay.legacy_levels)
        planned.append((sheet, lay, head, report))
    if not planned:
        if problems:
            return ParsedList("full", [], problems, reports)
        raise ListFileError("header.not_found", rows=L.SCAN_ROWS)
    kind = "full" if any(lay.has(L.MEASURE) for _, lay, _, _ in planned) else "grades"
    rows: list[_Row] = []
    layouts: dict[str, Layout] = {}
    for sheet, lay, head, report in planned:
        if kind == "full" and not lay.has(L.MEASURE):
            report.skipped = "no_measures"  # another table beside the list (a summary, derived values)
            continue
        missing = _required_problem(sheet.name, lay, kind)
        if missing:
            problems.append(missing)
            report.skipped = "header.missing"
            continue
        layouts[sheet.name] = lay
        if lay.legacy_levels:
            problems.append(
                Problem(
                    Severity.WARNING,
                    "header.legacy_level",
                    sheet.name,
                    lay.header_rows[0] + 1,
                    params={"headers": "、".join(lay.legacy_levels)},
                )
            )
        reader = _Reader(sheet.name, lay, kind, options, problems)
        nameless: list[tuple[int, int]] = []  # (Excel row, filled cells) of rows without a name
        blank = 0
        for index, cells in _filled(sheet, head, lay.data_start):
            if index < lay.data_start:
                continue
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
            filled = sum(1 for c in cells if c is not None and c != "")
            if not filled:
                blank += 1
                if blank >= BLANK_STREAK_LIMIT:
                    break  # formatted but empty rows to the end of the sheet
                continue
            blank = 0
            if L.is_footer(cells):
                report.footnotes += 1
                continue
            name_cell = reader.cell(cells, "name")
            if V.text(name_cell) is None:
                nameless.append((index + 1, filled))
                continue
            if L.read_header(name_cell).key == L.ColumnKey(L.NAME):
                continue  # the header repeated (a printed list, or sheets pasted together)
            for r, _ in nameless:  # a row without a name between rows with names is an error
                report.rows += 1
                reader.problem(Severity.ERROR, "required", r, reader.name_col, field=reader.name_col.header)
            nameless.clear()
            report.rows += 1
            read = reader.read(cells, index + 1)
            if read is not None:
                rows.append(read)
        # After the last enterprise: notes under the table (one or two cells) are not data; anything fuller
        # is a row that lost its name.
        for r, filled in nameless:
            if filled <= 2:
                report.footnotes += 1
            else:
                report.rows += 1
                reader.problem(Severity.ERROR, "required", r, reader.name_col, field=reader.name_col.header)
    if progress:
        progress(total, total)
    records = _group(rows, problems, layouts) if kind == "full" else _grade_rows(rows, problems, layouts)
    if kind == "full":
        _check_records(records, problems, layouts)
        _check_outline(records, problems, options.outline_tolerance_m, layouts)
    return ParsedList(kind, records, problems, reports)


# Record field → the layout column it is read from (problems about a field point at its column).
_FIELD_COLUMN = {
    "town_code": "town",
    "control_type": "control",
    "permit_no": "permit",
    "base_capacity": "base",
    "coord_crs": "crs",
    "has_cems": "cems",
    "has_power_monitoring": "power",
    "grade_raw": "grade",
    "grade_local": "grade",
    **{f"{p}_tpa": f"annual.{p}" for p in POLLUTANTS},
}


def _where(layouts: dict[str, Layout], sheet: str, key: str) -> tuple[str | None, str | None]:
    """(column letter, header) of a layout key on a sheet, or (None, None)."""
    lay = layouts.get(sheet)
    col = lay.by_key().get(_FIELD_COLUMN.get(key, key)) if lay else None
    return (column_letter(col.index), col.header) if col else (None, None)


def _grade_rows(rows: list[_Row], problems: list[Problem], layouts: dict[str, Layout]) -> list[Incoming]:
    seen: dict[tuple[str, str | None], int] = {}
    out: list[Incoming] = []
    for r in rows:
        key = (r.fields.get("uscc") or match_key(r.fields["name"]), r.fields.get("town_code"))
        if key in seen:
            problems.append(
                Problem(
                    Severity.WARNING,
                    "name.duplicate_file",
                    r.sheet,
                    r.row,
                    *_where(layouts, r.sheet, "name"),
                    {"first": seen[key], "name": r.fields["name"]},
                )
            )
        seen.setdefault(key, r.row)
        kept = {
            k: r.fields.get(k)
            for k in ("name", "uscc", "town_code", "grade", "grade_raw")
            if r.fields.get(k) is not None
        }
        kept["grade_local"] = r.fields.get("grade_local", False)
        out.append(Incoming(r.sheet, [r.row], ListRecord(kept), r.failed))
    return out


# Fields every row of one enterprise must agree on (a line's row may carry its own grade).
_SHARED = tuple(f for f in FIELDS if f not in GRADE_FIELDS)


def _group(rows: list[_Row], problems: list[Problem], layouts: dict[str, Layout]) -> list[Incoming]:
    """Rows of one enterprise (one per line, as county lists do) become one record."""
    groups: dict[tuple[Any, ...], list[_Row]] = {}
    for r in rows:
        code = r.fields.get("uscc")
        key: tuple[Any, ...] = (
            ("uscc", code) if code else ("name", match_key(r.fields["name"]), r.fields.get("town_code"))
        )
        group = groups.get(key)
        if group is not None and any(g.line == r.line for g in group):
            first = next(g for g in group if g.line == r.line)
            if code:
                problems.append(
                    Problem(
                        Severity.ERROR,
                        "uscc.duplicate",
                        r.sheet,
                        r.row,
                        *_where(layouts, r.sheet, "uscc"),
                        {"first": first.row, "value": code},
                    )
                )
                first.failed = r.failed = True
                group.append(r)
                continue
            problems.append(
                Problem(
                    Severity.WARNING,
                    "name.duplicate",
                    r.sheet,
                    r.row,
                    *_where(layouts, r.sheet, "name"),
                    {"first": first.row, "name": r.fields["name"]},
                )
            )
            n = 2
            while (*key, n) in groups:
                n += 1
            key = (*key, n)
            group = None
        groups.setdefault(key, []).append(r)
    return [_merge(group, problems, layouts) for group in groups.values()]


def _merge(group: list[_Row], problems: list[Problem], layouts: dict[str, Layout]) -> Incoming:
    first = group[0]
    fields = dict(first.fields)
    failed = any(r.failed for r in group)
    for r in group[1:]:
        for k in _SHARED:
            if r.fields.get(k) != fields.get(k) and not (r.failed or first.failed):
                failed = True
                problems.append(
                    Problem(
                        Severity.ERROR,
                        "rows.conflict",
                        r.sheet,
                        r.row,
                        *_where(layouts, r.sheet, k),
                        {
                            "field": t(f"listfield.{k}", "zh"),
                            "first": first.row,
                            "a": fields.get(k),
                            "b": r.fields.get(k),
                        },
                    )
                )
    grades = [Grade(r.fields["grade"]) for r in group if r.fields.get("grade")]
    lines: list[LineEntry] = []
    names = list(dict.fromkeys([n for r in group for n in r.lines] + [r.line for r in group if r.line]))
    differ = len(set(grades)) > 1
    line_grade = {r.line: r.fields.get("grade") for r in group if r.line and (differ or r.grade_per_line)}
    for n in names:
        lines.append(LineEntry(n, line_grade.get(n)))
    if differ:
        graded = [g for g in grades if g in GRADE_RANK] or grades
        lowest = max(graded, key=lambda g: GRADE_RANK.get(g, -1))
        source = next(r for r in group if r.fields.get("grade") == lowest.value)
        fields.update(
            grade=lowest.value, grade_raw=source.fields["grade_raw"], grade_local=source.fields["grade_local"]
        )
    if first.grade_per_line and not any(r.line for r in group):
        problems.append(
            Problem(
                Severity.WARNING,
                "grade.per_line",
                first.sheet,
                first.row,
                *_where(layouts, first.sheet, "grade"),
                {"value": first.fields.get("grade_raw")},
            )
        )
    measures = [
        MeasureEntry(level, text, r.line, r.stated.get(level, {}))
        for r in group
        for level, text in r.measures.items()
    ]
    record = normalized(ListRecord(fields, tuple(lines), tuple(measures)))
    return Incoming(first.sheet, [r.row for r in group], record, failed, {r.line: r.row for r in group})


def _column_of(lay: Layout | None, f: Finding) -> Column | None:
    """The column a finding points at: the reduction column when the list has one, else the measure."""
    if lay is None or f.level is None:
        return None
    cols = lay.by_key()
    if f.field == "reduction" and f.pollutant:
        col = cols.get(f"reduction.{f.level.value}.{f.pollutant}")
        if col is not None:
            return col
    return cols.get(f"measure.{f.level.value}")


def _check_records(records: list[Incoming], problems: list[Problem], layouts: dict[str, Layout]) -> None:
    for inc in records:
        if inc.blocked:
            continue  # its cells already have errors; the logic checks would only repeat them
        for f in check(inc.record):
            col = _column_of(layouts.get(inc.sheet), f)
            params = dict(f.params)
            if f.level:
                params.setdefault("level", f.level.value)
            if f.pollutant:
                params.setdefault("pollutant", f.pollutant)
            problems.append(
                Problem(
                    f.severity,
                    f.rule,
                    inc.sheet,
                    inc.unit_rows.get(f.line, inc.rows[0]),
                    column_letter(col.index) if col else None,
                    col.header if col else None,
                    params,
                )
            )
            if f.severity is Severity.ERROR:
                inc.blocked = True


def _check_outline(
    records: list[Incoming], problems: list[Problem], tolerance_m: float, layouts: dict[str, Layout]
) -> None:
    """Flag coordinates farther outside the county outline than the tolerance (vectorised)."""
    located = [
        (i, r.record.fields["lat"], r.record.fields["lon"])
        for i, r in enumerate(records)
        if r.record.fields.get("lat") is not None
    ]
    if not located:
        return
    idx = np.array([x[0] for x in located])
    lat = np.array([x[1] for x in located], dtype=float)
    lon = np.array([x[2] for x in located], dtype=float)
    shape_, lat0, lon0 = _metric_outline()
    x, y = _to_metres(lat, lon, lat0, lon0)
    inside = shapely.contains_xy(shape_, x, y)
    for k in np.flatnonzero(~inside):
        dist = float(shapely.distance(shape_, shapely.points(x[k], y[k])))
        if dist > tolerance_m:
            inc = records[int(idx[k])]
            problems.append(
                Problem(
                    Severity.WARNING,
                    "coords.outside",
                    inc.sheet,
                    inc.rows[0],
                    *_where(layouts, inc.sheet, "lat"),
                    {"km": f"{dist / 1000:.1f}", "lat": lat[k], "lon": lon[k]},
                )
            )


def _to_metres(lat: Any, lon: Any, lat0: float, lon0: float) -> tuple[Any, Any]:
    # An equirectangular projection about the county's centre: metres within a few metres over 50 km.
    k = math.cos(math.radians(lat0))
    return (np.asarray(lon) - lon0) * 111_320.0 * k, (np.asarray(lat) - lat0) * 110_574.0


_OUTLINE_CACHE: list[tuple[Any, float, float]] = []


def _metric_outline() -> tuple[Any, float, float]:
    if not _OUTLINE_CACHE:
        geom = shape(outline()["features"][0]["geometry"])
        c = geom.centroid
        lat0, lon0 = c.y, c.x
        metric = shapely.transform(
            geom, lambda xy: np.column_stack(_to_metres(xy[:, 1], xy[:, 0], lat0, lon0))
        )
        shapely.prepare(metric)
        _OUTLINE_CACHE.append((metric, lat0, lon0))
    return _OUTLINE_CACHE[0]


def iter_problem_rows(problems: Iterable[Problem], lang: str | None = "zh") -> Iterator[dict[str, Any]]:
    """Problems as rows for a table or a download, in the given language."""
    for p in problems:
        yield {**p.to_json(lang), "severity_label": t(f"severity.{p.severity.value}", lang)}
