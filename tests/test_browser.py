"""What a person does, in headless Debian chromium against gunicorn: log in, manage users, switch language."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from data_access.db import Database
from data_access.seed import DEMO_USERS
from tests.conftest import Gunicorn, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page: Any, base: str, username: str, password: str = "hazeops-demo") -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-btn")


def log_out(page: Any) -> None:
    page.click("#shell-user-menu")
    page.click("#shell-logout")
    page.wait_for_selector("#login-btn")


def api_me(base: str, token: str) -> int:
    req = urllib.request.Request(base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())["username"] == "zhang.wei"
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def test_a_failed_login_shows_one_clear_chinese_message(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    log_in(page, live_server.url, "admin", "wrong-password")
    assert page.inner_text("#login-error") == "用户名或密码错误。"
    shot(page, "login-failed")
    assert page.console_errors == [] or all("401" in e for e in page.console_errors)


def test_admin_creates_a_user_who_logs_in_switches_language_and_logs_out(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    base = live_server.url
    log_in(page, base, "admin")
    page.wait_for_selector("#shell-navbar")
    assert page.inner_text("#nav-home") == "总览"
    page.click("#nav-admin-users")
    page.wait_for_selector(".ag-row >> text=演示值班员")
    assert page.title().startswith("用户管理")

    page.fill("#users-new-username", "Zhang.Wei")
    page.fill("#users-new-display", "张伟")
    page.fill("#users-new-password", "initial-pass-1")
    page.click("#users-create")
    page.wait_for_selector("#users-create-msg >> text=已创建用户 zhang.wei")
    page.wait_for_selector(".ag-row >> text=张伟")
    shot(page, "users-created")

    assert page.input_value("#users-new-username") == "" and page.input_value("#users-new-password") == ""

    # The same user again is refused, naming the field, and creates nothing.
    page.fill("#users-new-username", "zhang.wei")
    page.fill("#users-new-display", "张伟")
    page.fill("#users-new-password", "initial-pass-1")
    page.click("#users-create")
    page.wait_for_selector("#users-create-msg >> text=用户名：zhang.wei 已被使用。")
    assert page.locator(".ag-row >> text=张伟").count() == 1

    # Issue a token in the browser, use it on the API, revoke it.
    page.click(".ag-row >> text=张伟")
    page.wait_for_selector("#users-detail-text >> text=张伟（zhang.wei）")
    page.fill("#users-token-name", "报表脚本")
    page.click("#users-issue-token")
    token = page.inner_text("#users-token-value").strip()
    assert token.startswith("hzo_")
    assert api_me(base, token) == 200
    shot(page, "users-token")
    page.click("#users-token-grid .ag-row >> text=报表脚本")
    page.click("#users-revoke-token")
    page.wait_for_selector("#users-token-msg >> text=已吊销")
    assert api_me(base, token) == 401

    log_out(page)
    log_in(page, base, "zhang.wei", "initial-pass-1")
    page.wait_for_selector("#shell-navbar")
    assert page.locator("#nav-admin-users").count() == 0  # a duty officer sees no admin pages
    page.click("#shell-lang-en")
    page.wait_for_selector("#nav-home >> text=Overview")
    page.wait_for_selector("#console-count >> text=Enterprises:")  # the console, in English
    assert "张伟" in page.inner_text("#shell-user-menu")
    shot(page, "home-english")
    log_out(page)
    assert page.inner_text("#login-btn") == "Log in"  # the language stays for the login page
    assert page.console_errors == []


def test_an_ended_session_in_an_open_page_lands_on_the_login_page(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#shell-navbar")
    # Start from a quiet page: the console keeps loading rows, and a 401 there would already redirect.
    page.goto(live_server.url + "/no-such-page")
    page.wait_for_selector("#page-not-found")
    page.context.clear_cookies()
    page.click("#shell-user-menu")
    page.click("#shell-account")
    page.wait_for_selector("#login-info")
    assert "/login?next=" in page.url
    assert "请先登录" in page.inner_text("#login-info")
    page.fill("#username", "duty")
    page.fill("#password", "hazeops-demo")
    page.click("#login-btn")
    page.wait_for_selector("#account-save-password")  # back where the person was going


def test_unknown_pages_show_a_404_inside_the_shell(page: Any, live_server: Gunicorn, db: Database) -> None:
    log_in(page, live_server.url, "leader")
    page.wait_for_selector("#shell-navbar")
    page.goto(live_server.url + "/no/such/page")
    page.wait_for_selector("#page-not-found")
    assert page.locator("#shell-navbar").is_visible()
    page.goto(live_server.url + "/admin/users")
    page.wait_for_selector("#page-forbidden")
    shot(page, "forbidden-for-leadership")


def test_the_audit_log_filters_by_actor_from_the_url(page: Any, live_server: Gunicorn, db: Database) -> None:
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#shell-navbar")
    page.goto(live_server.url + "/admin/audit?actor=seed")
    # The seed audits one creation per demo login, one list publication, one load of the city's warning
    # history, the demo warning it issues, one air-quality import, the default targets, and one emission
    # base per pollutant (SO2, NOx, PM, VOCs).
    expected = len(DEMO_USERS) + 1 + 1 + 1 + 1 + 1 + 4
    page.wait_for_selector(f"#audit-count >> text=共 {expected} 条")
    assert page.locator("#audit-grid .ag-row").count() == expected
    shot(page, "audit-log")


def test_double_clicks_create_one_record_and_lose_nothing(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    from data_access import users

    log_in(page, live_server.url, "admin")
    page.click("#nav-admin-users")
    page.wait_for_selector(".ag-row >> text=演示值班员")
    page.fill("#users-new-username", "li.na")
    page.fill("#users-new-display", "李娜")
    page.fill("#users-new-password", "initial-pass-2")
    page.dblclick("#users-create")
    page.wait_for_selector("#users-create-msg >> text=已创建用户 li.na")
    assert [u.username for u in users.list_users(db)].count("li.na") == 1

    page.click(".ag-row >> text=李娜")
    page.wait_for_selector("#users-detail-text >> text=李娜（li.na）")
    page.fill("#users-token-name", "值班报表")
    page.dblclick("#users-issue-token")
    assert page.inner_text("#users-token-value").startswith("hzo_")  # the secret is shown, not lost
    uid = users.find_user_id(db, "li.na")
    assert len(users.list_tokens(db, uid)) == 1

    page.fill("#users-reason", "调岗")
    page.dblclick("#users-deactivate")
    page.wait_for_selector("#users-action-msg >> text=已停用 li.na")
    page.wait_for_selector("#users-activate", state="visible")
    assert not users.get_user(db, uid).is_active  # a double click does not deactivate and reactivate
    assert page.input_value("#users-reason") == ""  # the reason belonged to that one action
    assert page.locator("#users-token-value").count() == 1  # kept after the reload of the same user

    page.click(".ag-row >> text=演示值班员")
    page.wait_for_selector("#users-detail-text >> text=演示值班员（duty）")
    assert page.locator("#users-token-value").count() == 0  # another user's secret never shows here
    shot(page, "users-after-double-clicks")
    assert page.console_errors == []


def test_a_refused_action_says_so_when_the_role_changed_meanwhile(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    from data_access import users
    from data_access.audit import Actor

    users.create_user(
        db,
        Actor.system("test"),
        username="chief",
        display_name="另一位管理员",
        role="admin",
        password="chief-pass-1",
    )
    log_in(page, live_server.url, "admin")
    page.click("#nav-admin-users")
    page.wait_for_selector(".ag-row >> text=演示值班员")
    admin = users.get_user(db, users.find_user_id(db, "admin"))
    users.change_role(db, Actor.system("test"), admin.id, "duty_officer", admin.version, "测试")
    page.fill("#users-new-username", "late.user")
    page.click("#users-create")
    page.wait_for_selector("#hazeops-toast >> text=无权执行此操作")
    assert "late.user" not in [u.username for u in users.list_users(db)]
    shot(page, "refused-action-toast")
