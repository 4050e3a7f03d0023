"""Admin → 用户管理: create users, change roles, deactivate, reset passwords, issue and revoke API tokens."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import t
from dashboard.roles import Role
from dashboard.ui import dropdown, grid_locale, labelled, page_header, page_title

dash.register_page(
    __name__,
    path="/admin/users",
    title=page_title("page.users.title", __name__),
    nav_key="page.users.nav",
    order=80,
)

GRID = "users-grid"
REFRESH = "users-refresh"  # bumped by every write, so the grid and the selection panel reload
NEW_USERNAME = "users-new-username"
NEW_DISPLAY = "users-new-display"
NEW_ROLE = "users-new-role"
NEW_PASSWORD = "users-new-password"
CREATE = "users-create"
CREATE_MSG = "users-create-msg"
SELECTED = "users-selected"  # {"id", "version"} of the selected user
DETAIL = "users-detail"
ROLE = "users-role"
REASON = "users-reason"
SAVE_ROLE = "users-save-role"
DEACTIVATE = "users-deactivate"
ACTIVATE = "users-activate"
RESET_PASSWORD = "users-reset-password-input"
RESET = "users-reset"
ACTION_MSG = "users-action-msg"
TOKEN_NAME = "users-token-name"
ISSUE_TOKEN = "users-issue-token"
TOKEN_SECRET = "users-token-secret"
TOKEN_GRID = "users-token-grid"
REVOKE_TOKEN = "users-revoke-token"
TOKEN_MSG = "users-token-msg"
SELECTED_PANEL = "users-selected-panel"


def role_options() -> list[dict[str, str]]:
    """Roles for a dropdown, labelled in the user's language."""
    return [{"label": t(f"role.{r.value}"), "value": r.value} for r in Role]


def user_columns() -> list[dict[str, object]]:
    """Column definitions of the users grid (headers translated at request time)."""
    return [
        {"field": "username", "headerName": t("field.username"), "checkboxSelection": False, "flex": 1},
        {"field": "display_name", "headerName": t("field.display_name"), "flex": 1},
        {"field": "role_label", "headerName": t("field.role"), "flex": 1},
        {"field": "status", "headerName": t("field.status"), "flex": 1},
        {"field": "last_login", "headerName": t("field.last_login"), "flex": 1},
        {"field": "created", "headerName": t("field.created_at"), "flex": 1},
    ]


def token_columns() -> list[dict[str, object]]:
    """Column definitions of the tokens grid."""
    return [
        {"field": "name", "headerName": t("field.token_name"), "flex": 1},
        {"field": "prefix", "headerName": t("field.token_prefix"), "flex": 1},
        {"field": "created", "headerName": t("field.created_at"), "flex": 1},
        {"field": "last_used", "headerName": t("field.last_used"), "flex": 1},
        {"field": "status", "headerName": t("field.status"), "flex": 1},
    ]


