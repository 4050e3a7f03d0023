"""Callbacks of 预警应对: record the city's warning steps, follow the obligations filter, page and export the
notification list (an export is a background job with progress and no request: see callbacks/admin_list)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from callbacks.jobs import Jobs
from dashboard.auth import current_actor, services
from dashboard.cards import indicator, label
from dashboard.errors import HazeError, ValidationError
from dashboard.filters import parse_lenient
from dashboard.i18n import language, t
from dashboard.rules.vocab import Level
from dashboard.shell import RELOAD
from dashboard.timeutil import parse_local
from dashboard.ui import fail, grid_block
from data_access import obligations, warnings
from data_access.listexport import notification_file
from pages import warning as P


def _instant(day: str | None, clock: str | None, field: str) -> Any:
    try:
        value = parse_local(day, clock)
    except (ValueError, TypeError, OverflowError):
        raise ValidationError("warning.bad_time", field=field) from None
    if value is None:
        raise ValidationError("warning.bad_time", field=field)
    return value


def record(
    _issue: int | None,
    _change: int | None,
    _lift: int | None,
    level: str | None,
    doc_no: str | None,
    note: str | None,
    notice_day: str | None,
    notice_time: str | None,
    effect_day: str | None,
    effect_time: str | None,
    loaded: dict[str, Any] | None,
) -> tuple[Any, Any]:
    """Issue, change or lift, as the city announced it; the page then reloads to show the new state."""
    action = ctx.triggered_id
    if action not in (P.ISSUE, P.CHANGE, P.LIFT) or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    _, db = services()
    actor = current_actor()
    loaded = loaded if isinstance(loaded, dict) else {}
    try:
        notice = _instant(notice_day, notice_time, "notice_at")
        effective = _instant(effect_day, effect_time, "effective_at")
        if action == P.ISSUE:
            warnings.issue(db, actor, level or "", notice, effective, doc_no, note)
        elif action == P.CHANGE:
            warnings.change_level(
                db, actor, level or "", notice, effective, doc_no, note,
                episode_id=loaded.get("id"), last_seq=loaded.get("last_seq"),
            )  # fmt: skip
        else:
            warnings.lift(
                db,
                actor,
                notice,
                effective,
                doc_no,
                note,
                episode_id=loaded.get("id"),
                last_seq=loaded.get("last_seq"),
            )
    except HazeError as exc:
        return fail(exc), no_update
    return dbc.Alert(t("warning.recorded"), color="success", className="py-2 mb-0"), time.time()


def withdraw(n: int | None, reason: str | None, target: dict[str, Any] | None) -> tuple[Any, Any]:
    """Withdraw the last recorded step (a mistake), with the reason; the page then reloads."""
    if not n:
        raise PreventUpdate
    _, db = services()
    target = target if isinstance(target, dict) else {}
    try:
        warnings.withdraw_last(
            db, current_actor(), reason, episode_id=target.get("id"), last_seq=target.get("last_seq")
        )
    except HazeError as exc:
        return fail(exc), no_update
    return dbc.Alert(t("warning.withdrawn"), color="success", className="py-2 mb-0"), time.time()


def follow(level: str | None, town: list[str] | None, category: list[str] | None) -> tuple[Any, Any, Any]:
    """A new level, town or category: the URL, the grid's filter, the counts table."""
    if level not in {lv.value for lv in Level}:
        raise PreventUpdate
    flt = parse_lenient({"level": [level], "town": town or [], "category": category or []})
    query = P._query(Level(level), flt)
    _, db = services()
    return "?" + query, query, P.counts_table(obligations.counts(db, Level(level), flt))


def _parse(query: str | None) -> tuple[Level, Any]:
    params = parse_qs(query or "")
    flt = parse_lenient(params)
    if flt.level is None:
        raise PreventUpdate
    return flt.level, flt


def rows(request: dict[str, Any] | None, query: str | None) -> Any:
    """One block of the notification list."""
    if not request:
        return no_update
    level, flt = _parse(query)
    start, end = grid_block(request)
    _, db = services()
    items, total = obligations.page(db, level, flt, start, end)
    return {
        "rowData": [
            {
                "id": str(o.id),
                "name": o.name,
                "town": o.town or "",
                "grade": label("grade", o.grade),
                "category": label("category", o.category or "unclassified"),
                "measure": t("list.changes_join").join(
                    t("warning.line_measure", line=line, text=text) if line else text
                    for line, text in o.measures
                )
                or t("card.no_measure"),
                "indicator": indicator(o.actions, o.base_capacity),
            }
            for o in items
        ],
        "rowCount": total,
    }


