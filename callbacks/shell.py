"""Callbacks of the shell: the language switch in the navbar and the warning banner."""

from __future__ import annotations

import time

from dash import ClientsideFunction, Dash, Input, Output, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import session

from dashboard.auth import current_actor, services
from dashboard.errors import HazeError
from dashboard.i18n import LANGUAGES
from dashboard.shell import BANNER, BANNER_TICK, LANG_BUTTON, LEVEL_NOW, RELOAD, RELOADED, current_warning
from data_access import users


def apply_language(lang: str) -> float:
    """Store the caller's language (database and session); return a stamp that reloads the page."""
    _, db = services()
    users.set_language(db, current_actor(), lang)
    session["lang"] = lang
    return time.time()


def switch_language(*clicks: int | None) -> float:
    """Save the language chosen in the navbar and reload the current page in it."""
    chosen = next((code for code in LANGUAGES if ctx.triggered_id == LANG_BUTTON.format(code)), None)
    if chosen is None or not any(clicks):
        raise PreventUpdate
    try:
        return apply_language(chosen)
    except HazeError:
        return no_update


def refresh_banner(_tick: int | None) -> tuple[object, str]:
    """The warning banner and the level in force, again (someone may have recorded a change)."""
    return current_warning()


def register(app: Dash) -> None:
    """Attach the shell's callbacks to app."""
    app.callback(
        Output(BANNER, "children"),
        Output(LEVEL_NOW, "data"),
        Input(BANNER_TICK, "n_intervals"),
        prevent_initial_call=True,
    )(refresh_banner)
    app.callback(
        Output(RELOAD, "data", allow_duplicate=True),
        *[Input(LANG_BUTTON.format(code), "n_clicks") for code in LANGUAGES],
        prevent_initial_call=True,
    )(switch_language)
    app.clientside_callback(
        ClientsideFunction("hazeops", "reload"),
        Output(RELOADED, "data"),
        Input(RELOAD, "data"),
        prevent_initial_call=True,
    )
