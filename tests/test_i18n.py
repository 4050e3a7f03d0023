"""Every user-facing string comes from the catalogs, and both languages have every key."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dashboard.i18n import LANGUAGES, catalog, t
from dashboard.roles import Role
from data_access import users
from data_access.audit import Actor
from data_access.db import Database

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(r"[a-z_]+(\.[a-z_0-9]+)+")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


# Errors that carry a list-check rule id: their message is the catalog key "check.<rule>".
RULE_ERRORS = {"CellError", "ListFileError", "HeaderError"}


def _rule_ids() -> set[str]:
    """Rule ids given as literals to Problem/problem (2nd argument) and Finding (1st) in app code."""
    rules: set[str] = set()
    for folder in ("dashboard", "data_access"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    index = {"Problem": 1, "problem": 1, "Finding": 0}.get(name)
                    if (
                        index is not None
                        and len(node.args) > index
                        and isinstance(node.args[index], ast.Constant)
                    ):
                        rules.add(node.args[index].value)
    return rules


def test_every_list_check_rule_has_a_message_in_both_languages() -> None:
    rules = _rule_ids()
    assert {"measure.order", "reduction.exceeds", "uscc.duplicate", "match.none", "coords.swapped"} <= rules
    for lang in LANGUAGES:
        assert sorted(r for r in rules if f"check.{r}" not in catalog(lang)) == []


def _literal_keys() -> set[str]:
    """Keys passed as string literals to t(...) or to an error's constructor anywhere in app code."""
    keys: set[str] = set()
    for folder in ("dashboard", "pages", "callbacks", "data_access"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    value = node.args[0].value
                    if (
                        isinstance(value, str)
                        and KEY.fullmatch(value)
                        and (name in {"t", "page_header", "ok", "page_title"} or name.endswith("Error"))
                    ):
                        keys.add(f"check.{value}" if name in RULE_ERRORS else value)
    keys |= set(
        re.findall(r"t\('([a-z_.]+)'[,)]", (ROOT / "dashboard/templates/login.html").read_text("utf-8"))
    )
    return keys


def test_both_catalogs_have_exactly_the_same_keys() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) - set(en) == set() and set(en) - set(zh) == set()
    assert all(v.strip() for v in (*zh.values(), *en.values()))


def test_every_key_used_in_code_exists() -> None:
    used = _literal_keys()
    assert len(used) > 50
    missing = sorted(k for k in used if k not in catalog("zh"))
    assert missing == []


def test_roles_and_languages_have_labels_in_both_languages() -> None:
    for lang in LANGUAGES:
        for role in Role:
            assert t(f"role.{role.value}", lang) != f"role.{role.value}"


def test_placeholders_match_between_languages() -> None:
    zh, en = catalog("zh"), catalog("en")
    fields = re.compile(r"\{(\w+)\}")
    assert [k for k in zh if set(fields.findall(zh[k])) != set(fields.findall(en[k]))] == []


def test_no_chinese_is_hard_coded_in_pages_or_callbacks() -> None:
    """Chinese text belongs in the catalogs (docstrings and comments may name Chinese terms)."""
    offenders = []
    for folder in ("pages", "callbacks", "dashboard"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.parent.name == "rules":
                continue  # the published vocabulary the rules read (引领性, 停产 …); labels come from catalogs
            if path.name in {"config.py", "cli.py", "wsgi.py"}:
                continue  # operator messages at start-up, before any language is known: Chinese by design
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(n.body[0].value)
                for n in ast.walk(tree)
                if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef)
                and n.body
                and isinstance(n.body[0], ast.Expr)
                and isinstance(n.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                    and CJK.search(node.value)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert offenders == []


# Component props a person reads; a string literal there is a hard-coded UI text.
READABLE_KWARGS = {
    "children",
    "placeholder",
    "title",
    "label",
    "headerName",
    "header",
    "tooltip",
    "alt",
    "text",
}
READABLE_KEYS = {"label", "headerName", "headerTooltip", "placeholder", "title"}
COMPONENT_MODULES = {"html", "dcc", "dbc", "dag", "dl"}
WORDS = re.compile(r"[A-Za-z]{2,}|[\u3400-\u9fff]")


def _readable_literals(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id in COMPONENT_MODULES):
                continue
            candidates = [a for a in node.args[:1]]
            candidates += [k.value for k in node.keywords if k.arg in READABLE_KWARGS]
            for value in candidates:
                items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
                found += [(v.lineno, v.value) for v in items if isinstance(v, ast.Constant)]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value in READABLE_KEYS
                    and isinstance(value, ast.Constant)
                ):
                    found.append((value.lineno, value.value))
    return [(n, v) for n, v in found if isinstance(v, str) and WORDS.search(v)]


