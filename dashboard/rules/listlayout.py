"""Read the header of a published list: which column holds what, whatever shape the file came in.

Real lists differ in wording (企业名称/单位名称, 绩效等级/绩效级别/绩效分级, 黄色预警减排措施/Ⅲ级响应措施,
经度/东经), carry stray spaces (`地 市`), put a title row above the table, merge a level over its
sub-columns in a two-row header, and order the levels 黄橙红 or 红橙黄. This module is pure: it sees
header cells as text and returns a `Layout` (column → `ColumnKey`) or a `HeaderError` naming the rows
and columns it cannot decide.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.rules.vocab import Level

POLLUTANTS: tuple[str, ...] = ("so2", "nox", "pm", "vocs")

# Fields of one list row (the base fields; level-bound ones are "measure" and "reduction").
SEQ, NAME, USCC, CITY, COUNTY, TOWN, PARK, ADDRESS = (
    "seq",
    "name",
    "uscc",
    "city",
    "county",
    "town",
    "park",
    "address",
)
INDUSTRY, INDUSTRY_OTHER, CONTROL, GRADE, PERMIT = "industry", "industry_other", "control", "grade", "permit"
LON, LAT, CRS_FIELD, BASE, LINES, LINE = "lon", "lat", "crs", "base", "lines", "line"
CEMS, POWER, NOTE, ANNUAL, MEASURE, REDUCTION = "cems", "power", "note", "annual", "measure", "reduction"


@dataclass(frozen=True)
class ColumnKey:
    """What a column holds: a field, and for level-bound fields the level, for emissions the pollutant."""

    field: str
    level: Level | None = None
    pollutant: str | None = None

    @property
    def key(self) -> str:
        """A stable text form: `name`, `annual.so2`, `measure.yellow`, `reduction.red.vocs`."""
        return ".".join(
            p for p in (self.field, self.level.value if self.level else None, self.pollutant) if p
        )


# Base fields by the normalised header text (see `norm`), each a full match. Order matters only for
# texts two patterns could both take; the specific ones come first.
_BASE: tuple[tuple[str, str], ...] = (
    (SEQ, r"序号|编号|序|no"),
    (USCC, r"(统一)?社会(统一)?信用代码|信用代码|统一代码"),
    (NAME, r"(企业|单位|排污单位|企业单位|企事业单位)?名称|企业|单位"),
    (CITY, r"(所在|所属)?(地市|城市|设区市|市)"),
    (COUNTY, r"(所在|所属)?(区县|县区|县市区|县)"),
    (TOWN, r"(所在|所属)?(街乡镇|乡镇街道|乡镇街道办事处|乡镇|镇街|街道|镇)(名称)?"),
    (PARK, r"(所在|所属)?(工业)?园区(名称)?|(所在|所属)?开发区"),
    (ADDRESS, r"(详细|企业|生产|经营|注册)?地址|所在地"),
    (INDUSTRY_OTHER, r"其他行业(类型|类别|名称)?|非重点行业(类型|类别)?"),
    (INDUSTRY, r"(所属)?(重点)?行业(类型|类别|名称|分类)?"),
    (CONTROL, r"(企业)?管控(类型|类别|分类)"),
    (GRADE, r"(绩效)?(等级|级别|分级|评级)(结果)?|绩效分级(等级|结果)|绩效评价等级"),
    (PERMIT, r"排污许可证?(编号|号码|号)|许可证(编号|号)"),
    (LON, r"经度|东经|lon|lng|longitude"),
    (LAT, r"纬度|北纬|lat|latitude"),
    (CRS_FIELD, r"坐标系(统)?|坐标类型"),
    (BASE, r"限产基准|减排基准|减排基数|生产基准|基准产能|限产基数"),
    (LINES, r"生产线(描述|情况|清单)|主要生产线"),
    (LINE, r"(停限产)?生产线(名称)?|生产线工序|(停限产)?生产线工艺环节|工序(名称)?|工艺环节"),
    (CEMS, r"(是否(有|安装))?在线监测(设备|系统)?|cems(在线)?(数量)?"),
    (POWER, r"(是否(已)?有)?用电(量)?监(测|控)(系统)?|分表计电"),
    (NOTE, r"备注|说明"),
)
_BASE_RE = [(f, re.compile(p)) for f, p in _BASE]

_POLLUTANT_RE = (
    ("so2", re.compile(r"so2|二氧化硫")),
    ("nox", re.compile(r"nox|氮氧化物")),
    ("vocs", re.compile(r"vocs|voc|挥发性有机物")),
    ("pm", re.compile(r"颗粒物|烟粉尘|烟尘|粉尘|pm")),
)
# Warning levels as headers name them. 蓝色/Ⅳ级 was dropped in Shandong in 2020: recognised, then ignored.
_LEVEL_RE: tuple[tuple[Level | None, re.Pattern[str]], ...] = (
    (Level.YELLOW, re.compile(r"黄色|(?<![a-z])iii级|[三3]级(响应|预警)")),
    (Level.ORANGE, re.compile(r"橙色|(?<![a-z])ii级|[二2]级(响应|预警)")),
    (Level.RED, re.compile(r"红色|(?<![a-z])i级|[一1]级(响应|预警)")),
    (None, re.compile(r"蓝色|(?<![a-z])iv级|[四4]级(响应|预警)")),
)
_GENERIC = re.compile(r"预警|响应|期间|应急|减排|措施|管控|要求|内容|停限产|级别|工业源|企业")
_REDUCE = re.compile(r"减排量|削减量|减少量|减排|削减")
_EMIT = re.compile(r"排放")
# Units and remarks in brackets add nothing to what a column is: "SO2排放量（吨/年）", "经度（°）".
_UNIT = re.compile(r"[（(][^（）()]*?(t/a|t/d|吨|千克|kg|°|度|%|是/否|有/无|个|万)[^（）()]*?[）)]")
_PUNCT = re.compile(r"[\s()（）\[\]【】{}<>《》:：*※、/\\\-—_·,，.。;；'\"“”‘’?？!！#№]+")


_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")


def norm(text: object, *, remarks: bool = True) -> str:
    """A header cell as compared: NFKC, lower case, units in brackets, punctuation and every space removed.

    With remarks=False, anything in brackets goes too: `企业名称（新闻中的简称）` reads as `企业名称`.
    """
    s = unicodedata.normalize("NFKC", "" if text is None else str(text)).lower()
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    s = _UNIT.sub("", s) if remarks else _BRACKETED.sub("", s)
    return _PUNCT.sub("", s)


def _levels(text: str) -> tuple[list[Level | None], str]:
    """The levels a header names, and the text without them."""
    found: list[Level | None] = []
    for level, pattern in _LEVEL_RE:
        if pattern.search(text):
            found.append(level)
            text = pattern.sub("", text)
    return found, text


def _pollutant(text: str) -> str | None:
    for name, pattern in _POLLUTANT_RE:
        if pattern.search(text):
            return name
    return None


def _base(text: str) -> str | None:
    for name, pattern in _BASE_RE:
        if pattern.fullmatch(text):
            return name
    return None


@dataclass(frozen=True)
class Reading:
    """What one header column says: a key, or why not (ignored: a known column HazeOps does not use)."""

    key: ColumnKey | None = None
    ambiguous: str | None = None  # a reason code: "levels"
    legacy: bool = False  # a 蓝色/Ⅳ级 column


def read_header(top: object, sub: object = None) -> Reading:
    """Classify one column from its header cell (and the cell below it in a two-row header)."""
    n_top, n_sub = norm(top), norm(sub)
    if n_sub == n_top:
        n_sub = ""  # a cell merged down over both header rows
    if not n_top and not n_sub:
        return Reading()
    if "推算" in n_top + n_sub:
        return Reading()  # a value HazeOps derived for an export, not something the list states
    levels, rest = _levels(n_top + n_sub)
    if len(set(levels)) > 1:
        return Reading(ambiguous="levels")
    if levels:
        if levels[0] is None:
            return Reading(legacy=True)
        level = levels[0]
        pollutant = _pollutant(rest)
        if pollutant and _REDUCE.search(rest):
            return Reading(ColumnKey(REDUCTION, level, pollutant))
        if not _GENERIC.sub("", rest):
            return Reading(ColumnKey(MEASURE, level))
        return Reading()
    bare_top, bare_sub = norm(top, remarks=False), norm(sub, remarks=False)
    for text in (bare_sub, n_sub, bare_top, n_top) if n_sub else (bare_top, n_top):
        found = _base(text) if text else None
        if found:
            return Reading(ColumnKey(found))
    combined = n_top + n_sub
    pollutant = _pollutant(combined)
    if pollutant and _EMIT.search(combined) and not _REDUCE.search(combined):
        return Reading(ColumnKey(ANNUAL, pollutant=pollutant))
    if _GENERIC.sub("", combined) == "" and ("措施" in combined):
        return Reading(ambiguous="no_level")  # "减排措施" with no level anywhere above or in it
    found = _base(combined)
    return Reading(ColumnKey(found)) if found else Reading()


def looks_like_header(cell: object) -> bool:
    """Would this cell make sense as a header: a known field, a level, a measure, or a pollutant amount?"""
    n = norm(cell)
    if not n:
        return False
    r = read_header(cell)
    if r.key is not None or r.legacy or r.ambiguous is not None or _levels(n)[0]:
        return True
    return _pollutant(n) is not None and bool(_REDUCE.search(n) or _EMIT.search(n))


# -- the header of a sheet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One used column: its 0-based index, the header text as the file shows it, and what it holds."""

    index: int
    header: str
    key: ColumnKey


