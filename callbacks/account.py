"""Callbacks of the account page: one's own password and language."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.shell import apply_language
from dashboard.auth import current_actor, login_policy, services
from dashboard.errors import HazeError, ValidationError
from dashboard.shell import RELOAD
from dashboard.ui import fail, ok
from data_access import users
from pages import account as P


def change_password(n: int, current: str, new: str, confirm: str) -> tuple[Any, ...]:
    """Change the caller's password; other sessions end, this one continues."""
    if not n:
        raise PreventUpdate
    try:
        if (new or "") != (confirm or ""):
            raise ValidationError("error.password_mismatch", field="confirm_password")
        config, db = services()
        users.change_own_password(
            db,
            current_actor(),
            current or "",
            new or "",
            keep_session=current_user.session_token,
            policy=login_policy(config),
        )
    except HazeError as exc:
        return fail(exc), no_update, no_update, no_update
    return ok("account.password_changed"), "", "", ""


def save_language(n: int, lang: str) -> tuple[Any, ...]:
    """Store the caller's language and reload the page in it."""
    if not n:
        raise PreventUpdate
    try:
        stamp = apply_language(lang)
    except HazeError as exc:
        return fail(exc), no_update
    return ok("account.language_saved"), stamp


def register(app: Dash) -> None:
    """Attach this page's callbacks to app."""
    app.callback(
        Output(P.PASSWORD_MSG, "children"),
        Output(P.CURRENT, "value"),
        Output(P.NEW, "value"),
        Output(P.CONFIRM, "value"),
        Input(P.SAVE_PASSWORD, "n_clicks"),
        State(P.CURRENT, "value"),
        State(P.NEW, "value"),
        State(P.CONFIRM, "value"),
        prevent_initial_call=True,
    )(change_password)
    app.callback(
        Output(P.LANGUAGE_MSG, "children"),
        Output(RELOAD, "data", allow_duplicate=True),
        Input(P.SAVE_LANGUAGE, "n_clicks"),
        State(P.LANGUAGE, "value"),
        prevent_initial_call=True,
    )(save_language)
