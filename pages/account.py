"""Account settings: change one's own password and language (every role)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.i18n import LANGUAGES, t
from dashboard.ui import labelled, page_header, page_title

dash.register_page(__name__, path="/account", title=page_title("page.account.title", __name__), order=90)

CURRENT = "account-current-password"
NEW = "account-new-password"
CONFIRM = "account-confirm-password"
SAVE_PASSWORD = "account-save-password"
PASSWORD_MSG = "account-password-msg"
LANGUAGE = "account-language"
SAVE_LANGUAGE = "account-save-language"
LANGUAGE_MSG = "account-language-msg"


def layout(**_query: str) -> html.Div:
    """Two small forms side by side."""
    password_card = dbc.Card(
        [
            dbc.CardHeader(t("account.password_header")),
            dbc.CardBody(
                [
                    labelled(
                        "field.current_password",
                        dbc.Input(id=CURRENT, type="password", autocomplete="current-password"),
                    ),
                    labelled(
                        "field.new_password", dbc.Input(id=NEW, type="password", autocomplete="new-password")
                    ),
                    labelled(
                        "field.confirm_password",
                        dbc.Input(id=CONFIRM, type="password", autocomplete="new-password"),
                    ),
                    dbc.Button(t("account.save_password"), id=SAVE_PASSWORD, color="primary", n_clicks=0),
                    html.Div(id=PASSWORD_MSG, className="mt-3"),
                ]
            ),
        ]
    )
    language_card = dbc.Card(
        [
            dbc.CardHeader(t("account.language_header")),
            dbc.CardBody(
                [
                    dcc.RadioItems(
                        id=LANGUAGE,
                        options=[
                            {"label": " " + t(f"language.{code}", code), "value": code} for code in LANGUAGES
                        ],
                        value=current_user.language,
                        labelClassName="me-3",
                        className="mb-3",
                    ),
                    dbc.Button(t("account.save_language"), id=SAVE_LANGUAGE, color="primary", n_clicks=0),
                    html.Div(id=LANGUAGE_MSG, className="mt-3"),
                ]
            ),
        ]
    )
    return html.Div(
        [
            page_header("page.account.title", "page.account.subtitle"),
            dbc.Row([dbc.Col(password_card, md=6), dbc.Col(language_card, md=6)], className="g-3"),
        ]
    )