def layout(**_query: str) -> html.Div:
    """Users grid with a create form beside it and the selected user's actions below."""
    create_card = dbc.Card(
        [
            dbc.CardHeader(t("users.create_header")),
            dbc.CardBody(
                [
                    labelled(
                        "field.username",
                        dbc.Input(id=NEW_USERNAME, placeholder=t("users.username_hint"), autocomplete="off"),
                    ),
                    labelled("field.display_name", dbc.Input(id=NEW_DISPLAY, autocomplete="off")),
                    labelled(
                        "field.role",
                        dropdown(
                            id=NEW_ROLE,
                            options=role_options(),
                            value=Role.DUTY_OFFICER.value,
                            clearable=False,
                        ),
                    ),
                    labelled(
                        "field.password",
                        dbc.Input(id=NEW_PASSWORD, type="password", autocomplete="new-password"),
                    ),
                    dbc.Button(t("users.create"), id=CREATE, color="primary", n_clicks=0, className="mt-2"),
                    html.Div(id=CREATE_MSG, className="mt-2"),
                ]
            ),
        ]
    )
    grid = dag.AgGrid(
        id=GRID,
        columnDefs=user_columns(),
        rowData=[],
        getRowId="params.data.id",
        dashGridOptions={
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            "localeText": grid_locale(),
        },
        style={"height": "340px"},
        className="ag-theme-quartz",
    )
    selected = dbc.Card(
        [
            dbc.CardHeader(t("users.selected_header")),
            dbc.CardBody(
                [
                    html.Div(t("users.select_hint"), id=DETAIL, className="mb-3"),
                    html.Div(
                        [
                            dbc.Row(
                                [
                                    dbc.Col(
                                        labelled(
                                            "field.role",
                                            dropdown(id=ROLE, options=role_options(), clearable=False),
                                        ),
                                        md=4,
                                    ),
                                    dbc.Col(
                                        labelled("field.reason", dbc.Input(id=REASON, autocomplete="off")),
                                        md=8,
                                    ),
                                ]
                            ),
                            html.Div(
                                [
                                    dbc.Button(
                                        t("users.save_role"),
                                        id=SAVE_ROLE,
                                        color="primary",
                                        n_clicks=0,
                                        className="me-2",
                                    ),
                                    dbc.Button(
                                        t("users.deactivate"),
                                        id=DEACTIVATE,
                                        color="danger",
                                        outline=True,
                                        n_clicks=0,
                                        style={"display": "none"},
                                    ),
                                    dbc.Button(
                                        t("users.activate"),
                                        id=ACTIVATE,
                                        color="success",
                                        outline=True,
                                        n_clicks=0,
                                        style={"display": "none"},
                                    ),
                                ],
                                className="mb-3",
                            ),
                            dbc.InputGroup(
                                [
                                    dbc.Input(
                                        id=RESET_PASSWORD,
                                        type="password",
                                        autocomplete="new-password",
                                        placeholder=t("users.new_password_hint"),
                                    ),
                                    dbc.Button(
                                        t("users.reset_password"), id=RESET, color="secondary", n_clicks=0
                                    ),
                                ],
                                className="mb-2",
                            ),
                            html.Div(id=ACTION_MSG, className="mb-3"),
                            html.H2(t("users.tokens_header"), className="h6 mt-3"),
                            dbc.InputGroup(
                                [
                                    dbc.Input(
                                        id=TOKEN_NAME,
                                        placeholder=t("users.token_name_hint"),
                                        autocomplete="off",
                                    ),
                                    dbc.Button(
                                        t("users.issue_token"), id=ISSUE_TOKEN, color="secondary", n_clicks=0
                                    ),
                                ],
                                className="mb-2",
                            ),
                            html.Div(id=TOKEN_SECRET),
                            dag.AgGrid(
                                id=TOKEN_GRID,
                                columnDefs=token_columns(),
                                rowData=[],
                                getRowId="params.data.id",
                                dashGridOptions={
                                    "rowSelection": {
                                        "mode": "singleRow",
                                        "checkboxes": False,
                                        "enableClickSelection": True,
                                    },
                                    "localeText": grid_locale(),
                                    "domLayout": "autoHeight",
                                },
                                className="ag-theme-quartz mb-2",
                            ),
                            dbc.Button(
                                t("users.revoke_token"),
                                id=REVOKE_TOKEN,
                                color="danger",
                                outline=True,
                                size="sm",
                                n_clicks=0,
                            ),
                            html.Div(id=TOKEN_MSG, className="mt-2"),
                        ],
                        id=SELECTED_PANEL,
                        style={"display": "none"},
                    ),
                ]
            ),
        ],
        className="mt-3",
    )
    return html.Div(
        [
            page_header("page.users.title", "page.users.subtitle"),
            dcc.Store(id=REFRESH, data=0),
            dcc.Store(id=SELECTED),
            dbc.Row([dbc.Col([grid, selected], lg=8), dbc.Col(create_card, lg=4)], className="g-3"),
        ]
    )
