"""How an enterprise is shown: labels for the list vocabulary, the measures block, the fields table.

Shared by the console's side card and the enterprise page; builds components only (no data access).
"""

from __future__ import annotations

import math
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import t
from dashboard.rules.vocab import Grade, Level
from dashboard.timeutil import format_local

# Map colours per grade (also the legend): greens for the best, warm colours for those that stop first.
GRADE_COLORS: dict[str, str] = {
    Grade.A_PLUS.value: "#0b6e4f",
    Grade.A.value: "#1a9850",
    Grade.LEADING.value: "#66bd63",
    Grade.B.value: "#3288bd",
    Grade.B_MINUS.value: "#74add1",
    Grade.C.value: "#fdae61",
    Grade.D.value: "#d73027",
    Grade.NON_LEADING.value: "#9e6ab8",
    Grade.UNGRADED.value: "#8c8c8c",
}
GRADE_ORDER = [
    g.value
    for g in (
        Grade.A_PLUS,
        Grade.A,
        Grade.LEADING,
        Grade.B,
        Grade.B_MINUS,
        Grade.C,
        Grade.D,
        Grade.NON_LEADING,
        Grade.UNGRADED,
    )
]
LEVEL_COLORS = {Level.YELLOW: "warning", Level.ORANGE: "orange", Level.RED: "danger"}
# What an enterprise must do at a level, strictest first (the map colours points by it during a warning).
CATEGORY_ORDER = ["stop", "limit", "transport", "self", "guarantee", "unclassified"]
CATEGORY_COLORS = {
    "stop": "#b71c1c",
    "limit": "#ef6c00",
    "transport": "#f9c74f",
    "self": "#2e7d32",
    "guarantee": "#1565c0",
    "unclassified": "#8c8c8c",
}
POLLUTANTS = ("so2", "nox", "pm", "vocs")


def label(kind: str, value: Any) -> str:
    """The user's-language label of a vocabulary value (grade, control, category, level, action)."""
    if value is None or value == "":
        return t(f"{kind}.none")
    raw = value.value if hasattr(value, "value") else str(value)
    text = t(f"{kind}.{raw}")
    return raw if text == f"{kind}.{raw}" else text


def describe(flt: Any, towns: dict[str, str], lang: str | None = None) -> str:
    """A console filter in words (乡镇：许商街道；绩效等级：C；红色预警：停产), for export titles."""
    parts: list[str] = []

    def add(key: str, values: list[str]) -> None:
        if values:
            parts.append(
                t("filter.describe", lang, field=t(key, lang), values=t("list.join", lang).join(values))
            )

    add("field.town", [towns.get(c, c) for c in flt.town])
    add("field.park", [t("park.none", lang) if p == "none" else p for p in flt.park])
    add("field.industry", list(flt.industry))
    add("field.grade", [t(f"grade.{g.value}", lang) for g in flt.grade])
    add("field.control_type", [t(f"control.{c.value}", lang) for c in flt.control])
    if flt.level:
        cats = [t(f"category.{c}", lang) for c in flt.category] or [t("console.any", lang)]
        add(f"level.{flt.level.value}", cats)
    if flt.q:
        add("console.search", [flt.q])
    return t("filter.describe_join", lang).join(parts)


def _number(value: float | None, digits: int = 3) -> str:
    """Three significant figures in plain decimals (never 4.49e-05): a small firm's daily reduction is
    often well under 0.001 t, and a bureau reads 0.0000449, not scientific notation."""
    if value is None:
        return "—"
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{places}f}"


def action_text(action: dict[str, Any]) -> str:
    """One parsed action in words: 限产 20%（投料量 960→768 吨）."""
    parts = [label("action", action.get("kind"))]
    if action.get("percent") is not None:
        parts.append(f"{action['percent']:g}%")
    details = []
    if action.get("quantity_from") is not None and action.get("quantity_to") is not None:
        details.append(
            f"{action['quantity_from']:g} → {action['quantity_to']:g} {action.get('unit') or ''}".strip()
        )
    for key in ("scope", "basis"):
        if action.get(key):
            details.append(t(f"card.{key}", value=action[key]))
    text = " ".join(parts)
    return t("ui.paren", text=text, detail=t("ui.sep").join(details)) if details else text


