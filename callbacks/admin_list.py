"""Callbacks of 清单管理: check an uploaded file (a background job with progress), browse its problems and
changes, publish or discard, restore a revision, export.

Background jobs run in another process with no request: the guard checked the caller's role before the job
was queued (permissions.CALLBACKS), the database comes with the app (`ListJobs`), the staging acts as the
admin who uploaded the file, and messages speak the language the page was opened in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from callbacks.jobs import Jobs
from dashboard.auth import current_actor, services
from dashboard.cards import describe_changes
from dashboard.errors import ConflictError, HazeError
from dashboard.i18n import current_language, language, t
from dashboard.timeutil import format_local, utcnow
from dashboard.ui import fail, grid_block, next_count, ok
from data_access import listexport, listimport
from data_access.audit import Actor
from data_access.db import Database
from data_access.listfile import iter_problem_rows
from pages import admin_list as P

SHOWN: dict[str, str] = {}
ProgressFn = Callable[[tuple[Any, ...]], None]


def _lang(texts: dict[str, Any] | None) -> str | None:
    return (texts or {}).get("lang")


def _import_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


TICKET_SALT = "hazeops.list.publish"
TICKET_SECONDS = 300


class ListJobs(Jobs):
    """The page's background work: checking, publishing, exporting."""

    def __init__(self, db: Database, secret: str) -> None:
        super().__init__(db)
        # Publishing runs as a job, without the user's request: the request that asked for it signs who
        # asked (a ticket), and the job acts as that user only if the signature holds.
        self.tickets = URLSafeTimedSerializer(secret, salt=TICKET_SALT)

    def stage(
        self, set_progress: ProgressFn, import_id: Any, texts: dict[str, Any] | None
    ) -> tuple[Any, ...]:
        """Check an uploaded file (parse, checks, match, diff) with progress, then show the preview."""
        iid = _import_id(import_id)
        if iid is None:
            raise PreventUpdate
        db = self.fresh()
        with language(_lang(texts)):
            try:
                view = listimport.get_import(db, iid)
                if view.status == "uploaded":
                    actor = Actor(id=view.created_by_id, name=view.created_by)

                    def progress(stage: str, done: int, total: int) -> None:
                        pct = 95 if stage == "match" else int(done / max(total, 1) * 90)
                        label = (
                            t("list.progress.match")
                            if stage == "match"
                            else t("list.progress.parse", done=done, total=total)
                        )
                        set_progress((pct, label))

                    set_progress((1, t("list.progress.start")))
                    try:
                        view = listimport.stage(db, actor, iid, progress)
                    except ConflictError as exc:
                        if exc.key != "listimport.not_uploaded":
                            raise
                        view = listimport.get_import(db, iid)  # another job checked it meanwhile
                rules = listimport.problem_rules(db, iid)
            except HazeError as exc:
                return no_update, fail(exc)
            return P.preview(view, rules), ""

    def export(
        self, set_progress: ProgressFn, _x: Any, _c: Any, _t: Any, texts: dict[str, Any] | None
    ) -> Any:
        """The current list as .xlsx or .csv (or the blank template), with progress."""
        trigger = ctx.triggered_id
        if trigger is None:
            raise PreventUpdate
        db = self.fresh()
        with language(_lang(texts)):
            if trigger == P.EXPORT_TEMPLATE:
                data, name = listexport.template()
                return dcc.send_bytes(data, name)
            fmt = "csv" if trigger == P.EXPORT_CSV else "xlsx"

            def progress(done: int, total: int) -> None:
                set_progress(
                    (int(done / max(total, 1) * 100), t("list.progress.export", done=done, total=total))
                )

            data, name = listexport.export(db, None, fmt, by=(texts or {}).get("user", ""), progress=progress)
            return dcc.send_bytes(data, name)

    def publish(
        self, set_progress: ProgressFn, ticket: Any, refresh: int | None, texts: dict[str, Any] | None
    ) -> tuple[Any, ...]:
        """Publish the staged import a signed ticket names, with progress; the preview shows the outcome."""
        if not isinstance(ticket, str):
            raise PreventUpdate
        try:
            asked = self.tickets.loads(ticket, max_age=TICKET_SECONDS)
        except BadSignature:
            raise PreventUpdate from None
        db = self.fresh()
        iid = int(asked["import"])
        actor = Actor(
            id=asked["actor_id"],
            name=asked["actor"],
            address=asked.get("address"),
            request_id=asked.get("request_id"),
        )
        with language(_lang(texts)):

            def progress(step: str, n: int, of: int) -> None:
                set_progress((int(n / of * 100), t(f"list.progress.publish.{step}", n=n, of=of)))

            try:
                number = listimport.publish(db, actor, iid, asked.get("note"), asked.get("version"), progress)
            except HazeError as exc:
                # Someone else published (or discarded) meanwhile: show this import as it now stands.
                try:
                    view = listimport.get_import(db, iid)
                    shown: Any = P.preview(view, listimport.problem_rules(db, iid))
                except HazeError:
                    shown = no_update
                return shown, fail(exc), no_update, next_count(refresh), False
            done = dbc.Alert(
                [
                    t("list.published", number=number),
                    " ",
                    dcc.Link(t("list.to_console"), href=dash.get_relative_path("/")),
                ],
                color="success",
                dismissable=True,
                id="list-published",
            )
            return (
                html.P(t("list.preview_empty"), className="text-muted small"),
                done,
                None,
                next_count(refresh),
                False,
            )


