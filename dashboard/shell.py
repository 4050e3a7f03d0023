"""The shell around every page: navbar (pages the role may use), language switch, user menu."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import current_app
from flask_login import current_user

from dashboard.auth import csrf_token
from dashboard.i18n import LANGUAGES, t
from dashboard.permissions import page_allowed

RELOAD = "shell-reload"  # a Store: a new value reloads the page (assets/hazeops.js)
BANNER, BANNER_TICK = "shell-banner", "shell-banner-tick"  # the warning banner, refreshed every half minute
RELOADED = "shell-reloaded"
# The level enterprises act on now ("" = none), refreshed with the banner: an open console follows it.
LEVEL_NOW = "shell-level-now"
LANG_BUTTON = "shell-lang-{}"


def nav_pages() -> list[dict]:
    """Return the registered pages that carry a nav label and that the current user may open."""
    return [
        page
        for page in dash.page_registry.values()
        if page.get("nav_key") and page_allowed(page["module"], current_user.role)
    ]


def current_warning() -> tuple[html.Div, str]:
    """The warning banner for now, and the level enterprises act on now ("" when none)."""
    from dashboard.auth import services
    from dashboard.banner import banner
    from dashboard.timeutil import utcnow
    from data_access import warnings

    _, db = services()
    now = utcnow()
    episode = warnings.current(db, now)  # read once per poll: every open tab asks every half minute
    level = warnings.obligation_level(episode, now)
    return banner(episode, now), level.value if level else ""


def layout() -> html.Div:
    """Build the shell for the logged-in user (Dash calls this for every /_dash-layout request)."""
    if not current_user.is_authenticated:
        # Dash also builds the layout once at its first request, which may be anonymous (e.g. /healthz).
        return html.Div([dcc.Store(id=RELOAD), dcc.Store(id=RELOADED), dash.page_container])
    config = current_app.extensions["hazeops"]["config"]
    banner_now, level_now = current_warning()
    links = [
        dbc.NavItem(
            dbc.NavLink(
                t(p["nav_key"]),
                href=p["relative_path"],
                active="exact",
                id="nav-" + p["module"].split(".")[-1].replace("_", "-"),
            )
        )
        for p in nav_pages()
    ]
    lang_buttons = dbc.ButtonGroup(
        [
            dbc.Button(
                t(f"language.{code}", code),
                id=LANG_BUTTON.format(code),
                size="sm",
                color="light",
                outline=current_user.language != code,
                n_clicks=0,
            )
            for code in LANGUAGES
        ],
        className="me-3",
    )
    logout = html.Form(
        [
            dcc.Input(type="hidden", name="csrf", value=csrf_token(), id="shell-csrf"),
            html.Button(t("nav.logout"), type="submit", className="dropdown-item", id="shell-logout"),
        ],
        method="POST",
        action=dash.get_relative_path("/logout"),
    )
    user_menu = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(t(f"role.{current_user.role.value}"), header=True),
            dbc.DropdownMenuItem(
                t("nav.account"), href=dash.get_relative_path("/account"), id="shell-account"
            ),
            dbc.DropdownMenuItem(divider=True),
            logout,
        ],
        label=current_user.display_name,
        id="shell-user-menu",
        align_end=True,
        color="light",
        size="sm",
    )
    brand = html.A(
        [
            html.Span(t("app.name"), className="fw-semibold"),
            *(
                [
                    dbc.Badge(
                        t("app.demo_badge"),
                        color="warning",
                        text_color="dark",
                        className="ms-2",
                        id="shell-demo",
                    )
                ]
                if config.demo
                else []
            ),
        ],
        href=dash.get_relative_path("/"),
        className="navbar-brand",
    )
    navbar = dbc.Navbar(
        dbc.Container(
            [
                brand,
                dbc.Nav(links, navbar=True, className="me-auto"),
                html.Div([lang_buttons, user_menu], className="d-flex align-items-center"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-0",
        id="shell-navbar",
    )
    return html.Div(
        [
            dcc.Store(id=RELOAD),
            dcc.Store(id=RELOADED),
            navbar,
            html.Div(banner_now, id=BANNER),
            dcc.Store(id=LEVEL_NOW, data=level_now),
            # Other people record warnings: every open page shows a change within a minute.
            dcc.Interval(id=BANNER_TICK, interval=config.banner_seconds * 1000),
            dbc.Container(dash.page_container, fluid=True),
        ],
        lang="zh-CN" if current_user.language == "zh" else "en",
    )
