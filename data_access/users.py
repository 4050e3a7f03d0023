"""Users, passwords, API tokens and login throttling: every write audited in its own transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.errors import ConflictError, NotFoundError, ValidationError
from dashboard.roles import Role
from dashboard.timeutil import utcnow
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.models import ApiToken, LoginFailure, User

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")
MIN_PASSWORD = 8
LANGUAGES = ("zh", "en")
TOKEN_PREFIX = "hzo_"  # noqa: S105 - a marker, not a secret
# last_used_at is written at most this often per token: a busy API client must not turn reads into writes.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@cache
def _dummy_hash() -> str:
    """A hash verified against when the username is unknown: a miss costs as much as a wrong password."""
    return generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


@dataclass(frozen=True)
class UserView:
    """A user as the admin page and the session see it (no password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    language: str
    is_active: bool
    is_demo: bool
    auth_epoch: int
    created_at: datetime
    last_login_at: datetime | None
    version: int

    @classmethod
    def of(cls, u: User) -> UserView:
        """Copy the public fields of a User row."""
        return cls(
            u.id,
            u.username,
            u.display_name,
            u.role,
            u.language,
            u.is_active,
            u.is_demo,
            u.auth_epoch,
            u.created_at,
            u.last_login_at,
            u.version,
        )


@dataclass(frozen=True)
class TokenView:
    """An API token as listed; the secret itself is never stored."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _user_snapshot(u: User) -> dict[str, object]:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.value,
        "language": u.language,
        "is_active": u.is_active,
    }


def normalize_username(raw: str) -> str:
    """Return the canonical form of a username (NFKC, trimmed, lower case)."""
    return unicodedata.normalize("NFKC", raw or "").strip().lower()


def _check_username(raw: str) -> str:
    name = normalize_username(raw)
    if not USERNAME_RE.fullmatch(name):
        raise ValidationError("error.username_format", field="username")
    return name


def _check_password(password: str, field: str = "password") -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError("error.password_short", field=field, min=MIN_PASSWORD)
    if len(password) > 256:
        raise ValidationError("error.password_long", field=field)
    return password


def _check_role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError("error.role_unknown", field="role", role=str(role)) from None


def _load(s: Session, user_id: int, version: int | None = None) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFoundError("error.user_not_found", id=user_id)
    if version is not None and user.version != version:
        raise ConflictError("error.stale_user", username=user.username)
    return user


def _ensure_other_admin(s: Session, user: User) -> None:
    """Refuse to remove the last active admin: nobody could manage users afterwards."""
    if user.role is Role.ADMIN and user.is_active:
        others = s.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
        )
        if not others:
            raise ValidationError("error.last_admin")


# Queries


def list_users(db: Database) -> list[UserView]:
    """Return every user, active first, then by username."""
    with db.read() as s:
        rows = s.scalars(select(User).order_by(User.is_active.desc(), User.username))
        return [UserView.of(u) for u in rows]


def get_user(db: Database, user_id: int) -> UserView:
    """Return one user or raise NotFoundError."""
    with db.read() as s:
        return UserView.of(_load(s, user_id))


def count_users(db: Database) -> int:
    """Return how many users exist (0 on a fresh database)."""
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def list_tokens(db: Database, user_id: int) -> list[TokenView]:
    """Return a user's tokens, newest first, revoked ones included."""
    with db.read() as s:
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc()))
        return [
            TokenView(t.id, t.user_id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at)
            for t in rows
        ]


# Admin writes


def create_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str | Role,
    password: str,
    language: str = "zh",
    is_demo: bool = False,
    reason: str | None = None,
) -> UserView:
    """Create a user; raise ConflictError when the username is taken (also on a double submit)."""
    name = _check_username(username)
    shown = unicodedata.normalize("NFKC", display_name or "").strip()
    if not shown or len(shown) > 64:
        raise ValidationError("error.display_name", field="display_name")
    role = _check_role(role)
    _check_password(password)
    if language not in LANGUAGES:
        raise ValidationError("error.language_unknown", field="language")
    with db.write() as s:
        if s.scalar(select(User.id).where(User.username == name)) is not None:
            raise ConflictError("error.username_taken", field="username", username=name)
        now = utcnow()
        user = User(
            username=name,
            display_name=shown,
            role=role,
            password_hash=generate_password_hash(password),
            language=language,
            is_demo=is_demo,
            created_at=now,
            updated_at=now,
        )
        s.add(user)
        s.flush()
        record(s, actor, "user.create", "user", user.id, after=_user_snapshot(user), reason=reason)
        return UserView.of(user)