STAGE_GIVE_UP = timedelta(minutes=30)  # a check still "uploaded" after this lost its job (a restart)


def poll_import(_n: int | None, import_id: Any) -> tuple[Any, bool]:
    """After a reload during a check: show the preview once the job that was checking has finished."""
    iid = _import_id(import_id)
    if iid is None:
        return no_update, True
    _, db = services()
    try:
        view = listimport.get_import(db, iid)
    except HazeError:
        return no_update, True
    if view.status == "uploaded":
        if utcnow() - view.created_at > STAGE_GIVE_UP:
            return dbc.Alert(t("list.check_lost"), color="warning", id="list-status"), True
        return no_update, False
    return P.preview(view, listimport.problem_rules(db, iid)), True


def problem_filter(severity: str | None, rule: str | None) -> str:
    """The problems grid's filter as a query string."""
    return urlencode([(k, v) for k, v in (("severity", severity), ("rule", rule)) if v])


def problem_rows(request: dict[str, Any] | None, query: str | None, import_id: Any) -> Any:
    """One block of the problems grid."""
    iid = _import_id(import_id)
    if not request or iid is None:
        return no_update
    params = {k: v[-1] for k, v in parse_qs(query or "").items()}
    start, end = grid_block(request)
    _, db = services()
    rows, total = listimport.problem_rows(
        db, iid, severity=params.get("severity"), rule=params.get("rule"), start=start, end=end
    )
    lang = current_language()
    data = [
        {
            **r,
            "id": str(start + i),
            "severity": r["severity_label"],
            "row": r["row"] or "",
            "column": r["column"] or "",
        }
        for i, r in enumerate(iter_problem_rows(rows, lang))
    ]
    return {"rowData": data, "rowCount": total}


def diff_filter(change: str | None, q: str | None) -> str:
    """The changes grid's filter as a query string."""
    return urlencode([(k, v) for k, v in (("change", change), ("q", (q or "").strip()[:64])) if v])


def diff_rows(request: dict[str, Any] | None, query: str | None, import_id: Any) -> Any:
    """One block of the changes grid."""
    iid = _import_id(import_id)
    if not request or iid is None:
        return no_update
    params = {k: v[-1] for k, v in parse_qs(query or "").items()}
    change = params.get("change") if params.get("change") in P.CHANGES else None
    start, end = grid_block(request)
    _, db = services()
    rows, total = listimport.record_rows(db, iid, change=change, q=params.get("q"), start=start, end=end)
    towns = listimport.town_names(db)
    data = [
        {
            "id": str(r.seq),
            "change": t(f"list.change.{r.change}")
            + (t("list.relisted") if r.change == "new" and r.enterprise_id else ""),
            "name": r.name,
            "town": towns.get(r.town_code or "", ""),
            "row": f"{r.sheet}!{r.first_row}" if r.first_row else "",
            "changes": describe_changes(r.changes, towns),
        }
        for r in rows
    ]
    return {"rowData": data, "rowCount": total}


def download_problems(n: int | None, import_id: Any) -> Any:
    """Every problem of the import as a workbook."""
    iid = _import_id(import_id)
    if not n or iid is None:
        raise PreventUpdate
    _, db = services()
    lang = current_language()
    rows = list(iter_problem_rows(listimport.all_problems(db, iid), lang))
    view = listimport.get_import(db, iid)
    stem = view.file_name.rsplit(".", 1)[0]
    return dcc.send_bytes(listexport.problems_xlsx(rows, lang), t("list.problems_file", name=stem) + ".xlsx")


def toggle_publish(_open: int | None, _cancel: int | None) -> bool:
    """The publish button asks once more, with the counts."""
    return ctx.triggered_id == P.PUBLISH


