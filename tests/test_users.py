"""Users, roles, passwords, tokens, throttling: each write audited in its own transaction."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from dashboard.errors import ConflictError, NotFoundError, ValidationError
from dashboard.roles import Role
from data_access import users
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.models import ApiToken, AuditEvent, LoginFailure, UnauditedWriteError, User
from data_access.seed import DEMO_PASSWORD

ADMIN = Actor(id=None, name="tester", role=Role.ADMIN)
DEMO = users.LoginPolicy(allow_demo=True)


def sign_in(
    db: Database, username: str, password: str = DEMO_PASSWORD, address: str = "10.9.9.9"
) -> str | None:
    """Log in through data_access; return the session secret or None."""
    return users.authenticate(db, username, password, address, DEMO).session_token


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
    session = sign_in(db, "duty")
    assert session and users.load_session_user(db, session, allow_demo=True) is not None
    assert users.authenticate_token(db, secret, allow_demo=True) is not None
    users.set_active(db, ADMIN, uid, False, before.version, "离职")
    assert users.load_session_user(db, session, allow_demo=True) is None
    assert users.authenticate_token(db, secret, allow_demo=True) is None
    assert sign_in(db, "duty") is None
    users.set_active(db, ADMIN, uid, True, users.get_user(db, uid).version, "返岗")
    assert users.load_session_user(db, session, allow_demo=True) is None  # old sessions stay ended


def test_password_reset_ends_open_sessions(db: Database) -> None:
    uid = _id(db, "lead")
    session = sign_in(db, "lead")
    users.reset_password(db, ADMIN, uid, "a new password", users.get_user(db, uid).version, None)
    assert users.load_session_user(db, session or "", allow_demo=True) is None
    assert sign_in(db, "lead", "a new password") is not None
    assert sign_in(db, "lead", DEMO_PASSWORD) is None


def test_logout_revokes_the_session_on_the_server(db: Database) -> None:
    first, second = sign_in(db, "member"), sign_in(db, "member")
    assert first and second and first != second
    users.end_session(db, Actor(_id(db, "member"), "member"), first)
    assert users.load_session_user(db, first, allow_demo=True) is None
    assert users.load_session_user(db, second, allow_demo=True) is not None  # another device stays logged in


def test_sessions_expire_after_session_hours(db: Database) -> None:
    start = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    token = users.authenticate(
        db, "duty", DEMO_PASSWORD, "1.1.1.1", users.LoginPolicy(allow_demo=True, session_hours=2), now=start
    ).session_token
    assert token
    assert users.load_session_user(db, token, allow_demo=True, now=start + timedelta(hours=1, minutes=59))
    assert users.load_session_user(db, token, allow_demo=True, now=start + timedelta(hours=2)) is None


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
    session = sign_in(db, "admin")
    assert session is not None
    assert users.authenticate(db, "admin", DEMO_PASSWORD, "1.1.1.2", users.LoginPolicy()).user is None
    assert users.load_session_user(db, session, allow_demo=False) is None


def test_failures_are_throttled_per_user_and_unknown_users_alike(db: Database) -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    policy = users.LoginPolicy(window=timedelta(minutes=15), max_user=5, allow_demo=True)
    for name in ("duty", "nobody-here"):
        for i in range(5):
            r = users.authenticate(db, name, "wrong", f"10.0.0.{i}", policy, now=now + timedelta(seconds=i))
            assert r.user is None and r.retry_after is None
        r = users.authenticate(db, name, DEMO_PASSWORD, "10.0.1.1", policy, now=now + timedelta(seconds=10))
        assert (
            r.user is None and r.retry_after == 15 * 60 - 10 + 1
        )  # until the oldest failure leaves the window
    later = users.authenticate(
        db, "duty", DEMO_PASSWORD, "10.0.1.1", policy, now=now + timedelta(minutes=15, seconds=5)
    )
    assert later.user is not None
    with db.read() as s:  # a success clears that user's failures
        assert s.scalar(select(func.count()).where(LoginFailure.username_key == "duty")) == 0


def test_failures_are_throttled_per_address(db: Database) -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    policy = users.LoginPolicy(max_address=3, allow_demo=True)
    for i in range(3):
        users.authenticate(db, f"guess{i}", "x", "203.0.113.7", policy, now=now)
    r = users.authenticate(db, "admin", DEMO_PASSWORD, "203.0.113.7", policy, now=now)
    assert r.retry_after is not None and r.user is None
    assert users.authenticate(db, "admin", DEMO_PASSWORD, "203.0.113.8", policy, now=now).user is not None


def test_parallel_guesses_cannot_outrun_the_limit(db: Database) -> None:
    """Forty guesses at once against a limit of five: at most five passwords are ever checked."""
    from concurrent.futures import ThreadPoolExecutor

    policy = users.LoginPolicy(max_user=5, max_address=1000, allow_demo=True)
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda i: users.authenticate(db, "lead", "wrong", f"10.1.0.{i}", policy), range(40))
        )
    checked = [r for r in results if r.retry_after is None]
    assert 1 <= len(checked) <= 5 and sum(r.retry_after is not None for r in results) >= 35


def test_a_write_without_an_audit_event_is_refused_and_rolled_back(db: Database) -> None:
    uid = _id(db, "member")
    with pytest.raises(UnauditedWriteError), db.write() as s:
        s.get(User, uid).display_name = "无审计修改"
    assert users.get_user(db, uid).display_name != "无审计修改"


def test_bulk_statements_need_an_audit_event_too(db: Database) -> None:
    with pytest.raises(UnauditedWriteError), db.write() as s:
        s.execute(update(User).values(role="admin"))
    assert users.get_user(db, _id(db, "member")).role is Role.TEAM_MEMBER


def test_an_audit_event_in_a_rolled_back_savepoint_does_not_count(db: Database) -> None:
    with pytest.raises(UnauditedWriteError), db.write() as s:
        try:
            with s.begin_nested():
                record(s, ADMIN, "x", "user", 1)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        s.get(User, _id(db, "member")).display_name = "偷偷修改"
    assert users.get_user(db, _id(db, "member")).display_name != "偷偷修改"


def test_the_audit_log_is_append_only(db: Database) -> None:
    users.change_role(
        db, ADMIN, _id(db, "member"), "team_lead", users.get_user(db, _id(db, "member")).version, "x"
    )
    with pytest.raises(UnauditedWriteError), db.write() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.role")).one()
        event.reason = "rewritten"
        record(s, ADMIN, "cover", "user", 1)
    with pytest.raises(UnauditedWriteError), db.write() as s:
        s.delete(s.scalars(select(AuditEvent).where(AuditEvent.action == "user.role")).one())
        record(s, ADMIN, "cover", "user", 1)


def test_read_sessions_never_write(db: Database) -> None:
    from data_access.models import ReadOnlySessionError

    with pytest.raises(ReadOnlySessionError), db.read() as s:
        s.get(User, _id(db, "member")).display_name = "x"
        s.flush()
    with pytest.raises(ReadOnlySessionError), db.read() as s:
        s.execute(update(User).values(display_name="x"))


def test_concurrent_saves_of_the_same_version_give_one_conflict(db: Database) -> None:
    uid = _id(db, "member")
    version = users.get_user(db, uid).version
    from concurrent.futures import ThreadPoolExecutor

    def save(role: str) -> str:
        try:
            users.change_role(db, ADMIN, uid, role, version, None)
            return "saved"
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(save, ["team_lead", "duty_officer"]))
    assert outcomes == ["conflict", "saved"]


def test_two_admins_removing_each_other_at_once_leave_one(db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    second = users.create_user(
        db, ADMIN, username="admin2", display_name="二", role="admin", password="12345678"
    )
    first = users.get_user(db, _id(db, "admin"))

    def remove(u: users.UserView) -> str:
        try:
            users.set_active(db, ADMIN, u.id, False, u.version, None)
            return "removed"
        except ValidationError:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(remove, [first, second]))
    assert outcomes == ["refused", "removed"]
    assert sum(users.get_user(db, u.id).is_active for u in (first, second)) == 1


def test_own_password_change_checks_the_current_one(db: Database) -> None:
    uid = _id(db, "leader")
    me = Actor(uid, "leader", Role.LEADERSHIP)
    with pytest.raises(ValidationError) as exc:
        users.change_own_password(db, me, "wrong", "another password")
    assert exc.value.field == "current_password"
    keep, other = sign_in(db, "leader"), sign_in(db, "leader")
    users.change_own_password(db, me, DEMO_PASSWORD, "another password", keep_session=keep)
    assert users.load_session_user(db, keep or "", allow_demo=True) is not None  # this device stays in
    assert users.load_session_user(db, other or "", allow_demo=True) is None
    assert sign_in(db, "leader", "another password") is not None
    assert users.set_language(db, me, "en").language == "en"
    with pytest.raises(ValidationError):
        users.set_language(db, me, "fr")


def test_reactivation_does_not_revive_tokens(db: Database) -> None:
    uid = _id(db, "duty")
    _, secret = users.issue_token(db, ADMIN, uid, "sync")
    users.set_active(db, ADMIN, uid, False, users.get_user(db, uid).version, "离职")
    users.set_active(db, ADMIN, uid, True, users.get_user(db, uid).version, "返岗")
    assert users.authenticate_token(db, secret, allow_demo=True) is None
    assert all(tok.revoked_at is not None for tok in users.list_tokens(db, uid))
    [event] = _audit(db, "user.deactivate")
    assert event.after["tokens_revoked"] == 1


def test_a_password_of_spaces_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="password_short"):
        users.create_user(
            db, ADMIN, username="blank", display_name="空", role="team_member", password=" " * 12
        )


def test_an_admin_cannot_reset_their_own_password_on_the_admin_page(db: Database) -> None:
    uid = _id(db, "admin")
    me = Actor(uid, "admin", Role.ADMIN)
    with pytest.raises(ValidationError) as exc:
        users.reset_password(db, me, uid, "a new password", users.get_user(db, uid).version, None)
    assert exc.value.key == "error.reset_own_password" and exc.value.field == "new_password"