@dataclass(frozen=True)
class Layout:
    """The header of one sheet: where it is, which columns hold what, and what was left unused."""

    header_rows: tuple[int, ...]  # 0-based row indexes of the header (one or two rows)
    columns: tuple[Column, ...]
    ignored: tuple[str, ...] = ()  # header texts of columns HazeOps does not read
    legacy_levels: tuple[str, ...] = ()  # 蓝色/Ⅳ级 columns (not a level since 2020)

    @property
    def data_start(self) -> int:
        """0-based index of the first data row."""
        return self.header_rows[-1] + 1

    def by_key(self) -> dict[str, Column]:
        """Columns by their key text."""
        return {c.key.key: c for c in self.columns}

    def has(self, field_name: str) -> bool:
        """Whether some column holds this field (for level-bound fields: at any level)."""
        return any(c.key.field == field_name for c in self.columns)

    @property
    def measure_levels(self) -> set[Level]:
        """The levels that have a measure column."""
        return {c.key.level for c in self.columns if c.key.field == MEASURE and c.key.level}

    @property
    def width(self) -> int:
        """One past the last used column."""
        return max((c.index for c in self.columns), default=-1) + 1


class HeaderError(Exception):
    """The header cannot be read; `rule` names why, `params` carry rows (1-based) and column letters."""

    def __init__(self, rule: str, params: dict[str, object] | None = None) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params or {}


