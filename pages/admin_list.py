"""Admin → 清单管理: upload a list file, see its problems and what it changes, publish; revisions; export."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.auth import csrf_token, services
from dashboard.errors import NotFoundError
from dashboard.i18n import current_language, t
from dashboard.timeutil import format_local
from dashboard.ui import dropdown, grid_locale, page_header, page_title
from data_access import enterprises, listimport

dash.register_page(
    __name__,
    path="/admin/list",
    title=page_title("page.list.title", __name__),
    nav_key="page.list.nav",
    order=70,
)

URL = "list-url"  # ?import=<id> follows the import on this page (hazeops.importInAddress)
IMPORT_ID = "list-import-id"
TEXTS = "list-texts"  # messages for the upload script, in the user's language
CSRF = "list-csrf"
FILE_SLOT = "list-file-slot"  # assets/hazeops.js mounts the native <input type=file id=list-file> here
MODE, CRS_CHOICE, UPLOAD = "list-mode", "list-crs", "list-upload"
UPLOAD_PROGRESS, UPLOAD_MSG, STAGE_PROGRESS = "list-upload-progress", "list-upload-msg", "list-stage-progress"
PREVIEW, OPEN_IMPORTS, REFRESH = "list-preview", "list-open", "list-refresh"
PROBLEM_SEVERITY, PROBLEM_RULE, PROBLEM_FILTER = (
    "list-problem-severity",
    "list-problem-rule",
    "list-problem-filter",
)
PROBLEM_GRID, PROBLEM_PURGED = "list-problem-grid", "list-problem-purged"
PROBLEM_DOWNLOAD, PROBLEM_FILE = "list-problem-download", "list-problem-file"
DIFF_CHANGE, DIFF_Q, DIFF_FILTER = "list-diff-change", "list-diff-q", "list-diff-filter"
DIFF_GRID, DIFF_PURGED = "list-diff-grid", "list-diff-purged"
NOTE, PUBLISH, DISCARD, VERSION = "list-note", "list-publish", "list-discard", "list-version"
PUBLISH_TICKET, PUBLISH_PROGRESS = "list-publish-ticket", "list-publish-progress"
POLL = "list-poll"  # while an import is being checked by a job this page did not start (after a reload)
POLL_MS = 2000
PUBLISH_MODAL, PUBLISH_CONFIRM, PUBLISH_CANCEL = (
    "list-publish-modal",
    "list-publish-confirm",
    "list-publish-cancel",
)
ACTION_MSG = "list-action-msg"
REV_GRID, RESTORE, RESTORE_MSG = "list-rev-grid", "list-restore", "list-restore-msg"
EXPORT_XLSX, EXPORT_CSV, EXPORT_TEMPLATE = "list-export-xlsx", "list-export-csv", "list-export-template"
EXPORT_PROGRESS, EXPORT_FILE = "list-export-progress", "list-export-file"

ACCEPT = ".xlsx,.xls,.xlsm,.ods,.csv"
CHANGES = ("new", "changed", "removed", "unmatched", "unchanged")
HIDDEN = {"display": "none"}


def upload_texts() -> dict[str, str]:
    """What the upload script says, in the user's language (and who and which language, for jobs)."""
    return {
        "lang": current_language(),
        "user": current_user.display_name,
        "no_file": t("listimport.no_file"),
        "uploading": t("list.uploading"),
        "uploaded": t("list.uploaded"),
        "failed": t("list.upload_failed"),
        "too_big": t("listimport.too_big", mb=listimport.MAX_FILE_BYTES // (1024 * 1024)),
        "max_bytes": str(listimport.MAX_FILE_BYTES),
    }


def _count(key: str, value: Any, color: str = "light") -> dbc.Badge:
    return dbc.Badge(
        [html.Span(t(f"list.count.{key}"), className="me-1"), html.Strong(str(value))],
        color=color,
        text_color="dark" if color in ("light", "warning") else None,
        className="me-2 mb-1 list-count",
        id=f"list-count-{key}",
    )


def status_alert(view: listimport.ImportView) -> dbc.Alert:
    """What the import's state means for the person looking at it."""
    s = view.summary
    if view.status == "failed":
        params = s.get("failure_params", {})
        return dbc.Alert(
            [html.Strong(t("list.failed")), " ", t(view.failure or "check.file.no_rows", **params)],
            color="danger",
            id="list-status",
        )
    if view.status == "published":
        return dbc.Alert(
            t("list.was_published", number=view.published_revision), color="success", id="list-status"
        )
    if view.status in ("discarded", "expired"):
        return dbc.Alert(t(f"listimport.status.{view.status}"), color="secondary", id="list-status")
    if view.status == "uploaded":
        return dbc.Alert(t("list.not_staged"), color="info", id="list-status")
    if view.stale:
        return dbc.Alert(
            t("listimport.stale_base", number=view.current_revision), color="warning", id="list-status"
        )
    if int(s.get("errors", 0)):
        return dbc.Alert(t("list.has_errors", n=s["errors"]), color="danger", id="list-status")
    if view.changes == 0:
        return dbc.Alert(t("listimport.nothing"), color="info", id="list-status")
    return dbc.Alert(
        t("list.ready", number=(view.current_revision or 0) + 1), color="success", id="list-status"
    )


def _sheets(view: listimport.ImportView) -> html.Div:
    rows = []
    for sh in view.summary.get("sheets", []):
        if sh.get("skipped"):
            known = sh["skipped"] in ("header.not_found", "no_measures", "hidden")
            note = t(f"list.sheet_skipped.{sh['skipped']}") if known else t("list.sheet_header_problem")
        else:
            at = sh["header_rows"]
            note = t("list.sheet_read", header=str(at[0]) if len(at) == 1 else f"{at[0]}–{at[-1]}")
            if sh.get("ignored"):
                note += t("list.sheet_ignored", columns=t("list.join").join(sh["ignored"][:12]))
            if sh.get("footnotes"):
                note += t("list.sheet_footnotes", n=sh["footnotes"])
        rows.append(html.Tr([html.Td(sh["name"]), html.Td(sh.get("rows", 0)), html.Td(note)]))
    if not rows:
        return html.Div()
    head = html.Thead(
        html.Tr([html.Th(t("list.sheet")), html.Th(t("list.rows")), html.Th(t("list.sheet_note"))])
    )
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="small mb-2", id="list-sheets")


