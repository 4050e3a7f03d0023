"""减排核算: does the published list reach the required share of the county's emissions at each level?
Achieved and target per pollutant, the shortfall in t/d, the largest contributors; targets and the county
base are data with their sources (admin edits them here)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.auth import services
from dashboard.banner import LEVEL_STYLE
from dashboard.cards import label
from dashboard.i18n import t
from dashboard.permissions import CALLBACKS
from dashboard.rules import targets as rules
from dashboard.rules.listlayout import POLLUTANTS
from dashboard.rules.vocab import Level
from dashboard.timeutil import format_local
from dashboard.ui import dropdown, labelled, page_header, page_title
from data_access import targets

dash.register_page(
    __name__,
    path="/targets",
    title=page_title("page.targets.title", __name__),
    nav_key="page.targets.nav",
    order=20,
)

CHECK, SOURCES = "targets-check", "targets-sources"
TOP_LEVEL, TOP_POLLUTANT, TOP_TABLE = "targets-top-level", "targets-top-pollutant", "targets-top-table"
EDIT_LEVEL, EDIT_POLLUTANT, EDIT_PERCENT, EDIT_SOURCE = (
    "targets-edit-level",
    "targets-edit-pollutant",
    "targets-edit-percent",
    "targets-edit-source",
)
SAVE_TARGET, DEFAULTS, TARGET_MSG = "targets-save", "targets-defaults", "targets-msg"
BASE_POLLUTANT, BASE_TOTAL, BASE_YEAR, BASE_SOURCE = (
    "targets-base-pollutant",
    "targets-base-total",
    "targets-base-year",
    "targets-base-source",
)
SAVE_BASE, BASE_MSG, REFRESH = "targets-base-save", "targets-base-msg", "targets-refresh"
# The version each form was filled from (0: not set yet): saving over someone else's change is refused.
TARGET_VERSION, BASE_VERSION = "targets-edit-version", "targets-base-version"


def _fmt(value: float | None, digits: int = 3) -> str:
    from dashboard.cards import _number

    return _number(value, digits)


def _pct(value: float | None) -> str:
    # One decimal, or two when a target was set that precisely (12.25 % must not read as 12.2 %).
    if value is None:
        return "—"
    return f"{value:.1f}%" if round(value, 1) == round(value, 2) else f"{value:.2f}%"


def level_card(level: Level, rows: list[rules.TargetRow]) -> dbc.Card:
    """One level: a table per pollutant and a chart of achieved against target."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(f"targets.col.{k}"))
                for k in ("pollutant", "target", "achieved", "reduction", "base", "shortfall")
            ]
        )
    )
    body = []
    for r in rows:
        met = r.met
        body.append(
            html.Tr(
                [
                    html.Td(t(f"pollutant.{r.pollutant}")),
                    html.Td(_pct(r.target_percent)),
                    html.Td(
                        [
                            _pct(r.achieved_percent),
                            " ",
                            dbc.Badge(
                                t("targets.met") if met else t("targets.short"),
                                color="success" if met else "danger",
                            )
                            if met is not None
                            else None,
                        ]
                    ),
                    html.Td(_fmt(r.reduction_tpd)),
                    html.Td(_fmt(r.base_tpd)),
                    html.Td(
                        _fmt(r.shortfall_tpd), className="text-danger fw-semibold" if met is False else None
                    ),
                ],
                id=f"targets-row-{level.value}-{r.pollutant}",
            )
        )
    bg, _ = LEVEL_STYLE[level.value]
    figure = {
        "data": [
            {
                "type": "bar",
                "name": t("targets.col.achieved"),
                "x": [t(f"pollutant.{r.pollutant}") for r in rows],
                "y": [round(r.achieved_percent or 0, 2) for r in rows],
                "marker": {"color": bg},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": t("targets.col.target"),
                "x": [t(f"pollutant.{r.pollutant}") for r in rows],
                "y": [r.target_percent for r in rows],
                "marker": {"symbol": "line-ew-open", "size": 28, "color": "#222", "line": {"width": 3}},
            },
        ],
        "layout": {
            "height": 220,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "yaxis": {"ticksuffix": "%", "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25},
            "font": {"family": "Noto Sans CJK SC, sans-serif", "size": 11},
        },
    }
    return dbc.Card(
        [
            dbc.CardHeader(label("level", level), style={"borderTop": f"4px solid {bg}"}),
            dbc.CardBody(
                [
                    dbc.Table([head, html.Tbody(body)], size="sm", className="small mb-1"),
                    dcc.Graph(
                        figure=figure, config={"displayModeBar": False}, id=f"targets-chart-{level.value}"
                    ),
                ]
            ),
        ],
        className="h-100",
    )


def check_block() -> html.Div:
    """The three levels side by side, and what the numbers rest on."""
    _, db = services()
    rows = targets.check(db)
    cards = [
        dbc.Col(level_card(level, [r for r in rows if r.level is level]), lg=4, className="mb-3")
        for level in rules.LEVELS
    ]
    return html.Div([dbc.Row(cards, className="g-3"), sources_block()], id=CHECK)


def sources_block() -> html.Div:
    """Where the targets and the county totals come from (and whether they are demo data)."""
    _, db = services()
    set_targets = targets.targets(db)
    bases = targets.bases(db)
    items: list[Any] = []
    if not set_targets:
        items.append(dbc.Alert(t("targets.no_targets"), color="warning", className="py-2"))
    for source in dict.fromkeys(tv.source for tv in set_targets.values()):
        items.append(html.Li(t("targets.target_source", source=source)))
    if not bases:
        items.append(dbc.Alert(t("targets.no_base"), color="warning", className="py-2"))
    for b in bases.values():
        text = t(
            "targets.base_source",
            pollutant=t(f"pollutant.{b.pollutant}"),
            total=_fmt(b.annual_tpa, 4),
            year=b.year or "—",
            source=b.source,
            at=format_local(b.updated_at),
            by=b.updated_by,
        )
        items.append(
            html.Li([text, dbc.Badge(t("demo.badge"), color="info", className="ms-1") if b.is_demo else None])
        )
    items.append(html.Li(t("targets.method")))
    return html.Div(
        [html.H2(t("targets.sources"), className="h6"), html.Ul(items, className="small")], id=SOURCES
    )


def can_edit() -> bool:
    """Whether the current user may change targets and totals (admin)."""
    rule = CALLBACKS.get("callbacks.targets.save_target")
    return bool(rule and rule.allows(current_user.role))


def edit_block() -> dbc.Card:
    """Admin: set a target or a county total, each with its source."""
    levels = [{"label": label("level", lv), "value": lv.value} for lv in Level]
    pollutants = [{"label": t(f"pollutant.{p}"), "value": p} for p in POLLUTANTS]
    return dbc.Card(
        [
            dbc.CardHeader(t("targets.edit_header")),
            dbc.CardBody(
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                html.H3(t("targets.edit_target"), className="h6"),
                                labelled(
                                    "targets.col.level",
                                    dropdown(id=EDIT_LEVEL, options=levels, value="yellow", clearable=False),
                                ),
                                labelled(
                                    "targets.col.pollutant",
                                    dropdown(
                                        id=EDIT_POLLUTANT, options=pollutants, value="so2", clearable=False
                                    ),
                                ),
                                labelled(
                                    "targets.col.target",
                                    dbc.Input(id=EDIT_PERCENT, type="number", step="any"),
                                ),
                                labelled(
                                    "targets.source", dbc.Textarea(id=EDIT_SOURCE, rows=2, maxLength=1000)
                                ),
                                dbc.Button(
                                    t("targets.save"),
                                    id=SAVE_TARGET,
                                    color="primary",
                                    size="sm",
                                    className="me-2",
                                ),
                                dbc.Button(
                                    t("targets.use_defaults"),
                                    id=DEFAULTS,
                                    color="secondary",
                                    outline=True,
                                    size="sm",
                                ),
                                html.Div(id=TARGET_MSG, className="mt-2"),
                            ],
                            md=6,
                        ),
                        dbc.Col(
                            [
                                html.H3(t("targets.edit_base"), className="h6"),
                                labelled(
                                    "targets.col.pollutant",
                                    dropdown(
                                        id=BASE_POLLUTANT, options=pollutants, value="so2", clearable=False
                                    ),
                                ),
                                labelled(
                                    "targets.annual", dbc.Input(id=BASE_TOTAL, type="number", step="any")
                                ),
                                labelled(
                                    "targets.year",
                                    dbc.Input(id=BASE_YEAR, type="number", step="any"),
                                ),
                                labelled(
                                    "targets.source", dbc.Textarea(id=BASE_SOURCE, rows=2, maxLength=1000)
                                ),
                                dbc.Button(t("targets.save"), id=SAVE_BASE, color="primary", size="sm"),
                                html.Div(id=BASE_MSG, className="mt-2"),
                            ],
                            md=6,
                        ),
                    ]
                )
            ),
        ],
        className="mt-3",
    )


def layout(**_query: Any) -> html.Div:
    """The check, the largest contributors, and (admin) the editing of targets and totals."""
    levels = [{"label": label("level", lv), "value": lv.value} for lv in Level]
    pollutants = [{"label": t(f"pollutant.{p}"), "value": p} for p in POLLUTANTS]
    top = dbc.Card(
        [
            dbc.CardHeader(t("targets.top_header")),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                dropdown(id=TOP_LEVEL, options=levels, value="orange", clearable=False), md=3
                            ),
                            dbc.Col(
                                dropdown(id=TOP_POLLUTANT, options=pollutants, value="vocs", clearable=False),
                                md=3,
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    html.Div(id=TOP_TABLE),
                ]
            ),
        ]
    )
    return html.Div(
        [
            dcc.Store(id=REFRESH, data=0),
            page_header("page.targets.title", "page.targets.subtitle"),
            html.Div(check_block(), id="targets-check-box"),
            top,
            html.Div([edit_block(), dcc.Store(id=TARGET_VERSION), dcc.Store(id=BASE_VERSION)])
            if can_edit()
            else None,
        ]
    )