class WarningJobs(Jobs):
    """The page's background work (the notification list export), bound to the app's database."""

    def export(
        self, set_progress: Any, _x: int | None, _c: int | None, query: str | None, job: dict[str, Any] | None
    ) -> Any:
        """The notification list exactly as filtered, .xlsx or .csv."""
        trigger = ctx.triggered_id
        if trigger not in (P.EXPORT_XLSX, P.EXPORT_CSV):
            raise PreventUpdate
        self.fresh()
        level, flt = _parse(query)
        job = job or {}
        with language(job.get("lang")):
            set_progress((10, t("warning.exporting")))
            episode = warnings.current(self.db)
            # The 文号 of the notice that set this level, only when the list is for the level in force: a
            # list drawn up for another level (planning) must not cite the current notice.
            doc = None
            if episode and episode.state().obligation_level is level:
                doc = next(
                    (c.doc_no for c in reversed(episode.changes) if c.level and c.level.value == level.value),
                    None,
                )
            items = obligations.every(self.db, level, flt)
            set_progress((60, t("warning.exporting")))
            data, name = notification_file(
                items, level, "csv" if trigger == P.EXPORT_CSV else "xlsx", doc_no=doc, by=job.get("user", "")
            )
        return dcc.send_bytes(data, name)


def register(app: Dash) -> None:
    """Attach the page's callbacks to app."""
    jobs = WarningJobs(app.server.extensions["hazeops"]["db"])
    app.callback(
        Output(P.FORM_MSG, "children"),
        Output(RELOAD, "data", allow_duplicate=True),
        Input(P.ISSUE, "n_clicks"),
        Input(P.CHANGE, "n_clicks"),
        Input(P.LIFT, "n_clicks"),
        State(P.FORM_LEVEL, "value"),
        State(P.FORM_DOC, "value"),
        State(P.FORM_NOTE, "value"),
        State(P.NOTICE_DAY, "value"),
        State(P.NOTICE_TIME, "value"),
        State(P.EFFECT_DAY, "value"),
        State(P.EFFECT_TIME, "value"),
        State(P.EPISODE, "data"),
        running=[(Output(P.FORM_MSG, "className"), "mt-2 opacity-50", "mt-2")],
        prevent_initial_call=True,
    )(record)
    app.callback(
        Output(P.WITHDRAW_MSG, "children"),
        Output(RELOAD, "data", allow_duplicate=True),
        Input(P.WITHDRAW, "n_clicks"),
        State(P.WITHDRAW_REASON, "value"),
        State(P.WITHDRAW_TARGET, "data"),
        running=[(Output(P.WITHDRAW, "disabled"), True, False)],
        prevent_initial_call=True,
    )(withdraw)
    app.callback(
        Output(P.URL, "search"),
        Output(P.QUERY, "data"),
        Output("warning-counts-box", "children"),
        Input(P.LEVEL, "value"),
        Input(P.TOWN, "value"),
        Input(P.CATEGORY, "value"),
        prevent_initial_call=True,
    )(follow)
    app.clientside_callback(
        ClientsideFunction("hazeops", "purgeGrid"),
        Output(P.GRID_PURGED, "children"),
        Input(P.QUERY, "data"),
        State(P.GRID, "id"),
        prevent_initial_call=True,
    )
    app.callback(Output(P.GRID, "getRowsResponse"), Input(P.GRID, "getRowsRequest"), State(P.QUERY, "data"))(
        rows
    )
    app.callback(
        Output(P.EXPORT_FILE, "data"),
        Input(P.EXPORT_XLSX, "n_clicks"),
        Input(P.EXPORT_CSV, "n_clicks"),
        State(P.QUERY, "data"),
        State(P.JOB, "data"),
        background=True,
        progress=[Output(P.EXPORT_PROGRESS, "value"), Output(P.EXPORT_PROGRESS, "label")],
        running=[
            (Output(P.EXPORT_XLSX, "disabled"), True, False),
            (Output(P.EXPORT_CSV, "disabled"), True, False),
            (Output(P.EXPORT_PROGRESS, "style"), {}, P.HIDDEN),
        ],
        prevent_initial_call=True,
    )(jobs.export)
