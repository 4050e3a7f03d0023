"""One enterprise: every field, its lines, its measures per level and its change history."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.auth import services
from dashboard.cards import delisted, describe_changes, facts_table, label, measure_block
from dashboard.i18n import t
from dashboard.timeutil import format_local
from dashboard.ui import page_title
from data_access import enterprises

dash.register_page(
    __name__, path_template="/enterprise/<eid>", title=page_title("page.enterprise.title", __name__)
)


def _id(eid: Any) -> int | None:
    return int(eid) if isinstance(eid, str) and eid.isdigit() and len(eid) < 10 else None


def exists(eid: Any = None, **_: Any) -> bool:
    """Whether the path names a stored enterprise (the guard answers 404 otherwise)."""
    ident = _id(eid)
    if ident is None:
        return False
    _, db = services()
    return enterprises.get(db, ident) is not None


def layout(eid: str = "", **_query: Any) -> html.Div:
    """The enterprise, or a not-found notice."""
    ident = _id(eid)
    _, db = services()
    view = enterprises.get(db, ident, history=True) if ident is not None else None
    towns = dict(enterprises.towns(db))
    # assets/hazeops.js sends this back to the console URL the user came from (with its filters), if any.
    back = html.A(
        t("enterprise.back"), href=dash.get_relative_path("/"), className="small", id="enterprise-back"
    )
    if view is None:
        return html.Div(
            [
                html.H1(t("page.not_found.title"), className="h4"),
                html.P(t("enterprise.not_found", id=eid)),
                back,
            ],
            id="page-not-found",
        )
    f = view.fields
    lines = (
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [html.Th(t("field.line")), html.Th(t("field.grade")), html.Th(t("field.capacity"))]
                    )
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Td(ln["name"]),
                                html.Td(label("grade", ln["grade"]) if ln["grade"] else "—"),
                                html.Td(ln["capacity"] or "—"),
                            ]
                        )
                        for ln in view.lines
                    ]
                ),
            ],
            size="sm",
        )
        if view.lines
        else html.P(t("enterprise.no_lines"), className="small text-muted")
    )
    history = [
        html.Li(t("enterprise.listed", number=view.revision, at=format_local(view.revision_published)))
        if view.revision
        else None,
        *[
            html.Li(
                f"{format_local(h.at)} · {h.actor_name} · {t('action.' + h.action)}"
                + (f" · {h.reason}" if h.reason else "")
                + (
                    " · "
                    + describe_changes([[k, (h.before or {}).get(k), v] for k, v in h.after.items()], towns)
                    if h.action == "enterprise.update" and h.after
                    else ""
                )
            )
            for h in view.history
        ],
    ]
    return html.Div(
        [
            back,
            html.H1(f["name"], className="h4 mt-2 mb-1", id="enterprise-name"),
            delisted(view),
            html.P(t("demo.note"), className="small text-muted") if f["is_demo"] else None,
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2(t("enterprise.facts"), className="h6"),
                            facts_table(view),
                            html.H2(t("enterprise.lines"), className="h6 mt-3"),
                            lines,
                        ],
                        lg=5,
                    ),
                    dbc.Col(
                        [
                            html.H2(t("card.measures"), className="h6"),
                            measure_block(view),
                            html.H2(t("enterprise.history"), className="h6 mt-3"),
                            html.Ul(history, className="small", id="enterprise-history"),
                        ],
                        lg=7,
                    ),
                ],
                className="g-4",
            ),
        ],
        id="enterprise-page",
    )
