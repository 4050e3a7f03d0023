"""The console in a real browser: filter by grade and town, counts agree, a card opens, a reload keeps the view."""

from __future__ import annotations

from typing import Any

from dashboard.rules.vocab import Grade
from data_access.db import Database
from data_access.demo_county import generate
from tests.conftest import Gunicorn, shot
from tests.test_browser import log_in

TOWN_CODE, TOWN_NAME = "370126107", "玉皇庙镇"

# Clusters carry their exact size in data-count; single enterprises are circle markers with class hz-point.
MAP_TOTAL = """() => {
  const clusters = Array.from(document.querySelectorAll('#console-map .hz-count'))
    .map(e => Number(e.dataset.count)).reduce((a, b) => a + b, 0);
  return clusters + document.querySelectorAll('#console-map path.hz-point').length;
}"""
GRID_TOTAL = """() => {
  try { return dash_ag_grid.getApi('console-grid').getDisplayedRowCount(); } catch (e) { return -1; }
}"""


def pick(page: Any, dropdown: str, option: str) -> None:
    page.click(f"#{dropdown}")
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def settled(page: Any, expected_total: int) -> tuple[int, int, int]:
    """Wait until map, badge and grid show the filtered set; return (map points, 无坐标, grid rows)."""
    page.wait_for_selector(f"#console-count >> text=共 {expected_total} 家企业")
    page.wait_for_function(f"() => ({GRID_TOTAL})() === {expected_total}")
    unlocated = int(page.inner_text("#console-nocoord").split()[-1])
    page.wait_for_function(f"() => ({MAP_TOTAL})() === {expected_total - unlocated}")
    return page.evaluate(MAP_TOTAL), unlocated, page.evaluate(GRID_TOTAL)


def test_filter_by_grade_and_town_counts_agree_card_opens_and_reload_keeps_the_view(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    specs = generate()
    want = [e for e in specs if e.grade is Grade.C and e.town_code == TOWN_CODE]  # independent of the app
    want_unlocated = sum(1 for e in want if e.lat is None)
    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#console-map .leaflet-marker-icon")
    points, unlocated, rows = settled(page, len(specs))
    assert points + unlocated == rows == len(specs)
    shot(page, "console")

    pick(page, "f-grade", "C")  # the first change after a load refreshes the grid too, not only the map
    grade_c = [e for e in specs if e.grade is Grade.C]
    points, unlocated, rows = settled(page, len(grade_c))
    assert points + unlocated == rows == len(grade_c)
    pick(page, "f-town", TOWN_NAME)
    points, unlocated, rows = settled(page, len(want))
    assert unlocated == want_unlocated
    assert points + unlocated == rows == len(want)
    assert "grade=C" in page.url and f"town={TOWN_CODE}" in page.url

    first = sorted(want, key=lambda e: e.name)[0].name
    page.click(f"#console-grid .ag-row >> text={first}")
    page.wait_for_selector(f"#console-card >> text={first}")
    page.wait_for_selector("#console-card >> text=红色预警（Ⅰ级）")
    shot(page, "console-card")
    assert "sel=" in page.url

    page.reload()
    page.wait_for_selector(f"#console-card >> text={first}")
    points, unlocated, rows = settled(page, len(want))
    assert points + unlocated == rows == len(want)
    assert page.console_errors == []
