"""Grade strings as lists publish them (`A级`, `B－`, `民生豁免-B`, `地方A`, `引领性 生产线`, `长期停产`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dashboard.rules.vocab import ControlType, Grade


@dataclass(frozen=True)
class GradeReading:
    """What a published grade cell says: the grade, a control type it implies, and its qualifiers."""

    grade: Grade
    control: ControlType | None = None  # e.g. 民生豁免 → 豁免, 长期停产 → 长期停产
    local_standard: bool = False  # 地方A: graded under a local (provincial) standard
    per_line: bool = False  # 引领性 生产线: the grade belongs to a production line


_LETTERS = {"A+": Grade.A_PLUS, "A": Grade.A, "B": Grade.B, "B-": Grade.B_MINUS, "C": Grade.C, "D": Grade.D}
_PREFIXES = (
    ("民生豁免", ControlType.EXEMPT),
    ("豁免", ControlType.EXEMPT),
    ("保障类", ControlType.GUARANTEE),
    ("保障", ControlType.GUARANTEE),
)


def read_grade(raw: str | None) -> GradeReading | None:
    """Return what a grade cell means, or None when it cannot be read (the importer reports it)."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = re.sub(r"\s+", "", text).replace("－", "-").replace("—", "-").replace("–", "-")
    if text in {"", "未分级", "无", "-", "/"}:
        return GradeReading(Grade.UNGRADED)
    if text == "长期停产":
        return GradeReading(Grade.UNGRADED, ControlType.LONG_STOP)
    control = None
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix):
            control, text = kind, text[len(prefix) :].lstrip("-:：")
            break
    local = text.startswith("地方")
    if local:
        text = text[2:]
    per_line = text.endswith("生产线")
    if per_line:
        text = text[: -len("生产线")]
    text = text.removeprefix("绩效").removesuffix("企业")
    if text in {"引领性", "引领"}:
        return GradeReading(Grade.LEADING, control, local, per_line)
    if text in {"非引领性", "非引领"}:
        return GradeReading(Grade.NON_LEADING, control, local, per_line)
    letter = text.upper().removesuffix("级").removesuffix("类")
    letter = re.sub(r"\(含B-\)$", "", letter)  # "B(含B-)" as provincial results publish it
    if letter in _LETTERS:
        return GradeReading(_LETTERS[letter], control, local, per_line)
    if control is not None and letter == "":
        return GradeReading(Grade.UNGRADED, control, local, per_line)
    return None