def problem_columns() -> list[dict[str, Any]]:
    """Columns of the problems grid."""
    return [
        {"field": "severity", "headerName": t("list.col.severity"), "width": 80, "cellClass": "sev-cell"},
        {"field": "sheet", "headerName": t("list.sheet"), "width": 110},
        {"field": "row", "headerName": t("list.col.row"), "width": 86},
        {"field": "column", "headerName": t("list.col.column"), "width": 70},
        {"field": "header", "headerName": t("list.col.header"), "width": 150},
        {
            "field": "message",
            "headerName": t("list.col.message"),
            "flex": 1,
            "minWidth": 300,
            "tooltipField": "message",
        },
        {"field": "rule", "headerName": t("list.col.rule"), "width": 150},
    ]


def diff_columns() -> list[dict[str, Any]]:
    """Columns of the changes grid."""
    return [
        {"field": "change", "headerName": t("list.col.change"), "width": 90},
        {"field": "name", "headerName": t("field.name"), "width": 260, "tooltipField": "name"},
        {"field": "town", "headerName": t("field.town"), "width": 100},
        {"field": "row", "headerName": t("list.col.row"), "width": 120},
        {
            "field": "changes",
            "headerName": t("list.col.changes"),
            "flex": 1,
            "minWidth": 320,
            "tooltipField": "changes",
        },
    ]


def _grid(grid_id: str, columns: list[dict[str, Any]], height: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowModelType="infinite",
        getRowId="params.data.id",
        defaultColDef={"resizable": True, "sortable": False},
        dashGridOptions={
            "cacheBlockSize": 100,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "tooltipShowDelay": 300,
            "localeText": grid_locale(),
        },
        style={"height": height},
        className="ag-theme-quartz",
    )


def rule_options(rules: list[tuple[str, str, int]]) -> list[dict[str, str]]:
    """The rules present in an import (severity, rule, count), for the problems filter."""
    return [
        {
            "label": t("list.rule_option", severity=t(f"severity.{sev}"), rule=t(f"rulename.{rule}"), n=n),
            "value": rule,
        }
        for sev, rule, n in rules
    ]


