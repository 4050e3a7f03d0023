"""Callbacks of the account page: one's own password and language."""

from __future__ import annotations

import time
from typing import Any

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask import session
from flask_login import login_user

from dashboard.auth import SessionUser, current_actor, services
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
        _, db = services()
        view = users.change_own_password(db, current_actor(), current or "", new or "")
    except HazeError as exc:
        return fail(exc), no_update, no_update, no_update
    login_user(SessionUser(view))  # the epoch moved on: re-issue this session's cookie with the new one
    return ok("account.password_changed"), "", "", ""


def save_language(n: int, lang: str) -> tuple[Any, ...]:
    """Store the caller's language and reload the page in it."""
    if not n:
        raise PreventUpdate
    _, db = services()
    try:
        users.set_language(db, current_actor(), lang)
    except HazeError as exc:
        return fail(exc), no_update
    session["lang"] = lang
    return ok("account.language_saved"), time.time()


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
