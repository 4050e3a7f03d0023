"""Admin → 审计日志: every write with actor, time, object, before/after and reason; filters in the URL."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import t
from dashboard.ui import dropdown, grid_locale, page_header, page_title

dash.register_page(
    __name__,
    path="/admin/audit",
    title=page_title("page.audit.title", __name__),
    nav_key="page.audit.nav",
    order=85,
)

URL = "audit-url"  # a second Location (refresh=False): writing filters to it does not rebuild the page
ACTOR = "audit-actor"
OBJECT = "audit-object"
DATES = "audit-dates"
GRID = "audit-grid"
PAGER = "audit-pager"
COUNT = "audit-count"
PAGE_SIZE = 100


def columns() -> list[dict[str, object]]:
    """Column definitions of the audit grid."""
    return [
        {"field": "at", "headerName": t("field.time"), "width": 175},
        {"field": "actor", "headerName": t("field.actor"), "width": 120},
        {"field": "action", "headerName": t("field.action"), "width": 170},
        {"field": "object", "headerName": t("field.object"), "width": 130},
        {"field": "before", "headerName": t("field.before"), "flex": 1, "tooltipField": "before"},
        {"field": "after", "headerName": t("field.after"), "flex": 1, "tooltipField": "after"},
        {"field": "reason", "headerName": t("field.reason"), "flex": 1},
        {"field": "address", "headerName": t("field.address"), "width": 120},
    ]


def _one(value: str | list[str]) -> str:
    """A query parameter given twice arrives as a list: the last one wins."""
    return value[-1] if isinstance(value, list) else value


def layout(
    actor: str = "", object: str = "", start: str = "", end: str = "", page: str = "1", **_query: str
) -> html.Div:
    """Filters (prefilled from the URL), a count, one page of rows and a pager."""
    actor, object, start, end, page = (_one(v) for v in (actor, object, start, end, page))
    filters = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(t("field.actor"), html_for=ACTOR),
                    dropdown(
                        id=ACTOR,
                        value=actor or None,
                        # Dash drops a value missing from the options: offer the URL's until the list loads.
                        options=[{"label": actor, "value": actor}] if actor else [],
                        placeholder=t("audit.any_actor"),
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(t("field.object"), html_for=OBJECT),
                    dbc.Input(id=OBJECT, value=object, placeholder=t("audit.object_hint"), debounce=True),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(t("audit.dates")),
                    html.Div(
                        dcc.DatePickerRange(
                            id=DATES,
                            start_date=start or None,
                            end_date=end or None,
                            display_format="YYYY-MM-DD",
                            month_format=t("audit.month_format"),
                            first_day_of_week=1,
                            clearable=True,
                            start_date_placeholder_text=t("audit.from"),
                            end_date_placeholder_text=t("audit.to"),
                        )
                    ),
                ],
                md=6,
            ),
        ],
        className="g-3 mb-3",
    )
    return html.Div(
        [
            dcc.Location(id=URL, refresh=False),
            page_header("page.audit.title", "page.audit.subtitle"),
            filters,
            html.Div(id=COUNT, className="small text-muted mb-2"),
            dag.AgGrid(
                id=GRID,
                columnDefs=columns(),
                rowData=[],
                dashGridOptions={"localeText": grid_locale(), "tooltipShowDelay": 300},
                defaultColDef={"resizable": True},
                style={"height": "60vh"},
                className="ag-theme-quartz",
            ),
            dbc.Pagination(
                id=PAGER,
                max_value=1,
                active_page=max(1, int(page) if page.isdigit() else 1),
                fully_expanded=False,
                first_last=True,
                previous_next=True,
                className="mt-2",
            ),
        ]
    )
