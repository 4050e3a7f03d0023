"""`python -m dashboard …` as an operator runs it: real subprocesses against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from data_access.db import Database
from data_access.models import AuditEvent, User
from tests.conftest import ROOT, SECRET


def run(args: list[str], db_url: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "SECRET_KEY": SECRET, "DATABASE_URL": db_url, **env}
    full.pop("HAZEOPS_DEMO", None)
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full,
        timeout=120,
        check=False,
    )


def test_user_add_reads_the_password_from_stdin(db: Database, app: Any) -> None:
    res = run(
        ["user", "add", "Sun.Wei", "--role", "team_lead", "--display-name", "孙伟"],
        db.url,
        stdin="a strong password\n",
    )
    assert res.returncode == 0, res.stderr
    assert "sun.wei" in res.stdout and "帮扶组长" in res.stdout
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == "sun.wei"))
        assert user.display_name == "孙伟" and not user.is_demo
        assert (
            s.scalar(
                select(AuditEvent.actor_name).where(
                    AuditEvent.action == "user.create", AuditEvent.object_id == str(user.id)
                )
            )
            == "cli"
        )
    client = app.server.test_client()
    from tests.conftest import login

    assert login(client, "sun.wei", "a strong password").status_code == 302


def test_user_add_refuses_bad_input_in_chinese(db: Database) -> None:
    res = run(["user", "add", "x", "--role", "admin"], db.url, stdin="12345678\n")
    assert res.returncode == 1 and "用户名" in res.stderr and "Traceback" not in res.stderr
    res = run(["user", "add", "shorty", "--role", "admin"], db.url, stdin="123\n")
    assert res.returncode == 1 and "至少需要 8 个字符" in res.stderr


def test_token_create_prints_a_token_that_works(db: Database, app: Any) -> None:
    res = run(["token", "create", "duty", "--label", "报表脚本"], db.url)
    assert res.returncode == 0, res.stderr
    token = res.stdout.strip()
    resp = app.server.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json["username"] == "duty"
    res = run(["token", "create", "nobody"], db.url)
    assert res.returncode == 1 and "不存在" in res.stderr


def test_seed_demo_does_nothing_on_a_seeded_database(db: Database) -> None:
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(User))
    res = run(["seed", "--demo"], db.url)
    assert res.returncode == 0 and "未写入" in res.stdout
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == before


def test_db_upgrade_and_seed_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run(["seed", "--demo"], url).returncode == 3  # not migrated yet: a clear refusal
    res = run(["db", "upgrade"], url)
    heads = sorted(p.name[:4] for p in (ROOT / "data_access/migrations/versions").glob("0*.py"))
    assert res.returncode == 0 and f"数据库已升级到 {heads[-1]}" in res.stdout
    assert run(["db", "upgrade"], url).returncode == 0  # idempotent
    res = run(["seed", "--demo"], url)
    assert res.returncode == 0 and "演示数据" in res.stdout
    res = run(["seed", "--demo", "--reset"], url)
    assert res.returncode == 0
    fresh = Database(url)
    with fresh.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 5
        assert s.scalar(select(func.count()).where(AuditEvent.action == "seed.reset")) == 1
    fresh.dispose()


def test_an_unreachable_database_gives_a_clear_error_with_the_password_masked() -> None:
    url = "postgresql+psycopg://hz:topsecret@127.0.0.1:1/hazeops"
    for args in (["db", "upgrade"], ["seed", "--demo"], ["serve"]):
        res = run(args, url)
        assert res.returncode == 3, (args, res.stderr)
        assert "无法打开数据库" in res.stderr and "hz:***@127.0.0.1:1/hazeops" in res.stderr
        assert "topsecret" not in res.stderr and "Traceback" not in res.stderr


def test_a_missing_secret_stops_start_up_with_a_clear_message(db: Database) -> None:
    res = run(["serve"], db.url, SECRET_KEY="")
    assert res.returncode == 2 and "SECRET_KEY" in res.stderr and "Traceback" not in res.stderr


def test_gunicorn_refuses_to_start_on_a_bad_database() -> None:
    env = {**os.environ, "SECRET_KEY": SECRET, "DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/x"}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "-w",
            "1",
            "-b",
            "127.0.0.1:0",
            "dashboard.wsgi:application",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert res.returncode != 0
    assert "无法打开数据库" in res.stderr and "u:***@" in res.stderr and "pw@" not in res.stderr


def test_non_utf8_input_is_refused_cleanly(db: Database) -> None:
    full = {**os.environ, "SECRET_KEY": SECRET, "DATABASE_URL": db.url}
    res = subprocess.run(
        [sys.executable, "-m", "dashboard", "user", "add", "gbk.user", "--role", "team_member"],
        input="张三的密码很长".encode("gbk") + b"\n",
        capture_output=True,
        cwd=ROOT,
        env=full,
        timeout=60,
        check=False,
    )
    err = res.stderr.decode("utf-8")
    assert res.returncode == 1 and "UTF-8" in err and "Traceback" not in err
    with db.read() as s:
        assert s.scalar(select(func.count()).where(User.username == "gbk.user")) == 0
