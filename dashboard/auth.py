"""Login, logout, health check, and the one guard that every request passes through."""

from __future__ import annotations

import secrets
import sys
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer

from dashboard import permissions
from dashboard.config import Config
from dashboard.errors import PermissionDeniedError
from dashboard.i18n import LANGUAGES, t
from dashboard.roles import Role
from dashboard.tiles import tile_hosts
from data_access import users
from data_access.audit import Actor
from data_access.db import Database

bp = Blueprint("auth", __name__)


class SessionUser(UserMixin):
    """The logged-in user of this request; the session cookie holds id and auth epoch only."""

    def __init__(self, view: users.UserView, session_token: str | None = None) -> None:
        self.view = view
        self.session_token = session_token  # None when the request came with an API token
        self.via_token = session_token is None

    @property
    def id(self) -> int:  # type: ignore[override]
        return self.view.id

    @property
    def username(self) -> str:
        return self.view.username

    @property
    def display_name(self) -> str:
        return self.view.display_name

    @property
    def role(self) -> Role:
        return self.view.role

    @property
    def language(self) -> str:
        return self.view.language

    def get_id(self) -> str:
        assert self.session_token is not None, "token-authenticated users are never stored in a session"
        return self.session_token


# How much longer than a login the session cookie lives, in the browser and for its signature: the server
# alone ends a login (user_session.expires_at). The cookie is sent only when the session changes, so with the
# login's own lifetime it would be dropped, or its signature refused, the moment the login ends; outliving it,
# it still carries the user's language to the login page and the logout form's token.
COOKIE_GRACE = timedelta(days=30)


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookies whenever the request came over HTTPS; no cookie at all for bearer-token calls."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if has_request_context() and g.get("token_auth"):
            return False
        return super().should_set_cookie(app, session)


def services() -> tuple[Config, Database]:
    """Return the config and database of the running app."""
    ext = current_app.extensions["hazeops"]
    return ext["config"], ext["db"]


def login_policy(config: Config) -> users.LoginPolicy:
    """The throttling and session settings of this installation."""
    return users.LoginPolicy(
        window=timedelta(minutes=config.login_window_minutes),
        max_user=config.login_max_failures_user,
        max_address=config.login_max_failures_address,
        session_hours=config.session_hours,
        allow_demo=config.demo,
    )


def current_actor() -> Actor:
    """Return the audit actor for the logged-in user of this request."""
    return Actor(
        id=current_user.id,
        name=current_user.username,
        role=current_user.role,
        address=request.remote_addr,
        request_id=g.get("request_id"),
    )


def _json_error(status: int, code: str, key: str, **params: Any) -> Response:
    resp = jsonify(error={"code": code, "message": t(key, **params)})
    resp.status_code = status
    return resp


