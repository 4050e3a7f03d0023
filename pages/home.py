"""Home: the map-and-table console — every listed enterprise by grade and by what it must do per level."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace
from flask_login import current_user

from dashboard.auth import services
from dashboard.cards import CATEGORY_COLORS, CATEGORY_ORDER, GRADE_COLORS, GRADE_ORDER, card, label
from dashboard.filters import NO_PARK, UNCLASSIFIED, EnterpriseFilter, parse_lenient
from dashboard.geo import CRS
from dashboard.i18n import current_language, t
from dashboard.rules.vocab import Category, ControlType, Level
from dashboard.tiles import BaseMap
from dashboard.ui import dropdown, grid_locale, page_title
from data_access import county, enterprises, warnings

dash.register_page(
    __name__, path="/", title=page_title("page.home.title", __name__), nav_key="page.home.nav", order=0
)

URL = "console-url"  # a second Location (refresh=False): filters go to the URL without rebuilding the map
FILTER = "console-filter"  # the canonical query string of the filter, read by the grid's row requests
FOLLOW = "console-follow"  # the warning level the page opened on by default (the URL then leaves it out)
SELECTED = "console-selected"
TOWN, PARK, INDUSTRY, GRADE, CONTROL = "f-town", "f-park", "f-industry", "f-grade", "f-control"
LEVEL, CATEGORY, SEARCH, RESET = "f-level", "f-category", "f-q", "f-reset"
MAP, POINTS, COUNT, NOCOORD = "console-map", "console-points", "console-count", "console-nocoord"
GRID, GRID_PURGED, CARD = "console-grid", "console-grid-purged", "console-card"
LAYERS, OUTLINE, OUTLINES = "console-layers", "console-outline", "console-outlines"
FEED, BASE_CRS, CLICKED = "console-feed", "console-base-crs", "console-clicked"
EXPORT_XLSX, EXPORT_CSV, EXPORT_FILE = "console-export-xlsx", "console-export-csv", "console-export-file"
EXPORT_PROGRESS, JOB = "console-export-progress", "console-job"  # JOB: language and user for background jobs
TEXTS, LOCALIZED = "console-texts", "console-localized"  # words the browser-side code shows
MAP_FEED = "/api/v1/map/enterprises.geojson"
START_ZOOM = 10
TILE_ZOOM = 13  # from this zoom on the feed is asked for the visible tiles only (dashboard/mapgrid.py)

ns = Namespace("hazeops", "map")  # functions in assets/hazeops_map.js


def feed(flt: EnterpriseFilter, stamp: str) -> dict[str, Any]:
    """What the browser needs to ask for the map feed: the filter's URL and from which zoom to send tiles.

    The list stamp makes a changed list a new URL (no stale cache); assets/hazeops.js adds the zoom, the
    visible tiles and the CRS of the chosen base map (hazeops.feedUrl).
    """
    query = flt.query_string()
    sep = "&" if query else "?"
    color = "&color=category" if flt.level else ""  # with a level, points show what they must do there
    return {
        "base": dash.get_relative_path(MAP_FEED) + query + f"{sep}v={stamp}{color}",
        "tile_zoom": TILE_ZOOM,
    }


def hideout(flt: EnterpriseFilter) -> dict[str, Any]:
    """How assets/hazeops_map.js colours points: by category at the filter's level, else by grade."""
    if flt.level:
        return {"colors": CATEGORY_COLORS, "order": CATEGORY_ORDER, "key": "category", "keys": "categories"}
    return {"colors": GRADE_COLORS, "order": GRADE_ORDER, "key": "grade", "keys": "grades"}


def feed_url(flt: EnterpriseFilter, stamp: str, zoom: int = START_ZOOM, crs: CRS = CRS.WGS84) -> str:
    """The feed URL of the first view (the same one hazeops.feedUrl builds for it in the browser)."""
    return feed(flt, stamp)["base"] + f"&z={zoom}&crs={crs.value}"


