"""Build list files for tests the way people make them: openpyxl workbooks, CSV in UTF-8 or GBK."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill

from dashboard.rules.uscc import check_char

HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "乡镇（街道）",
    "所属工业园区",
    "行业类型",
    "管控类型",
    "绩效等级",
    "经度",
    "纬度",
    "SO2年排放量（吨/年）",
    "颗粒物年排放量（吨/年）",
    "黄色预警减排措施",
    "橙色预警减排措施",
    "红色预警减排措施",
    "红色预警SO2减排量（吨/日）",
]
# Short names for the columns, for row(n, town=…) and COL["town"].
ALIASES = dict(
    zip(
        [
            "seq",
            "name",
            "uscc",
            "town",
            "park",
            "industry",
            "control",
            "grade",
            "lon",
            "lat",
            "so2",
            "pm",
            "yellow",
            "orange",
            "red",
            "red_so2",
        ],
        HEADER,
        strict=True,
    )
)
COL = {alias: chr(65 + HEADER.index(h)) for alias, h in ALIASES.items()}  # alias → Excel column letter
TRUCKS = "停止使用国四及以下重型载货车辆（含燃气）进行运输"


def code(n: int) -> str:
    """A well-formed fictitious 统一社会信用代码 (input data; the check character makes it pass)."""
    body = f"91370126MA{n:07d}"
    return body + check_char(body)


def row(n: int, **changes: Any) -> list[Any]:
    """A correct list row for fictitious enterprise n (a grade-B foundry in 许商街道); changes by alias."""
    values = {
        "序号": n,
        "企业名称": f"商河县测试{n}号铸造有限公司（演示）",
        "统一社会信用代码": code(n),
        "乡镇（街道）": "许商街道",
        "所属工业园区": "",
        "行业类型": "铸造",
        "管控类型": "重点",
        "绩效等级": "B",
        "经度": 117.1566,
        "纬度": 37.3097,
        "SO2年排放量（吨/年）": 36.5,
        "颗粒物年排放量（吨/年）": 7.3,
        "黄色预警减排措施": TRUCKS,
        "橙色预警减排措施": f"限产20%（以三者日均值的最小值为基准核算）；{TRUCKS}",
        "红色预警减排措施": f"停产；{TRUCKS}",
        "红色预警SO2减排量（吨/日）": None,
    }
    for key, value in changes.items():
        values[ALIASES[key]] = value
    return [values[h] for h in HEADER]


def xlsx(*sheets: tuple[str, Sequence[Sequence[Any]], Sequence[str]]) -> bytes:
    """A workbook: (sheet name, rows, merged ranges such as "C1:D1") per sheet."""
    book = Workbook()
    book.remove(book.active)
    for name, rows, merges in sheets:
        ws = book.create_sheet(name)
        for r in rows:
            ws.append(list(r))
        for rng in merges:
            ws.merge_cells(rng)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def formatted_tail(data: bytes, last_row: int = 3000, last_col: int = 200) -> bytes:
    """The same workbook with empty but formatted cells far below and to the right (as templates have)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    ws = book.worksheets[0]
    fill = PatternFill("solid", fgColor="FFFFCC")
    for r in range(ws.max_row + 1, last_row + 1, 7):
        ws.cell(row=r, column=2).fill = fill
    ws.cell(row=2, column=last_col).fill = fill
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> bytes:
    """A CSV file in the given encoding (utf-8-sig writes the BOM Excel wants)."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([["" if v is None else v for v in r] for r in rows])
    return buf.getvalue().encode(encoding)
