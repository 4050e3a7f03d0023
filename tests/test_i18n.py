"""Every user-facing string comes from the catalogs, and both languages have every key."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dashboard.i18n import LANGUAGES, catalog, t
from dashboard.roles import Role

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(r"[a-z_]+(\.[a-z_0-9]+)+")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


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
                        keys.add(value)
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
