"""Callbacks of 预警历史: the chosen series, and importing a series (the upload goes to a protected route)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import services
from dashboard.i18n import t
from data_access import airquality, warnings
from pages import history as P


def chart(choice: str | None) -> Any:
    """The chosen city's series with the episodes over it."""
    if not choice or "|" not in choice:
        raise PreventUpdate
    city, metric = choice.split("|", 1)
    _, db = services()
    figure = P.figure(airquality.series(db, city, metric), metric, city, warnings.episodes(db))
    return dcc.Graph(id=P.CHART, figure=figure, config={"displayModeBar": False})


def imported(result: dict[str, Any] | None) -> Any:
    """What an import did: rows stored, or every bad line (and nothing stored)."""
    if not result:
        raise PreventUpdate
    if result.get("bad_total"):
        lines = [
            html.Li(t("aq.bad_line", line=b["line"], message=b["message"])) for b in result.get("bad", [])
        ]
        return dbc.Alert(
            [html.Div(t("aq.bad", n=result["bad_total"])), html.Ul(lines, className="mb-0 small")],
            color="danger",
            className="py-2 mb-0",
            id="aq-bad",
        )
    return dbc.Alert(
        t("aq.done", n=result.get("imported", 0), cities=t("list.enum_join").join(result.get("cities", []))),
        color="success",
        className="py-2 mb-0",
        id="aq-done",
    )


def register(app: Dash) -> None:
    """Attach the page's callbacks to app."""
    app.callback(Output("aq-chart-box", "children"), Input(P.SERIES, "value"), prevent_initial_call=True)(
        chart
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "mountFileInput"),
        Output(P.FILE_SLOT, "title"),
        Input(P.TEXTS, "data"),
        State(P.FILE_SLOT, "id"),
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "uploadAir"),
        Output(P.MSG, "children"),
        Input(P.UPLOAD, "n_clicks"),
        State(P.CITY, "value"),
        State(P.TEXTS, "data"),
        State(P.CSRF, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(P.MSG, "children", allow_duplicate=True), Input(P.RESULT, "data"), prevent_initial_call=True
    )(imported)
