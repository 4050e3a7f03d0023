"""Callbacks of the console: filters → URL, counts and map feed; grid rows from the server; the side card."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

import dash
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc
from dash.exceptions import PreventUpdate

from callbacks.jobs import Jobs
from dashboard.auth import services
from dashboard.cards import card, describe, label
from dashboard.filters import parse_lenient
from dashboard.geo import CRS, from_crs
from dashboard.i18n import language, t
from dashboard.shell import LEVEL_NOW
from dashboard.ui import grid_block
from data_access import enterprises, listexport, listimport, warnings
from pages import home as P

CONTROLS = (P.TOWN, P.PARK, P.INDUSTRY, P.GRADE, P.CONTROL, P.LEVEL, P.CATEGORY, P.SEARCH)


def apply_filters(
    town: list[str] | None,
    park: list[str] | None,
    industry: list[str] | None,
    grade: list[str] | None,
    control: list[str] | None,
    level: str | None,
    category: list[str] | None,
    q: str | None,
    selected: int | None,
    follow: str | None = None,
) -> tuple[Any, ...]:
    """One filter change → the URL, the grid's filter, the map feed, the counts and the category state.

    `follow` is the warning level the console follows ("" = none in force; None = not following): while the
    filter stays on it (with no category chosen) the URL leaves the level out, so a reload or a bookmark
    follows the warning as it changes; any other 不限 is written as `level=` so a reload keeps it.
    """
    flt = parse_lenient(
        {
            "town": town or [],
            "park": park or [],
            "industry": industry or [],
            "grade": grade or [],
            "control": control or [],
            "level": [level] if level else [],
            "category": category or [] if level else [],
            "q": [q or ""],
        }
    )
    pairs = flt.query()
    if follow is not None and (level or "") == follow and not category:
        pairs = [(k, v) for k, v in pairs if k != "level"]
    elif not level:
        pairs = [*pairs, ("level", "")]
    pairs += [("sel", str(selected))] if selected else []
    search = "?" + urlencode(pairs) if pairs else ""
    if ctx.triggered_id == P.SELECTED:  # only the selection changed: keep the map and the grid as they are
        return (search, *(dash.no_update,) * 8)
    _, db = services()
    counts = enterprises.count(db, flt)
    return (
        search,
        flt.query_string(),
        P.feed(flt, enterprises.list_stamp(db)),
        t("console.count", total=counts.total, located=counts.located),
        t("console.no_coords", n=counts.unlocated),
        "warning" if counts.unlocated else "light",
        level in (None, ""),
        P.hideout(flt),
        P.legend_rows(flt),
    )


def grid_rows(request: dict[str, Any] | None, query: str | None) -> Any:
    """One block of grid rows for the filter in the URL, sorted on the server."""
    if not request:
        return dash.no_update
    flt = parse_lenient(parse_qs((query or "").lstrip("?")))
    _, db = services()
    start, end = grid_block(request)
    sort = [(s.get("colId", ""), s.get("sort", "asc")) for s in request.get("sortModel") or []]
    rows = enterprises.grid_rows(db, flt, start, end, sort)
    total = enterprises.count(db, flt).total
    return {
        "rowData": [
            {
                "id": str(r["id"]),  # AG Grid row ids are strings
                "name": r["name"],
                "town": r["town"] or "",
                "industry": r["industry"],
                "grade": label("grade", r["grade"]),
                "control_type": label("control", r["control_type"]),
                "cat_yellow": label("category", r["cat_yellow"] or "unclassified"),
                "cat_orange": label("category", r["cat_orange"] or "unclassified"),
                "cat_red": label("category", r["cat_red"] or "unclassified"),
                "park": r["park"] or "",
                "uscc": r["uscc"] or "",
                "coords": "" if r["located"] else t("console.no_coords_one"),
            }
            for r in rows
        ],
        "rowCount": total,
    }


def select(
    click: dict[str, Any] | None, cell: dict[str, Any] | None, is_open: bool, current: int | None
) -> tuple[Any, ...]:
    """A marker or a row click opens the side card; closing it clears the selection."""
    trigger = ctx.triggered_id
    chosen: int | None = current
    if trigger == P.POINTS and click:
        props = (click or {}).get("properties") or {}
        if props.get("cluster"):
            return (dash.no_update,) * 4  # a cluster click zooms in (Leaflet does it)
        chosen = props.get("id")
    elif trigger == P.GRID and cell:
        row_id = str(cell.get("rowId") or "")
        chosen = int(row_id) if row_id.isdigit() else None
    elif trigger == P.CARD and not is_open:
        return None, dash.no_update, dash.no_update, False
    if not isinstance(chosen, int):
        return (dash.no_update,) * 4
    _, db = services()
    view = enterprises.get(db, chosen)
    if view is None:
        return None, t("enterprise.not_found", id=chosen), "", True
    return chosen, card(view), view.fields["name"], True


def clicked_position(click: dict[str, Any] | None, base: str | None, crs_of: dict[str, str] | None) -> str:
    """Where the user clicked, in WGS-84 whatever tiles are shown (高德 positions are converted back)."""
    latlng = (click or {}).get("latlng") or {}
    lat, lon = latlng.get("lat"), latlng.get("lng")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return ""
    crs = CRS((crs_of or {}).get(base or "", CRS.WGS84.value))
    w_lat, w_lon = from_crs(float(lat), float(lon), crs)
    return t("console.clicked", lat=f"{w_lat:.6f}", lon=f"{w_lon:.6f}")


def reset(_clicks: int | None) -> tuple[Any, ...]:
    """Clear every filter: the console as it opens, on the level in force and following it."""
    _, db = services()
    active = warnings.level_in_force(db)
    level = active.value if active else ""
    return [], [], [], [], [], level, [], "", level


class ConsoleJobs(Jobs):
    """The console's background work (an export), bound to the app's database: a job has no request."""

    def export(
        self, set_progress: Any, _x: int | None, _c: int | None, query: str | None, job: dict[str, Any] | None
    ) -> Any:
        """Exactly the filtered enterprises, in the official layout (.xlsx) or as CSV, with progress."""
        trigger = ctx.triggered_id
        if trigger not in (P.EXPORT_XLSX, P.EXPORT_CSV):
            raise PreventUpdate
        self.fresh()
        job = job or {}
        flt = parse_lenient(parse_qs((query or "").lstrip("?")))
        with language(job.get("lang")):

            def progress(done: int, total: int) -> None:
                set_progress(
                    (int(done / max(total, 1) * 100), t("list.progress.export", done=done, total=total))
                )

            towns = listimport.town_names(self.db)
            data, name = listexport.export(
                self.db,
                flt,
                "csv" if trigger == P.EXPORT_CSV else "xlsx",
                by=job.get("user", ""),
                filter_text=describe(flt, towns, "zh") or None,
                progress=progress,
            )
        return dcc.send_bytes(data, name)


def register(app: Dash) -> None:
    """Attach the console's callbacks to app."""
    jobs = ConsoleJobs(app.server.extensions["hazeops"]["db"])
    app.callback(
        Output(P.EXPORT_FILE, "data"),
        Input(P.EXPORT_XLSX, "n_clicks"),
        Input(P.EXPORT_CSV, "n_clicks"),
        State(P.FILTER, "data"),
        State(P.JOB, "data"),
        background=True,
        progress=[Output(P.EXPORT_PROGRESS, "value"), Output(P.EXPORT_PROGRESS, "label")],
        running=[
            (Output(P.EXPORT_XLSX, "disabled"), True, False),
            (Output(P.EXPORT_CSV, "disabled"), True, False),
            (Output(P.EXPORT_PROGRESS, "style"), {}, {"display": "none"}),
        ],
        prevent_initial_call=True,
    )(jobs.export)
    app.callback(
        Output(P.URL, "search"),
        Output(P.FILTER, "data"),
        Output(P.FEED, "data"),
        Output(P.COUNT, "children"),
        Output(P.NOCOORD, "children"),
        Output(P.NOCOORD, "color"),
        Output(P.CATEGORY, "disabled"),
        Output(P.POINTS, "hideout"),
        Output("console-legend", "children"),
        *(Input(c, "value") for c in CONTROLS),
        Input(P.SELECTED, "data"),
        State(P.FOLLOW, "data"),
        prevent_initial_call=True,
    )(apply_filters)
    app.callback(
        Output(P.GRID, "getRowsResponse"),
        Input(P.GRID, "getRowsRequest"),
        State(P.FILTER, "data"),
    )(grid_rows)
    # A new filter drops the grid's loaded blocks, so it asks the server again (rows and total).
    app.clientside_callback(
        ClientsideFunction("hazeops", "purgeGrid"),
        Output(P.GRID_PURGED, "children"),
        Input(P.FILTER, "data"),
        State(P.GRID, "id"),
        prevent_initial_call=True,
    )
    # The feed URL follows the zoom, the visible tiles and the base map's CRS without a server round trip.
    app.clientside_callback(
        ClientsideFunction("hazeops", "feedUrl"),
        Output(P.POINTS, "url"),
        Input(P.MAP, "zoom"),
        Input(P.MAP, "bounds"),
        Input(P.FEED, "data"),
        Input(P.LAYERS, "baseLayer"),
        State(P.BASE_CRS, "data"),
        State(P.POINTS, "url"),
    )
    # No level, no category: the category filter empties and says why; with a level it offers "any".
    app.clientside_callback(
        ClientsideFunction("hazeops", "levelChanged"),
        Output(P.CATEGORY, "value", allow_duplicate=True),
        Output(P.CATEGORY, "placeholder"),
        Input(P.LEVEL, "value"),
        State(P.TEXTS, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "localizeMap"),
        Output(P.LOCALIZED, "children"),
        Input(P.TEXTS, "data"),
        State(P.MAP, "id"),
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "outlineFor"),
        Output(P.OUTLINE, "data"),
        Input(P.LAYERS, "baseLayer"),
        State(P.BASE_CRS, "data"),
        State(P.OUTLINES, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(P.CLICKED, "children"),
        Input(P.MAP, "clickData"),
        State(P.LAYERS, "baseLayer"),
        State(P.BASE_CRS, "data"),
        prevent_initial_call=True,
    )(clicked_position)
    app.callback(
        Output(P.SELECTED, "data"),
        Output(P.CARD, "children"),
        Output(P.CARD, "title"),
        Output(P.CARD, "is_open"),
        Input(P.POINTS, "clickData"),
        Input(P.GRID, "cellClicked"),
        Input(P.CARD, "is_open"),
        State(P.SELECTED, "data"),
        prevent_initial_call=True,
    )(select)
    # An open console that follows the warning moves to the level now in force (raised, lowered, lifted).
    # Decided in the browser when the shell's level arrives, against the filter as it is at that moment: a
    # level the user picks while the request is under way is never overwritten.
    app.clientside_callback(
        ClientsideFunction("hazeops", "followWarning"),
        Output(P.LEVEL, "value", allow_duplicate=True),
        Output(P.FOLLOW, "data"),
        Input(LEVEL_NOW, "data"),
        State(P.LEVEL, "value"),
        State(P.CATEGORY, "value"),
        State(P.FOLLOW, "data"),
        prevent_initial_call=True,
    )
    # A level or a category the user picks is theirs (even the level being followed): following stops.
    app.clientside_callback(
        ClientsideFunction("hazeops", "levelChosen"),
        Output(P.FOLLOW, "data", allow_duplicate=True),
        Input(P.LEVEL, "value"),
        Input(P.CATEGORY, "value"),
        State(P.FOLLOW, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        *(Output(c, "value") for c in CONTROLS),
        Output(P.FOLLOW, "data", allow_duplicate=True),
        Input(P.RESET, "n_clicks"),
        prevent_initial_call=True,
    )(reset)
