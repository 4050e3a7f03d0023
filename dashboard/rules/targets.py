"""减排比例核算: does the list's daily reduction at each level reach the required share of the county's
emissions? Pure arithmetic on numbers the caller reads; the targets and the base are data with a source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.vocab import Level

LEVELS = (Level.YELLOW, Level.ORANGE, Level.RED)

# The national rule as others restate it (domain.md §1.4 [S4] Tianjin plan summary, [S5]): reductions during
# yellow, orange and red warnings reach 10 %, 20 % and 30 % of society-wide emissions, for SO₂, NOx, PM and
# VOCs alike. Whether Shandong and Jinan keep exactly these ratios is unconfirmed: an admin sets them as data,
# with their source; these are only what "use the national defaults" fills in.
DEFAULT_PERCENT = {Level.YELLOW: 10.0, Level.ORANGE: 20.0, Level.RED: 30.0}


@dataclass(frozen=True)
class TargetRow:
    """One level and pollutant: target, achieved share, and what is missing."""

    level: Level
    pollutant: str
    target_percent: float | None  # None: no target set
    reduction_tpd: float  # Σ daily reductions of the published list
    base_tpd: float | None  # county total ÷ 365 (None: no total set)

    @property
    def achieved_percent(self) -> float | None:
        """The list's reduction as a share of the county's daily emission."""
        if not self.base_tpd:
            return None
        return self.reduction_tpd / self.base_tpd * 100

    @property
    def required_tpd(self) -> float | None:
        """What the target asks for, t/d."""
        if self.target_percent is None or self.base_tpd is None:
            return None
        return self.base_tpd * self.target_percent / 100

    @property
    def shortfall_tpd(self) -> float | None:
        """t/d still missing (0 when met; None when unknown)."""
        required = self.required_tpd
        return None if required is None else max(0.0, required - self.reduction_tpd)

    @property
    def met(self) -> bool | None:
        """Whether the target is reached (None when it cannot be said)."""
        shortfall = self.shortfall_tpd
        return None if shortfall is None else shortfall <= 1e-12


def check(
    reductions: Mapping[tuple[Level, str], float],
    annual_base: Mapping[str, float],
    targets: Mapping[tuple[Level, str], float],
) -> list[TargetRow]:
    """Every level × pollutant (yellow first; SO₂, NOx, PM, VOCs)."""
    return [
        TargetRow(
            level,
            p,
            targets.get((level, p)),
            reductions.get((level, p), 0.0),
            annual_base[p] / 365 if annual_base.get(p) else None,
        )
        for level in LEVELS
        for p in POLLUTANTS
    ]
