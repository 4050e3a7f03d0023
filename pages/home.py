"""Home: who is logged in and where to go (the map console arrives with the console issue)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from dashboard.i18n import t
from dashboard.timeutil import format_local, utcnow
from dashboard.ui import page_header, page_title

dash.register_page(__name__, path="/", title=page_title("page.home.title"), nav_key="page.home.nav", order=0)

WELCOME = "home-welcome"


def layout(**_query: str) -> html.Div:
    """Greeting with the user's role and the server's idea of local time."""
    return html.Div(
        [
            page_header("page.home.title", "page.home.subtitle"),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.P(
                            t("home.welcome", name=current_user.display_name), id=WELCOME, className="mb-1"
                        ),
                        html.P(t("home.role", role=t(f"role.{current_user.role.value}")), className="mb-1"),
                        html.P(t("home.now", now=format_local(utcnow())), className="text-muted small mb-0"),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Alert(t("home.skeleton_note"), color="light", className="small"),
        ]
    )