def base_layers(maps: list[BaseMap]) -> dl.LayersControl:
    """One base layer per configured base map (hidden when there is only one); the first is shown."""
    return dl.LayersControl(
        [
            dl.BaseLayer(
                dl.LayerGroup(
                    [
                        dl.TileLayer(
                            url=tl.url,
                            subdomains=tl.subdomains or "abc",
                            maxZoom=tl.max_zoom,
                            maxNativeZoom=tl.max_zoom,
                            attribution=t(f"map.attribution.{tl.provider}"),
                        )
                        for tl in m.layers
                    ]
                ),
                name=t(f"map.base.{m.key}"),
                checked=i == 0,
            )
            for i, m in enumerate(maps)
        ],
        id=LAYERS,
        baseLayer=t(f"map.base.{maps[0].key}"),
        hideSingleBase=True,
        position="topright",
    )


def columns() -> list[dict[str, Any]]:
    """Grid columns: who, where, grade, control type and the category at each level."""
    cat = {"width": 105, "sortable": True}
    return [
        {
            "field": "name",
            "headerName": t("field.name"),
            "flex": 2,
            "minWidth": 220,
            "sortable": True,
            "tooltipField": "name",
        },
        {"field": "town", "headerName": t("field.town"), "width": 110, "sortable": True},
        {"field": "industry", "headerName": t("field.industry"), "width": 150, "sortable": True},
        {
            "field": "grade",
            "headerName": t("field.grade"),
            "width": 95,
            "sortable": True,
            "cellClass": "grade-cell",
        },
        {"field": "control_type", "headerName": t("field.control_type"), "width": 100, "sortable": True},
        {"field": "cat_yellow", "headerName": t("level.short.yellow"), **cat, "headerClass": "hdr-yellow"},
        {"field": "cat_orange", "headerName": t("level.short.orange"), **cat, "headerClass": "hdr-orange"},
        {"field": "cat_red", "headerName": t("level.short.red"), **cat, "headerClass": "hdr-red"},
        {"field": "park", "headerName": t("field.park"), "width": 150, "sortable": True},
        {"field": "uscc", "headerName": t("field.uscc"), "width": 185, "sortable": True},
        {"field": "coords", "headerName": t("field.coords"), "width": 90},
    ]


def _multi(id_: str, key: str, options: list[dict[str, str]], value: tuple[str, ...]) -> html.Div:
    return html.Div(
        [
            dbc.Label(t(key), html_for=id_, className="small mb-0"),
            dropdown(id=id_, options=options, value=list(value), multi=True, placeholder=t("console.any")),
        ],
        className="mb-2",
    )


def filter_panel(flt: EnterpriseFilter) -> dbc.Card:
    """The one filter set: search, town, park, industry, grade, control type, level → category."""
    _, db = services()
    found = enterprises.distinct_values(db)
    towns = [{"label": name, "value": code} for code, name in enterprises.towns(db)]
    parks = [{"label": p, "value": p} for p in found["park"]] + [{"label": t("park.none"), "value": NO_PARK}]
    industries = [{"label": i, "value": i} for i in found["industry"]]
    grades = [{"label": label("grade", g), "value": g} for g in GRADE_ORDER]
    controls = [{"label": label("control", c), "value": c.value} for c in ControlType]
    levels = [{"label": t("console.no_level"), "value": ""}] + [
        {"label": label("level", lv), "value": lv.value} for lv in Level
    ]
    categories = [{"label": label("category", c), "value": c.value} for c in Category] + [
        {"label": label("category", UNCLASSIFIED), "value": UNCLASSIFIED}
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        dbc.Label(t("console.search"), html_for=SEARCH, className="small mb-0"),
                        dbc.Input(
                            id=SEARCH,
                            value=flt.q,
                            placeholder=t("console.search_hint"),
                            debounce=True,
                            type="search",
                            maxLength=64,
                        ),
                    ],
                    className="mb-2",
                ),
                _multi(TOWN, "field.town", towns, flt.town),
                _multi(PARK, "field.park", parks, flt.park),
                _multi(INDUSTRY, "field.industry", industries, flt.industry),
                _multi(GRADE, "field.grade", grades, tuple(g.value for g in flt.grade)),
                _multi(CONTROL, "field.control_type", controls, tuple(c.value for c in flt.control)),
                html.Div(
                    [
                        dbc.Label(t("console.level"), html_for=LEVEL, className="small mb-0"),
                        dbc.RadioItems(
                            id=LEVEL,
                            options=levels,
                            value=flt.level.value if flt.level else "",
                            inline=True,
                            className="small",
                        ),
                    ],
                    className="mb-2",
                ),
                html.Div(
                    [
                        dbc.Label(t("console.category"), html_for=CATEGORY, className="small mb-0"),
                        dropdown(
                            id=CATEGORY,
                            options=categories,
                            value=list(flt.category),
                            multi=True,
                            placeholder=t("console.any") if flt.level else t("console.category_hint"),
                            disabled=flt.level is None,
                        ),
                    ],
                    className="mb-2",
                ),
                dbc.Button(t("console.reset"), id=RESET, color="secondary", outline=True, size="sm"),
            ]
        ),
        className="filter-panel",
    )


