"""The app factory: config → database check → Flask (login, guard, API) → Dash (pages, callbacks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
from dash import Dash
from flask import Flask, request
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import auth, shell, ui
from dashboard.api import init_api
from dashboard.config import ROOT, Config
from dashboard.i18n import current_language, t
from dashboard.permissions import page_allowed
from data_access import users
from data_access.db import Database


def _guard_pages() -> None:
    """Wrap every page layout so a role that may not open the page gets a 403 notice, not the page."""
    for module, page in dash.page_registry.items():
        layout = page["layout"]
        if getattr(layout, "_hazeops_guarded", False):
            continue

        def guarded(*args: Any, _layout: Any = layout, _module: str = module, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not page_allowed(_module, current_user.role):
                return ui.forbidden()
            return _layout(*args, **kwargs) if callable(_layout) else _layout

        guarded._hazeops_guarded = True  # type: ignore[attr-defined]
        page["layout"] = guarded


def _titled_index(app: Dash) -> None:
    """Send each page's title in the user's language in the HTML <title>, not only after the router ran."""
    plain = app.interpolate_index

    def interpolate_index(**kwargs: Any) -> str:
        from dash._pages import _path_to_page  # private, but Dash's own meta tags use it the same way

        path = app.strip_relative_path(request.script_root + request.path) or ""
        page, path_vars = _path_to_page(path)
        title = page.get("title") if page else None
        if callable(title):
            title = title(**(path_vars or {}))
        module = auth.page_module(app)
        if module is None:  # not found (also an unknown id): the tab says so, not the page's name
            title = f"{t('page.not_found.title')} · {t('app.name')}"
        elif current_user.is_authenticated and not page_allowed(module, current_user.role):
            title = f"{t('error.forbidden_title')} · {t('app.name')}"
        kwargs["title"] = title or t("app.name")
        # The page's language, for the browser's own widgets (time inputs say 下午 04:55) and screen readers.
        lang = "zh-CN" if current_language() == "zh" else "en"
        return str(plain(**kwargs)).replace("<html>", f'<html lang="{lang}">', 1)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]


def background_manager(config: Config) -> tuple[Any, Any]:
    """Where background jobs run: Celery + Redis when REDIS_URL is set, else DiskCache under instance/.

    Returns the Dash manager and the Celery app (None with DiskCache); a Celery worker is started with
    `celery -A dashboard.worker worker` (see docs/operations.md).
    """
    if config.redis_url:
        from celery import Celery
        from dash import CeleryManager

        celery_app = Celery("hazeops", broker=config.redis_url, backend=config.redis_url)
        celery_app.conf.update(broker_connection_retry_on_startup=True, task_track_started=True)
        return CeleryManager(celery_app), celery_app
    import diskcache
    from dash import DiskcacheManager

    (config.instance_path / "jobs").mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(config.instance_path / "jobs"))), None


def create_app(config: Config | None = None, db: Database | None = None) -> Dash:
    """Build the app; raise DatabaseUnavailable (URL shown, password masked) if the database is unusable."""
    config = config or Config.from_env()
    db = db or Database(config.database_url)
    db.check()
    db.write_check = auth.refuse_writes_in_read_requests
    users.warm_up()  # the first unknown-user login of a worker must not cost an extra hash

    server = Flask(
        "hazeops",
        static_folder=None,
        template_folder=str(ROOT / "dashboard" / "templates"),
        instance_path=str(config.instance_path),
    )
    server.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_NAME="hazeops_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours) + auth.COOKIE_GRACE,
        # A response sends the cookie only when it changed the session: a banner poll that read the old cookie
        # must not write it back over the one a concurrent language switch just set. (Expiry is server-side.)
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
    manager, celery_app = background_manager(config)
    server.extensions["hazeops"] = {"config": config, "db": db, "celery": celery_app}
    auth.init_login(server)
    server.register_blueprint(auth.bp)
    init_api(server)

    prefix = config.url_prefix
    app = Dash(
        "hazeops",
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        requests_pathname_prefix=f"{prefix}/",
        routes_pathname_prefix="/",
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,
        title=t("app.name", "zh"),
        update_title=None,
        background_callback_manager=manager,
    )
    app.layout = shell.layout
    _guard_pages()
    _titled_index(app)

    from callbacks import register_all

    register_all(app)
    auth.install_guard(server, app)

    if config.proxy_count:
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=config.proxy_count, x_proto=config.proxy_count, x_host=config.proxy_count
        )
    if prefix:
        # Mount under the prefix: SCRIPT_NAME carries it, so every route and redirect sees plain paths.
        server.wsgi_app = DispatcherMiddleware(NotFound(), {prefix: server.wsgi_app})  # type: ignore[method-assign]
    return app