def column_letter(index: int) -> str:
    """Excel's column name of a 0-based index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


# Rows under a table that sign it or explain it (注：…, 填表人：…, 审核人：…): text, never enterprise data.
_FOOTER = re.compile(
    r"^(注|备注|说明|填表人|填报人|填表|审核人|审核|负责人|单位负责人|联系人|联系电话|制表人|制表|"
    r"填报单位|填报日期|填表日期|日期|签字|盖章)\s*[:：]"
)
FOOTER_MAX_CELLS = 4


def is_footer(cells: Sequence[object]) -> bool:
    """Whether a row is a note or signature under the table (its first filled cell says 注：, 填表人：…)."""
    filled = [c for c in cells if c is not None and c != ""]
    return 0 < len(filled) <= FOOTER_MAX_CELLS and bool(_FOOTER.match(_text(filled[0])))


SCAN_ROWS = 30  # the header is within the first rows of a sheet (a title and notes may come first)


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """The 0-based index of the header row: the first with a name column and two other known columns."""
    for i, row in enumerate(rows[:SCAN_ROWS]):
        readings = [read_header(c) for c in row if _text(c)]
        known = [r for r in readings if r.key is not None or r.legacy]
        if any(r.key and r.key.field == NAME for r in readings) and len(known) >= 3:
            return i
    return None


def _is_sub_header(top: Sequence[str], below: Sequence[str], name_col: int) -> bool:
    """Is the row below the header a second header row (sub-columns), not the first data row?"""
    name_below = below[name_col] if name_col < len(below) else ""
    if name_below and norm(name_below) != norm(top[name_col]):
        return False  # a data row: it names an enterprise
    filled = [c for c in below if c]
    if not filled:
        return False
    headerish = [c for c in filled if looks_like_header(c)]
    return len(headerish) >= 1 and len(headerish) * 2 >= len(filled)


def layout(rows: Sequence[Sequence[object]], merged: Sequence[tuple[int, int, int, int]] = ()) -> Layout:
    """Read the header of a sheet from its first rows (cells as read) and merged ranges (r0, c0, r1, c1).

    Raises HeaderError when no header is found or when it cannot be read one way only.
    """
    h = find_header_row(rows)
    if h is None:
        raise HeaderError("header.not_found", {"rows": min(len(rows), SCAN_ROWS)})
    width = max((len(r) for r in rows[h : h + 2]), default=0)
    grid = [[_text(c) for c in r] + [""] * (width - len(r)) for r in rows[h : h + 2]]
    # A merged header cell shows its text over every cell it covers.
    for r0, c0, r1, c1 in merged:
        if r0 <= h + 1 and r1 >= h:
            value = _text(rows[r0][c0]) if r0 < len(rows) and c0 < len(rows[r0]) else ""
            for r in range(max(r0, h), min(r1, h + 1) + 1):
                for c in range(c0, min(c1 + 1, width)):
                    if r - h < len(grid) and not grid[r - h][c]:
                        grid[r - h][c] = value
    top = grid[0]
    name_col = next(i for i, c in enumerate(top) if read_header(c).key == ColumnKey(NAME))
    two_rows = len(grid) > 1 and _is_sub_header(top, grid[1], name_col)
    sub = grid[1] if two_rows else [""] * width
    if two_rows:
        # Without merge information (CSV, or merges lost), a level written once over its sub-columns
        # covers the blank cells to its right that have a sub-header.
        for c in range(1, width):
            if not top[c] and sub[c] and top[c - 1] and sub[c - 1] and top[c - 1] != sub[c - 1]:
                top[c] = top[c - 1]
    header_rows = (h, h + 1) if two_rows else (h,)
    columns: list[Column] = []
    ignored: list[str] = []
    legacy: list[str] = []
    for c in range(width):
        reading = read_header(top[c], sub[c])
        shown = " / ".join(x for x in dict.fromkeys((top[c], sub[c])) if x)
        if reading.ambiguous:
            raise HeaderError(
                f"header.ambiguous_{reading.ambiguous}",
                {"rows": _rows_text(header_rows), "column": column_letter(c), "header": shown},
            )
        if reading.legacy:
            legacy.append(shown)
        elif reading.key is None:
            if shown:
                ignored.append(shown)
        elif reading.key.field != NOTE:
            columns.append(Column(c, shown, reading.key))
        else:
            ignored.append(shown)
    seen: dict[ColumnKey, Column] = {}
    for col in columns:
        if col.key in seen:
            first = seen[col.key]
            raise HeaderError(
                "header.duplicate",
                {
                    "rows": _rows_text(header_rows),
                    "header": col.header,
                    "first": column_letter(first.index),
                    "second": column_letter(col.index),
                },
            )
        seen[col.key] = col
    return Layout(header_rows, tuple(columns), tuple(ignored), tuple(legacy))


def _rows_text(rows: tuple[int, ...]) -> str:
    return "–".join(str(r + 1) for r in (rows[0], rows[-1])) if len(rows) > 1 else str(rows[0] + 1)
