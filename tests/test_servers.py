"""Against real gunicorn with two workers: throttling is shared, sessions work on every worker, and the
security matrix holds under URL_PREFIX too."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from data_access.db import Database
from tests.conftest import Gunicorn, snapshot
from tests.test_security import PUBLIC_ENDPOINTS, body_for, concrete_urls, rule_of, server_callbacks

pytestmark = pytest.mark.slow


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browserless:
    """A cookie-keeping HTTP client that does not follow redirects (one TCP connection per request)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(
        self, path: str, method: str = "GET", data: dict[str, str] | None = None, payload: Any = None
    ) -> tuple[int, dict[str, str], str]:
        body, headers = None, {"Connection": "close"}
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read().decode()

    def login(self, username: str, password: str = "hazeops-demo") -> int:
        _, _, html = self.request("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        status, _, _ = self.request(
            "/login", "POST", {"username": username, "password": password, "csrf": token}
        )
        return status


def test_throttling_is_shared_by_two_gunicorn_workers(db: Database, tmp_path: Path, config: Any) -> None:
    log = tmp_path / "access.log"
    server = Gunicorn(
        {"DATABASE_URL": config.database_url, "LOGIN_MAX_FAILURES_USER": "6"}, workers=2, log=log
    )
    try:
        clients = [Browserless(server.url) for _ in range(2)]
        for c in clients:
            c.request("/login")

        def fail(c: Browserless) -> int:
            _, _, html = c.request("/login")
            token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
            return c.request("/login", "POST", {"username": "lead", "password": "wrong", "csrf": token})[0]

        with ThreadPoolExecutor(2) as pool:  # pairs in parallel: a busy sync worker forces the other to serve
            codes = [code for _ in range(3) for code in pool.map(fail, clients)]
        assert codes == [401] * 6
        with ThreadPoolExecutor(2) as pool:
            after = [code for _ in range(2) for code in pool.map(fail, clients)]
        assert after == [429] * 4
        assert clients[0].login("lead") == 429  # the right password too, on whichever worker
        assert clients[1].login("duty") == 302  # another user is not locked out
    finally:
        server.stop()
    pids = {line.split()[0] for line in log.read_text().splitlines() if "POST /login" in line}
    assert len(pids) == 2, f"login POSTs were served by {pids}"


def test_a_session_works_on_every_worker(live_server: Gunicorn, db: Database) -> None:
    c = Browserless(live_server.url)
    assert c.login("duty") == 302
    assert [c.request("/_dash-layout")[0] for _ in range(12)] == [200] * 12


@pytest.fixture(scope="module")
def prefixed(config: Any, database: Database) -> Any:
    server = Gunicorn({"DATABASE_URL": config.database_url, "URL_PREFIX": "/hazeops"})
    yield server
    server.stop()


def test_under_url_prefix_anonymous_requests_get_nothing(app: Any, prefixed: Gunicorn, db: Database) -> None:
    anon = Browserless(prefixed.url)
    checked = 0
    for endpoint, url, methods in concrete_urls(app):
        for method in sorted(methods):
            status, headers, body = anon.request(url, method, payload={} if method == "POST" else None)
            if endpoint in PUBLIC_ENDPOINTS:
                continue
            if endpoint == "auth.logout":  # public, so an ended login can log out: without a token, nothing
                assert status == 302 and headers["Location"] in {"/hazeops/", "/hazeops/login"}, method
                continue
            checked += 1
            assert status in {302, 401}, (method, url, status)
            if status == 302:
                assert headers["Location"].startswith("/hazeops/login?next=/hazeops"), headers["Location"]
            assert "演示管理员" not in body
    assert checked >= 8
    for key, entry in server_callbacks(app).items():
        assert anon.request("/_dash-update-component", "POST", payload=body_for(key, entry))[0] == 401
    outside = Browserless(prefixed.url.removesuffix("/hazeops"))
    assert outside.request("/login")[0] == 404
    assert anon.request("/healthz")[0] == 200


def test_under_url_prefix_leadership_is_refused_every_write(
    app: Any, prefixed: Gunicorn, db: Database
) -> None:
    leader = Browserless(prefixed.url)
    assert leader.login("leader") == 302
    before = snapshot(db)
    writes = 0
    for key, entry in server_callbacks(app).items():
        rule = rule_of(entry)
        if rule is not None and rule.access.value == "write":
            writes += 1
            assert (
                leader.request("/_dash-update-component", "POST", payload=body_for(key, entry))[0] == 403
            ), key
    assert writes >= 6 and snapshot(db) == before
    status, _, html = leader.request("/")
    assert status == 200 and "/hazeops/_dash-component-suites/" in html
    admin = Browserless(prefixed.url)
    assert admin.login("admin") == 302
    assert admin.request("/_dash-layout")[0] == 200
    assert admin.request("/admin/users")[0] == 200