def change_role(
    db: Database, actor: Actor, user_id: int, role: str | Role, version: int, reason: str | None
) -> UserView:
    """Give a user another role; ends nothing (the next request already sees it)."""
    new_role = _check_role(role)
    with db.write() as s:
        user = _load(s, user_id, version)
        if user.role is new_role:
            return UserView.of(user)
        if new_role is not Role.ADMIN:
            _ensure_other_admin(s, user)
        before = _user_snapshot(user)
        user.role, user.updated_at = new_role, utcnow()
        record(
            s, actor, "user.role", "user", user.id, before=before, after=_user_snapshot(user), reason=reason
        )
        s.flush()
        return UserView.of(user)


def set_active(
    db: Database, actor: Actor, user_id: int, active: bool, version: int, reason: str | None
) -> UserView:
    """Deactivate (ending every session and token at once) or reactivate a user."""
    with db.write() as s:
        user = _load(s, user_id, version)
        if user.is_active == active:
            return UserView.of(user)
        if not active:
            _ensure_other_admin(s, user)
        before = _user_snapshot(user)
        user.is_active, user.updated_at = active, utcnow()
        user.auth_epoch += 1
        action = "user.activate" if active else "user.deactivate"
        record(s, actor, action, "user", user.id, before=before, after=_user_snapshot(user), reason=reason)
        s.flush()
        return UserView.of(user)


def reset_password(
    db: Database, actor: Actor, user_id: int, new_password: str, version: int, reason: str | None
) -> UserView:
    """Set a new password for a user and end that user's open sessions."""
    _check_password(new_password)
    with db.write() as s:
        user = _load(s, user_id, version)
        user.password_hash = generate_password_hash(new_password)
        user.auth_epoch += 1
        user.updated_at = utcnow()
        record(s, actor, "user.reset_password", "user", user.id, reason=reason)
        s.flush()
        return UserView.of(user)


