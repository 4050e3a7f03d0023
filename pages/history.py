"""预警历史: daily air quality with the warning episodes drawn over it, every episode's level timeline, and
importing a daily PM2.5/AQI series (duty officer, admin)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.auth import csrf_token, services
from dashboard.banner import LEVEL_STYLE, level_name
from dashboard.i18n import current_language, t
from dashboard.permissions import ROUTES
from dashboard.timeutil import format_local, to_local
from dashboard.ui import dropdown, page_header, page_title
from data_access import airquality, warnings
from data_access.listimport import MAX_FILE_BYTES

dash.register_page(
    __name__,
    path="/history",
    title=page_title("page.history.title", __name__),
    nav_key="page.history.nav",
    order=30,
)

SERIES, CHART, EPISODES = "aq-series", "aq-chart", "history-episodes"
FILE_SLOT, CITY, UPLOAD, PROGRESS, MSG, RESULT = (
    "aq-file-slot",
    "aq-city",
    "aq-upload",
    "aq-progress",
    "aq-msg",
    "aq-result",
)
TEXTS, CSRF = "aq-texts", "aq-csrf"
HIDDEN = {"display": "none"}
# Guide lines: where the 24-hour PM2.5 sub-index of HJ 633-2012 (table 1) enters 轻度, 中度, 重度 and 严重
# pollution (µg/m³); AQI > 200 (重度) is what "重污染天气" means (domain.md §1.5).
PM25_BREAKS = (
    (75, "aq.break.light"),
    (115, "aq.break.moderate"),
    (150, "aq.break.heavy"),
    (250, "aq.break.severe"),
)


def can_import() -> bool:
    """Whether the current user may import air-quality series."""
    rule = ROUTES.get("api.air_quality_upload")
    return bool(rule and rule.allows(current_user.role))


def _span(e: warnings.EpisodeView) -> tuple[datetime | None, datetime | None]:
    start = e.started_at or e.issued_at or next((c.effective_at or c.notice_at for c in e.changes), None)
    end = e.ended_at
    if start is not None and end is None:
        end = start + timedelta(days=1)  # unknown end: shown as a day
    return start, end


def _note(
    x: Any, y: Any, text: str, xa: str, ya: str, *, size: int, xref: str, yref: str = "paper"
) -> dict[str, Any]:
    return {
        "x": x,
        "y": y,
        "xref": xref,
        "yref": yref,
        "text": text,
        "showarrow": False,
        "font": {"size": size},
        "xanchor": xa,
        "yanchor": ya,
    }


def figure(
    series: list[tuple[Any, float]], metric: str, city: str, episodes: list[warnings.EpisodeView]
) -> dict[str, Any]:
    """The daily series with each episode shaded in its highest level's colour."""
    # A missing day breaks the line (None): a line drawn across a gap would invent the values in between.
    days: list[str] = []
    values: list[float | None] = []
    for i, (d, v) in enumerate(series):
        if i and (d - series[i - 1][0]).days > 1:
            days.append((series[i - 1][0] + timedelta(days=1)).isoformat())
            values.append(None)
        days.append(d.isoformat())
        values.append(v)
    shapes, notes = [], []
    first, last = (series[0][0], series[-1][0]) if series else (None, None)
    for e in episodes:
        start, end = _span(e)
        peak = e.peak
        if start is None or peak is None:
            continue
        a, b = to_local(start).date(), to_local(end or start).date()
        if first is not None and (b < first or a > last):
            continue
        color = LEVEL_STYLE[peak.value][0]
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": a.isoformat(),
                "x1": (b + timedelta(days=1)).isoformat(),
                "y0": 0,
                "y1": 1,
                "fillcolor": color,
                "opacity": 0.25,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes.append(_note(a.isoformat(), 1, level_name(peak.value), "left", "top", size=10, xref="x"))
    if metric == "pm25":
        for value, key in PM25_BREAKS:
            shapes.append(
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": value,
                    "y1": value,
                    "line": {"color": "#999", "width": 1, "dash": "dot"},
                }
            )
            notes.append(_note(1, value, t(key), "right", "bottom", size=9, xref="paper", yref="y"))
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": t(f"aq.metric.{metric}"),
                "x": days,
                "y": values,
                "connectgaps": False,
                "line": {"color": "#1f3a5f", "width": 1.5},
            }
        ],
        "layout": {
            "height": 340,
            "margin": {"l": 50, "r": 10, "t": 20, "b": 40},
            "shapes": shapes,
            "annotations": notes,
            "yaxis": {"title": {"text": t(f"aq.unit.{metric}")}, "rangemode": "tozero"},
            "xaxis": {"type": "date", "tickformat": "%Y-%m"},  # digits read the same in both languages
            "title": {"text": t("aq.chart_title", city=city), "font": {"size": 13}},
            "font": {"family": "Noto Sans CJK SC, sans-serif", "size": 11},
        },
    }


def _when(at: datetime | None, known: bool) -> str:
    if at is None:
        return t("warning.unknown")
    return format_local(at) if known else format_local(at)[:10] + t("warning.time_unknown")