def _wants_json() -> bool:
    """Dash and API calls (and any JSON request) get JSON errors; page loads and form posts get pages."""
    return (
        request.path.startswith(("/_dash", "/api/"))
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _safe_next(target: str | None) -> str:
    """Return a same-site path to go to after login (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parsed = urlparse(target)
    return target if not parsed.netloc and not parsed.scheme else "/"


def _login_url(next_path: str | None = None) -> str:
    url = request.script_root + "/login"
    if next_path:
        from urllib.parse import quote

        url += "?next=" + quote(next_path, safe="/")
    return url


def init_login(app: Flask) -> None:
    """Set up flask-login: sessions reload the user each request, so deactivation bites at once."""
    manager = LoginManager()
    manager.init_app(app)
    app.session_interface = _SessionInterface()

    @manager.user_loader
    def _load(session_token: str) -> SessionUser | None:
        config, db = services()
        view = users.load_session_user(db, session_token, allow_demo=config.demo)
        return SessionUser(view, session_token) if view else None

    @manager.request_loader
    def _from_token(req: Any) -> SessionUser | None:
        token = _bearer(req)
        if not req.path.startswith("/api/") or token is None:
            return None
        config, db = services()
        view = users.authenticate_token(db, token, allow_demo=config.demo)
        if view is None:
            return None
        g.token_auth = True
        return SessionUser(view)


def _bearer(req: Any) -> str | None:
    """The token of an `Authorization: Bearer …` header (the scheme is case-insensitive), else None."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _deny_unauthenticated() -> Response:
    if _wants_json():
        return _json_error(401, "unauthorized", "error.login_required")
    full = request.full_path if request.query_string else request.path
    return redirect(_login_url(request.script_root + full))


def _check_callback(dash_app: Any) -> Response | None:
    """Apply CALLBACKS to a /_dash-update-component call; undeclared callbacks are refused."""
    body = request.get_json(silent=True) or {}
    entry = dash_app.callback_map.get(body.get("output")) if isinstance(body, dict) else None
    func = entry.get("callback") if entry else None
    rule = permissions.CALLBACKS.get(permissions.callback_key(func)) if func else None
    if rule is None or not rule.allows(current_user.role):
        return _json_error(403, "forbidden", "error.forbidden")
    if not _body_fits(body, entry):
        return _json_error(400, "bad_request", "error.bad_request")
    g.access = rule.access
    return None


def _body_fits(body: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Does a callback body match its callback's outputs, inputs and state? (The renderer's always do.)"""
    declared, outputs = entry["output"], body.get("outputs")
    if isinstance(declared, list):
        if not isinstance(outputs, list) or len(outputs) != len(declared):
            return False
    elif not isinstance(outputs, dict):
        return False
    return all(
        isinstance(body.get(key, []), list) and len(body.get(key, [])) == len(entry.get(key, []))
        for key in ("inputs", "state")
    )


def refuse_writes_in_read_requests() -> None:
    """Database.write_check: a request declared READ must not write, whatever its code does."""
    if has_request_context() and g.get("access") is permissions.Access.READ:
        raise PermissionDeniedError("error.forbidden")


# Public static files: only these kinds (no data). Anything else dropped into assets/ needs a session.
PUBLIC_ASSET_TYPES = (".css", ".js", ".png", ".svg", ".ico", ".woff", ".woff2", ".ttf")


def install_guard(app: Flask, dash_app: Any) -> None:
    """Register the before-request guard: login first, then the permission table, deny by default."""

    @app.before_request
    def _guard() -> Response | None:
        g.request_id = str(uuid.uuid4())
        endpoint = request.endpoint or ""
        rule = permissions.ROUTES.get(endpoint)
        if endpoint == "_dash_assets.static" and not request.path.lower().endswith(PUBLIC_ASSET_TYPES):
            rule = permissions.ANY_READ
        if rule is not None and rule.access is permissions.Access.PUBLIC:
            g.access = rule.access
            return None
        if not current_user.is_authenticated:
            if _bearer(request) is not None and request.path.startswith("/api/"):
                resp = _json_error(401, "unauthorized", "error.token_invalid")
                resp.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return resp
            return _deny_unauthenticated()
        if request.routing_exception is not None:
            return None  # 404/405 from routing: Flask answers it (as JSON under /api/)
        if request.path.startswith("/api/") and not endpoint.startswith("api."):
            return _json_error(404, "not_found", "error.api_not_found")
        if current_user.via_token and not endpoint.startswith("api."):
            return _json_error(401, "unauthorized", "error.login_required")  # tokens are for the API only
        if rule is None or not rule.allows(current_user.role):
            if _wants_json():
                return _json_error(403, "forbidden", "error.forbidden")
            return Response(t("error.forbidden"), status=403, mimetype="text/plain")
        g.access = rule.access
        if endpoint == "/_dash-update-component":
            return _check_callback(dash_app)
        return None

    @app.after_request
    def _headers(resp: Response) -> Response:
        if request.endpoint in {"/", "/<path:path>"} and resp.status_code == 200:
            # The shell still renders its 404 or 403 notice; the status tells scripts and crawlers the truth.
            module = page_module(dash_app)
            if module is None:
                resp.status_code = 404
            elif current_user.is_authenticated and not permissions.page_allowed(module, current_user.role):
                resp.status_code = 403
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Content-Security-Policy", _csp(dash_app))
        if request.endpoint != "_dash_assets.static" and not request.path.startswith(
            "/_dash-component-suites"
        ):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def page_module(dash_app: Any) -> str | None:
    """Return the module of the Dash page at the request path (path or path template), or None."""
    from dash._pages import _path_to_page  # private, but the page router itself uses it; tests cover it

    stripped = dash_app.strip_relative_path(request.script_root + request.path) or ""
    page, path_vars = _path_to_page(stripped)
    module = page.get("module") if page else None
    if module in (None, "pages.not_found_404"):
        return None
    # A page with a path variable (/enterprise/<eid>) says whether the object exists.
    exists = getattr(sys.modules.get(module), "exists", None)
    if path_vars and exists is not None and not exists(**path_vars):
        return None
    return module


def _csp(dash_app: Any) -> str:
    # Computed per response: Dash pages adds its inline title script at the first request (stack.md P10).
    # Images: our own, data: URIs (Leaflet, AG Grid) and exactly the configured tile hosts, nothing else.
    hashes = " ".join(dash_app.csp_hashes())
    config, _ = services()
    img = " ".join(["'self'", "data:", *tile_hosts(config.base_maps())])
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        f"img-src {img}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def _csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def same_origin() -> bool:
    """A browser names the page a form was posted from; refuse posts from another site."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


def csrf_ok() -> bool:
    """Return True when the posted form carries this session's CSRF token and comes from this site."""
    sent = request.form.get("csrf", "")
    return bool(sent) and secrets.compare_digest(sent, session.get("csrf", "")) and same_origin()


LOGIN_FORM_MAX_AGE = 2 * 3600


def _login_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="hazeops-login-form")


