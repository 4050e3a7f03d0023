"""Login, logout, sessions, tokens and the API frame through the real Flask app."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select, update

from data_access import users
from data_access.audit import Actor
from data_access.db import Database
from data_access.models import AuditEvent, User, UserSession
from data_access.seed import DEMO_PASSWORD
from tests.conftest import ROOT, csrf_of, login

FAILED = "用户名或密码错误。"


def logout(client: Any) -> Any:
    with client.session_transaction() as sess:
        token = sess.get("csrf", "")
    return client.post("/logout", data={"csrf": token})


def test_login_page_is_public_and_chinese(client: Any) -> None:
    resp = client.get("/login")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "登录" in body and 'lang="zh-CN"' in body
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_answer(client: Any) -> None:
    wrong = login(client, "admin", "not-the-password")
    unknown = login(client, "no-such-user", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    for resp in (wrong, unknown):
        body = resp.get_data(as_text=True)
        assert FAILED in body and "不存在" not in body
    strip = lambda r: r.get_data(as_text=True).replace("admin", "X").replace("no-such-user", "X")  # noqa: E731
    assert strip(wrong).split('name="csrf"')[0] == strip(unknown).split('name="csrf"')[0]


def test_login_then_logout_is_audited(client: Any, db: Database) -> None:
    resp = login(client, "duty")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert logout(client).status_code == 302
    assert client.get("/").status_code == 302
    with db.read() as s:
        actions = list(
            s.scalars(
                select(AuditEvent.action).where(AuditEvent.actor_name == "duty").order_by(AuditEvent.id)
            )
        )
    assert actions == ["auth.login", "auth.logout"]


def test_only_a_request_that_changes_the_session_sends_the_cookie(client: Any, db: Database) -> None:
    # A banner poll that read the cookie before a language switch must not write the old one back after it.
    assert "hazeops_session" in login(client, "duty").headers.get("Set-Cookie", "")
    for path in ("/", "/api/v1/warnings/current", "/warning"):
        resp = client.get(path)
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers, path


def test_the_login_page_after_logout_speaks_the_users_stored_language(client: Any, db: Database) -> None:
    login(client, "duty")
    users.set_language(db, Actor(users.find_user_id(db, "duty"), "duty"), "en")  # chosen in another tab
    assert logout(client).status_code == 302
    assert "Log in" in client.get("/login?logged_out=1").get_data(as_text=True)


def test_login_redirects_back_but_never_off_site(client: Any) -> None:
    page = client.get("/login?next=/account")
    resp = client.post(
        "/login?next=/account",
        data={"username": "duty", "password": "hazeops-demo", "csrf": csrf_of(page.get_data(as_text=True))},
    )
    assert resp.headers["Location"] == "/account"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        logout(client)
        page = client.get("/login")
        resp = client.post(
            f"/login?next={evil}",
            data={
                "username": "duty",
                "password": "hazeops-demo",
                "csrf": csrf_of(page.get_data(as_text=True)),
            },
        )
        assert resp.headers["Location"] == "/", evil


def test_a_post_without_the_csrf_token_is_refused(client: Any) -> None:
    resp = client.post("/login", data={"username": "admin", "password": "hazeops-demo"})
    assert resp.status_code == 400 and "已过期" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_throttled_logins_answer_429_at_once(client: Any) -> None:
    for _ in range(5):
        assert login(client, "leader", "wrong").status_code == 401
    started = time.monotonic()
    resp = login(client, "leader", "hazeops-demo")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    assert time.monotonic() - started < 5  # answered, not slept (generous: this is not a speed test)
    for _ in range(5):
        login(client, "ghost-user", "wrong")
    assert login(client, "ghost-user", "wrong").status_code == 429  # unknown users look the same


def test_cookies_are_httponly_and_samesite(client: Any) -> None:
    resp = login(client, "duty")
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "hazeops_session" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    other = client.application.test_client()  # a second browser, over HTTPS
    form = other.get("/login", base_url="https://localhost").get_data(as_text=True)
    https = other.post(
        "/login",
        base_url="https://localhost",
        data={"username": "duty", "password": DEMO_PASSWORD, "csrf": csrf_of(form)},
    )
    secure = [v for k, v in https.headers.items() if k == "Set-Cookie"]
    assert https.status_code == 302 and secure and all("Secure" in v for v in secure)


def test_deactivating_a_user_ends_their_open_session_at_once(client: Any, db: Database, app: Any) -> None:
    login(client, "member")
    assert client.get("/_dash-layout").status_code == 200
    with db.read() as s:
        u = s.scalar(select(User).where(User.username == "member"))
    users.set_active(db, Actor(None, "admin-test"), u.id, False, u.version, "测试")
    resp = client.get("/_dash-layout")
    assert resp.status_code == 401 and resp.json["error"]["code"] == "unauthorized"
    assert client.get("/account").status_code == 302


def test_an_expired_session_is_refused(client: Any, db: Database) -> None:
    login(client, "duty")
    assert client.get("/_dash-layout").status_code == 200
    with db.engine.begin() as conn:  # as if SESSION_HOURS had passed
        conn.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/_dash-layout").status_code == 401
    resp = client.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    resp = logout(client)  # the logout form of a page left open past expiry: a page, not JSON
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/")


def test_the_cookie_outlives_the_login_so_its_end_still_speaks_the_users_language(
    app: Any, client: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(User).where(User.username == "member").values(language="en"))
    resp = login(client, "member")
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("hazeops_session="))
    match = re.search(r"Expires=([^;]+)", cookie)
    assert match, cookie
    with db.read() as s:
        ends = s.scalar(select(UserSession.expires_at).order_by(UserSession.id.desc()))
    # The cookie is sent only when the session changes: were it to expire with the login, the browser would
    # drop it at that moment and the login page shown for the ended session would not know the language.
    assert parsedate_to_datetime(match.group(1)) - ends > timedelta(days=1)

    # The login ends (SESSION_HOURS have passed): the cookie the browser still sends was signed back then.
    with db.engine.begin() as conn:
        conn.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with client.session_transaction() as sess:
        data = dict(sess)
    hours = app.server.extensions["hazeops"]["config"].session_hours
    signed_at = int(time.time() - (hours + 1) * 3600)
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda _self: signed_at)
        aged = app.server.session_interface.get_signing_serializer(app.server).dumps(data)
    client.set_cookie("hazeops_session", aged)

    resp = client.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'lang="en"' in body and "Log in" in body
    assert client.get("/_dash-layout").status_code == 401  # the cookie outlives the login, not its rights
    resp = logout(client)  # the logout form of a page left open past the end: logged out, in English
    assert resp.headers["Location"] == "/login?logged_out=1"
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'lang="en"' in body and "Log in" in body


def test_logout_ends_the_session_for_a_copied_cookie_too(app: Any, client: Any) -> None:
    login(client, "admin")
    cookie = client.get_cookie("hazeops_session").value
    thief = app.server.test_client()
    thief.set_cookie("hazeops_session", cookie)
    assert thief.get("/api/v1/me").status_code == 200
    assert logout(client).status_code == 302
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/_dash-layout").status_code == 401


def test_only_static_file_types_are_public(client: Any) -> None:
    assert client.get("/assets/hazeops.css").status_code == 200
    assert client.get("/assets/hazeops.js").status_code == 200
    leaked = ROOT / "assets" / "zz-test-data.json"
    leaked.write_text('{"secret": 1}', encoding="utf-8")
    try:
        resp = client.get("/assets/zz-test-data.json")
        assert resp.status_code == 302 and "secret" not in resp.get_data(as_text=True)
        login(client, "duty")
        assert client.get("/assets/zz-test-data.json").status_code == 200
    finally:
        leaked.unlink()


def test_a_request_declared_read_cannot_write(app: Any, db: Database) -> None:
    from flask import g

    from dashboard.errors import PermissionDeniedError
    from dashboard.permissions import Access

    with app.server.test_request_context("/"):
        g.access = Access.READ
        with pytest.raises(PermissionDeniedError):
            users.set_language(db, Actor(1, "admin"), "en")
        g.access = Access.SELF
        users.set_language(db, Actor(users.find_user_id(db, "admin"), "admin"), "en")


def test_api_me_with_session_and_with_bearer_token(client: Any, db: Database, app: Any) -> None:
    assert client.get("/api/v1/me").json == {"error": {"code": "unauthorized", "message": "请先登录。"}}
    with db.read() as s:
        uid = s.scalar(select(User.id).where(User.username == "lead"))
    _, secret = users.issue_token(db, Actor(None, "t"), uid, "api test")
    fresh = app.server.test_client()
    resp = fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200 and resp.json["username"] == "lead" and resp.json["via_token"] is True
    assert "Set-Cookie" not in resp.headers  # a token call opens no session
    assert fresh.get("/_dash-layout", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert fresh.get("/api/v1/me", headers={"Authorization": "Bearer hzo_wrong"}).status_code == 401
    assert (
        fresh.get("/api/v1/nope", headers={"Authorization": f"Bearer {secret}"}).json["error"]["code"]
        == "not_found"
    )
    assert fresh.post("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 405


def test_unknown_pages_are_404_inside_the_shell(client: Any) -> None:
    login(client, "duty")
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and "_dash-renderer" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 200 and client.get("/account").status_code == 200


def test_security_headers_are_set(client: Any) -> None:
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp and "default-src 'self'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_healthz_needs_no_login(client: Any) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok"}


def test_login_records_last_login(client: Any, db: Database) -> None:
    login(client, "lead")
    with db.read() as s:
        assert (
            s.scalar(select(func.count()).where(User.username == "lead", User.last_login_at.is_not(None)))
            == 1
        )


def test_get_logout_changes_nothing_and_logout_says_so(client: Any) -> None:
    login(client, "duty")
    assert client.get("/logout").headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200
    resp = logout(client)
    assert resp.headers["Location"] == "/login?logged_out=1"
    assert "您已退出登录。" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_pages_a_role_may_not_open_answer_403(client: Any) -> None:
    login(client, "leader")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/").status_code == 200


def test_token_errors_say_what_is_wrong(app: Any, db: Database) -> None:
    _, secret = users.issue_token(db, Actor(None, "t"), users.find_user_id(db, "duty"), "x")
    c = app.server.test_client()
    assert c.get("/api/v1/me", headers={"Authorization": f"bearer {secret}"}).status_code == 200
    resp = c.get("/api/v1/me", headers={"Authorization": "Bearer hzo_nope"})
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in resp.json["error"]["message"]


def test_a_malformed_callback_body_is_a_400(app: Any, client: Any) -> None:
    login(client, "admin")
    key = next(k for k in app.callback_map if k.startswith("..users-create-msg"))
    body = {
        "output": key,
        "outputs": {"id": "users-create-msg", "property": "children"},
        "inputs": [],
        "changedPropIds": [],
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_request"


def test_the_login_form_echoes_at_most_64_characters(client: Any) -> None:
    resp = login(client, "x" * 5000, "wrong")
    assert resp.status_code == 401 and "x" * 65 not in resp.get_data(as_text=True)


def test_loading_the_login_page_starts_no_session(client: Any) -> None:
    resp = client.get("/login?next=/account")
    assert not [v for k, v in resp.headers.items() if k == "Set-Cookie"]
    first, second = csrf_of(resp.get_data(as_text=True)), csrf_of(client.get("/login").get_data(as_text=True))
    # Two loads at once (a link and an open page's 401 redirect) both leave a form that works.
    for token in (first, second):
        fresh = client.application.test_client()
        ok = fresh.post("/login", data={"username": "duty", "password": "hazeops-demo", "csrf": token})
        assert ok.status_code == 302


def test_a_login_posted_from_another_site_is_refused(client: Any) -> None:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login",
        data={"username": "duty", "password": "hazeops-demo", "csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert resp.status_code == 400 and client.get("/_dash-layout").status_code == 401
    forged = client.post("/login", data={"username": "duty", "password": "hazeops-demo", "csrf": "forged"})
    assert forged.status_code == 400
