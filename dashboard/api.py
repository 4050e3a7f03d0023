"""JSON API under /api/v1: session cookie or `Authorization: Bearer <token>`; errors as {"error": {...}}."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from dashboard import mapgrid
from dashboard.auth import services
from dashboard.errors import HazeError
from dashboard.filters import EnterpriseFilter, parse_filter
from dashboard.geo import CRS
from dashboard.i18n import field_label, t
from dashboard.mapgrid import TileRange
from data_access import enterprises, mapfeed
from data_access.mapfeed import FeedRequest

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
}


def error(status: int, key: str, **params: object) -> Response:
    """Return the API's JSON error shape with a translated message."""
    resp = jsonify(error={"code": _CODES.get(status, "error"), "message": t(key, **params)})
    resp.status_code = status
    return resp


@bp.get("/me")
def me() -> Response:
    """Who is calling: id, username, display name, role and language."""
    return jsonify(
        id=current_user.id,
        username=current_user.username,
        display_name=current_user.display_name,
        role=current_user.role.value,
        language=current_user.language,
        via_token=current_user.via_token,
    )


def _filter(params: dict[str, list[str]] | None = None) -> EnterpriseFilter:
    flt = parse_filter(request.args.to_dict(flat=False) if params is None else params)
    _, db = services()
    for field, values in enterprises.unknown_places(db, flt).items():
        raise HazeError("filter.bad_value", field=field, value=values[0][:40])
    return flt


@bp.errorhandler(HazeError)
def _refusal(exc: HazeError) -> Response:
    text = t(exc.key, **exc.params)
    if exc.field:
        # The message names the input in the user's language; "field" keeps the parameter name for programs.
        text = t("ui.field_error", field=field_label(exc.field), message=text)
    resp = jsonify(error={"code": _CODES.get(exc.status, "error"), "message": text, "field": exc.field})
    resp.status_code = exc.status
    return resp


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise HazeError("api.bad_int", field=name, low=low, high=high)
    return int(raw)


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "uscc": row["uscc"],
        "town_code": row["town_code"],
        "town": row["town"],
        "park": row["park"],
        "industry": row["industry"],
        "grade": row["grade"].value,
        "control_type": row["control_type"].value,
        "category": {
            lv: (row[f"cat_{lv}"].value if row[f"cat_{lv}"] else None) for lv in ("yellow", "orange", "red")
        },
        "lat": row["lat"] if row["located"] else None,
        "lon": row["lon"] if row["located"] else None,
    }


@bp.get("/enterprises")
def enterprise_list() -> Response:
    """The filtered enterprises, one page at a time (same parameters as the console URL)."""
    flt = _filter()
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", 100, 1, 500)
    _, db = services()
    total = enterprises.count(db, flt).total
    rows = enterprises.grid_rows(db, flt, (page - 1) * per_page, page * per_page)
    return jsonify(items=[_item(r) for r in rows], total=total, page=page, per_page=per_page)


@bp.get("/enterprises/<int:enterprise_id>")
def enterprise_detail(enterprise_id: int) -> Response:
    """One enterprise: every field, lines and measures per level with what they were read as."""
    _, db = services()
    view = enterprises.get(db, enterprise_id)
    if view is None:
        return error(404, "enterprise.not_found", id=enterprise_id)
    body = {k: (v.value if hasattr(v, "value") else v) for k, v in view.fields.items()}
    for key in ("created_at", "updated_at"):
        body[key] = view.fields[key].isoformat()
    body.update(
        town=view.town,
        revision=view.revision,
        lines=[{**ln, "grade": ln["grade"].value if ln["grade"] else None} for ln in view.lines],
        measures=[
            {
                "level": m.level.value,
                "line": m.line,
                "text": m.text,
                "category": m.category,
                "actions": m.actions,
                "unparsed": m.unparsed,
                "transport": m.transport,
                "cut_percent": m.cut_percent,
                "reduction_tpd": m.reductions,
                "reduction_derived": m.derived,
            }
            for m in view.measures
        ],
    )
    return jsonify(body)


@bp.get("/summary")
def summary() -> Response:
    """Counts by grade, town, control type and category per level (of the filtered list)."""
    _, db = services()
    return jsonify(enterprises.summary(db, _filter()))


@bp.get("/map/enterprises.geojson")
def map_geojson() -> Response:
    """The map feed: located filtered enterprises as gzipped GeoJSON, clustered for `z` within `tiles`.

    `crs=gcj02` gives positions for 高德 tiles (only when a GCJ-02 base map is configured); without `z`
    every point comes by itself. Cached per filter, list change, CRS, zoom and tiles.
    """
    flt = _filter()
    color = request.args.get("color", "grade")
    if color not in ("grade", "category") or (color == "category" and flt.level is None):
        raise HazeError("api.bad_color", field="color")
    req = FeedRequest(flt, _crs_arg(), *_zoom_and_tiles(), color=color)
    _, db = services()
    stamp = enterprises.list_stamp(db)
    body = MAP_FEED.body(db, req, stamp)
    key = f"{flt.query_string()}|{stamp}|{req.crs}|{req.zoom}|{req.tiles}|{req.color}"
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
    elif "gzip" in request.accept_encodings:
        resp = Response(body, mimetype="application/geo+json")
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(gzip.decompress(body), mimetype="application/geo+json")
    resp.set_etag(etag)
    resp.headers["Vary"] = "Accept-Encoding"
    # The URL carries the list stamp, so a browser may keep it a while; private: it needs a login.
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


def _crs_arg() -> CRS:
    raw = request.args.get("crs", "") or CRS.WGS84.value
    config, _ = services()
    drawable = {m.crs for m in config.base_maps()} | {CRS.WGS84}
    try:
        crs = CRS(raw)
    except ValueError:
        raise HazeError("api.bad_choice", field="crs", choices="/".join(c.value for c in drawable)) from None
    if crs not in drawable:
        raise HazeError("api.crs_not_configured", field="crs", crs=crs.value)
    return crs


def _zoom_and_tiles() -> tuple[int | None, TileRange | None]:
    if request.args.get("z", "") == "":
        return None, None
    zoom = _int_arg("z", 0, 0, mapgrid.MAX_ZOOM)
    raw = request.args.get("tiles", "")
    if not raw:
        return zoom, None
    try:
        return zoom, TileRange.parse(raw, zoom)
    except ValueError:
        raise HazeError("api.bad_tiles", field="tiles") from None


MAP_FEED = mapfeed.MapFeed()


def init_api(app: Flask) -> None:
    """Register the blueprint and turn every HTTP error under /api/ into the JSON error shape."""
    from dashboard import api_list, api_warnings  # noqa: F401 - their routes join this blueprint

    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        if not request.path.startswith("/api/"):
            return exc
        return error(exc.code or 500, f"http.{exc.code}")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from dash.exceptions import DependencyException

        if request.path.startswith("/_dash-component-suites/") and isinstance(
            exc, DependencyException | OSError
        ):
            return Response(t("http.404"), status=404, mimetype="text/plain")  # a file Dash does not have
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith(("/api/", "/_dash")):
            return error(500, "http.500")
        return Response(t("http.500"), status=500, mimetype="text/plain")
