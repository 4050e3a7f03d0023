"""预警应对: the open warning and its timeline, recording the city's steps (duty officer, admin), and the
obligations at the level in force — counts per town and category, the notification list and its export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.auth import services
from dashboard.banner import LEVEL_STYLE, level_name, next_text
from dashboard.cards import label
from dashboard.filters import UNCLASSIFIED, EnterpriseFilter, parse_lenient
from dashboard.i18n import current_language, t
from dashboard.permissions import CALLBACKS
from dashboard.rules.vocab import RESPONSE_GRADE, Category, ChangeKind, Level
from dashboard.timeutil import format_local, to_local, utcnow
from dashboard.ui import dropdown, grid_locale, labelled, page_header, page_title
from data_access import enterprises, obligations, warnings

dash.register_page(
    __name__,
    path="/warning",
    title=page_title("page.warning.title", __name__),
    nav_key="page.warning.nav",
    order=10,
)

URL = "warning-url"
EPISODE = "warning-episode"  # {"id", "last_seq"} of the open episode as loaded (a step since is refused)
TIMELINE = "warning-timeline"
FORM_LEVEL, FORM_DOC, FORM_NOTE = "warning-form-level", "warning-form-doc", "warning-form-note"
NOTICE_DAY, NOTICE_TIME = "warning-notice-day", "warning-notice-time"
EFFECT_DAY, EFFECT_TIME = "warning-effect-day", "warning-effect-time"
ISSUE, CHANGE, LIFT, FORM_MSG = "warning-issue", "warning-change", "warning-lift", "warning-form-msg"
LEVEL, TOWN, CATEGORY = "warning-level", "warning-town", "warning-category"
COUNTS, GRID, GRID_PURGED, QUERY = "warning-counts", "warning-grid", "warning-grid-purged", "warning-query"
EXPORT_XLSX, EXPORT_CSV, EXPORT_FILE = "warning-export-xlsx", "warning-export-csv", "warning-export-file"
EXPORT_PROGRESS, JOB = "warning-export-progress", "warning-job"
WITHDRAW, WITHDRAW_REASON, WITHDRAW_TARGET, WITHDRAW_MSG = (
    "warning-withdraw-confirm",
    "warning-withdraw-reason",
    "warning-withdraw-target",
    "warning-withdraw-msg",
)
HIDDEN = {"display": "none"}
RECORD_CALLBACK = "callbacks.warning.record"


def can_record() -> bool:
    """Whether the current user may record the city's warnings (duty officer, admin)."""
    rule = CALLBACKS.get(RECORD_CALLBACK)
    return bool(rule and rule.allows(current_user.role))


def _when(at: datetime | None, known: bool) -> str:
    if at is None:
        return t("warning.unknown")
    return format_local(at) if known else format_local(at)[:10] + t("warning.time_unknown")