def preview(view: listimport.ImportView, rules: list[tuple[str, str, int]]) -> html.Div:
    """The staged import: file, state, counts, sheets, problems, changes, and publish or discard."""
    s = view.summary
    kind = t(f"list.kind.{'restore' if view.source == 'restore' else view.kind or 'unknown'}")
    if view.source == "restore":  # no file: a revision's snapshot, staged by someone
        title = t("revision.restore_file", number=view.restore_of)
        about = t("list.meta_restore", by=view.created_by, at=format_local(view.created_at))
    else:
        title = view.file_name
        about = t(
            "list.meta",
            kind=kind,
            mode=t(f"list.mode.{view.mode}"),
            by=view.created_by,
            at=format_local(view.created_at),
            size=f"{view.file_size / 1024:.0f}",
        )
    meta = html.Div(
        [
            html.Strong(title, id="list-file-name"),
            html.Span(about, className="text-muted small ms-2"),
        ],
        className="mb-2",
    )
    parts: list[Any] = [meta, status_alert(view)]
    has_details = view.status == "ready" or (
        view.status == "failed" and (s.get("errors") or s.get("warnings"))
    )
    if not has_details:
        return html.Div(parts, id="list-preview-body")
    counts = [
        _count("rows", s.get("rows", 0)),
        _count("enterprises", s.get("enterprises", 0)),
        _count("new", s.get("new", 0), "primary"),
        _count("changed", s.get("changed", 0), "info"),
        _count("removed", s.get("removed", 0), "secondary"),
        _count("unchanged", s.get("unchanged", 0)),
    ]
    if s.get("unmatched"):
        counts.append(_count("unmatched", s["unmatched"], "warning"))
    counts += [
        _count("errors", s.get("errors", 0), "danger" if s.get("errors") else "light"),
        _count("warnings", s.get("warnings", 0), "warning" if s.get("warnings") else "light"),
    ]
    parts += [html.Div(counts, className="mb-2"), _sheets(view)]
    problems = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=PROBLEM_SEVERITY,
                            options=[
                                {"label": t("list.all"), "value": ""},
                                {"label": t("severity.error"), "value": "error"},
                                {"label": t("severity.warning"), "value": "warning"},
                            ],
                            value="",
                            inline=True,
                            className="small",
                        ),
                        md="auto",
                    ),
                    dbc.Col(
                        dropdown(
                            id=PROBLEM_RULE, options=rule_options(rules), placeholder=t("list.any_rule")
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Button(
                            t("list.download_problems"),
                            id=PROBLEM_DOWNLOAD,
                            size="sm",
                            color="secondary",
                            outline=True,
                        ),
                        md="auto",
                    ),
                ],
                className="g-2 mb-2 align-items-center",
            ),
            dcc.Store(id=PROBLEM_FILTER, data=""),
            html.Div(id=PROBLEM_PURGED, hidden=True),
            _grid(PROBLEM_GRID, problem_columns(), "300px"),
        ],
        className="pt-2",
    )
    changes = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=DIFF_CHANGE,
                            options=[{"label": t("list.changes_only"), "value": ""}]
                            + [{"label": t(f"list.change.{c}"), "value": c} for c in CHANGES],
                            value="",
                            inline=True,
                            className="small",
                        ),
                        md="auto",
                    ),
                    dbc.Col(
                        dbc.Input(
                            id=DIFF_Q, type="search", placeholder=t("list.search"), debounce=True, size="sm"
                        ),
                        md=3,
                    ),
                ],
                className="g-2 mb-2 align-items-center",
            ),
            dcc.Store(id=DIFF_FILTER, data=""),
            html.Div(id=DIFF_PURGED, hidden=True),
            _grid(DIFF_GRID, diff_columns(), "360px"),
        ],
        className="pt-2",
    )
    tabs = dbc.Tabs(
        [
            dbc.Tab(changes, label=t("list.tab.changes"), tab_id="changes"),
            dbc.Tab(
                problems,
                label=t("list.tab.problems", n=s.get("errors", 0) + s.get("warnings", 0)),
                tab_id="problems",
            ),
        ],
        active_tab="problems" if s.get("errors") else "changes",
        id="list-tabs",
        className="mb-2",
    )
    parts.append(tabs)
    if view.status == "ready":
        parts.append(
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Textarea(id=NOTE, placeholder=t("list.note_hint"), maxLength=500, rows=2),
                        md=6,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                t("list.publish", number=(view.current_revision or 0) + 1)
                                if view.can_publish
                                else t("list.publish_blocked"),
                                id=PUBLISH,
                                color="primary",
                                disabled=not view.can_publish,
                                className="me-2",
                            ),
                            dbc.Button(t("list.discard"), id=DISCARD, color="secondary", outline=True),
                        ],
                        md="auto",
                    ),
                ],
                className="g-2 align-items-center",
            )
        )
        parts.append(
            dbc.Modal(
                [
                    dbc.ModalHeader(
                        dbc.ModalTitle(t("list.confirm_title", number=(view.current_revision or 0) + 1))
                    ),
                    dbc.ModalBody(
                        [
                            t(
                                "list.confirm_body",
                                new=s.get("new", 0),
                                changed=s.get("changed", 0),
                                removed=s.get("removed", 0),
                            ),
                            dbc.Progress(
                                id=PUBLISH_PROGRESS,
                                value=0,
                                className="mt-3",
                                striped=True,
                                animated=True,
                                style=HIDDEN,
                            ),
                        ]
                    ),
                    dbc.ModalFooter(
                        [
                            dbc.Button(t("list.cancel"), id=PUBLISH_CANCEL, color="secondary", outline=True),
                            dbc.Button(t("list.confirm_publish"), id=PUBLISH_CONFIRM, color="primary"),
                        ]
                    ),
                ],
                id=PUBLISH_MODAL,
                is_open=False,
            )
        )
    parts.append(dcc.Store(id=VERSION, data=view.version))
    return html.Div(parts, id="list-preview-body")


