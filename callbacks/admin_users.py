"""Callbacks of the user-admin page: parse input → one data_access call → format output."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import current_actor, services
from dashboard.errors import HazeError
from dashboard.i18n import t
from dashboard.timeutil import format_local
from dashboard.ui import fail, ok
from data_access import users
from pages import admin_users as P


def _bump(n: int | None) -> int:
    return (n or 0) + 1


def _user_row(u: users.UserView) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role_label": t(f"role.{u.role.value}"),
        "status": t("users.active") if u.is_active else t("users.inactive"),
        "last_login": format_local(u.last_login_at),
        "created": format_local(u.created_at),
    }


def _token_row(tok: users.TokenView) -> dict[str, Any]:
    return {
        "id": tok.id,
        "name": tok.name,
        "prefix": tok.prefix + "…",
        "created": format_local(tok.created_at),
        "last_used": format_local(tok.last_used_at) or t("users.never"),
        "status": t("users.revoked") if tok.revoked_at else t("users.active"),
    }


def load_users(_refresh: int | None) -> list[dict[str, Any]]:
    """Fill the users grid."""
    _, db = services()
    return [_user_row(u) for u in users.list_users(db)]


def show_selected(rows: list[dict[str, Any]] | None, _refresh: int | None) -> tuple[Any, ...]:
    """Show the selected user's details, role, active state and tokens."""
    if not rows:
        return t("users.select_hint"), None, {"display": "none"}, None, t("users.deactivate"), []
    _, db = services()
    try:
        u, tokens = users.user_detail(db, int(rows[0]["id"]))
    except HazeError as exc:
        return fail(exc), None, {"display": "none"}, None, t("users.deactivate"), []
    detail = html.Div(
        [
            html.Strong(t("users.name_with_username", name=u.display_name, username=u.username)),
            html.Span(" · " + t(f"role.{u.role.value}")),
            html.Span(
                " · " + (t("users.active") if u.is_active else t("users.inactive")),
                className="text-success" if u.is_active else "text-danger",
            ),
        ],
        id="users-detail-text",
    )
    toggle_label = t("users.deactivate") if u.is_active else t("users.activate")
    sel = {"id": u.id, "version": u.version, "active": u.is_active}
    return detail, sel, {"display": "block"}, u.role.value, toggle_label, [_token_row(tok) for tok in tokens]


def create_user(
    n: int, username: str, display: str, role: str, password: str, refresh: int
) -> tuple[Any, ...]:
    """Create a user from the form; on success clear the password field."""
    if not n:
        raise PreventUpdate
    _, db = services()
    try:
        u = users.create_user(
            db,
            current_actor(),
            username=username or "",
            display_name=display or "",
            role=role,
            password=password or "",
        )
    except HazeError as exc:
        return fail(exc), no_update, no_update
    return ok("users.created", username=u.username), _bump(refresh), ""


def _selected(sel: dict[str, Any] | None) -> tuple[int, int]:
    if not sel:
        raise PreventUpdate
    return int(sel["id"]), int(sel["version"])


def change_role(n: int, sel: dict[str, Any] | None, role: str, reason: str, refresh: int) -> tuple[Any, ...]:
    """Save the selected user's new role."""
    if not n:
        raise PreventUpdate
    uid, version = _selected(sel)
    _, db = services()
    try:
        u = users.change_role(db, current_actor(), uid, role, version, reason)
    except HazeError as exc:
        return fail(exc), no_update
    return ok("users.role_saved", username=u.username, role=t(f"role.{u.role.value}")), _bump(refresh)


def toggle_active(n: int, sel: dict[str, Any] | None, reason: str, refresh: int) -> tuple[Any, ...]:
    """Deactivate an active user (ending their sessions and tokens) or reactivate an inactive one."""
    if not n:
        raise PreventUpdate
    uid, version = _selected(sel)
    _, db = services()
    try:
        u = users.set_active(db, current_actor(), uid, not (sel or {}).get("active", True), version, reason)
    except HazeError as exc:
        return fail(exc), no_update
    return ok("users.activated" if u.is_active else "users.deactivated", username=u.username), _bump(refresh)