def timeline(episode: warnings.EpisodeView) -> dbc.Table:
    """The episode's steps: what, level, notice, effective time, document number."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(f"warning.col.{k}"), className="text-nowrap")
                for k in ("kind", "level", "notice", "effective", "doc", "by")
            ]
        )
    )
    rows = []
    for c in episode.changes:
        level = c.level.value if c.level else None
        chip = (
            html.Span(
                level_name(level),
                className="level-tag",
                style={"backgroundColor": LEVEL_STYLE[level][0], "color": LEVEL_STYLE[level][1]},
            )
            if level
            else "—"
        )
        rows.append(
            html.Tr(
                [
                    html.Td(t(f"warning.kind.{c.kind.value}"), className="text-nowrap"),
                    html.Td(chip, className="text-nowrap"),
                    html.Td(_when(c.notice_at, c.notice_time_known)),
                    html.Td(_when(c.effective_at, c.effective_time_known)),
                    html.Td(c.doc_no or "—"),
                    html.Td(c.recorded_by),
                ]
            )
        )
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", className="small mb-2", id=TIMELINE, responsive=True
    )


def _time_inputs(now: datetime, day_id: str, time_id: str, label_key: str) -> html.Div:
    local = to_local(now)
    return html.Div(
        [
            dbc.Label(t(label_key), className="small mb-0"),
            dbc.InputGroup(
                [
                    dbc.Input(id=day_id, value=local.strftime("%Y-%m-%d"), placeholder=t("warning.day_hint")),
                    dbc.Input(id=time_id, type="time", value=local.strftime("%H:%M")),
                ],
                size="sm",
            ),
        ],
        className="mb-2",
    )


def withdraw_form(episode: warnings.EpisodeView) -> html.Details:
    """Withdraw the newest episode's last step, recorded by mistake (a reason is required and audited)."""
    last = episode.changes[-1]
    what = t(
        "warning.withdraw_what",
        kind=t(f"warning.kind.{last.kind.value}"),
        level=level_name(last.level.value) if last.level else "",
        at=format_local(last.recorded_at),
        by=last.recorded_by,
    )
    return html.Details(
        [
            html.Summary(t("warning.withdraw"), className="small"),
            html.P(what, className="small text-muted mb-1 mt-1", id="warning-withdraw-what"),
            dbc.Input(id=WITHDRAW_REASON, size="sm", maxLength=200, placeholder=t("warning.withdraw_reason")),
            dbc.Button(
                t("warning.withdraw_confirm"),
                id=WITHDRAW,
                color="danger",
                outline=True,
                size="sm",
                n_clicks=0,
                className="mt-1",
            ),
            dcc.Store(id=WITHDRAW_TARGET, data={"id": episode.id, "last_seq": last.seq}),
            html.Div(id=WITHDRAW_MSG, className="mt-2"),
        ],
        className="mt-3",
        id="warning-withdraw",
    )


def record_form(
    episode: warnings.EpisodeView | None, now: datetime, withdrawable: warnings.EpisodeView | None = None
) -> dbc.Card:
    """Issue a warning (none open), or change its level or lift it (one open); withdraw a mistaken step."""
    current = episode.state(now).announced if episode else None
    levels = [
        {
            "label": level_name(lv.value),
            "value": lv.value,
            "disabled": current is not None and lv.value == current.value,
        }
        for lv in Level
    ]
    fields = [
        html.Div(
            [
                dbc.Label(t("warning.form.level"), className="small mb-0"),
                dbc.RadioItems(id=FORM_LEVEL, options=levels, value=None, inline=True),
            ],
            className="mb-2",
        ),
        labelled("warning.form.doc", dbc.Input(id=FORM_DOC, size="sm", maxLength=warnings.DOC_NO_MAX)),
        _time_inputs(now, NOTICE_DAY, NOTICE_TIME, "warning.form.notice"),
        _time_inputs(now, EFFECT_DAY, EFFECT_TIME, "warning.form.effective"),
        labelled("warning.form.note", dbc.Input(id=FORM_NOTE, size="sm", maxLength=200)),
    ]
    # All three buttons are always there (one callback listens to them); those that do not apply are hidden.
    # A lifting announced for later leaves nothing to record until the response has ended.
    lifted = episode is not None and episode.changes[-1].kind is ChangeKind.LIFT
    none, some = (None, HIDDEN) if episode is None else (HIDDEN, HIDDEN if lifted else None)
    buttons = [
        dbc.Button(t("warning.issue"), id=ISSUE, color="danger", n_clicks=0, style=none),
        dbc.Button(t("warning.change"), id=CHANGE, color="warning", n_clicks=0, className="me-2", style=some),
        dbc.Button(t("warning.lift"), id=LIFT, color="secondary", n_clicks=0, style=some),
    ]
    return dbc.Card(
        [
            dbc.CardHeader(t("warning.form.header_issue" if episode is None else "warning.form.header_open")),
            dbc.CardBody(
                [
                    html.P(
                        t(
                            "warning.form.help"
                            if episode is None
                            else "warning.form.help_lifted"
                            if lifted
                            else "warning.form.help_open"
                        ),
                        className="small text-muted",
                    ),
                    html.Div(
                        fields, style=HIDDEN if lifted else None
                    ),  # kept: the record callback reads them
                    html.Div(buttons),
                    html.Div(id=FORM_MSG, className="mt-2"),
                    withdraw_form(withdrawable) if withdrawable else None,
                ]
            ),
        ],
        className="mb-3",
    )


