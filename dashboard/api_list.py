"""The list under /api/v1/list: upload (the browser's large-file route), staging, publish, revisions, export.

Uploads come as multipart form data, never as a base64 Dash payload. With a session cookie they need the
session's CSRF token in `X-CSRF-Token` (and a same-site Origin); with a bearer token they do not.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from flask import Response, jsonify, request, session
from flask_login import current_user

from dashboard.api import _filter, _int_arg, bp, error
from dashboard.auth import current_actor, same_origin, services
from dashboard.i18n import t
from dashboard.timeutil import format_local
from data_access import listexport, listimport


def _csrf_ok() -> bool:
    if current_user.via_token:
        return True  # a bearer token is not sent by browsers on their own: no cross-site forgery
    sent = request.headers.get("X-CSRF-Token", "")
    return bool(sent) and secrets.compare_digest(sent, session.get("csrf", "")) and same_origin()


def import_json(view: listimport.ImportView) -> dict[str, Any]:
    """An import as the API shows it."""
    return {
        "id": view.id,
        "status": view.status,
        "file": view.file_name,
        "sha256": view.file_sha256,
        "bytes": view.file_size,
        "mode": view.mode,
        "crs": view.crs,
        "kind": view.kind,
        "created_at": view.created_at.isoformat(),
        "created_by": view.created_by,
        "base_revision": view.base_revision,
        "current_revision": view.current_revision,
        "counts": {k: v for k, v in view.summary.items() if k not in {"sheets", "failure_params"}},
        "failure": t(view.failure, **view.summary.get("failure_params", {})) if view.failure else None,
        "can_publish": view.can_publish,
        "published_revision": view.published_revision,
        "version": view.version,
    }


@bp.post("/list/imports")
def list_upload() -> tuple[Response, int] | Response:
    """Store an uploaded list file in staging (admin); answer {"id", …}. Parsing is a separate step."""
    if not _csrf_ok():
        return error(403, "error.csrf")
    upload = request.files.get("file")
    if upload is None:
        return error(400, "listimport.no_file")
    _, db = services()
    import_id = listimport.create_upload(
        db,
        current_actor(),
        upload.filename or "",
        upload.read(),
        mode=request.form.get("mode", "replace"),
        crs=request.form.get("crs", "wgs84"),
    )
    return jsonify(import_json(listimport.get_import(db, import_id))), 201


@bp.get("/list/imports/<int:import_id>")
def list_import_detail(import_id: int) -> Response:
    """One import: status, counts and whether it can be published."""
    _, db = services()
    return jsonify(import_json(listimport.get_import(db, import_id)))


@bp.post("/list/imports/<int:import_id>/stage")
def list_import_stage(import_id: int) -> Response:
    """Parse, check and compare an uploaded file now (the page does this as a background job)."""
    if not _csrf_ok():
        return error(403, "error.csrf")
    _, db = services()
    return jsonify(import_json(listimport.stage(db, current_actor(), import_id)))


@bp.get("/list/imports/<int:import_id>/problems")
def list_import_problems(import_id: int) -> Response:
    """An import's problems, a page at a time (`severity`, `rule`, `page`, `per_page` ≤ 1000)."""
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", 200, 1, 1000)
    _, db = services()
    listimport.get_import(db, import_id)  # 404 for an unknown import
    rows, total = listimport.problem_rows(
        db,
        import_id,
        severity=request.args.get("severity") or None,
        rule=request.args.get("rule") or None,
        start=(page - 1) * per_page,
        end=page * per_page,
    )
    return jsonify(items=[p.to_json() for p in rows], total=total, page=page, per_page=per_page)


@bp.post("/list/imports/<int:import_id>/publish")
def list_import_publish(import_id: int) -> Response:
    """Publish a staged import as the next revision (`note` in the JSON body or form)."""
    if not _csrf_ok():
        return error(403, "error.csrf")
    body = request.get_json(silent=True) or request.form
    _, db = services()
    number = listimport.publish(db, current_actor(), import_id, (body or {}).get("note"))
    return jsonify(revision=number)


@bp.get("/list/revisions")
def list_revisions() -> Response:
    """Published revisions, newest first."""
    _, db = services()
    return jsonify(
        items=[
            {
                "number": r.number,
                "published_at": r.published_at.isoformat(),
                "published_at_local": format_local(r.published_at),
                "published_by": r.published_by,
                "file": r.file_name,
                "sha256": r.file_sha256,
                "note": r.note,
                "kind": r.kind,
                "restored_from": r.restored_from,
                "counts": r.counts,
            }
            for r in listimport.revisions(db)
        ]
    )


@bp.get("/list/export.<fmt>")
def list_export(fmt: str) -> Response:
    """The published list (or the console's filter, same parameters) as .xlsx or .csv, synchronously."""
    if fmt not in ("xlsx", "csv"):
        return error(404, "error.api_not_found")
    flt = _filter()
    _, db = services()
    data, name = listexport.export(
        db, flt, fmt, by=current_user.username, filter_text=flt.query_string() or None
    )
    mime = "text/csv; charset=utf-8" if fmt == "csv" else listexport.XLSX_MIME
    resp = Response(data, mimetype=mime)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp
