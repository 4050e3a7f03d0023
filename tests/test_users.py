"""Users, roles, passwords, tokens, throttling: each write audited in its own transaction."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.errors import ConflictError, NotFoundError, ValidationError
from dashboard.roles import Role
from data_access import users
from data_access.audit import Actor
from data_access.db import Database
from data_access.models import ApiToken, AuditEvent, LoginFailure, UnauditedWriteError, User
from data_access.seed import DEMO_PASSWORD

ADMIN = Actor(id=None, name="tester", role=Role.ADMIN)


def _id(db: Database, username: str) -> int:
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def _audit(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_it_creates_a_user_with_a_hashed_password_and_an_audit_event(db: Database) -> None:
    u = users.create_user(
        db, ADMIN, username=" Wang.Li ", display_name="王立", role="team_lead", password="correct horse"
    )
    assert (u.username, u.display_name, u.role) == ("wang.li", "王立", Role.TEAM_LEAD)
    with db.read() as s:
        stored = s.get(User, u.id).password_hash
    assert "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    [event] = _audit(db, "user.create")[-1:]
    assert (
        event.object_id == str(u.id) and event.after["role"] == "team_lead" and event.actor_name == "tester"
    )


def test_a_double_submit_creates_one_user(db: Database) -> None:
    users.create_user(db, ADMIN, username="zhao", display_name="赵", role="duty_officer", password="12345678")
    with pytest.raises(ConflictError) as exc:
        users.create_user(
            db, ADMIN, username="ZHAO", display_name="赵", role="duty_officer", password="12345678"
        )
    assert exc.value.key == "error.username_taken" and exc.value.field == "username"
    with db.read() as s:
        assert s.scalar(select(func.count()).where(User.username == "zhao")) == 1


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"username": "a"}, "error.username_format"),
        ({"username": "张三"}, "error.username_format"),
        ({"display_name": "  "}, "error.display_name"),
        ({"password": "short"}, "error.password_short"),
        ({"role": "boss"}, "error.role_unknown"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(db: Database, kwargs: dict, key: str) -> None:
    args = {"username": "newbie", "display_name": "新人", "role": "team_member", "password": "long enough"}
    before = users.count_users(db)
    with pytest.raises(ValidationError) as exc:
        users.create_user(db, ADMIN, **{**args, **kwargs})
    assert exc.value.key == key
    assert users.count_users(db) == before


def test_role_change_is_audited_with_before_and_after(db: Database) -> None:
    uid = _id(db, "member")
    version = users.get_user(db, uid).version
    users.change_role(db, ADMIN, uid, "team_lead", version, "升任组长")
    [event] = _audit(db, "user.role")
    assert (event.before["role"], event.after["role"], event.reason) == (
        "team_member",
        "team_lead",
        "升任组长",
    )


def test_a_stale_version_is_a_conflict_and_changes_nothing(db: Database) -> None:
    uid = _id(db, "member")
    stale = users.get_user(db, uid).version
    users.change_role(db, ADMIN, uid, "duty_officer", stale, None)
    with pytest.raises(ConflictError):
        users.change_role(db, ADMIN, uid, "team_lead", stale, None)
    assert users.get_user(db, uid).role is Role.DUTY_OFFICER


def test_the_last_active_admin_cannot_be_removed(db: Database) -> None:
    uid = _id(db, "admin")
    with pytest.raises(ValidationError, match="last_admin"):
        users.set_active(db, ADMIN, uid, False, users.get_user(db, uid).version, None)
    with pytest.raises(ValidationError, match="last_admin"):
        users.change_role(db, ADMIN, uid, "leadership", users.get_user(db, uid).version, None)
    other = users.create_user(
        db, ADMIN, username="admin2", display_name="第二管理员", role="admin", password="12345678"
    )
    users.set_active(db, ADMIN, uid, False, users.get_user(db, uid).version, "交接")
    assert not users.get_user(db, uid).is_active and users.get_user(db, other.id).is_active


def test_deactivation_ends_sessions_and_tokens_at_once(db: Database) -> None:
    uid = _id(db, "duty")
    before = users.get_user(db, uid)
    _, secret = users.issue_token(db, ADMIN, uid, "sync")
    assert users.load_session_user(db, uid, before.auth_epoch, allow_demo=True) is not None
    assert users.authenticate_token(db, secret, allow_demo=True) is not None
    users.set_active(db, ADMIN, uid, False, before.version, "离职")
    assert users.load_session_user(db, uid, before.auth_epoch, allow_demo=True) is None
    assert users.authenticate_token(db, secret, allow_demo=True) is None
    assert users.authenticate(db, "duty", DEMO_PASSWORD, "10.0.0.9", allow_demo=True).user is None


def test_password_reset_ends_open_sessions(db: Database) -> None:
    uid = _id(db, "lead")
    before = users.get_user(db, uid)
    users.reset_password(db, ADMIN, uid, "a new password", before.version, None)
    assert users.load_session_user(db, uid, before.auth_epoch, allow_demo=True) is None
    assert users.authenticate(db, "lead", "a new password", "1.2.3.4", allow_demo=True).user is not None
    assert users.authenticate(db, "lead", DEMO_PASSWORD, "1.2.3.5", allow_demo=True).user is None


def test_tokens_are_stored_hashed_shown_once_and_revocable(db: Database) -> None:
    uid = _id(db, "duty")
    tok, secret = users.issue_token(db, ADMIN, uid, "市局对接")
    with db.read() as s:
        row = s.get(ApiToken, tok.id)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.token_hash
    assert secret.startswith(row.prefix) and len(secret) > 40
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert users.authenticate_token(db, secret, allow_demo=True, now=now).username == "duty"
    assert users.list_tokens(db, uid)[0].last_used_at == now
    users.revoke_token(db, ADMIN, tok.id, "泄露")
    assert users.authenticate_token(db, secret, allow_demo=True) is None
    assert users.authenticate_token(db, secret[:-1] + "x", allow_demo=True) is None
    assert [e.after["revoked"] for e in _audit(db, "token.revoke")] == [True]


def test_a_live_token_name_is_unique_per_user(db: Database) -> None:
    uid = _id(db, "duty")
    tok, _ = users.issue_token(db, ADMIN, uid, "sync")
    with pytest.raises(ConflictError):
        users.issue_token(db, ADMIN, uid, "sync")
    users.revoke_token(db, ADMIN, tok.id)
    users.issue_token(db, ADMIN, uid, "sync")  # a revoked name may be reused


def test_unknown_token_revocation_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        users.revoke_token(db, ADMIN, 999_999)


def test_demo_users_log_in_only_in_demo_mode(db: Database) -> None:
    assert users.authenticate(db, "admin", DEMO_PASSWORD, "1.1.1.1", allow_demo=True).user is not None
    assert users.authenticate(db, "admin", DEMO_PASSWORD, "1.1.1.2", allow_demo=False).user is None
    uid = _id(db, "admin")
    epoch = users.get_user(db, uid).auth_epoch
    assert users.load_session_user(db, uid, epoch, allow_demo=False) is None


def test_failures_are_throttled_per_user_and_unknown_users_alike(db: Database) -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    window = timedelta(minutes=15)
    for name in ("duty", "nobody-here"):
        for i in range(5):
            r = users.authenticate(
                db, name, "wrong", f"10.0.0.{i}", now=now + timedelta(seconds=i), window=window
            )
            assert r.user is None and r.retry_after is None
        r = users.authenticate(
            db,
            name,
            DEMO_PASSWORD,
            "10.0.1.1",
            now=now + timedelta(seconds=10),
            window=window,
            allow_demo=True,
        )
        assert (
            r.user is None and r.retry_after == 15 * 60 - 10 + 1
        )  # until the oldest failure leaves the window
    later = users.authenticate(
        db,
        "duty",
        DEMO_PASSWORD,
        "10.0.1.1",
        now=now + window + timedelta(seconds=5),
        window=window,
        allow_demo=True,
    )
    assert later.user is not None
    with db.read() as s:  # a success clears that user's failures
        assert s.scalar(select(func.count()).where(LoginFailure.username_key == "duty")) == 0


def test_failures_are_throttled_per_address(db: Database) -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    for i in range(3):
        users.authenticate(db, f"guess{i}", "x", "203.0.113.7", now=now, max_address=3)
    r = users.authenticate(db, "admin", DEMO_PASSWORD, "203.0.113.7", now=now, max_address=3, allow_demo=True)
    assert r.retry_after is not None and r.user is None
    assert (
        users.authenticate(
            db, "admin", DEMO_PASSWORD, "203.0.113.8", now=now, max_address=3, allow_demo=True
        ).user
        is not None
    )


def test_a_write_without_an_audit_event_is_refused_and_rolled_back(db: Database) -> None:
    uid = _id(db, "member")
    with pytest.raises(UnauditedWriteError), db.write() as s:
        s.get(User, uid).display_name = "无审计修改"
    assert users.get_user(db, uid).display_name != "无审计修改"


def test_own_password_change_checks_the_current_one(db: Database) -> None:
    uid = _id(db, "leader")
    me = Actor(uid, "leader", Role.LEADERSHIP)
    with pytest.raises(ValidationError) as exc:
        users.change_own_password(db, me, "wrong", "another password")
    assert exc.value.field == "current_password"
    users.change_own_password(db, me, DEMO_PASSWORD, "another password")
    assert users.authenticate(db, "leader", "another password", "9.9.9.9", allow_demo=True).user is not None
    assert users.set_language(db, me, "en").language == "en"
    with pytest.raises(ValidationError):
        users.set_language(db, me, "fr")