def browser_texts() -> dict[str, str]:
    """Words assets/hazeops.js puts on Leaflet's own controls and the category filter."""
    return {
        "zoom_in": t("map.zoom_in"),
        "zoom_out": t("map.zoom_out"),
        "layers": t("map.layers"),
        "category_hint": t("console.category_hint"),
        "any": t("console.any"),
    }


def legend_rows(flt: EnterpriseFilter) -> list[Any]:
    """The legend's content: grade colours, or (with a level) the category colours at that level."""
    if flt.level:
        title = t("console.legend_category", level=label("level", flt.level))
        items = [(CATEGORY_COLORS[c], label("category", c)) for c in CATEGORY_ORDER]
        note = t("console.legend_cluster_category")
    else:
        title = t("console.legend")
        items = [(GRADE_COLORS[g], label("grade", g)) for g in GRADE_ORDER]
        note = t("console.legend_cluster")
    return [
        html.Div(title, className="fw-semibold small mb-1"),
        *[
            html.Div(
                [html.Span(className="swatch", style={"backgroundColor": c}), text], className="legend-row"
            )
            for c, text in items
        ],
        html.Div(note, className="legend-note"),
    ]


def legend(flt: EnterpriseFilter) -> html.Div:
    """The map legend, and how a cluster of mixed classes is drawn."""
    return html.Div(legend_rows(flt), className="map-legend", id="console-legend")


