"""Grade cells as real lists publish them (shared/data/README.md, domain.md §3.2)."""

from __future__ import annotations

import pytest

from dashboard.rules.grades import GradeReading, read_grade
from dashboard.rules.vocab import ControlType, Grade


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A", GradeReading(Grade.A)),
        ("A级", GradeReading(Grade.A)),
        (" a ", GradeReading(Grade.A)),
        ("Ａ级", GradeReading(Grade.A)),
        ("A+", GradeReading(Grade.A_PLUS)),
        ("B-", GradeReading(Grade.B_MINUS)),
        ("B－", GradeReading(Grade.B_MINUS)),
        ("B(含B-)", GradeReading(Grade.B)),
        ("C类", GradeReading(Grade.C)),
        ("D", GradeReading(Grade.D)),
        ("引领性", GradeReading(Grade.LEADING)),
        ("绩效引领性企业", GradeReading(Grade.LEADING)),
        ("引领性 生产线", GradeReading(Grade.LEADING, per_line=True)),
        ("非引领性", GradeReading(Grade.NON_LEADING)),
        ("民生豁免-B", GradeReading(Grade.B, ControlType.EXEMPT)),
        ("地方A", GradeReading(Grade.A, local_standard=True)),
        ("长期停产", GradeReading(Grade.UNGRADED, ControlType.LONG_STOP)),
        ("", GradeReading(Grade.UNGRADED)),
        ("未分级", GradeReading(Grade.UNGRADED)),
    ],
)
def test_published_grade_cells(raw: str, expected: GradeReading) -> None:
    assert read_grade(raw) == expected


@pytest.mark.parametrize("raw", ["E", "AA", "优秀", "B+"])
def test_unreadable_cells_are_reported_not_guessed(raw: str) -> None:
    assert read_grade(raw) is None