def episodes_table(items: list[warnings.EpisodeView]) -> dbc.Table:
    """Every episode: when it started and ended, its levels in order, document numbers, source."""
    head = html.Thead(
        html.Tr([html.Th(t(f"history.col.{k}")) for k in ("start", "end", "levels", "doc", "source")])
    )
    rows = []
    for e in items:
        first = e.changes[0] if e.changes else None
        lift = next((c for c in e.changes if c.kind.value == "lift"), None)
        start = _when(first.effective_at, first.effective_time_known) if first else "—"
        if first and first.effective_at is None and first.notice_at is not None:
            start = t("history.noticed", at=_when(first.notice_at, first.notice_time_known))
        end = (
            _when(lift.effective_at, lift.effective_time_known)
            if lift
            else (t("history.open") if e.is_open else t("warning.unknown"))
        )
        chips = []
        for lv in e.levels:
            bg, fg = LEVEL_STYLE[lv.value]
            chips.append(
                html.Span(
                    level_name(lv.value),
                    className="level-tag me-1",
                    style={"backgroundColor": bg, "color": fg},
                )
            )
        docs = t("list.changes_join").join(dict.fromkeys(c.doc_no for c in e.changes if c.doc_no)) or "—"
        sources = [c.source_url for c in e.changes if c.source_url] or ([e.source] if e.source else [])
        source_cell: Any = "—"
        if sources:
            src = sources[0]
            source_cell = (
                html.A(t("history.source"), href=src, target="_blank", rel="noopener noreferrer")
                if src.startswith("http")
                else src
            )
        tag = (
            dbc.Badge(t("demo.badge"), color="info", className="ms-1")
            if e.is_demo
            else (
                dbc.Badge(t("history.recorded_from_news"), color="light", text_color="dark", className="ms-1")
                if e.is_history
                else None
            )
        )
        rows.append(
            html.Tr(
                [
                    html.Td(start),
                    html.Td(end),
                    html.Td([*chips, tag]),
                    html.Td(docs, className="small"),
                    html.Td(source_cell),
                ]
            )
        )
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="small", id=EPISODES)


def layout(**query: Any) -> html.Div:
    """The chart (a series chosen), the episodes, and the import form."""
    config, db = services()
    series = airquality.series_list(db)
    options = [
        {
            "label": t(
                "aq.series", city=s.city, metric=t("aq.metric." + s.metric), first=s.first, last=s.last
            ),
            "value": f"{s.city}|{s.metric}",
        }
        for s in series
    ]
    default = next(
        (o["value"] for o in options if o["value"].startswith(config.home_city + "|")),
        options[0]["value"] if options else None,
    )
    items = warnings.episodes(db)
    chart: Any = html.P(t("aq.none"), className="text-muted small")
    if default:
        city, metric = default.split("|")
        chart = dcc.Graph(
            id=CHART,
            figure=figure(airquality.series(db, city, metric), metric, city, items),
            config={"displayModeBar": False},
        )
    importer = None
    if can_import():
        importer = dbc.Card(
            [
                dbc.CardHeader(t("aq.import_header")),
                dbc.CardBody(
                    [
                        html.P(t("aq.import_help"), className="small text-muted"),
                        html.Div(
                            id=FILE_SLOT,
                            className="mb-2",
                            **{"data-accept": ".csv,.txt", "data-input": "aq-file"},
                        ),
                        dbc.Input(
                            id=CITY, placeholder=t("aq.city_hint"), size="sm", className="mb-2", maxLength=32
                        ),
                        dbc.Button(t("aq.upload"), id=UPLOAD, color="primary", size="sm", n_clicks=0),
                        dbc.Progress(id=PROGRESS, value=0, className="mt-2", style=HIDDEN),
                        html.Div(id=MSG, className="mt-2"),
                    ]
                ),
            ],
            className="mt-3",
        )
    return html.Div(
        [
            dcc.Store(
                id=TEXTS,
                data={
                    "no_file": t("listimport.no_file"),
                    "uploading": t("list.uploading"),
                    "failed": t("list.upload_failed"),
                    "too_big": t("listimport.too_big", mb=MAX_FILE_BYTES // 2**20),
                    "max_bytes": str(MAX_FILE_BYTES),
                    "lang": current_language(),
                },
            ),
            dcc.Store(id=CSRF, data=csrf_token()),
            dcc.Store(id=RESULT),
            page_header("page.history.title", "page.history.subtitle"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dropdown(
                                id=SERIES, options=options, value=default, clearable=False, className="mb-2"
                            )
                            if options
                            else None,
                            html.Div(chart, id="aq-chart-box"),
                            html.P(t("aq.attribution"), className="small text-muted"),
                            importer,
                        ],
                        lg=7,
                    ),
                    dbc.Col([html.H2(t("history.episodes"), className="h6"), episodes_table(items)], lg=5),
                ],
                className="g-3",
            ),
        ]
    )