def measure_block(view: Any) -> html.Div:
    """Measures at 黄/橙/红: the verbatim text, what it was read as, and the daily reductions."""
    blocks = []
    for level in Level:
        items = [m for m in view.measures if m.level is level]
        body: list[Any] = []
        if not items:
            body.append(html.P(t("card.no_measure"), className="text-danger small mb-1"))
        for m in items:
            read = [action_text(a) for a in m.actions] or [t("card.unread")]
            body.extend(
                [
                    html.Div(m.line, className="small fw-semibold") if m.line else None,
                    html.Blockquote(m.text, className="measure-text mb-1"),
                    html.Div(
                        [
                            dbc.Badge(
                                label("category", m.category),
                                className="me-1 cat-badge",
                                color="secondary" if m.category is None else "dark",
                            ),
                            html.Span(t("ui.sep").join(read), className="small"),
                        ],
                        className="mb-1",
                    ),
                    html.Div(
                        t("card.unparsed", text=t("ui.sep").join(m.unparsed)),
                        className="small text-danger mb-1",
                    )
                    if m.unparsed
                    else None,
                    html.Div(
                        t(
                            "card.reduction",
                            values=t("ui.comma").join(
                                f"{t('pollutant.' + p)} {_number(m.reductions[p])}" for p in POLLUTANTS
                            ),
                        )
                        + (t("card.derived") if m.derived else ""),
                        className="small text-muted",
                    ),
                ]
            )
        blocks.append(
            html.Div(
                [html.Div(label("level", level), className=f"level-chip level-{level.value}"), *body],
                className=f"measure-level mb-2 measure-{level.value}",
            )
        )
    return html.Div(blocks)


def _grade_text(f: dict[str, Any]) -> str:
    shown = label("grade", f["grade"])
    raw = f["grade_raw"]
    return t("ui.paren", text=shown, detail=raw) if raw and raw != f["grade"].value else shown


def _monitoring(f: dict[str, Any]) -> str:
    kinds = [
        t(key) for key, on in (("card.cems", f["has_cems"]), ("card.power", f["has_power_monitoring"])) if on
    ]
    return t("ui.comma").join(kinds) if kinds else t("card.no_monitoring")


def facts(view: Any) -> list[tuple[str, Any]]:
    """(label, value) pairs of an enterprise's own fields, in reading order."""
    f = view.fields
    coords = (
        t("card.coords", lat=f"{f['lat']:.6f}", lon=f"{f['lon']:.6f}", crs=f["coord_crs"] or "WGS84")
        if f["lat"] is not None and f["lon"] is not None
        else t("console.no_coords_one")
    )
    sector = f["industry_other"] or f["industry"]
    return [
        (t("field.uscc"), f["uscc"] or "—"),
        (t("field.town"), view.town or "—"),
        (t("field.park"), f["park"] or t("park.none")),
        (t("field.industry"), sector),
        (t("field.grade"), _grade_text(f)),
        (t("field.control_type"), label("control", f["control_type"])),
        (t("field.coords"), coords),
        (t("field.site_address"), f["address"] or "—"),
        (
            t("field.emissions"),
            t("ui.comma").join(f"{t('pollutant.' + p)} {_number(f[p + '_tpa'])}" for p in POLLUTANTS),
        ),
        (t("field.base_capacity"), f["base_capacity"] or "—"),
        (t("field.permit_no"), f["permit_no"] or "—"),
        (t("field.monitoring"), _monitoring(f)),
        (
            t("field.revision"),
            t("card.revision", number=view.revision, at=format_local(view.revision_published))
            if view.revision
            else "—",
        ),
    ]


