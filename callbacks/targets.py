"""Callbacks of 减排核算: the largest contributors, and (admin) setting targets and county totals."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from dashboard.auth import current_actor, services
from dashboard.cards import enterprise_link
from dashboard.errors import HazeError
from dashboard.i18n import t
from dashboard.rules.vocab import Level
from dashboard.ui import fail, next_count, ok
from data_access import targets
from pages import targets as P

LEVEL_VALUES = frozenset(lv.value for lv in Level)


def top(level: str | None, pollutant: str | None, _refresh: int | None) -> Any:
    """The enterprises that contribute most to a level's reduction of a pollutant."""
    if level not in {lv.value for lv in Level} or pollutant not in targets.TPD:
        raise PreventUpdate
    _, db = services()
    rows = targets.contributors(db, Level(level), pollutant)
    if not rows:
        return html.P(t("targets.no_contributors"), className="small text-muted")
    head = html.Thead(
        html.Tr(
            [
                html.Th("#"),
                html.Th(t("field.name")),
                html.Th(t("targets.col.reduction")),
                html.Th(t("targets.share")),
            ]
        )
    )
    body = [
        html.Tr(
            [
                html.Td(i),
                html.Td(html.A(r.name, href=enterprise_link(r.enterprise_id))),
                html.Td(P._fmt(r.reduction_tpd)),
                html.Td(f"{r.share * 100:.1f}%"),
            ]
        )
        for i, r in enumerate(rows, start=1)
    ]
    return dbc.Table([head, html.Tbody(body)], size="sm", className="small", id="targets-top-rows")


def fill_target(level: str | None, pollutant: str | None, _refresh: int | None) -> tuple[Any, Any, int]:
    """The chosen target as stored (to edit it), and the version it was read at."""
    _, db = services()
    have = targets.targets(db).get((Level(level), pollutant or "")) if level in LEVEL_VALUES else None
    return (have.percent, have.source, have.version) if have else (None, None, 0)


def fill_base(pollutant: str | None, _refresh: int | None) -> tuple[Any, Any, Any, int]:
    """The chosen county total as stored, and the version it was read at."""
    _, db = services()
    have = targets.bases(db).get(pollutant or "")
    return (have.annual_tpa, have.year, have.source, have.version) if have else (None, None, None, 0)


def save_target(
    _save: int | None,
    _defaults: int | None,
    level: str,
    pollutant: str,
    percent: Any,
    source: str | None,
    version: int | None,
    refresh: int | None,
) -> tuple[Any, Any, Any]:
    """Set one target with its source, or fill the missing ones with the national defaults."""
    if not ctx.triggered[0].get("value"):
        raise PreventUpdate
    _, db = services()
    try:
        if ctx.triggered_id == P.DEFAULTS:
            n = targets.use_defaults(db, current_actor())
            message = ok("targets.defaults_done", n=n)
        else:
            targets.set_target(db, current_actor(), level, pollutant, percent, source, version)
            message = ok("targets.saved")
    except HazeError as exc:
        return fail(exc), P.check_block(), refresh
    return message, P.check_block(), next_count(refresh)


def save_base(
    _n: int | None,
    pollutant: str,
    total: Any,
    year: Any,
    source: str | None,
    version: int | None,
    refresh: int | None,
) -> tuple[Any, Any, Any]:
    """Set the county's annual total of a pollutant with its year and source."""
    if not ctx.triggered[0].get("value"):
        raise PreventUpdate
    _, db = services()
    try:
        targets.set_base(db, current_actor(), pollutant, total, year, source, version=version)
    except HazeError as exc:
        return fail(exc), P.check_block(), refresh
    return ok("targets.saved"), P.check_block(), next_count(refresh)


def register(app: Dash) -> None:
    """Attach the page's callbacks."""
    _register_fills(app)
    _register_rest(app)


def _register_fills(app: Dash) -> None:
    app.callback(
        Output(P.EDIT_PERCENT, "value"),
        Output(P.EDIT_SOURCE, "value"),
        Output(P.TARGET_VERSION, "data"),
        Input(P.EDIT_LEVEL, "value"),
        Input(P.EDIT_POLLUTANT, "value"),
        Input(P.REFRESH, "data"),
    )(fill_target)
    app.callback(
        Output(P.BASE_TOTAL, "value"),
        Output(P.BASE_YEAR, "value"),
        Output(P.BASE_SOURCE, "value"),
        Output(P.BASE_VERSION, "data"),
        Input(P.BASE_POLLUTANT, "value"),
        Input(P.REFRESH, "data"),
    )(fill_base)


def _register_rest(app: Dash) -> None:
    """Attach the page's callbacks to app."""
    app.callback(
        Output(P.TOP_TABLE, "children"),
        Input(P.TOP_LEVEL, "value"),
        Input(P.TOP_POLLUTANT, "value"),
        Input(P.REFRESH, "data"),
    )(top)
    app.callback(
        Output(P.TARGET_MSG, "children"),
        Output("targets-check-box", "children"),
        Output(P.REFRESH, "data"),
        Input(P.SAVE_TARGET, "n_clicks"),
        Input(P.DEFAULTS, "n_clicks"),
        State(P.EDIT_LEVEL, "value"),
        State(P.EDIT_POLLUTANT, "value"),
        State(P.EDIT_PERCENT, "value"),
        State(P.EDIT_SOURCE, "value"),
        State(P.TARGET_VERSION, "data"),
        State(P.REFRESH, "data"),
        running=[(Output(P.SAVE_TARGET, "disabled"), True, False)],
        prevent_initial_call=True,
    )(save_target)
    app.callback(
        Output(P.BASE_MSG, "children"),
        Output("targets-check-box", "children", allow_duplicate=True),
        Output(P.REFRESH, "data", allow_duplicate=True),
        Input(P.SAVE_BASE, "n_clicks"),
        State(P.BASE_POLLUTANT, "value"),
        State(P.BASE_TOTAL, "value"),
        State(P.BASE_YEAR, "value"),
        State(P.BASE_SOURCE, "value"),
        State(P.BASE_VERSION, "data"),
        State(P.REFRESH, "data"),
        running=[(Output(P.SAVE_BASE, "disabled"), True, False)],
        prevent_initial_call=True,
    )(save_base)
