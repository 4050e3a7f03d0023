"""Shown inside the shell for any path that is not a page (the HTTP status is 404 too)."""

from __future__ import annotations

import dash
from dash import html

from dashboard.i18n import t
from dashboard.ui import page_title

dash.register_page(__name__, path="/404", title=page_title("page.not_found.title"))


def layout(**_query: str) -> html.Div:
    """A plain 404 notice with a way home."""
    return html.Div(
        [
            html.H1(t("page.not_found.title"), className="h4"),
            html.P(t("page.not_found.body")),
            html.A(t("page.not_found.home"), href=dash.get_relative_path("/")),
        ],
        id="page-not-found",
    )