def request_publish(n: int | None, import_id: Any, note: str | None, version: int | None) -> str:
    """Sign who asks to publish which import (the job that publishes has no request to ask)."""
    iid = _import_id(import_id)
    if not n or iid is None:
        raise PreventUpdate
    actor = current_actor()
    secret = current_app.secret_key
    assert isinstance(secret, str | bytes)
    return URLSafeTimedSerializer(secret, salt=TICKET_SALT).dumps(
        {
            "import": iid,
            "note": note,
            "version": version,
            "actor_id": actor.id,
            "actor": actor.name,
            "address": actor.address,
            "request_id": actor.request_id,
            "nonce": secrets.token_hex(4),  # the same request twice is still a new value for the store
        }
    )


def discard(n: int | None, import_id: Any, version: int | None) -> tuple[Any, ...]:
    """Drop the staged import (the list never saw it)."""
    iid = _import_id(import_id)
    if not n or iid is None:
        raise PreventUpdate
    _, db = services()
    try:
        listimport.discard(db, current_actor(), iid, version)
    except HazeError as exc:
        return no_update, fail(exc), no_update
    return html.P(t("list.preview_empty"), className="text-muted small"), ok("list.discarded"), None


def load_revisions(_refresh: int | None) -> list[dict[str, Any]]:
    """The revisions grid."""
    _, db = services()
    out = []
    for r in listimport.revisions(db):
        c = r.counts or {}
        kind = t(f"list.kind.{r.kind}")
        if r.restored_from:
            kind = t("list.kind.restored", number=r.restored_from)
        out.append(
            {
                "number": r.number,
                "published": format_local(r.published_at),
                "by": r.published_by,
                "kind": kind,
                "enterprises": c.get("enterprises", ""),
                "delta": t(
                    "list.rev.delta_text",
                    new=c.get("new", 0),
                    changed=c.get("changed", 0),
                    removed=c.get("removed", 0),
                ),
                "file": t("revision.restore_file", number=r.restored_from)
                if r.restored_from
                else r.file_name or "",
                "sha": (r.file_sha256 or "")[:10],
                "sha_full": r.file_sha256 or "",
                "note": r.note or "",
            }
        )
    return out


def restore(n: int | None, selected: list[dict[str, Any]] | None) -> tuple[Any, Any]:
    """Stage the selected revision for restoring (publishing it makes it current again)."""
    if not n:
        raise PreventUpdate
    if not selected:
        return no_update, dbc.Alert(t("list.restore_pick"), color="warning", className="py-2 mb-0")
    _, db = services()
    try:
        import_id = listimport.stage_restore(db, current_actor(), int(selected[0]["number"]))
    except HazeError as exc:
        return no_update, fail(exc)
    return import_id, ok("list.restore_staged", number=selected[0]["number"])