def layout(**query: Any) -> html.Div:
    """Filters (from the URL), counts, the clustered map, the grid and the side card."""
    flt = parse_lenient({k: v for k, v in query.items() if k != "sel"})
    _, db = services()
    flt = enterprises.without_unknown_places(db, flt)  # the map feed would refuse them
    follow = None  # a level in the URL is the user's: the page keeps it
    if "level" not in query:
        # The console opens on what enterprises must do at the level in force and follows it while open
        # ("" = following, no warning now).
        active = warnings.level_in_force(db)
        flt = replace(flt, level=active) if active else flt
        follow = active.value if active else ""
    sel = query.get("sel")
    sel = sel[-1] if isinstance(sel, list) else sel
    view = enterprises.get(db, int(sel)) if isinstance(sel, str) and sel.isdigit() and len(sel) < 10 else None
    counts = enterprises.count(db, flt)
    stamp = enterprises.list_stamp(db)
    bounds = county.outline_bounds()
    config, _ = services()
    maps = config.base_maps()
    crs_of = {t(f"map.base.{m.key}"): m.crs.value for m in maps}
    first_crs = maps[0].crs
    tiled = any(m.layers for m in maps)
    outlines = {crs.value: county.outline(crs) for crs in {m.crs for m in maps}}
    the_map = dl.Map(
        [
            base_layers(maps),
            dl.GeoJSON(
                data=outlines[first_crs.value],
                id=OUTLINE,
                interactive=False,
                style={"color": "#1f3a5f", "weight": 2, "fillOpacity": 0.03, "dashArray": "4 3"},
            ),
            dl.GeoJSON(
                id=POINTS,
                url=feed_url(flt, stamp, START_ZOOM, first_crs),
                pointToLayer=ns("point"),
                onEachFeature=ns("feature"),
                hideout=hideout(flt),
            ),
            legend(flt),
            html.Div(id=CLICKED, className="map-clicked small"),
            # Credit the tile providers; Leaflet's own prefix carries a flag a government site would not show.
            *([dl.AttributionControl(prefix="Leaflet", position="bottomright")] if tiled else []),
        ],
        id=MAP,
        # center and zoom as well as bounds: dash-leaflet needs a view before it fits the bounds.
        center=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        zoom=START_ZOOM,
        bounds=bounds,
        boundsOptions={"padding": [8, 8]},
        maxZoom=18,
        style={"height": "46vh"},
        attributionControl=False,
    )
    grid = dag.AgGrid(
        id=GRID,
        columnDefs=columns(),
        rowModelType="infinite",
        getRowId="params.data.id",  # a string: rowData carries ids as text
        defaultColDef={"resizable": True, "sortable": False},
        dashGridOptions={
            "cacheBlockSize": 100,
            "maxBlocksInCache": 20,
            "rowBuffer": 10,
            "infiniteInitialRowCount": 1,
            "tooltipShowDelay": 300,
            "localeText": grid_locale(),
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        },
        style={"height": "36vh"},
        className="ag-theme-quartz mt-2",
    )
    return html.Div(
        [
            dcc.Location(id=URL, refresh=False),
            dcc.Download(id=EXPORT_FILE),
            dcc.Store(id=JOB, data={"lang": current_language(), "user": current_user.display_name}),
            dcc.Store(id=TEXTS, data=browser_texts()),
            html.Div(id=LOCALIZED, hidden=True),
            dcc.Store(id=FILTER, data=flt.query_string()),
            dcc.Store(id=FOLLOW, data=follow),
            dcc.Store(id=FEED, data=feed(flt, stamp)),
            dcc.Store(id=BASE_CRS, data=crs_of),
            dcc.Store(id=OUTLINES, data=outlines),
            dcc.Store(id=SELECTED, data=view.fields["id"] if view else None),
            html.Div(id=GRID_PURGED, hidden=True),
            dbc.Row(
                [
                    dbc.Col(filter_panel(flt), lg=3, md=4),
                    dbc.Col(
                        [
                            html.Div(
                                [
                                    html.Span(
                                        t("console.count", total=counts.total, located=counts.located),
                                        id=COUNT,
                                        className="me-2",
                                    ),
                                    dbc.Badge(
                                        t("console.no_coords", n=counts.unlocated),
                                        id=NOCOORD,
                                        color="warning" if counts.unlocated else "light",
                                        text_color="dark",
                                        className="align-middle",
                                    ),
                                    html.Span(t("demo.note"), className="small text-muted ms-2")
                                    if _is_demo(db)
                                    else None,
                                    dbc.ButtonGroup(
                                        [
                                            dbc.Button(
                                                t("console.export_xlsx"),
                                                id=EXPORT_XLSX,
                                                n_clicks=0,
                                                outline=True,
                                                color="secondary",
                                            ),
                                            dbc.Button(
                                                t("console.export_csv"),
                                                id=EXPORT_CSV,
                                                n_clicks=0,
                                                outline=True,
                                                color="secondary",
                                            ),
                                        ],
                                        size="sm",
                                        className="float-end",
                                    ),
                                    dbc.Progress(
                                        id=EXPORT_PROGRESS,
                                        value=0,
                                        className="mt-1",
                                        style={"display": "none"},
                                    ),
                                ],
                                className="mb-2 small",
                            ),
                            the_map,
                            grid,
                        ],
                        lg=9,
                        md=8,
                    ),
                ],
                className="g-3",
            ),
            dbc.Offcanvas(
                card(view) if view else None,
                id=CARD,
                title=view.fields["name"] if view else "",
                is_open=view is not None,
                placement="end",
                scrollable=True,
                backdrop=False,
                style={"width": "30rem"},
            ),
        ],
        className="console",
    )


def _is_demo(db: Any) -> bool:
    return enterprises.has_demo(db)