def open_imports(current: int | None) -> html.Div:
    """Imports staged but not yet published or discarded (by anyone): where to pick up."""
    _, db = services()
    # Only imports someone could still publish: failed ones and ones overtaken by a newer revision are done.
    items = [
        v
        for v in listimport.recent_imports(db, 10)
        if v.status in ("ready", "uploaded") and not v.stale and v.id != current
    ]
    if not items:
        return html.Div()
    links = [
        html.Li(
            [
                dcc.Link(
                    t("revision.restore_file", number=v.restore_of) if v.source == "restore" else v.file_name,
                    href=dash.get_relative_path(f"/admin/list?import={v.id}"),
                ),
                html.Span(
                    " · ".join(
                        ["", t(f"listimport.status.{v.status}"), v.created_by, format_local(v.created_at)]
                    ),
                    className="text-muted",
                ),
            ]
        )
        for v in items
    ]
    return html.Div(
        [
            html.Div(t("list.open_imports"), className="small fw-semibold"),
            html.Ul(links, className="small mb-0"),
        ]
    )


def revision_columns() -> list[dict[str, Any]]:
    """Columns of the revisions grid."""
    return [
        {"field": "number", "headerName": t("list.rev.number"), "width": 70},
        {"field": "published", "headerName": t("list.rev.published"), "width": 160},
        {"field": "by", "headerName": t("list.rev.by"), "width": 90},
        {"field": "kind", "headerName": t("list.rev.kind"), "width": 110},
        {"field": "enterprises", "headerName": t("list.rev.enterprises"), "width": 80},
        {"field": "delta", "headerName": t("list.rev.delta"), "width": 200, "tooltipField": "delta"},
        {"field": "file", "headerName": t("list.rev.file"), "width": 180, "tooltipField": "file"},
        {"field": "note", "headerName": t("list.rev.note"), "width": 220, "tooltipField": "note"},
        {"field": "sha", "headerName": t("list.rev.sha"), "width": 120, "tooltipField": "sha_full"},
    ]