def _login_form_token() -> str:
    # Signed, not stored: loading the login page creates no session, so two loads at once (a link and the
    # 401 redirect of an open page) cannot leave the visible form holding a token another load replaced.
    return _login_signer().dumps(secrets.token_hex(8))


def _login_form_ok() -> bool:
    try:
        _login_signer().loads(request.form.get("csrf", ""), max_age=LOGIN_FORM_MAX_AGE)
    except BadData:
        return False
    return same_origin()


def _render_login(status: int = 200, **ctx: Any) -> Response:
    config, _ = services()
    lang = session.get("lang") if session.get("lang") in LANGUAGES else "zh"
    html = render_template(
        "login.html",
        t=t,
        lang=lang,
        root=request.script_root,
        csrf=_login_form_token(),
        languages=LANGUAGES,
        demo=config.demo,
        next=ctx.pop("next", None) or "",
        username=ctx.pop("username", ""),
        error=ctx.pop("error", None),
        info=ctx.pop("info", None),
        throttled=ctx.pop("throttled", False),
    )
    return Response(html, status=status, mimetype="text/html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Show the login form, or check a login (throttled per user and per address in the database)."""
    if request.args.get("lang") in LANGUAGES:
        session["lang"] = request.args["lang"]
    next_path = _safe_next(request.args.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_after_login(next_path))
        info = t("login.expired") if request.args.get("next") else None
        if request.args.get("logged_out"):
            info = t("login.logged_out")
        return _render_login(next=request.args.get("next") and next_path, info=info)

    username = request.form.get("username", "")[:64]  # echoed back into the form: never a megabyte of it
    if not _login_form_ok():
        return _render_login(400, next=next_path, username=username, error=t("login.csrf"))
    config, db = services()
    result = users.authenticate(
        db,
        username,
        request.form.get("password", ""),
        request.remote_addr or "unknown",
        login_policy(config),
        user_agent=request.user_agent.string,
    )
    if result.retry_after is not None:
        minutes = max(1, -(-result.retry_after // 60))
        resp = _render_login(
            429,
            next=next_path,
            username=username,
            throttled=True,
            error=t("login.throttled", minutes=minutes),
        )
        resp.headers["Retry-After"] = str(result.retry_after)
        return resp
    if result.user is None:
        return _render_login(401, next=next_path, username=username, error=t("login.failed"))
    session.clear()  # a fresh session on login: nothing from before carries over (session fixation)
    session.permanent = True
    session["lang"] = result.user.language
    _csrf_token()
    login_user(SessionUser(result.user, result.session_token))
    return redirect(_after_login(next_path))


def _after_login(next_path: str) -> str:
    """Where to go after login: `next` (carrying URL_PREFIX when the guard set it), else home."""
    root = request.script_root
    if next_path == "/":
        return root + "/"
    return next_path if root and next_path.startswith(root + "/") else root + next_path


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    """End the session; needs this session's CSRF token, so another site cannot log a user out."""
    if request.method == "GET":  # a link or a typed URL: logging out takes the form's POST
        return redirect(request.script_root + "/" if current_user.is_authenticated else _login_url())
    if not csrf_ok():
        return redirect(request.script_root + "/")
    lang = session.get("lang")
    if current_user.is_authenticated and current_user.session_token:
        lang = current_user.language  # the stored choice: the login page after logout speaks it too
        _, db = services()
        users.end_session(db, current_actor(), current_user.session_token)
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(request.script_root + "/login?logged_out=1")


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 otherwise; no login, no details."""
    _, db = services()
    try:
        db.check()
    except Exception:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200


def csrf_token() -> str:
    """Return this session's CSRF token (for the shell's logout form)."""
    return _csrf_token()