def counts_table(c: obligations.TownCounts) -> dbc.Table:
    """Enterprises per town (rows) and category (columns) at a level, with totals; 待分类 = list errors."""
    cats = [
        cat.value
        for cat in (Category.STOP, Category.LIMIT, Category.TRANSPORT, Category.SELF, Category.GUARANTEE)
    ]
    cats.append(UNCLASSIFIED)
    head = html.Thead(
        html.Tr(
            [html.Th(t("field.town"))]
            + [html.Th(label("category", k)) for k in cats]
            + [html.Th(t("warning.total"))]
        )
    )
    body = []
    for town in c.towns:
        body.append(
            html.Tr(
                [html.Td(town or t("warning.no_town"))]
                + [
                    html.Td(
                        c.cells.get((town, k), 0) or "",
                        className="text-danger fw-semibold" if k == UNCLASSIFIED else None,
                    )
                    for k in cats
                ]
                + [html.Td(c.town_total(town), className="fw-semibold")]
            )
        )
    body.append(
        html.Tr(
            [html.Th(t("warning.total"))] + [html.Th(c.total(k)) for k in cats] + [html.Th(c.total())],
            className="table-light",
        )
    )
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", bordered=True, className="small counts-table", id=COUNTS
    )


def notification_columns() -> list[dict[str, Any]]:
    """Columns of the notification list."""
    return [
        {"field": "name", "headerName": t("field.name"), "width": 240, "tooltipField": "name"},
        {"field": "town", "headerName": t("field.town"), "width": 100},
        {"field": "grade", "headerName": t("field.grade"), "width": 80},
        {"field": "category", "headerName": t("console.category"), "width": 100},
        {
            "field": "measure",
            "headerName": t("warning.col.measure"),
            "flex": 1,
            "minWidth": 280,
            "tooltipField": "measure",
        },
        {
            "field": "indicator",
            "headerName": t("warning.col.indicator"),
            "width": 220,
            "tooltipField": "indicator",
        },
    ]