def layout(**query: Any) -> html.Div:
    """Import card (upload → check → preview → publish), revisions with restore, and exports."""
    raw = query.get("import")
    raw = raw[-1] if isinstance(raw, list) else raw
    import_id = int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else None
    _, db = services()
    view = None
    if import_id is not None:
        try:
            view = listimport.get_import(db, import_id)
        except NotFoundError:  # an old id in a bookmark: show the page without it
            view = None
    upload = dbc.Card(
        [
            dbc.CardHeader(t("list.import_header")),
            dbc.CardBody(
                [
                    html.P(t("list.import_help"), className="small text-muted"),
                    dbc.Label(t("list.file"), html_for="list-file", className="small mb-1"),
                    html.Div(id=FILE_SLOT, className="mb-2", **{"data-accept": ACCEPT}),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label(t("list.mode"), className="small mb-0"),
                                    dbc.RadioItems(
                                        id=MODE,
                                        options=[
                                            {"label": t("list.mode.replace"), "value": "replace"},
                                            {"label": t("list.mode.update"), "value": "update"},
                                        ],
                                        value="replace",
                                        className="small",
                                    ),
                                ],
                                md=6,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label(t("list.crs"), className="small mb-0"),
                                    dbc.RadioItems(
                                        id=CRS_CHOICE,
                                        options=[
                                            {"label": t("list.crs.wgs84"), "value": "wgs84"},
                                            {"label": t("list.crs.gcj02"), "value": "gcj02"},
                                        ],
                                        value="wgs84",
                                        className="small",
                                    ),
                                ],
                                md=6,
                            ),
                        ],
                        className="mb-2",
                    ),
                    dbc.Button(t("list.upload"), id=UPLOAD, color="primary", n_clicks=0),
                    dbc.Progress(id=UPLOAD_PROGRESS, value=0, className="mt-2", style=HIDDEN),
                    dbc.Progress(
                        id=STAGE_PROGRESS,
                        value=0,
                        className="mt-2",
                        striped=True,
                        animated=True,
                        style=HIDDEN,
                    ),
                    html.Div(id=UPLOAD_MSG, className="mt-2"),
                    html.Div(open_imports(import_id), id=OPEN_IMPORTS, className="mt-2"),
                ]
            ),
        ],
        className="mb-3",
    )
    revisions = dbc.Card(
        [
            dbc.CardHeader(t("list.revisions_header")),
            dbc.CardBody(
                [
                    dag.AgGrid(
                        id=REV_GRID,
                        columnDefs=revision_columns(),
                        rowData=[],
                        getRowId="params.data.number",
                        dashGridOptions={
                            "rowSelection": {
                                "mode": "singleRow",
                                "checkboxes": False,
                                "enableClickSelection": True,
                            },
                            "localeText": grid_locale(),
                            "tooltipShowDelay": 300,
                        },
                        style={"height": "220px"},
                        className="ag-theme-quartz mb-2",
                    ),
                    dbc.Button(
                        t("list.restore"), id=RESTORE, color="warning", outline=True, size="sm", n_clicks=0
                    ),
                    html.Span(t("list.restore_help"), className="small text-muted ms-2"),
                    html.Div(id=RESTORE_MSG, className="mt-2"),
                ]
            ),
        ],
        className="mb-3",
    )
    export = dbc.Card(
        [
            dbc.CardHeader(t("list.export_header")),
            dbc.CardBody(
                [
                    html.P(t("list.export_help"), className="small text-muted"),
                    dbc.Button(
                        t("list.export_xlsx"),
                        id=EXPORT_XLSX,
                        color="secondary",
                        outline=True,
                        size="sm",
                        className="me-2",
                    ),
                    dbc.Button(
                        t("list.export_csv"),
                        id=EXPORT_CSV,
                        color="secondary",
                        outline=True,
                        size="sm",
                        className="me-2",
                    ),
                    dbc.Button(t("list.export_template"), id=EXPORT_TEMPLATE, color="link", size="sm"),
                    dbc.Progress(id=EXPORT_PROGRESS, value=0, className="mt-2", style=HIDDEN),
                    dcc.Download(id=EXPORT_FILE),
                ]
            ),
        ]
    )
    return html.Div(
        [
            html.Span(id=URL, hidden=True),
            dcc.Store(id=IMPORT_ID, data=import_id),
            dcc.Store(id=TEXTS, data=upload_texts()),
            dcc.Store(id=CSRF, data=csrf_token()),
            dcc.Store(id=REFRESH, data=0),
            dcc.Store(id=PUBLISH_TICKET),
            dcc.Interval(id=POLL, interval=POLL_MS, disabled=not (view and view.status == "uploaded")),
            dcc.Download(id=PROBLEM_FILE),
            page_header("page.list.title", "page.list.subtitle"),
            html.Span(t("demo.note"), className="small text-muted") if enterprises.has_demo(db) else None,
            dbc.Row(
                [
                    dbc.Col([upload, export], lg=4),
                    dbc.Col(
                        [
                            dbc.Card(
                                [
                                    dbc.CardHeader(t("list.preview_header")),
                                    dbc.CardBody(
                                        html.Div(
                                            preview(view, listimport.problem_rules(db, view.id))
                                            if view
                                            else html.P(
                                                t("list.preview_empty"), className="text-muted small"
                                            ),
                                            id=PREVIEW,
                                        )
                                    ),
                                ],
                                className="mb-3",
                            ),
                            html.Div(id=ACTION_MSG),
                            revisions,
                        ],
                        lg=8,
                    ),
                ],
                className="g-3",
            ),
        ]
    )
