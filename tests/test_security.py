"""Case 1 of shared/cases.md: every route and callback of the running app needs a session, and the
permission table (dashboard/permissions.py) covers all of them. Callbacks are enumerated, not listed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from dashboard import permissions
from dashboard.permissions import Access, Rule
from dashboard.roles import Role
from data_access import users
from data_access.audit import Actor
from data_access.db import Database
from data_access.models import User
from tests.conftest import login, snapshot

PUBLIC_ENDPOINTS = {"auth.login", "auth.healthz", "_dash_assets.static"}
SAMPLE = {  # a value for each URL variable, so every rule becomes a concrete URL
    "filename": "hazeops.css",
    "package_name": "dash",
    "fingerprinted_path": "dash-renderer/build/dash_renderer.v4_4_1m1.min.js",
    "path": "admin/users",
    "enterprise_id": "1",
    "import_id": "1",
    "fmt": "xlsx",
}


def concrete_urls(app: Any) -> list[tuple[str, str, set[str]]]:
    """Every Flask rule of the running app as (endpoint, url, methods)."""
    out = []
    for rule in app.server.url_map.iter_rules():
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: SAMPLE[m.group(1)], rule.rule)
        out.append((rule.endpoint, url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return out


def server_callbacks(app: Any) -> dict[str, dict[str, Any]]:
    """callback_map entries that run on the server (clientside ones never reach it)."""
    return {key: entry for key, entry in app.callback_map.items() if "callback" in entry}


def body_for(key: str, entry: dict[str, Any], values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A /_dash-update-component request body as dash_renderer sends it."""
    values = values or {}

    def spec(o: Any) -> dict[str, str]:
        return {"id": o.component_id, "property": o.component_property}

    out = entry["output"]
    inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}", 1)} for i in entry["inputs"]]
    state = [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in entry["state"]]
    return {
        "output": key,
        "outputs": [spec(o) for o in out] if isinstance(out, list) else spec(out),
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def rule_of(entry: dict[str, Any]) -> Rule | None:
    return permissions.CALLBACKS.get(permissions.callback_key(entry["callback"]))


def test_every_route_of_the_running_app_is_declared(app: Any) -> None:
    endpoints = {endpoint for endpoint, _, _ in concrete_urls(app)}
    assert {"auth.login", "api.me", "/_dash-update-component"} <= endpoints
    assert endpoints - permissions.ROUTES.keys() == set(), "undeclared routes"
    assert permissions.ROUTES.keys() - endpoints == set(), "declared routes that no longer exist"


def test_every_callback_of_the_running_app_is_declared(app: Any) -> None:
    keys = {permissions.callback_key(e["callback"]) for e in server_callbacks(app).values()}
    assert "callbacks.admin_users.create_user" in keys and "callbacks.admin_users.issue_token" in keys
    assert len(keys) >= 10
    assert keys - permissions.CALLBACKS.keys() == set(), "undeclared callbacks"
    assert permissions.CALLBACKS.keys() - keys == set(), "declared callbacks that no longer exist"


def test_every_page_is_declared(app: Any) -> None:
    import dash

    assert set(dash.page_registry) == set(permissions.PAGES)


def test_leadership_can_never_be_given_a_write_rule() -> None:
    with pytest.raises(ValueError, match="read-only"):
        Rule(Access.WRITE, frozenset({Role.LEADERSHIP}))


def test_anonymous_requests_get_401_or_a_login_redirect_and_no_data(app: Any, client: Any) -> None:
    checked = 0
    for endpoint, url, methods in concrete_urls(app):
        for method in sorted(methods):
            resp = client.open(url, method=method, json={} if method == "POST" else None)
            body = resp.get_data(as_text=True)
            if endpoint in PUBLIC_ENDPOINTS:
                assert resp.status_code in {200, 400, 401}, (url, resp.status_code)
                continue
            if endpoint == "auth.logout":  # public, so an ended login can log out: without a token, nothing
                assert resp.status_code == 302 and resp.headers["Location"] in {"/", "/login"}, method
                continue
            checked += 1
            assert resp.status_code in {302, 401}, (method, url, resp.status_code)
            if resp.status_code == 302:
                assert resp.headers["Location"].startswith("/login?next="), url
            else:
                assert resp.json["error"]["code"] == "unauthorized", url
            assert "演示管理员" not in body and "display_name" not in body, url
    assert checked >= 8
    for key, entry in server_callbacks(app).items():
        resp = client.post("/_dash-update-component", json=body_for(key, entry))
        assert resp.status_code == 401, key


@pytest.fixture
def attack_values(db: Database) -> dict[str, Any]:
    """Inputs that would really change data if a write callback ran."""
    with db.read() as s:
        leader = s.scalar(select(User).where(User.username == "leader"))
    tok, _ = users.issue_token(db, Actor(None, "setup"), leader.id, "existing")
    return {
        "users-new-username.value": "intruder",
        "users-new-display.value": "入侵者",
        "users-new-role.value": "admin",
        "users-new-password.value": "12345678",
        "users-refresh.data": 0,
        "users-selected.data": {"id": leader.id, "version": leader.version, "role": "leadership"},
        "users-role.value": "admin",
        "users-reason.value": "attack",
        "users-reset-password-input.value": "12345678",
        "users-token-name.value": "leak",
        "users-token-grid.selectedRows": [{"id": tok.id}],
    }


def test_leadership_gets_403_on_every_write_callback_and_nothing_changes(
    app: Any, client: Any, db: Database, attack_values: dict[str, Any]
) -> None:
    assert login(client, "leader").status_code == 302
    before = snapshot(db)
    refused = []
    for key, entry in server_callbacks(app).items():
        rule = rule_of(entry)
        if rule is None or rule.allows(Role.LEADERSHIP):
            continue
        resp = client.post("/_dash-update-component", json=body_for(key, entry, attack_values))
        assert resp.status_code == 403, (key, resp.status_code)
        assert resp.json["error"]["code"] == "forbidden"
        refused.append(permissions.callback_key(entry["callback"]))
    assert "callbacks.admin_users.create_user" in refused and "callbacks.admin_users.load_users" in refused
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "name", ["create_user", "change_role", "reset_password", "issue_token", "revoke_token", "set_active"]
)
def test_the_same_calls_do_change_data_for_an_admin(
    app: Any, client: Any, db: Database, attack_values: dict[str, Any], name: str
) -> None:
    """Control for the test above: the bodies are real, so a missing guard would have shown."""
    login(client, "admin")
    before = snapshot(db)
    [(key, entry)] = [
        (k, e)
        for k, e in server_callbacks(app).items()
        if permissions.callback_key(e["callback"]) == f"callbacks.admin_users.{name}"
    ]
    resp = client.post("/_dash-update-component", json=body_for(key, entry, attack_values))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert snapshot(db) != before


