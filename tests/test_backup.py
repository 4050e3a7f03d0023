"""Backup → restore gives identical table contents, on either engine and across engines; a bad file or a
database in use is refused with a clear message and nothing changes."""

from __future__ import annotations

import gzip
import math
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from dashboard.roles import Role
from dashboard.rules.names import match_key
from dashboard.rules.vocab import ControlType, Grade
from data_access import users
from data_access.audit import Actor, record
from data_access.backup import SKIPPED, BackupError, backup, restore
from data_access.db import Database
from data_access.migrate import upgrade
from data_access.models import AuditEvent, Enterprise
from tests.conftest import clear_tables, login, snapshot
from tests.test_cli import run

ADMIN = Actor.system("test")


def kept(snap: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The tables a backup carries (sessions and failed logins are not restored)."""
    return {name: rows for name, rows in snap.items() if name not in SKIPPED}


def without_restore_event(snap: dict[str, list[Any]]) -> dict[str, list[Any]]:
    out = dict(snap)
    out["audit_event"] = [row for row in snap["audit_event"] if "'db.restore'" not in row]
    return out


def add_odd_rows(db: Database) -> None:
    """Rows that test the encoding: a token, NaN/∞ coordinates, Chinese, JSON, a null enum column."""
    uid = users.find_user_id(db, "lead")
    users.issue_token(db, ADMIN, uid, "报表脚本")
    with db.write() as s:
        e = Enterprise(
            name="备份测试（演示）\u3000有限公司",
            name_key=match_key("备份测试（演示）有限公司"),
            industry="铸造",
            control_type=ControlType.KEY,
            grade=Grade.B_MINUS,
            lat=math.nan if db.backend == "postgresql" else None,  # SQLite stores NaN as NULL
            lon=math.inf if db.backend == "postgresql" else 117.2,
            cat_red=None,
            is_demo=True,
        )
        s.add(e)
        s.flush()
        record(s, ADMIN, "enterprise.create", "enterprise", e.id, after={"名称": e.name, "n": [1, 2.5, None]})


@pytest.fixture
def full(db: Database, client: Any) -> Database:
    add_odd_rows(db)
    login(client, "duty")  # a session row: not carried by the backup
    return db


def test_backup_then_restore_gives_identical_table_contents(full: Database, tmp_path: Path) -> None:
    before = kept(snapshot(full))
    path = tmp_path / "b.jsonl.gz"
    done: list[tuple[str, int, int]] = []
    summary = backup(full, path, lambda *a: done.append(a))
    assert summary.rows["enterprise"] == len(before["enterprise"]) > 400
    assert {name for name, _, _ in done} >= {"enterprise", "measure", "audit_event", "user_account"}
    assert all(d == t for _, d, t in done if d == t) and done[-1][1] == done[-1][2]

    clear_tables(full)
    restore(full, path, ADMIN)
    after = snapshot(full)
    assert after["user_session"] == [] and after["login_failure"] == []
    assert without_restore_event(kept(after)) == before
    with full.read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "db.restore"))
    assert event.after["file"] == "b.jsonl.gz" and event.after["sha256"] == summary.sha256
    assert event.after["rows"]["enterprise"] == len(before["enterprise"])


def test_ids_continue_after_a_restore(full: Database, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    backup(full, path)
    clear_tables(full)
    restore(full, path, ADMIN)
    top = max(u.id for u in users.list_users(full))
    new = users.create_user(
        full,
        ADMIN,
        username="after.restore",
        display_name="恢复后",
        role=Role.DUTY_OFFICER,
        password="x" * 12,
    )
    assert new.id > top


def test_a_backup_moves_to_a_fresh_sqlite_database_whatever_it_came_from(
    full: Database, tmp_path: Path
) -> None:
    path = tmp_path / "b.jsonl.gz"
    backup(full, path)
    other = Database(f"sqlite:///{tmp_path / 'moved.db'}")
    upgrade(other)
    restore(other, path, ADMIN)
    mine, theirs = kept(snapshot(full)), without_restore_event(kept(snapshot(other)))
    if full.backend == "sqlite":
        assert theirs == mine
    else:  # PostgreSQL keeps NaN and ∞; SQLite stores them as NULL: every other value is the same
        assert {k: v for k, v in theirs.items() if k != "enterprise"} == {
            k: v for k, v in mine.items() if k != "enterprise"
        }
        assert len(theirs["enterprise"]) == len(mine["enterprise"])
    other.dispose()


def test_a_database_that_holds_data_is_replaced_only_when_asked(full: Database, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    backup(full, path)
    users.create_user(
        full, ADMIN, username="later", display_name="后来", role=Role.LEADERSHIP, password="y" * 12
    )
    before = snapshot(full)
    with pytest.raises(BackupError) as err:
        restore(full, path, ADMIN)
    assert err.value.key == "backup.not_empty"
    assert snapshot(full) == before
    restore(full, path, ADMIN, replace=True)
    assert "later" not in {u.username for u in users.list_users(full)}


def _rewrite(src: Path, dst: Path, edit: Any) -> None:
    lines = gzip.decompress(src.read_bytes()).splitlines(keepends=True)
    dst.write_bytes(gzip.compress(b"".join(edit(lines))))


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda lines: lines[:-50], "backup.truncated"),
        (lambda lines: [*lines[:300], b"{not json\n", *lines[301:]], "backup.corrupt"),
        (
            lambda lines: [orjson.dumps({**orjson.loads(lines[0]), "schema": "0001"}) + b"\n", *lines[1:]],
            "backup.schema",
        ),
        (lambda lines: [b'{"format": "something else"}\n', *lines[1:]], "backup.not_a_backup"),
    ],
)
def test_a_damaged_or_foreign_file_changes_nothing_even_when_replacing(
    full: Database, tmp_path: Path, edit: Any, key: str
) -> None:
    good, bad = tmp_path / "good.jsonl.gz", tmp_path / "bad.jsonl.gz"
    backup(full, good)
    _rewrite(good, bad, edit)
    before = snapshot(full)
    with pytest.raises(BackupError) as err:
        restore(full, bad, ADMIN, replace=True)
    assert err.value.key == key
    assert snapshot(full) == before


def test_a_file_that_is_not_gzip_is_refused(full: Database, tmp_path: Path) -> None:
    junk = tmp_path / "list.xlsx"
    junk.write_bytes(b"PK\x03\x04 not a backup")
    with pytest.raises(BackupError) as err:
        restore(full, junk, ADMIN, replace=True)
    assert err.value.key == "backup.not_a_backup"


def test_the_cli_backs_up_and_restores_with_progress_and_clear_messages(
    full: Database, tmp_path: Path
) -> None:
    path = tmp_path / "cli.jsonl.gz"
    res = run(["backup", str(path)], full.url)
    assert res.returncode == 0, res.stderr
    assert "已备份到" in res.stdout and "SHA-256" in res.stdout and "enterprise：" in res.stderr
    before = kept(snapshot(full))
    refused = run(["restore", str(path)], full.url)
    assert refused.returncode == 1 and "--replace" in refused.stderr and "Traceback" not in refused.stderr
    res = run(["restore", str(path), "--replace"], full.url)
    assert res.returncode == 0, res.stderr
    assert "重新登录" in res.stdout
    assert without_restore_event(kept(snapshot(full))) == before
    missing = run(["restore", str(tmp_path / "nope.gz")], full.url)
    assert missing.returncode == 1 and "找不到文件" in missing.stderr
    again = run(["backup", str(path)], full.url)
    assert (
        again.returncode == 1 and "--force" in again.stderr
    )  # an existing backup is never overwritten silently
    assert run(["backup", str(path), "--force"], full.url).returncode == 0
    assert path.stat().st_mode & 0o777 == 0o600  # it holds password and token hashes


def test_a_truncated_or_edited_backup_is_a_one_line_refusal(full: Database, tmp_path: Path) -> None:
    path = tmp_path / "whole.jsonl.gz"
    backup(full, path)
    before = snapshot(full)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    res = run(["restore", str(cut), "--replace"], full.url)
    assert res.returncode == 1 and "不完整" in res.stderr and "Traceback" not in res.stderr
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    edited = [line.replace('"B-"', '"Z-"') if line.startswith("[") else line for line in lines]
    bad = tmp_path / "edited.jsonl.gz"
    bad.write_bytes(gzip.compress(("\n".join(edited) + "\n").encode()))
    res = run(["restore", str(bad), "--replace"], full.url)
    assert res.returncode == 1 and "无法识别" in res.stderr and "Traceback" not in res.stderr
    assert snapshot(full) == before
