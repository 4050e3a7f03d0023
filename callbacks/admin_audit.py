"""Callbacks of the audit page: filters → URL, and one server-side page of events."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any
from urllib.parse import urlencode

from dash import Dash, Input, Output, ctx

from dashboard.auth import services
from dashboard.i18n import t
from dashboard.timeutil import format_local, local_day_bounds
from data_access import audit
from pages import admin_audit as P


def _compact(value: dict[str, Any] | None) -> str:
    """Before/after as `字段=值` pairs, field names in the user's language where the catalog has them."""
    if not value:
        return ""
    parts = []
    for key in sorted(value):
        label = t(f"field.{key}")
        shown = value[key] if isinstance(value[key], str) else json.dumps(value[key], ensure_ascii=False)
        parts.append(f"{key if label == f'field.{key}' else label}={shown}")
    return "; ".join(parts)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def sync_url(actor: str | None, obj: str | None, start: str | None, end: str | None, page: int | None) -> str:
    """Mirror the filters into the URL query, so the view can be bookmarked and shared."""
    query = {
        k: v
        for k, v in {
            "actor": actor,
            "object": (obj or "").strip(),
            "start": start,
            "end": end,
            "page": page if page and page > 1 else None,
        }.items()
        if v
    }
    return "?" + urlencode(query) if query else ""


def load_actors(_path: str | None) -> list[dict[str, str]]:
    """Fill the actor filter once when the page opens."""
    _, db = services()
    return [{"label": name, "value": name} for name in audit.actor_names(db)]


def load_page(
    actor: str | None, obj: str | None, start: str | None, end: str | None, page: int | None
) -> tuple[Any, ...]:
    """Return one page of events (times in Asia/Shanghai), the count line, the pager size and page.

    A new filter starts again at page 1; a page past the end shows the last page.
    """
    if ctx.triggered_id not in (None, P.PAGER):
        page = 1
    _, db = services()
    first, last = _day(start), _day(end)
    flt = audit.AuditFilter(
        actor=actor or None,
        object=(obj or "").strip() or None,
        start=local_day_bounds(first)[0] if first else None,
        end=local_day_bounds(last)[1] if last else None,
    )
    page = max(1, page or 1)
    rows, total = audit.list_events(db, flt, offset=(page - 1) * P.PAGE_SIZE, limit=P.PAGE_SIZE)
    pages = max(1, math.ceil(total / P.PAGE_SIZE))
    if page > pages:
        page = pages
        rows, total = audit.list_events(db, flt, offset=(page - 1) * P.PAGE_SIZE, limit=P.PAGE_SIZE)
    data = [
        {
            "at": format_local(r.at, seconds=True),
            "actor": r.actor_name,
            "action": t(f"action.{r.action}")
            if t(f"action.{r.action}") != f"action.{r.action}"
            else r.action,
            "object": f"{r.object_type}:{r.object_id}" if r.object_id else r.object_type,
            "before": _compact(r.before),
            "after": _compact(r.after),
            "reason": r.reason or "",
            "address": r.address or "",
        }
        for r in rows
    ]
    return data, t("audit.count", total=total, page=page, pages=pages), pages, page


def register(app: Dash) -> None:
    """Attach this page's callbacks to app."""
    filters = [
        Input(P.ACTOR, "value"),
        Input(P.OBJECT, "value"),
        Input(P.DATES, "start_date"),
        Input(P.DATES, "end_date"),
        Input(P.PAGER, "active_page"),
    ]
    app.callback(Output(P.URL, "search"), *filters, prevent_initial_call=True)(sync_url)
    app.callback(
        Output(P.GRID, "rowData"),
        Output(P.COUNT, "children"),
        Output(P.PAGER, "max_value"),
        Output(P.PAGER, "active_page"),
        *filters,
    )(load_page)
    app.callback(Output(P.ACTOR, "options"), Input(P.URL, "pathname"))(load_actors)
