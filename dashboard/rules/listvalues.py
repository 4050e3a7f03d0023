"""Read one cell of a published list into a value, or say precisely why it cannot be read.

Pure functions: a cell arrives as the file gave it (text, a number, empty) and leaves as a value or a
`CellError` with a rule id and parameters for the message. Nothing is guessed: a town, a control type or
a coordinate system that is not recognised is an error, not a default.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.geo import CRS
from dashboard.rules import uscc as uscc_rules
from dashboard.rules.industries import KEY_INDUSTRIES, OTHER, PARKS, SECTORS
from dashboard.rules.vocab import ControlType


class CellError(Exception):
    """A cell that cannot be read: `rule` names the check, `params` fill its message."""

    def __init__(self, rule: str, params: dict[str, object] | None = None) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params or {}


EMPTY_MARKS = frozenset({"", "-", "—", "–", "/", "／", "无", "空", "null", "none", "n/a"})

# What a spreadsheet shows when a formula failed (#N/A …), and "nan", which programs write for a missing
# number: the real value is unknown, so the cell is an error to fix, never read as empty.
SPREADSHEET_ERRORS = frozenset(
    {"#n/a", "#value!", "#ref!", "#div/0!", "#num!", "#name?", "#null!", "#spill!", "#calc!", "#getting_data"}
)


def spreadsheet_error(value: object) -> str | None:
    """The error a cell holds (#N/A, #VALUE!, nan …) as written, or None for an ordinary cell."""
    if not isinstance(value, str) or not 2 < len(value) < 20:
        return None
    s = value.strip()
    folded = unicodedata.normalize("NFKC", s).lower()
    return s if folded in SPREADSHEET_ERRORS or folded == "nan" else None


# Format characters lists carry without anyone seeing them: zero-width spaces and joiners, direction marks,
# word joiners, the BOM, soft hyphens.
_INVISIBLE = dict.fromkeys(
    [0x00AD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF], None
)


def text(value: object) -> str | None:
    """A text cell as published (outer spaces and invisible characters removed); None when empty or a dash.

    The text itself is kept: full-width brackets and punctuation stay as the list wrote them (matching
    uses the name key, which folds them).
    """
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    s = str(value).translate(_INVISIBLE).replace("\r\n", "\n").strip()
    return None if s.lower() in EMPTY_MARKS or unicodedata.normalize("NFKC", s).lower() in EMPTY_MARKS else s


def _compact(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_UNIT_TAIL = re.compile(r"(t/a|t/d|吨/年|吨/日|吨/天|吨每年|吨|t|万吨)$", re.IGNORECASE)


def number(value: object) -> float | None:
    """A number cell (" 117.15 ", "1,234.5", "3.2吨"); None when empty; CellError when not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError("number.invalid", {"value": str(value)})
        return float(value)
    s = _compact(value).replace(",", "").replace("，", "")
    if s.lower() in EMPTY_MARKS:
        return None
    s = _UNIT_TAIL.sub("", s)
    if not _NUMBER.fullmatch(s):
        raise CellError("number.invalid", {"value": str(value).strip()[:40]})
    result = float(s)
    if not math.isfinite(result):
        raise CellError("number.invalid", {"value": str(value).strip()[:40]})
    return result


def amount(value: object) -> float | None:
    """A quantity that cannot be negative (tonnes per year or per day)."""
    result = number(value)
    if result is not None and result < 0:
        raise CellError("number.negative", {"value": _shown(value)})
    return result


def _shown(value: object) -> str:
    return str(value).strip()[:40]


_YES = frozenset({"是", "有", "已有", "已安装", "安装", "√", "✓", "y", "yes", "true", "1", "已建", "已联网"})
_NO = frozenset(
    {"否", "无", "没有", "未安装", "未有", "×", "✗", "n", "no", "false", "0", "未建", "-", "/", ""}
)


def yes_no(value: object) -> bool:
    """是/否 (有/无, √/×, a count of devices); empty is 否."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value > 0
    s = _compact(value).lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    try:
        return float(s) > 0
    except ValueError:
        raise CellError("yesno.invalid", {"value": _shown(value)}) from None


_DMS = re.compile(
    r"^(?P<hemi1>[NSEW北南东西])?(?P<deg>\d+(\.\d+)?)[°度](?:(?P<min>\d+(\.\d+)?)['′分])?"
    r"(?:(?P<sec>\d+(\.\d+)?)(\"|″|''|′′|秒))?(?P<hemi2>[NSEW北南东西])?$",
    re.IGNORECASE,
)


_SIGNED_DECIMAL = re.compile(
    r"(?P<h1>[NSEW北南东西])?(?P<n>\d+(\.\d+)?)°?(?P<h2>[NSEW北南东西])?", re.IGNORECASE
)


def degrees(value: object) -> float | None:
    """A coordinate in decimal degrees or 度分秒 (117°15′30″, 117度15分30秒, E117.25); None when empty."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    s = _compact(value)
    if s.lower() in EMPTY_MARKS:
        return None
    plain = _SIGNED_DECIMAL.fullmatch(s)
    if plain:
        result = float(plain["n"])
        hemi = (plain["h1"] or plain["h2"] or "").upper()
        return -result if hemi in {"S", "W", "南", "西"} else result
    m = _DMS.match(s)
    if not m:
        raise CellError("coords.invalid", {"value": _shown(value)})
    result = float(m["deg"]) + float(m["min"] or 0) / 60 + float(m["sec"] or 0) / 3600
    hemi = (m["hemi1"] or m["hemi2"] or "").upper()
    return -result if hemi in {"S", "W", "南", "西"} else result


def uscc(value: object) -> str | None:
    """A 统一社会信用代码 as text: all 18 characters, check character verified; None when empty.

    A code Excel stored as a number has lost digits (a float holds 15–17): that is an error, never a repair.
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None
        raise CellError("uscc.numeric", {"value": f"{value:.0f}" if isinstance(value, float) else str(value)})
    code = uscc_rules.normalize(str(value))
    if code.lower() in EMPTY_MARKS:
        return None
    if _SCIENTIFIC.fullmatch(code):  # a CSV saved by Excel after it turned the code into a number
        raise CellError("uscc.numeric", {"value": code})
    why = uscc_rules.problem(code)
    if why:
        raise CellError(f"uscc.{why}", {"value": code[:30]})
    return code


_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)


_CRS = (
    (
        CRS.WGS84,
        re.compile(r"wgs-?84|cgcs-?2000|2000国家大地坐标系|国家2000|gps|epsg:?4326|epsg:?4490|天地图"),
    ),
    (CRS.GCJ02, re.compile(r"gcj-?02|火星|高德|腾讯|国测局")),
)
UNSUPPORTED_CRS = re.compile(r"bd-?09|百度|西安80|北京54|xian80|beijing54")


def crs(value: object) -> CRS | None:
    """The coordinate system a row names (WGS-84/CGCS2000 or GCJ-02); None when the cell is empty."""
    s = _compact(value).lower()
    if s in EMPTY_MARKS:
        return None
    for found, pattern in _CRS:
        if pattern.search(s):
            return found
    if UNSUPPORTED_CRS.search(s):
        raise CellError("crs.unsupported", {"value": _shown(value)})
    raise CellError("crs.unknown", {"value": _shown(value)})


_CONTROL = {
    ControlType.KEY: ("重点", "重点企业", "重点管控", "重点管控企业", "重点行业", "重点行业企业"),
    ControlType.GENERAL: (
        "一般",
        "一般企业",
        "一般管控",
        "一般管控企业",
        "非重点",
        "非重点行业",
        "其他",
        "其他企业",
    ),
    ControlType.GUARANTEE: ("保障", "保障类", "保障类企业", "民生保障", "民生保障类", "应急保障", "保障企业"),
    ControlType.EXEMPT: ("豁免", "豁免类", "民生豁免", "豁免企业", "豁免类企业"),
    ControlType.LONG_STOP: ("长期停产", "长期停产企业", "关停", "停产"),
}
_CONTROL_BY_TEXT = {word: kind for kind, words in _CONTROL.items() for word in words}


def control(value: object) -> ControlType | None:
    """A 管控类型 cell; None when empty."""
    s = _compact(value)
    if s.lower() in EMPTY_MARKS:
        return None
    found = _CONTROL_BY_TEXT.get(s)
    if found is None:
        raise CellError("control.unknown", {"value": _shown(value)})
    return found


@dataclass(frozen=True)
class Towns:
    """The county's 乡镇/街道 by code and name, for reading a town cell."""

    by_code: dict[str, str]  # code → name

    def read(self, value: object) -> str | None:
        """The town code of a cell (name, short name without 镇/街道, or NBS code); None when empty."""
        s = _compact(value)
        if s.lower() in EMPTY_MARKS:
            return None
        s = re.sub(r"^(山东省)?(济南市)?(商河县)?", "", s) or s
        if s in self.by_code:
            return s
        for code, name in self.by_code.items():
            if s == name or s == re.sub(r"(街道|镇|乡)$", "", name):
                return code
        if "开发区" in s or "园区" in s:
            raise CellError("town.is_park", {"value": _shown(value)})
        raise CellError("town.unknown", {"value": _shown(value)})


def park(value: object) -> tuple[str | None, bool]:
    """A park cell as the county names its parks, and whether it is one of them (unknown text is kept)."""
    s = _compact(value)
    if s.lower() in EMPTY_MARKS or s in {"否", "不在园区", "园区外"}:
        return None, True
    if "生物医药" in s or "化工产业园" in s or s in {"化工园区", "商南工业园"}:
        return PARKS[1], True
    if "开发区" in s:
        return PARKS[0], True
    return text(value), False


def _sector_key(name: str) -> str:
    s = _compact(name).replace("（", "(").replace("）", ")")
    return re.sub(r"(行业|业|企业)$", "", s)


_KEY_BY_SECTOR = {_sector_key(k): k for k in KEY_INDUSTRIES}
# Names a list may use for a key industry (the guide's wording is the stored one).
_KEY_ALIASES = {
    "家具": "家具制造",
    "表面涂装": "工业涂装",
    "工业表面涂装": "工业涂装",
    "涂装": "工业涂装",
    "印刷": "包装印刷",
    "包装": "包装印刷",
    "橡胶制品": "橡胶制品制造",
    "橡胶": "橡胶制品制造",
    "人造板": "人造板制造",
    "农药": "农药制造",
    "涂料": "涂料制造",
    "油墨": "油墨制造",
    "砖瓦": "砖瓦窑",
    "烧结砖瓦": "砖瓦窑",
    "玻璃钢": "玻璃钢(纤维增强塑料制品)",
    "防水建筑材料": "防水建筑材料制造",
    "炭黑": "炭黑制造",
    "制鞋": "制鞋",
}
_OTHER_PREFIX = re.compile(r"^其他(行业|涉气企业|涉气行业|非重点行业)?[-—:：()（）\s]*(?P<rest>.*?)[)）]?$")


@dataclass(frozen=True)
class IndustryReading:
    """An industry cell read: one of the 39, or 其他 with the free text; `known`: recognised."""

    industry: str
    other: str | None
    known: bool


def industry(
    value: object, other_value: object = None, known_others: Iterable[str] = ()
) -> IndustryReading | None:
    """Read the industry (and the 其他行业 column beside it, if any); None when both are empty."""
    main, extra = text(value), text(other_value)
    if main is None and extra is None:
        return None
    if main is not None:
        key = _sector_key(main)
        if key in _KEY_BY_SECTOR:
            return IndustryReading(_KEY_BY_SECTOR[key], None, True)
        if key in _KEY_ALIASES:
            return IndustryReading(_KEY_ALIASES[key], None, True)
        m = _OTHER_PREFIX.match(_compact(main))
        if m:
            rest = m["rest"] or extra
            return IndustryReading(OTHER, rest or None, bool(rest))
    free = extra if main is None else main
    assert free is not None
    known = {_sector_key(s) for s in (*SECTORS, *known_others)}
    return IndustryReading(OTHER, free, _sector_key(free) in known)
