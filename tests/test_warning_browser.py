"""Warnings in a real browser: a duty officer raises the demo's orange warning to red; the banner and the
map follow at once for them and, within the refresh, on a leader's page that was already open."""

from __future__ import annotations

from typing import Any

from data_access.db import Database
from tests.conftest import Gunicorn, shot
from tests.test_browser import log_in


def test_raising_the_warning_recolours_banner_and_map_everywhere(
    page: Any, browser: Any, live_server: Gunicorn, db: Database
) -> None:
    # A leader's page is already open on the console, showing the demo's orange warning.
    other = browser.new_context(
        viewport={"width": 1200, "height": 800}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    leader = other.new_page()
    log_in(leader, live_server.url, "leader")
    leader.wait_for_selector("#warning-banner[data-level='orange']")
    leader.wait_for_selector("#console-legend >> text=橙色预警（Ⅱ级）：措施类别")

    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#warning-banner[data-level='orange']")
    page.click("#nav-warning")
    page.wait_for_selector("#warning-timeline >> text=发布")
    assert "橙色预警" in page.inner_text("#warning-status")
    shot(page, "warning-orange")

    # Record the city's raise to red, effective at once.
    page.click("label:has-text('红色预警') >> nth=0")
    page.fill("#warning-form-doc", "济南市重污染天气应急指挥部办公室〔测试〕2号")
    page.click("#warning-change")
    page.wait_for_selector("#warning-banner[data-level='red']")  # the page reloads in the new state
    page.wait_for_selector("#warning-timeline >> text=升级")
    assert "红色预警" in page.inner_text("#warning-banner")
    page.wait_for_selector("#warning-counts")
    shot(page, "warning-red")

    page.click("#nav-home")
    page.wait_for_selector("#console-legend >> text=红色预警（Ⅰ级）：措施类别")
    assert page.is_checked("input[value='red']")

    # The leader's open page picks the change up by itself (every 2 s in the tests, 30 s in use).
    leader.wait_for_selector("#warning-banner[data-level='red']", timeout=15_000)
    shot(leader, "warning-leader-banner")
    assert leader.locator("#warning-change").count() == 0
    other.close()
    assert page.console_errors == []


def test_a_bad_step_is_refused_in_chinese_and_nothing_changes(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#nav-warning")
    page.goto(live_server.url + "/warning")
    page.wait_for_selector("#warning-lift")
    page.fill("#warning-effect-day", "2020-01-01")  # an end long before the response started
    page.click("#warning-lift")
    page.wait_for_selector("#warning-form-msg >> text=解除时间早于当前级别的生效时间")
    page.fill("#warning-effect-day", "明天")
    page.click("#warning-lift")
    page.wait_for_selector("#warning-form-msg >> text=时间应填日期")
    assert page.locator("#warning-banner[data-level='orange']").count() == 1
    assert page.console_errors == []


def test_targets_and_history_pages_draw_their_charts(page: Any, live_server: Gunicorn, db: Database) -> None:
    log_in(page, live_server.url, "leader")
    page.wait_for_selector("#nav-targets")
    page.click("#nav-targets")
    page.wait_for_selector("#targets-chart-red .main-svg")
    page.wait_for_selector("#targets-top-rows")
    assert page.locator("#targets-save").count() == 0  # leadership reads only
    shot(page, "targets")
    page.click("#nav-history")
    page.wait_for_selector("#aq-chart .main-svg")
    page.wait_for_selector("#history-episodes >> text=济南重污染天气应急办〔2018〕31号")
    assert page.locator("#aq-upload").count() == 0
    shot(page, "history")
    assert page.console_errors == []