def issue_token(db: Database, actor: Actor, user_id: int, name: str) -> tuple[TokenView, str]:
    """Create an API token for a user; return it with the secret, which is never shown again."""
    label = unicodedata.normalize("NFKC", name or "").strip()
    if not label or len(label) > 64:
        raise ValidationError("error.token_name", field="token_name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as s:
        user = _load(s, user_id)
        if not user.is_active:
            raise ValidationError("error.user_inactive", username=user.username)
        # One live token per name: also makes a double-clicked "issue" create one token, not two.
        clash = select(ApiToken.id).where(
            ApiToken.user_id == user.id, ApiToken.name == label, ApiToken.revoked_at.is_(None)
        )
        if s.scalar(clash) is not None:
            raise ConflictError("error.token_name_taken", field="token_name", name=label)
        tok = ApiToken(
            user_id=user.id,
            name=label,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_hash=hashlib.sha256(secret.encode()).hexdigest(),
            created_at=utcnow(),
            created_by_id=actor.id,
        )
        s.add(tok)
        s.flush()
        record(
            s,
            actor,
            "token.create",
            "api_token",
            tok.id,
            after={"user": user.username, "name": label, "prefix": tok.prefix},
        )
        return TokenView(tok.id, tok.user_id, tok.name, tok.prefix, tok.created_at, None, None), secret


def revoke_token(db: Database, actor: Actor, token_id: int, reason: str | None = None) -> TokenView:
    """Revoke a token at once; revoking twice changes nothing."""
    with db.write() as s:
        tok = s.get(ApiToken, token_id)
        if tok is None:
            raise NotFoundError("error.token_not_found", id=token_id)
        if tok.revoked_at is None:
            tok.revoked_at = utcnow()
            record(
                s,
                actor,
                "token.revoke",
                "api_token",
                tok.id,
                before={"revoked": False},
                after={"revoked": True, "name": tok.name},
                reason=reason,
            )
        s.flush()
        return TokenView(
            tok.id, tok.user_id, tok.name, tok.prefix, tok.created_at, tok.last_used_at, tok.revoked_at
        )


# Self-service writes (every role)


def change_own_password(db: Database, actor: Actor, current: str, new: str) -> UserView:
    """Change the actor's own password after checking the current one; ends other sessions."""
    _check_password(new, field="new_password")
    with db.write() as s:
        user = _load(s, actor.id or 0)
        if not check_password_hash(user.password_hash, current or ""):
            raise ValidationError("error.current_password", field="current_password")
        user.password_hash = generate_password_hash(new)
        user.auth_epoch += 1
        user.updated_at = utcnow()
        record(s, actor, "user.change_password", "user", user.id)
        s.flush()
        return UserView.of(user)


def set_language(db: Database, actor: Actor, language: str) -> UserView:
    """Store the actor's UI language (zh or en)."""
    if language not in LANGUAGES:
        raise ValidationError("error.language_unknown", field="language")
    with db.write() as s:
        user = _load(s, actor.id or 0)
        if user.language != language:
            record(
                s,
                actor,
                "user.language",
                "user",
                user.id,
                before={"language": user.language},
                after={"language": language},
            )
            user.language = language
            s.flush()
        return UserView.of(user)


# Authentication


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: user on success, retry_after (seconds) when throttled."""

    user: UserView | None = None
    retry_after: int | None = None


def _throttle_wait(
    s: Session, key: str, address: str, now: datetime, window: timedelta, max_user: int, max_address: int
) -> int | None:
    since = now - window
    for column, value, limit in (
        (LoginFailure.username_key, key, max_user),
        (LoginFailure.address, address, max_address),
    ):
        count, oldest = s.execute(
            select(func.count(), func.min(LoginFailure.at)).where(column == value, LoginFailure.at >= since)
        ).one()
        if count >= limit:
            return max(1, int((oldest + window - now).total_seconds()) + 1)
    return None


def authenticate(
    db: Database,
    username: str,
    password: str,
    address: str,
    *,
    now: datetime | None = None,
    window: timedelta = timedelta(minutes=15),
    max_user: int = 5,
    max_address: int = 30,
    allow_demo: bool = False,
) -> LoginResult:
    """Check a login; failures are counted per username and address, past the limit 429 comes at once.

    Unknown, inactive and demo-outside-demo-mode users fail exactly like a wrong password.
    """
    now = now or utcnow()
    key = normalize_username(username)[:64]
    address = (address or "unknown")[:64]
    with db.write() as s:
        wait = _throttle_wait(s, key, address, now, window, max_user, max_address)
        if wait is not None:
            return LoginResult(retry_after=wait)
        user = s.scalar(select(User).where(User.username == key)) if key else None
        ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
        if user is None or not ok or not user.is_active or (user.is_demo and not allow_demo):
            s.add(LoginFailure(username_key=key, address=address, at=now))
            # Old rows can never count again; pruning here keeps the table small without a cron job.
            s.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
            return LoginResult()
        s.execute(delete(LoginFailure).where(LoginFailure.username_key == key))
        user.last_login_at = now
        record(s, Actor(user.id, user.username, user.role, address), "auth.login", "user", user.id)
        s.flush()
        return LoginResult(user=UserView.of(user))


def record_logout(db: Database, actor: Actor) -> None:
    """Write the logout to the audit log."""
    with db.write() as s:
        record(s, actor, "auth.logout", "user", actor.id)


def load_session_user(db: Database, user_id: int, epoch: int, *, allow_demo: bool) -> UserView | None:
    """Return the user behind a session cookie, or None once deactivated or its epoch has moved on."""
    with db.read() as s:
        user = s.get(User, user_id)
        if (
            user is None
            or not user.is_active
            or user.auth_epoch != epoch
            or (user.is_demo and not allow_demo)
        ):
            return None
        return UserView.of(user)


def authenticate_token(
    db: Database, secret: str, *, allow_demo: bool, now: datetime | None = None
) -> UserView | None:
    """Return the active user behind a bearer token, or None; records its last use (at most once a minute)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with db.read() as s:
        row = s.execute(
            select(ApiToken.id, ApiToken.last_used_at, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        ).one_or_none()
    if row is None:
        return None
    token_id, last_used, user = row
    if not user.is_active or (user.is_demo and not allow_demo):
        return None
    if last_used is None or now - last_used >= TOKEN_TOUCH_INTERVAL:
        # Bookkeeping, not a change of business data: a Core UPDATE, outside the audit rule on ORM flushes.
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return UserView.of(user)
