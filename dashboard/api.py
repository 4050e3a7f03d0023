"""JSON API under /api/v1: session cookie or `Authorization: Bearer <token>`; errors as {"error": {...}}."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from dashboard.i18n import t

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
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


def init_api(app: Flask) -> None:
    """Register the blueprint and turn every HTTP error under /api/ into the JSON error shape."""
    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        if not request.path.startswith("/api/"):
            return exc
        return error(exc.code or 500, f"http.{exc.code}")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith(("/api/", "/_dash")):
            return error(500, "http.500")
        return Response(t("http.500"), status=500, mimetype="text/plain")