def reset_password(
    n: int, sel: dict[str, Any] | None, password: str, reason: str, refresh: int
) -> tuple[Any, ...]:
    """Set a new password for the selected user."""
    if not n:
        raise PreventUpdate
    uid, version = _selected(sel)
    _, db = services()
    try:
        u = users.reset_password(db, current_actor(), uid, password or "", version, reason)
    except HazeError as exc:
        return fail(exc), no_update, no_update
    return ok("users.password_reset", username=u.username), _bump(refresh), ""


def issue_token(n: int, sel: dict[str, Any] | None, name: str, refresh: int) -> tuple[Any, ...]:
    """Issue a token and show its secret once."""
    if not n:
        raise PreventUpdate
    uid, _ = _selected(sel)
    _, db = services()
    try:
        tok, secret = users.issue_token(db, current_actor(), uid, name or "")
    except HazeError as exc:
        return fail(exc), no_update, no_update
    shown = dbc.Alert(
        [
            html.Div(t("users.token_once", name=tok.name)),
            html.Code(secret, id="users-token-value", className="user-select-all"),
        ],
        color="warning",
        className="py-2",
        dismissable=True,
    )
    return shown, _bump(refresh), ""


def revoke_token(n: int, rows: list[dict[str, Any]] | None, reason: str, refresh: int) -> tuple[Any, ...]:
    """Revoke the token selected in the tokens grid."""
    if not n:
        raise PreventUpdate
    if not rows:
        return dbc.Alert(t("users.pick_token"), color="warning", className="py-2 mb-0"), no_update
    _, db = services()
    try:
        tok = users.revoke_token(db, current_actor(), int(rows[0]["id"]), reason)
    except HazeError as exc:
        return fail(exc), no_update
    return ok("users.token_revoked", name=tok.name), _bump(refresh)


def register(app: Dash) -> None:
    """Attach this page's callbacks to app."""
    app.callback(Output(P.GRID, "rowData"), Input(P.REFRESH, "data"))(load_users)
    app.callback(
        Output(P.DETAIL, "children"),
        Output(P.SELECTED, "data"),
        Output(P.SELECTED_PANEL, "style"),
        Output(P.ROLE, "value"),
        Output(P.TOGGLE_ACTIVE, "children"),
        Output(P.TOKEN_GRID, "rowData"),
        Input(P.GRID, "selectedRows"),
        Input(P.REFRESH, "data"),
    )(show_selected)
    app.callback(
        Output(P.CREATE_MSG, "children"),
        Output(P.REFRESH, "data"),
        Output(P.NEW_PASSWORD, "value"),
        Input(P.CREATE, "n_clicks"),
        State(P.NEW_USERNAME, "value"),
        State(P.NEW_DISPLAY, "value"),
        State(P.NEW_ROLE, "value"),
        State(P.NEW_PASSWORD, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
    )(create_user)
    app.callback(
        Output(P.ACTION_MSG, "children", allow_duplicate=True),
        Output(P.REFRESH, "data", allow_duplicate=True),
        Input(P.SAVE_ROLE, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.ROLE, "value"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
    )(change_role)
    app.callback(
        Output(P.ACTION_MSG, "children", allow_duplicate=True),
        Output(P.REFRESH, "data", allow_duplicate=True),
        Input(P.TOGGLE_ACTIVE, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
    )(toggle_active)
    app.callback(
        Output(P.ACTION_MSG, "children", allow_duplicate=True),
        Output(P.REFRESH, "data", allow_duplicate=True),
        Output(P.RESET_PASSWORD, "value"),
        Input(P.RESET, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.RESET_PASSWORD, "value"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
    )(reset_password)
    app.callback(
        Output(P.TOKEN_SECRET, "children"),
        Output(P.REFRESH, "data", allow_duplicate=True),
        Output(P.TOKEN_NAME, "value"),
        Input(P.ISSUE_TOKEN, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.TOKEN_NAME, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
    )(issue_token)
    app.callback(
        Output(P.TOKEN_MSG, "children"),
        Output(P.REFRESH, "data", allow_duplicate=True),
        Input(P.REVOKE_TOKEN, "n_clicks"),
        State(P.TOKEN_GRID, "selectedRows"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
    )(revoke_token)
