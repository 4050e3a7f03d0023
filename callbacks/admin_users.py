"""Callbacks of the user-admin page: parse input → one data_access call → format output.

Every write button is disabled while its request runs (`running=`): the renderer drops the answer of a request
that a second click superseded, so a double click could otherwise lose a success message or a token secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import current_actor, services
from dashboard.errors import ConflictError, HazeError
from dashboard.i18n import t
from dashboard.timeutil import format_local
from dashboard.ui import fail, ok
from data_access import users
from pages import admin_users as P

SHOWN, HIDDEN = {"display": "inline-block"}, {"display": "none"}


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


def show_selected(
    rows: list[dict[str, Any]] | None, _refresh: int | None, shown: dict[str, Any] | None
) -> tuple[Any, ...]:
    """Show the selected user's details, role, state and tokens.

    Another user clears the previous user's messages (a token secret must never show under another user);
    a reload of the same user after an action keeps them. The reason field is cleared either way: it
    belonged to one action.
    """
    picked = int(rows[0]["id"]) if rows else None
    new_selection = picked != (shown or {}).get("id")
    messages = ("", "", "") if new_selection else (no_update, no_update, no_update)
    if not rows:
        return (t("users.select_hint"), None, HIDDEN, None, HIDDEN, HIDDEN, [], "", *messages)
    _, db = services()
    try:
        u, tokens = users.user_detail(db, picked or 0)
    except HazeError as exc:
        return (fail(exc), None, HIDDEN, None, HIDDEN, HIDDEN, [], "", *messages)
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
    sel = {"id": u.id, "version": u.version, "role": u.role.value}
    return (
        detail,
        sel,
        {"display": "block"},
        u.role.value,
        SHOWN if u.is_active else HIDDEN,
        HIDDEN if u.is_active else SHOWN,
        [_token_row(tok) for tok in tokens],
        "",
        *messages,
    )


def _selected(sel: dict[str, Any] | None) -> tuple[int, int]:
    if not sel:
        raise PreventUpdate
    return int(sel["id"]), int(sel["version"])


def _act(action: Callable[[], Any], refresh: int | None) -> tuple[Any, Any]:
    """Run one write: (result or alert, refresh). A conflict also reloads the panel with fresh data."""
    try:
        return action(), _bump(refresh)
    except ConflictError as exc:
        return fail(exc), _bump(refresh)
    except HazeError as exc:
        return fail(exc), no_update


def create_user(
    n: int, username: str, display: str, role: str, password: str, refresh: int
) -> tuple[Any, ...]:
    """Create a user from the form; on success clear the form."""
    if not n:
        raise PreventUpdate
    _, db = services()
    result, bumped = _act(
        lambda: users.create_user(
            db,
            current_actor(),
            username=username or "",
            display_name=display or "",
            role=role,
            password=password or "",
        ),
        refresh,
    )
    if isinstance(result, users.UserView):
        return ok("users.created", username=result.username), bumped, "", "", ""
    return result, bumped, no_update, no_update, no_update


def change_role(n: int, sel: dict[str, Any] | None, role: str, reason: str, refresh: int) -> tuple[Any, ...]:
    """Save the selected user's new role; a refusal puts the dropdown back to the stored role."""
    if not n:
        raise PreventUpdate
    uid, version = _selected(sel)
    _, db = services()
    result, bumped = _act(lambda: users.change_role(db, current_actor(), uid, role, version, reason), refresh)
    if not isinstance(result, users.UserView):
        return result, bumped, (sel or {}).get("role", no_update)
    if result.version == version:
        return (
            dbc.Alert(t("users.role_unchanged"), color="secondary", className="py-2 mb-0"),
            no_update,
            no_update,
        )
    return (
        ok("users.role_saved", username=result.username, role=t(f"role.{result.role.value}")),
        bumped,
        no_update,
    )


def set_active(_off: int, _on: int, sel: dict[str, Any] | None, reason: str, refresh: int) -> tuple[Any, ...]:
    """Deactivate (ending sessions and tokens for good) or reactivate, by which button was pressed."""
    if ctx.triggered_id not in (P.DEACTIVATE, P.ACTIVATE):
        raise PreventUpdate
    uid, version = _selected(sel)
    active = ctx.triggered_id == P.ACTIVATE
    _, db = services()
    result, bumped = _act(
        lambda: users.set_active(db, current_actor(), uid, active, version, reason), refresh
    )
    if isinstance(result, users.UserView):
        return ok("users.activated" if active else "users.deactivated", username=result.username), bumped
    return result, bumped


def reset_password(
    n: int, sel: dict[str, Any] | None, password: str, reason: str, refresh: int
) -> tuple[Any, ...]:
    """Set a new password for the selected user."""
    if not n:
        raise PreventUpdate
    uid, version = _selected(sel)
    _, db = services()
    result, bumped = _act(
        lambda: users.reset_password(db, current_actor(), uid, password or "", version, reason), refresh
    )
    if isinstance(result, users.UserView):
        return ok("users.password_reset", username=result.username), bumped, ""
    return result, bumped, no_update


