"""Small layout helpers shared by pages and callbacks (no data access here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.errors import HazeError
from dashboard.i18n import DEFAULT_LANGUAGE, catalog, field_label, t


def page_title(key: str, module: str | None = None) -> Callable[..., str]:
    """Return a title function Dash pages calls at request time, in the user's language.

    A user whose role may not open the page (module) sees an error's title, as the page shows an error.
    """

    def title(**_: Any) -> str:
        from flask_login import current_user

        from dashboard.permissions import page_allowed

        if module and current_user.is_authenticated and not page_allowed(module, current_user.role):
            return f"{t('error.forbidden_title')} · {t('app.name')}"
        return f"{t(key)} · {t('app.name')}"

    return title


GRID_LOCALE_PREFIX = "grid.locale."


def grid_locale() -> dict[str, str]:
    """AG Grid's own texts (localeText) in the user's language, from the catalogs' grid.locale.* keys."""
    return {
        key.removeprefix(GRID_LOCALE_PREFIX): t(key)
        for key in catalog(DEFAULT_LANGUAGE)
        if key.startswith(GRID_LOCALE_PREFIX)
    }


def grid_block(request: dict[str, Any]) -> tuple[int, int]:
    """The rows [start, end) an AG Grid infinite-model request asks for."""
    start = int(request.get("startRow") or 0)
    return start, int(request.get("endRow") or start + 100)


def dropdown_labels() -> dict[str, str]:
    """dcc.Dropdown's own texts (search, select all, "2 selected" …) in the user's language."""
    keys = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection")
    return {k: t(f"dropdown.{k}") for k in (*keys, "no_options_found")}


def dropdown(**props: Any) -> Any:
    """A dcc.Dropdown that speaks the user's language (use it for every dropdown)."""
    from dash import dcc

    return dcc.Dropdown(labels=dropdown_labels(), **props)


def page_header(title_key: str, subtitle_key: str | None = None) -> html.Div:
    """A page heading with an optional one-line explanation."""
    parts: list[Any] = [html.H1(t(title_key), className="h4 mb-1")]
    if subtitle_key:
        parts.append(html.P(t(subtitle_key), className="text-muted small mb-3"))
    return html.Div(parts, className="mb-3")


def labelled(label_key: str, component: Any, spacing: str = "mb-2") -> html.Div:
    """A form control with its translated label above it (the label points at the control's id)."""
    return html.Div(
        [dbc.Label(t(label_key), html_for=getattr(component, "id", None)), component], className=spacing
    )


def ok(key: str, **params: Any) -> dbc.Alert:
    """A green confirmation."""
    return dbc.Alert(t(key, **params), color="success", className="py-2 mb-0", dismissable=True)


def fail(exc: HazeError) -> dbc.Alert:
    """A red refusal naming the field at fault, in the user's language."""
    text = t(exc.key, **exc.params)
    if exc.field:
        text = t("ui.field_error", field=field_label(exc.field), message=text)
    return dbc.Alert(text, color="danger", className="py-2 mb-0", dismissable=True)


def forbidden() -> html.Div:
    """Shown in place of a page the user's role may not open."""
    return html.Div(
        [html.H1(t("error.forbidden_title"), className="h4"), html.P(t("error.forbidden_page"))],
        id="page-forbidden",
    )


def next_count(counter: Any) -> int:
    """The next value of a page's refresh counter (a Store), whatever a forged request sent as the last."""
    return counter + 1 if isinstance(counter, int) and not isinstance(counter, bool) else 1
