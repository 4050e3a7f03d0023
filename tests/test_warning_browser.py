"""Warnings in a real browser: raising the demo's orange warning to red (the map follows for the officer,
the banner within the refresh on a leader's open page), a lifting announced for later and its withdrawal,
bad steps refused, and the targets and history pages."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from data_access.db import Database
from data_access.models import AuditEvent, ReductionTarget
from tests.conftest import Gunicorn, shot
from tests.test_browser import log_in
from tests.test_console_browser import pick


def test_raising_the_warning_recolours_the_map_and_the_banner_of_every_open_page(
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
    # ... and so does the console under it: it opened on the level in force and follows it, map included.
    leader.wait_for_selector("#console-legend >> text=红色预警（Ⅰ级）：措施类别", timeout=15_000)
    assert leader.is_checked("input[value='red']")
    shot(leader, "warning-leader-banner")
    assert leader.locator("#warning-change").count() == 0
    # It never wrote the level into the address: a reload follows the warning too (a level the user picks
    # is kept; 不限 is kept as "level=").
    assert "level=" not in leader.url
    leader.reload()
    leader.wait_for_selector("#console-legend >> text=红色预警（Ⅰ级）：措施类别")
    leader.click("label:has-text('不限')")
    leader.wait_for_url("**/?level=")
    leader.reload()
    leader.wait_for_selector("#console-count >> text=共 400 家企业")
    assert not leader.is_checked("input[value='red']")
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


def test_a_lifting_announced_for_tomorrow_keeps_the_warning_and_a_mistake_is_withdrawn(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    from datetime import timedelta

    from dashboard.timeutil import to_local, utcnow

    tomorrow = (to_local(utcnow()) + timedelta(days=1)).strftime("%Y-%m-%d")
    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#nav-warning")
    page.goto(live_server.url + "/warning")
    page.wait_for_selector("#warning-lift")
    page.fill("#warning-effect-day", tomorrow)
    page.fill("#warning-effect-time", "12:00")
    page.click("#warning-lift")
    page.wait_for_selector("#warning-timeline >> text=解除")  # reloaded with the lifting recorded
    # The response goes on until tomorrow noon: the banner stays orange and says when it ends.
    page.wait_for_selector("#warning-banner[data-level='orange'] >> text=将于")
    assert f"{tomorrow} 12:00" in page.inner_text("#warning-banner")
    assert not page.is_visible("#warning-change") and not page.is_visible("#warning-lift")
    shot(page, "warning-lift-announced")

    # It was the wrong document: withdraw the lifting, with a reason.
    page.click("#warning-withdraw summary")
    page.click("#warning-withdraw-confirm")
    page.wait_for_selector("#warning-withdraw-msg >> text=请填写撤回原因")
    page.fill("#warning-withdraw-reason", "解除通知录错了文件")
    page.click("#warning-withdraw-confirm")
    page.wait_for_selector("#warning-lift:visible")  # reloaded: the lifting is gone
    assert "将于" not in page.inner_text("#warning-banner")
    with db.read() as s:
        reasons = s.scalars(select(AuditEvent.reason).where(AuditEvent.action == "warning.withdraw")).all()
    assert reasons == ["解除通知录错了文件"]
    assert page.console_errors == []


def test_an_admin_edits_a_target_from_what_is_stored_and_a_stale_form_is_refused(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#nav-targets")
    page.goto(live_server.url + "/targets")
    page.wait_for_selector("#targets-edit-percent")
    # The demo seeds the national default for yellow SO2 (10 %); the form shows it for editing.
    expect(page.locator("#targets-edit-percent")).to_have_value("10")
    other = page.context.new_page()
    other.goto(live_server.url + "/targets")
    expect(other.locator("#targets-edit-percent")).to_have_value("10")

    page.fill("#targets-edit-percent", "12")
    page.fill("#targets-edit-source", "商河县重污染天气应急预案（测试）")
    page.click("#targets-save")
    page.wait_for_selector("#targets-msg >> text=已保存")
    other.fill("#targets-edit-percent", "15")
    other.fill("#targets-edit-source", "另一份文件（测试）")
    other.click("#targets-save")
    other.wait_for_selector("#targets-msg >> text=刚被其他人修改过")
    with db.read() as s:
        stored = s.scalars(select(ReductionTarget.percent).where(ReductionTarget.pollutant == "so2")).all()
    assert 12 in stored and 15 not in stored


def test_a_duty_officer_uploads_air_quality_and_sees_each_bad_line(
    page: Any, live_server: Gunicorn, db: Database, tmp_path: Any
) -> None:
    from data_access import airquality

    bad, good = tmp_path / "有误.csv", tmp_path / "商河.csv"
    bad.write_text("日期,PM2.5\n2026-03-01,80\n2026-03-02,很高\n", encoding="utf-8")
    good.write_text("日期,PM2.5\n2026-03-01,80\n2026-03-02,95\n", encoding="utf-8-sig")
    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#nav-history")
    page.goto(live_server.url + "/history")
    page.wait_for_selector("#aq-file")
    page.fill("#aq-city", "商河")
    page.set_input_files("#aq-file", str(bad))
    page.click("#aq-upload")
    page.wait_for_selector("#aq-bad >> text=第 3 行")
    assert airquality.series(db, "商河", "pm25") == []
    page.set_input_files("#aq-file", str(good))
    page.click("#aq-upload")
    page.wait_for_selector("#aq-done >> text=已导入 2 条")
    assert len(airquality.series(db, "商河", "pm25")) == 2
    # The browser logs the refused upload's status itself; nothing else may have failed.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_a_console_left_open_follows_a_lifting_but_keeps_a_level_the_user_chose(
    page: Any, browser: Any, live_server: Gunicorn, db: Database
) -> None:
    from dashboard.timeutil import utcnow
    from data_access import warnings
    from data_access.audit import Actor

    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#console-legend >> text=橙色预警（Ⅱ级）：措施类别")
    chosen = page.context.new_page()
    chosen.goto(live_server.url + "/?level=yellow")
    chosen.wait_for_selector("#console-legend >> text=黄色预警（Ⅲ级）：措施类别")

    now = utcnow()
    warnings.lift(db, Actor(None, "test"), now, now, "济南市重污染天气应急指挥部办公室〔测试〕3号")
    # The following page drops to no level (all 400 enterprises) by itself; the one the user set stays yellow.
    page.wait_for_selector("#warning-banner[data-level='none']", state="attached", timeout=15_000)
    page.wait_for_selector("#console-count >> text=共 400 家企业", timeout=15_000)
    assert page.is_checked("input[value='']") and "level" not in page.url
    expect(page.locator("#console-legend")).not_to_contain_text("预警")  # coloured by grade again
    chosen.wait_for_selector("#warning-banner[data-level='none']", state="attached", timeout=15_000)
    chosen.wait_for_timeout(3_000)  # a banner tick later
    assert chosen.is_checked("input[value='yellow']") and "level=yellow" in chosen.url
    assert page.console_errors == []


def level_shown(page: Any, level: str, legend: str) -> None:
    """Wait until the console's level filter and its map legend both show `level`."""
    page.wait_for_selector(f"#f-level input[value='{level}']:checked", state="attached", timeout=15_000)
    page.wait_for_selector(f"#console-legend >> text={legend}", timeout=15_000)