def issue_token(n: int, sel: dict[str, Any] | None, name: str, refresh: int) -> tuple[Any, ...]:
    """Issue a token and show its secret once."""
    if not n:
        raise PreventUpdate
    uid, _ = _selected(sel)
    _, db = services()
    result, bumped = _act(lambda: users.issue_token(db, current_actor(), uid, name or ""), refresh)
    if not isinstance(result, tuple):
        return result, bumped, no_update
    tok, secret = result
    shown = dbc.Alert(
        [
            html.Div(t("users.token_once", name=tok.name)),
            html.Code(secret, id="users-token-value", className="user-select-all"),
        ],
        color="warning",
        className="py-2",
        dismissable=True,
    )
    return shown, bumped, ""


def revoke_token(n: int, rows: list[dict[str, Any]] | None, reason: str, refresh: int) -> tuple[Any, ...]:
    """Revoke the token selected in the tokens grid."""
    if not n:
        raise PreventUpdate
    if not rows:
        return dbc.Alert(t("users.pick_token"), color="warning", className="py-2 mb-0"), no_update
    _, db = services()
    result, bumped = _act(
        lambda: users.revoke_token(db, current_actor(), int(rows[0]["id"]), reason), refresh
    )
    if isinstance(result, users.TokenView):
        return ok("users.token_revoked", name=result.name), bumped
    return result, bumped


def _busy(button: str) -> list[tuple[Output, bool, bool]]:
    return [(Output(button, "disabled"), True, False)]


def register(app: Dash) -> None:
    """Attach this page's callbacks to app."""
    dup = {"allow_duplicate": True}
    app.callback(Output(P.GRID, "rowData"), Input(P.REFRESH, "data"))(load_users)
    app.callback(
        Output(P.DETAIL, "children"),
        Output(P.SELECTED, "data"),
        Output(P.SELECTED_PANEL, "style"),
        Output(P.ROLE, "value", **dup),
        Output(P.DEACTIVATE, "style"),
        Output(P.ACTIVATE, "style"),
        Output(P.TOKEN_GRID, "rowData"),
        Output(P.REASON, "value"),
        Output(P.ACTION_MSG, "children", **dup),
        Output(P.TOKEN_SECRET, "children", **dup),
        Output(P.TOKEN_MSG, "children", **dup),
        Input(P.GRID, "selectedRows"),
        Input(P.REFRESH, "data"),
        State(P.SELECTED, "data"),
        prevent_initial_call=True,
    )(show_selected)
    app.callback(
        Output(P.CREATE_MSG, "children"),
        Output(P.REFRESH, "data"),
        Output(P.NEW_USERNAME, "value"),
        Output(P.NEW_DISPLAY, "value"),
        Output(P.NEW_PASSWORD, "value"),
        Input(P.CREATE, "n_clicks"),
        State(P.NEW_USERNAME, "value"),
        State(P.NEW_DISPLAY, "value"),
        State(P.NEW_ROLE, "value"),
        State(P.NEW_PASSWORD, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
        running=_busy(P.CREATE),
    )(create_user)
    app.callback(
        Output(P.ACTION_MSG, "children", **dup),
        Output(P.REFRESH, "data", **dup),
        Output(P.ROLE, "value", **dup),
        Input(P.SAVE_ROLE, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.ROLE, "value"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
        running=_busy(P.SAVE_ROLE),
    )(change_role)
    app.callback(
        Output(P.ACTION_MSG, "children", **dup),
        Output(P.REFRESH, "data", **dup),
        Input(P.DEACTIVATE, "n_clicks"),
        Input(P.ACTIVATE, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
        running=[*_busy(P.DEACTIVATE), *_busy(P.ACTIVATE)],
    )(set_active)
    app.callback(
        Output(P.ACTION_MSG, "children", **dup),
        Output(P.REFRESH, "data", **dup),
        Output(P.RESET_PASSWORD, "value"),
        Input(P.RESET, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.RESET_PASSWORD, "value"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
        running=_busy(P.RESET),
    )(reset_password)
    app.callback(
        Output(P.TOKEN_SECRET, "children", **dup),
        Output(P.REFRESH, "data", **dup),
        Output(P.TOKEN_NAME, "value"),
        Input(P.ISSUE_TOKEN, "n_clicks"),
        State(P.SELECTED, "data"),
        State(P.TOKEN_NAME, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
        running=_busy(P.ISSUE_TOKEN),
    )(issue_token)
    app.callback(
        Output(P.TOKEN_MSG, "children", **dup),
        Output(P.REFRESH, "data", **dup),
        Input(P.REVOKE_TOKEN, "n_clicks"),
        State(P.TOKEN_GRID, "selectedRows"),
        State(P.REASON, "value"),
        State(P.REFRESH, "data"),
        prevent_initial_call=True,
        running=_busy(P.REVOKE_TOKEN),
    )(revoke_token)