def register(app: Dash) -> None:
    """Attach the page's callbacks to app (the background ones through ListJobs)."""
    jobs = ListJobs(app.server.extensions["hazeops"]["db"], str(app.server.secret_key))
    app.clientside_callback(
        ClientsideFunction("hazeops", "mountFileInput"),
        Output(P.FILE_SLOT, "title"),
        Input(P.TEXTS, "data"),
        State(P.FILE_SLOT, "id"),
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "importInAddress"),
        Output(P.URL, "title"),
        Input(P.IMPORT_ID, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "uploadList"),
        Output(P.UPLOAD_MSG, "children"),
        Input(P.UPLOAD, "n_clicks"),
        State(P.MODE, "value"),
        State(P.CRS_CHOICE, "value"),
        State(P.TEXTS, "data"),
        State(P.CSRF, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(P.PREVIEW, "children"),
        Output(P.UPLOAD_MSG, "children", allow_duplicate=True),
        Input(P.IMPORT_ID, "data"),
        State(P.TEXTS, "data"),
        background=True,
        progress=[Output(P.STAGE_PROGRESS, "value"), Output(P.STAGE_PROGRESS, "label")],
        running=[
            (Output(P.UPLOAD, "disabled"), True, False),
            (Output(P.STAGE_PROGRESS, "style"), SHOWN, P.HIDDEN),
        ],
        prevent_initial_call=True,
    )(jobs.stage)
    app.callback(
        Output(P.EXPORT_FILE, "data"),
        Input(P.EXPORT_XLSX, "n_clicks"),
        Input(P.EXPORT_CSV, "n_clicks"),
        Input(P.EXPORT_TEMPLATE, "n_clicks"),
        State(P.TEXTS, "data"),
        background=True,
        progress=[Output(P.EXPORT_PROGRESS, "value"), Output(P.EXPORT_PROGRESS, "label")],
        running=[
            (Output(P.EXPORT_XLSX, "disabled"), True, False),
            (Output(P.EXPORT_CSV, "disabled"), True, False),
            (Output(P.EXPORT_PROGRESS, "style"), SHOWN, P.HIDDEN),
        ],
        prevent_initial_call=True,
    )(jobs.export)
    app.callback(
        Output(P.PROBLEM_FILTER, "data"), Input(P.PROBLEM_SEVERITY, "value"), Input(P.PROBLEM_RULE, "value")
    )(problem_filter)
    app.clientside_callback(
        ClientsideFunction("hazeops", "purgeGrid"),
        Output(P.PROBLEM_PURGED, "children"),
        Input(P.PROBLEM_FILTER, "data"),
        State(P.PROBLEM_GRID, "id"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(P.PROBLEM_GRID, "getRowsResponse"),
        Input(P.PROBLEM_GRID, "getRowsRequest"),
        State(P.PROBLEM_FILTER, "data"),
        State(P.IMPORT_ID, "data"),
    )(problem_rows)
    app.callback(Output(P.DIFF_FILTER, "data"), Input(P.DIFF_CHANGE, "value"), Input(P.DIFF_Q, "value"))(
        diff_filter
    )
    app.clientside_callback(
        ClientsideFunction("hazeops", "purgeGrid"),
        Output(P.DIFF_PURGED, "children"),
        Input(P.DIFF_FILTER, "data"),
        State(P.DIFF_GRID, "id"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(P.DIFF_GRID, "getRowsResponse"),
        Input(P.DIFF_GRID, "getRowsRequest"),
        State(P.DIFF_FILTER, "data"),
        State(P.IMPORT_ID, "data"),
    )(diff_rows)
    app.callback(
        Output(P.PROBLEM_FILE, "data"),
        Input(P.PROBLEM_DOWNLOAD, "n_clicks"),
        State(P.IMPORT_ID, "data"),
        prevent_initial_call=True,
    )(download_problems)
    app.callback(
        Output(P.PUBLISH_MODAL, "is_open"),
        Input(P.PUBLISH, "n_clicks"),
        Input(P.PUBLISH_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )(toggle_publish)
    app.callback(
        Output(P.PUBLISH_TICKET, "data"),
        Input(P.PUBLISH_CONFIRM, "n_clicks"),
        State(P.IMPORT_ID, "data"),
        State(P.NOTE, "value"),
        State(P.VERSION, "data"),
        running=[(Output(P.PUBLISH_CONFIRM, "disabled"), True, False)],
        prevent_initial_call=True,
    )(request_publish)
    app.callback(
        Output(P.PREVIEW, "children", allow_duplicate=True),
        Output(P.ACTION_MSG, "children"),
        Output(P.IMPORT_ID, "data", allow_duplicate=True),
        Output(P.REFRESH, "data"),
        Output(P.PUBLISH_MODAL, "is_open", allow_duplicate=True),
        Input(P.PUBLISH_TICKET, "data"),
        State(P.REFRESH, "data"),
        State(P.TEXTS, "data"),
        background=True,
        progress=[Output(P.PUBLISH_PROGRESS, "value"), Output(P.PUBLISH_PROGRESS, "label")],
        running=[
            (Output(P.PUBLISH_CONFIRM, "disabled"), True, False),
            (Output(P.PUBLISH_CANCEL, "disabled"), True, False),
            (Output(P.PUBLISH_PROGRESS, "style"), SHOWN, P.HIDDEN),
        ],
        prevent_initial_call=True,
    )(jobs.publish)
    app.callback(
        Output(P.PREVIEW, "children", allow_duplicate=True),
        Output(P.ACTION_MSG, "children", allow_duplicate=True),
        Output(P.IMPORT_ID, "data", allow_duplicate=True),
        Input(P.DISCARD, "n_clicks"),
        State(P.IMPORT_ID, "data"),
        State(P.VERSION, "data"),
        running=[(Output(P.DISCARD, "disabled"), True, False)],
        prevent_initial_call=True,
    )(discard)
    app.callback(Output(P.REV_GRID, "rowData"), Input(P.REFRESH, "data"))(load_revisions)
    app.callback(
        Output(P.PREVIEW, "children", allow_duplicate=True),
        Output(P.POLL, "disabled"),
        Input(P.POLL, "n_intervals"),
        State(P.IMPORT_ID, "data"),
        prevent_initial_call=True,
    )(poll_import)
    app.callback(
        Output(P.IMPORT_ID, "data", allow_duplicate=True),
        Output(P.RESTORE_MSG, "children"),
        Input(P.RESTORE, "n_clicks"),
        State(P.REV_GRID, "selectedRows"),
        running=[(Output(P.RESTORE, "disabled"), True, False)],
        prevent_initial_call=True,
    )(restore)
