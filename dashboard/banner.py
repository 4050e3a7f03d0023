"""The warning banner under the navbar on every page: level in its colour, response grade, since when, how
long; what is announced next; "当前无预警" when none. Built from the open episode; layout only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import t
from dashboard.rules import warnings as rules
from dashboard.rules.vocab import RESPONSE_GRADE, ChangeKind
from dashboard.timeutil import format_local

LEVEL_STYLE = {  # background, text: 黄/橙/红 as the plans colour them; 蓝 for history
    "yellow": ("#f5c518", "#1d1d1d"),
    "orange": ("#f07f1a", "#1d1d1d"),
    "red": ("#d32f2f", "#ffffff"),
    "blue": ("#2f6fd3", "#ffffff"),
}


def duration(since: datetime, now: datetime) -> str:
    """How long, in words: 1 天 3 小时 / 5 小时 12 分 / 12 分钟."""
    days, hours, minutes = rules.elapsed(since, now)
    if days:
        return t("banner.days_hours", d=days, h=hours)
    if hours:
        return t("banner.hours_minutes", h=hours, m=minutes)
    return t("banner.minutes", m=minutes)


def level_name(level: str) -> str:
    """黄色预警 …"""
    return t(f"warning.level.{level}")


def left_until(now: datetime, at: datetime) -> str:
    """Time left in words; under a minute is said so (not "0 分钟")."""
    return t("banner.under_a_minute") if at - now < timedelta(minutes=1) else duration(now, at)


def next_text(step: rules.Step, now: datetime, then: Any = None) -> str:
    """An announced step that has not happened yet; `then` is the level in force once it has."""
    at = step.effective_at
    when = format_local(at) if at else "—"
    left = left_until(now, at) if at else "—"
    if step.kind is ChangeKind.LIFT:
        return t("banner.next_lift", at=when, left=left)
    if step.kind is ChangeKind.ISSUE:
        return t("banner.next_start", at=when, left=left)
    level = then or step.level
    return t("banner.next_change", level=level_name(level.value if level else ""), at=when, left=left)


def banner(episode: Any | None, now: datetime) -> html.Div:
    """The banner for the open episode (or none)."""
    link = dash.get_relative_path("/warning")
    if episode is None:
        return html.Div(
            [
                html.Span(t("banner.none"), id="banner-text"),
                html.A(t("banner.go"), href=link, className="ms-3"),
            ],
            className="hz-banner hz-banner-none",
            id="warning-banner",
            **{"data-level": "none"},
        )
    st = episode.state(now)
    shown = st.shown
    if shown is None:
        return html.Div(id="warning-banner", className="d-none", **{"data-level": "none"})
    bg, fg = LEVEL_STYLE[shown.value]
    parts: list[Any] = [
        html.Strong(level_name(shown.value), className="me-2"),
        html.Span(t("banner.grade", grade=RESPONSE_GRADE[shown.value]), className="me-2"),
    ]
    if st.in_force is not None and st.since is not None:
        parts.append(html.Span(t("banner.since", at=format_local(st.since), long=duration(st.since, now))))
    elif st.next_step is None and st.in_force is not None:
        parts.append(html.Span(t("banner.since_unknown")))
    if st.next_step is not None:
        parts.append(html.Span(" · " + next_text(st.next_step, now, st.upcoming), className="fw-semibold"))
    doc = next((c.doc_no for c in reversed(episode.changes) if c.doc_no), None)
    if doc:
        parts.append(html.Span(" · " + doc, className="small opacity-75"))
    if episode.is_demo:
        parts.append(dbc.Badge(t("demo.badge"), color="light", text_color="dark", className="ms-2"))
    parts.append(html.A(t("banner.go"), href=link, className="ms-3", style={"color": fg}))
    return html.Div(
        html.Span(parts, id="banner-text"),
        className="hz-banner",
        style={"backgroundColor": bg, "color": fg},
        id="warning-banner",
        **{"data-level": shown.value},
    )