def test_no_text_in_any_language_is_hard_coded_in_components() -> None:
    """English slips through a CJK check: no component child, label or placeholder is a plain literal."""
    offenders = []
    for folder in ("pages", "callbacks", "dashboard"):
        for path in (ROOT / folder).rglob("*.py"):
            for line, value in _readable_literals(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {value!r}")
    assert offenders == []


def test_the_scan_itself_finds_planted_texts() -> None:
    planted = ast.parse(
        'html.Span("Save")\ndbc.Button(children="保存")\n{"headerName": "Name"}\ndcc.Input(placeholder="Search")'
    )
    assert [v for _, v in _readable_literals(planted)] == ["Save", "保存", "Name", "Search"]
    assert _readable_literals(ast.parse('html.Span("·")\nhtml.Div(id="x", className="small mb-0")')) == []


def test_the_grid_locale_covers_every_key_in_both_languages_and_is_translated() -> None:
    from dashboard.ui import GRID_LOCALE_PREFIX

    zh = {k for k in catalog("zh") if k.startswith(GRID_LOCALE_PREFIX)}
    en = {k for k in catalog("en") if k.startswith(GRID_LOCALE_PREFIX)}
    assert zh == en and len(zh) > 40
    assert {"grid.locale.noRowsToShow", "grid.locale.loadingOoo", "grid.locale.sortAscending"} <= zh
    translated = [k for k in zh if CJK.search(catalog("zh")[k])]
    assert len(translated) >= len(zh) - 2  # "?" and the like need no translation
    assert not [k for k in en if CJK.search(catalog("en")[k])]


def _components(node: object) -> list[dict[str, object]]:
    """Every component in a layout as Dash serialises it (type, namespace, props)."""
    out: list[dict[str, object]] = []
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            out.append(node)
        for value in node.values():
            out += _components(value)
    elif isinstance(node, list):
        for value in node:
            out += _components(value)
    return out


def _render(app: object, client: object, path: str) -> object:
    key = next(k for k in app.callback_map if "_pages_content.children" in k)  # type: ignore[attr-defined]
    entry = app.callback_map[key]  # type: ignore[attr-defined]
    from tests.test_security import body_for

    body = body_for(key, entry, {"_pages_location.pathname": path, "_pages_location.search": ""})
    resp = client.post("/_dash-update-component", json=body)  # type: ignore[attr-defined]
    assert resp.status_code == 200
    return resp.get_json()


def test_every_grid_on_every_page_speaks_the_users_language(
    app: object, client: object, db: Database
) -> None:
    from tests.conftest import login

    login(client, "admin")
    admin = Actor(id=users.find_user_id(db, "admin"), name="admin", role=Role.ADMIN)
    for lang in ("zh", "en"):
        users.set_language(db, admin, lang)
        grids = []
        for path in ("/", "/admin/users", "/admin/audit", "/admin/list"):
            grids += [c for c in _components(_render(app, client, path)) if c["type"] == "AgGrid"]
        assert len(grids) >= 4
        for grid in grids:
            locale = grid["props"]["dashGridOptions"]["localeText"]  # type: ignore[index]
            assert locale["noRowsToShow"] == t("grid.locale.noRowsToShow", lang)
            for col in grid["props"].get("columnDefs") or []:  # type: ignore[union-attr]
                assert not col.get("headerName") or (lang == "en") != bool(CJK.search(col["headerName"]))


def test_page_titles_follow_the_users_language_at_request_time(client: object, db: Database) -> None:
    from tests.conftest import login

    login(client, "duty")
    duty = Actor(id=users.find_user_id(db, "duty"), name="duty", role=Role.DUTY_OFFICER)
    for lang in ("zh", "en", "zh"):
        users.set_language(db, duty, lang)
        html = client.get("/").get_data(as_text=True)  # type: ignore[attr-defined]
        title = re.search(r"<title>(.*?)</title>", html).group(1)  # type: ignore[union-attr]
        assert title == f"{t('page.home.title', lang)} · {t('app.name', lang)}"
        assert f'<html lang="{ {"zh": "zh-CN", "en": "en"}[lang] }">' in html


def test_error_pages_are_titled_as_errors_not_as_the_page(client: object, db: Database) -> None:
    from tests.conftest import login

    login(client, "leader")
    for path, key in (
        ("/admin/users", "error.forbidden_title"),
        ("/enterprise/99999", "page.not_found.title"),
    ):
        html = client.get(path).get_data(as_text=True)  # type: ignore[attr-defined]
        title = re.search(r"<title>(.*?)</title>", html).group(1)  # type: ignore[union-attr]
        assert title == f"{t(key, 'zh')} · {t('app.name', 'zh')}", path


def test_every_field_a_refusal_names_has_a_label_in_both_languages() -> None:
    """A refusal says which input is wrong in words ("文号：…"), never as a code ("field.doc_no：…")."""
    names: set[str] = set()
    for folder in ("dashboard", "data_access", "callbacks", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                names.update(
                    k.value.value
                    for k in node.keywords
                    if k.arg == "field"
                    and isinstance(k.value, ast.Constant)
                    and isinstance(k.value.value, str)
                )
                # Helpers that pass their last argument on as the field (data_access.warnings._text …).
                func = node.func.id if isinstance(node.func, ast.Name) else ""
                if func in ("_text", "_instant") and node.args and isinstance(node.args[-1], ast.Constant):
                    names.add(node.args[-1].value)
    assert len(names) > 20
    for lang in ("zh", "en"):
        missing = sorted(n for n in names if f"field.{n}" not in catalog(lang))
        assert missing == [], lang