def _value(field: str, value: Any, towns: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t("list.yes") if value else t("list.no")
    if field == "town_code":
        return towns.get(str(value), str(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def field_label(key: str) -> str:
    """A diff key in words: `grade`, `measure.orange@1#窑`, `reduction.red.so2`."""
    base, _, line = key.partition("@")
    parts = base.split(".")
    if parts[0] == "reduction" and len(parts) == 3:
        text = t(
            "listfield.reduction", level=t(f"level.short.{parts[1]}"), pollutant=t(f"pollutant.{parts[2]}")
        )
    else:
        text = t(f"listfield.{base}")
    return t("list.field_line", field=text, line=line) if line else text


def describe_changes(changes: list[list[Any]], towns: dict[str, str]) -> str:
    """Field-level changes as one line: 绩效等级：B → C；橙色预警减排措施：… → …"""
    return t("list.changes_join").join(
        t("list.change_item", field=field_label(f), before=_value(f, a, towns), after=_value(f, b, towns))
        for f, a, b in changes
    )


def indicator(actions: list[dict[str, Any]], base_capacity: str | None) -> str:
    """What an inspector can check for a measure: a quantity from → to (投料量 960→768 吨), else the stated
    base with the cut (基准 日产能 50 吨，削减 20%), else the process named (VOCs排放工序); "—" when none."""
    parts: list[str] = []
    for a in actions:
        if a.get("quantity_from") is not None and a.get("quantity_to") is not None:
            parts.append(
                t(
                    "indicator.quantity",
                    basis=a.get("basis") or "",
                    a=f"{a['quantity_from']:g}",
                    b=f"{a['quantity_to']:g}",
                    unit=a.get("unit") or "",
                )
            )
        elif a.get("kind") == "limit" and a.get("percent") is not None and base_capacity:
            parts.append(t("indicator.base", base=base_capacity, percent=f"{a['percent']:g}"))
        elif a.get("kind") == "limit" and a.get("scope"):
            parts.append(t("indicator.scope", scope=a["scope"]))
    return t("list.changes_join").join(dict.fromkeys(parts)) or "—"


def delisted(view: Any) -> dbc.Alert | None:
    """A notice on an enterprise a revision took off the list (it keeps its id, history and records)."""
    if view.fields.get("in_list", True):
        return None
    return dbc.Alert(
        t("card.delisted", number=view.revision or "—", at=format_local(view.revision_published)),
        color="warning",
        className="py-2 small",
        id="enterprise-delisted",
    )


def facts_table(view: Any) -> dbc.Table:
    """The fields as a two-column table."""
    return dbc.Table(
        html.Tbody(
            [
                html.Tr([html.Th(k, className="text-nowrap fw-normal text-muted"), html.Td(v)])
                for k, v in facts(view)
            ]
        ),
        size="sm",
        className="mb-2 facts",
    )


def enterprise_link(enterprise_id: int) -> str:
    """The enterprise page's path (under any URL prefix)."""
    return dash.get_relative_path(f"/enterprise/{enterprise_id}")


def card(view: Any) -> html.Div:
    """The console's side card: name, the key facts and the measures at all three levels."""
    f = view.fields
    return html.Div(
        [
            html.Div(
                [
                    dbc.Badge(
                        label("grade", f["grade"]),
                        className="me-1 grade-chip",
                        style={"backgroundColor": GRADE_COLORS.get(f["grade"].value, "#888")},
                    ),
                    dbc.Badge(label("control", f["control_type"]), color="light", text_color="dark"),
                    dbc.Badge(t("demo.badge"), color="info", className="ms-1") if f["is_demo"] else None,
                ],
                className="mb-2",
            ),
            delisted(view),
            facts_table(view),
            html.H2(t("card.measures"), className="h6 mt-2"),
            measure_block(view),
            html.A(
                t("card.open_page"), href=enterprise_link(f["id"]), id="card-open-page", className="small"
            ),
        ],
        id="enterprise-card-body",
    )