def layout(**query: Any) -> html.Div:
    """The open warning, the recording form, and the obligations at the level in force (or chosen)."""
    _, db = services()
    now = utcnow()
    episode = warnings.current(db)
    state = episode.state(now) if episode else None
    raw = query.get("level")
    raw = raw[-1] if isinstance(raw, list) else raw
    level = Level(raw) if raw in {lv.value for lv in Level} else (state.obligation_level if state else None)
    flt = parse_lenient(
        {k: v for k, v in query.items() if k in ("town", "category")}
        | ({"level": [level.value]} if level else {})
    )
    header = page_header("page.warning.title", "page.warning.subtitle")
    shown = state.shown if state else None
    if episode is None:
        status = dbc.Alert(t("warning.none"), color="secondary", id="warning-status")
    else:
        status = html.Div(
            [
                html.Div(
                    [
                        html.Strong(level_name(shown.value) if shown else "—"),
                        html.Span(
                            " · " + t("banner.grade", grade=RESPONSE_GRADE[shown.value]) if shown else ""
                        ),
                        html.Div(
                            next_text(state.next_step, now, state.upcoming),
                            className="small fw-semibold mt-1",
                            id="warning-next",
                        )
                        if state and state.next_step
                        else None,
                    ],
                    id="warning-status",
                    className="mb-2",
                ),
                timeline(episode),
                html.P(t("demo.note"), className="small text-muted") if episode.is_demo else None,
            ]
        )
    left = [dbc.Card([dbc.CardHeader(t("warning.current")), dbc.CardBody(status)], className="mb-3")]
    if can_record():
        left.append(record_form(episode, now, warnings.latest_recorded(db, now)))
    towns = [{"label": name, "value": code} for code, name in enterprises.towns(db)]
    cats = [{"label": label("category", c.value), "value": c.value} for c in Category] + [
        {"label": label("category", UNCLASSIFIED), "value": UNCLASSIFIED}
    ]
    if level is None:  # no warning in force: pick a level to see (or prepare) its obligations
        picks = [
            dcc.Link(
                level_name(lv.value),
                href=dash.get_relative_path(f"/warning?level={lv.value}"),
                className="btn btn-sm btn-outline-secondary me-2",
                id=f"warning-pick-{lv.value}",
            )
            for lv in Level
        ]
        right = html.Div(
            [html.P(t("warning.no_level"), className="small text-muted"), html.Div(picks)],
            id="warning-obligations",
        )
    else:
        right = html.Div(
            [
                dbc.Row(
                    [
                        dbc.Col(
                            dbc.RadioItems(
                                id=LEVEL,
                                options=[{"label": level_name(lv.value), "value": lv.value} for lv in Level],
                                value=level.value,
                                inline=True,
                            ),
                            md="auto",
                        ),
                        dbc.Col(
                            dropdown(
                                id=TOWN,
                                options=towns,
                                value=list(flt.town),
                                multi=True,
                                placeholder=t("field.town"),
                            ),
                            md=3,
                        ),
                        dbc.Col(
                            dropdown(
                                id=CATEGORY,
                                options=cats,
                                value=list(flt.category),
                                multi=True,
                                placeholder=t("console.category"),
                            ),
                            md=3,
                        ),
                    ],
                    className="g-2 mb-2 align-items-center",
                ),
                html.Div(counts_table(obligations.counts(db, level, flt)), id="warning-counts-box"),
                html.Div(
                    [
                        html.Span(t("warning.notify_help"), className="small text-muted me-2"),
                        dbc.ButtonGroup(
                            [
                                dbc.Button(
                                    t("console.export_xlsx"),
                                    id=EXPORT_XLSX,
                                    outline=True,
                                    color="secondary",
                                    n_clicks=0,
                                ),
                                dbc.Button(
                                    t("console.export_csv"),
                                    id=EXPORT_CSV,
                                    outline=True,
                                    color="secondary",
                                    n_clicks=0,
                                ),
                            ],
                            size="sm",
                        ),
                        dbc.Progress(id=EXPORT_PROGRESS, value=0, className="mt-1", style=HIDDEN),
                    ],
                    className="mb-2",
                ),
                dag.AgGrid(
                    id=GRID,
                    columnDefs=notification_columns(),
                    rowModelType="infinite",
                    getRowId="params.data.id",
                    defaultColDef={"resizable": True, "sortable": False},
                    dashGridOptions={
                        "cacheBlockSize": 100,
                        "infiniteInitialRowCount": 1,
                        "tooltipShowDelay": 300,
                        "localeText": grid_locale(),
                    },
                    style={"height": "420px"},
                    className="ag-theme-quartz",
                ),
            ],
            id="warning-obligations",
        )
    return html.Div(
        [
            dcc.Location(id=URL, refresh=False),
            dcc.Store(
                id=EPISODE, data={"id": episode.id, "last_seq": episode.changes[-1].seq} if episode else None
            ),
            dcc.Store(id=QUERY, data=_query(level, flt)),
            dcc.Store(id=JOB, data={"lang": current_language(), "user": current_user.display_name}),
            dcc.Download(id=EXPORT_FILE),
            html.Div(id=GRID_PURGED, hidden=True),
            header,
            dbc.Row(
                [
                    dbc.Col(left, lg=4),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    t("warning.obligations", level=level_name(level.value))
                                    if level
                                    else t("warning.obligations_none")
                                ),
                                dbc.CardBody(right),
                            ]
                        ),
                        lg=8,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


def _query(level: Level | None, flt: EnterpriseFilter) -> str:
    from urllib.parse import urlencode

    pairs = (
        ([("level", level.value)] if level else [])
        + [("town", v) for v in flt.town]
        + [("category", v) for v in flt.category]
    )
    return urlencode(pairs)