def test_leadership_sees_no_admin_page_content(app: Any, client: Any) -> None:
    login(client, "leader")
    [(key, entry)] = [(k, e) for k, e in server_callbacks(app).items() if "_pages_content" in k]
    for path in ("/admin/users", "/admin/audit"):
        resp = client.post(
            "/_dash-update-component",
            json=body_for(key, entry, {"_pages_location.pathname": path, "_pages_location.search": ""}),
        )
        assert resp.status_code == 200
        text = resp.get_data(as_text=True)
        assert "page-forbidden" in text and "users-grid" not in text and "audit-grid" not in text
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "nav-admin-users" not in layout and "nav-home" in layout


def test_a_route_added_after_start_up_is_guarded_and_denied_until_declared(
    config: Any, database: Database, db: Database
) -> None:
    from dashboard.app import create_app

    late = create_app(config, database)

    @late.server.route("/late-report")
    def late_report() -> str:
        return "secret figures"

    c = late.server.test_client()
    resp = c.get("/late-report")
    assert resp.status_code == 302 and "secret" not in resp.get_data(as_text=True)
    login(c, "admin")
    resp = c.get("/late-report")
    assert resp.status_code == 403 and "secret" not in resp.get_data(as_text=True)


def test_an_unknown_callback_output_is_refused(client: Any) -> None:
    login(client, "admin")
    resp = client.post(
        "/_dash-update-component",
        json={
            "output": "made-up.children",
            "outputs": {"id": "made-up", "property": "children"},
            "inputs": [],
            "changedPropIds": [],
        },
    )
    assert resp.status_code == 403