def test_a_level_the_user_picks_stays_even_the_followed_one_or_one_picked_while_the_poll_is_under_way(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    from dashboard.timeutil import utcnow
    from data_access import warnings
    from data_access.audit import Actor

    log_in(page, live_server.url, "duty")
    level_shown(page, "orange", "橙色预警（Ⅱ级）：措施类别")
    # Away and back to the level the console follows: now the user's choice, and the URL says so.
    page.check("#f-level input[value='red']")
    page.wait_for_url("**/?level=red")
    page.check("#f-level input[value='orange']")
    page.wait_for_url("**/?level=orange")

    # A second page follows the warning; its next banner poll is held back while the city lowers to yellow,
    # and the user picks red before the answer arrives.
    follower = page.context.new_page()
    follower.goto(live_server.url + "/")
    level_shown(follower, "orange", "橙色预警（Ⅱ级）：措施类别")
    held: list[Any] = []

    def hold_banner(route: Any) -> None:
        if not held and "shell-level-now" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    follower.route("**/_dash-update-component*", hold_banner)  # Dash adds a query string
    now = utcnow()
    warnings.change_level(
        db, Actor(None, "test"), "yellow", now, now, "济南市重污染天气应急指挥部办公室〔测试〕4号"
    )
    for _ in range(100):  # the next poll (every 2 s in tests)
        if held:
            break
        follower.wait_for_timeout(200)
    assert held, "no banner poll within 20 s"
    follower.check("#f-level input[value='red']")
    # (Dash holds the filter's own callbacks until the poll answers: it may move the level they read.)
    held[0].continue_()
    follower.unroute("**/_dash-update-component*")
    follower.wait_for_selector("#warning-banner[data-level='yellow']", state="attached", timeout=15_000)
    page.wait_for_selector("#warning-banner[data-level='yellow']", state="attached", timeout=15_000)
    page.wait_for_timeout(3_000)  # a banner tick later, on both pages
    for p, level, legend in ((page, "orange", "橙色预警（Ⅱ级）"), (follower, "red", "红色预警（Ⅰ级）")):
        assert p.is_checked(f"#f-level input[value='{level}']") and p.url.endswith(f"/?level={level}")
        expect(p.locator("#console-legend")).to_contain_text(legend + "：措施类别")

    # 重置 brings back the console as it opens: the level in force (yellow), followed again.
    page.click("#f-reset")
    level_shown(page, "yellow", "黄色预警（Ⅲ级）：措施类别")
    page.wait_for_url(live_server.url + "/")
    # A category chosen there is the person's choice too: clearing it later does not resume following.
    pick(page, "f-category", "停产")
    page.wait_for_url("**/?level=yellow&category=stop")
    now = utcnow()
    warnings.change_level(
        db, Actor(None, "test"), "red", now, now, "济南市重污染天气应急指挥部办公室〔测试〕5号"
    )
    page.wait_for_selector("#warning-banner[data-level='red']", state="attached", timeout=15_000)
    pick(page, "f-category", "停产")  # chosen again: off
    page.wait_for_url("**/?level=yellow")
    page.wait_for_timeout(3_000)  # a banner tick later
    assert page.is_checked("#f-level input[value='yellow']") and page.url.endswith("/?level=yellow")
    assert page.console_errors == []


def test_the_address_and_the_console_agree_after_back_forward_a_link_home_and_an_explicit_no_level(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    log_in(page, live_server.url, "duty")
    level_shown(page, "orange", "橙色预警（Ⅱ级）：措施类别")  # following the demo's orange warning
    page.check("#f-level input[value='red']")
    page.wait_for_url("**/?level=red")
    level_shown(page, "red", "红色预警（Ⅰ级）：措施类别")
    page.go_back()
    page.wait_for_url(live_server.url + "/")
    level_shown(page, "orange", "橙色预警（Ⅱ级）：措施类别")
    page.go_forward()
    page.wait_for_url("**/?level=red")
    level_shown(page, "red", "红色预警（Ⅰ级）：措施类别")
    page.click("#nav-home")  # the console's own link: the default console again, following the warning
    level_shown(page, "orange", "橙色预警（Ⅱ级）：措施类别")
    assert "level" not in page.url

    # 不限 named in the address stays 不限, through filter changes and a reload, while orange is in force.
    page.goto(live_server.url + "/?level=")
    page.wait_for_selector("#console-count >> text=共 400 家企业", timeout=15_000)
    page.wait_for_timeout(2_000)  # the filter callbacks have run
    assert page.url.endswith("/?level=")
    page.reload()
    page.wait_for_selector("#console-count >> text=共 400 家企业", timeout=15_000)
    assert page.is_checked("#f-level input[value='']") and page.url.endswith("/?level=")

    # The console tidies a shared link's address as it loads (a town or park it lacks dropped, with no failed
    # map request); that is no step of the person's, so Back leaves the page instead of landing on the untidy
    # address and being sent forward again.
    page.goto(live_server.url + "/history")
    page.wait_for_selector("#history-episodes")
    page.goto(live_server.url + "/?from=singlemessage&isappinstalled=0&town=370126999&park=nowhere")
    page.wait_for_url(live_server.url + "/")
    level_shown(page, "orange", "橙色预警（Ⅱ级）：措施类别")
    page.go_back()
    page.wait_for_url(live_server.url + "/history")
    page.wait_for_selector("#history-episodes")
    assert page.console_errors == []
