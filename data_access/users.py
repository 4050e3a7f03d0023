"""Users, passwords, sessions, API tokens and login throttling; every write audited in its own transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.errors import ConflictError, NotFoundError, ValidationError
from dashboard.i18n import LANGUAGES
from dashboard.roles import Role
from dashboard.timeutil import utcnow
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.models import ApiToken, LoginFailure, User, UserSession

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")
MIN_PASSWORD = 8
TOKEN_PREFIX = "hzo_"  # noqa: S105 - a marker, not a secret
# last_used_at is written at most this often per token: a busy API client must not turn reads into writes.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@cache
def _dummy_hash() -> str:
    """A hash verified against when the username is unknown: a miss costs as much as a wrong password."""
    return generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


def warm_up() -> None:
    """Compute the stand-in hash now (app start), not inside the first login with an unknown name."""
    _dummy_hash()


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
    if len(password or "") < MIN_PASSWORD or not (password or "").strip():
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
        # FOR UPDATE: two admins removing each other at once must queue (PostgreSQL runs READ COMMITTED;
        # SQLite's BEGIN IMMEDIATE already serialises writers and ignores the clause).
        admins = s.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True)).with_for_update()
        ).all()
        if not set(admins) - {user.id}:
            raise ValidationError("error.last_admin")


def _revoke_sessions(s: Session, user_id: int, now: datetime, keep: str | None = None) -> None:
    """End a user's open sessions (all, or all but the one whose secret is `keep`)."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != _digest(keep))
    s.execute(stmt.values(revoked_at=now))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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


def find_user_id(db: Database, username: str) -> int:
    """Return the id of a user by username (any spelling that normalises to it); raise NotFoundError."""
    with db.read() as s:
        uid = s.scalar(select(User.id).where(User.username == normalize_username(username)))
    if uid is None:
        raise NotFoundError("error.user_not_found", id=username)
    return uid


def user_detail(db: Database, user_id: int) -> tuple[UserView, list[TokenView]]:
    """Return one user and their tokens (newest first) for the admin's selection panel."""
    return get_user(db, user_id), list_tokens(db, user_id)


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
    password_hash: str | None = None,
) -> UserView:
    """Create a user; raise ConflictError when the username is taken (also on a double submit).

    `password_hash` lets the seed reuse one hash of the shared demo password (hashing is slow on purpose).
    """
    name = _check_username(username)
    shown = unicodedata.normalize("NFKC", display_name or "").strip()
    if not shown or len(shown) > 64:
        raise ValidationError("error.display_name", field="display_name")
    role = _check_role(role)
    _check_password(password)
    if language not in LANGUAGES:
        raise ValidationError("error.language_unknown", field="language")
    hashed = password_hash or generate_password_hash(
        password
    )  # before the transaction: no lock held meanwhile
    with db.write() as s:
        if s.scalar(select(User.id).where(User.username == name)) is not None:
            raise ConflictError("error.username_taken", field="username", username=name)
        now = utcnow()
        user = User(
            username=name,
            display_name=shown,
            role=role,
            password_hash=hashed,
            language=language,
            is_demo=is_demo,
            created_at=now,
            updated_at=now,
        )
        s.add(user)
        try:
            s.flush()
        except IntegrityError:  # the same name created concurrently (PostgreSQL): still a clear conflict
            raise ConflictError("error.username_taken", field="username", username=name) from None
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
        now = utcnow()
        user.is_active, user.updated_at = active, now
        revoked = 0
        if not active:
            # Sessions and tokens end for good: reactivating the account later must not revive them.
            _revoke_sessions(s, user.id, now)
            revoked = s.execute(
                update(ApiToken)
                .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount
        action = "user.activate" if active else "user.deactivate"
        record(
            s,
            actor,
            action,
            "user",
            user.id,
            before=before,
            after={**_user_snapshot(user), **({"tokens_revoked": revoked} if revoked else {})},
            reason=reason,
        )
        s.flush()
        return UserView.of(user)


def reset_password(
    db: Database, actor: Actor, user_id: int, new_password: str, version: int, reason: str | None
) -> UserView:
    """Set a new password and end the user's open sessions (API tokens stay; revoke them apart)."""
    if (
        actor.id == user_id
    ):  # here it would end the admin's own session; 账户设置 keeps it and asks the old one
        raise ValidationError("error.reset_own_password", field="new_password")
    _check_password(new_password, field="new_password")
    hashed = generate_password_hash(new_password)
    with db.write() as s:
        user = _load(s, user_id, version)
        now = utcnow()
        user.password_hash, user.updated_at = hashed, now
        _revoke_sessions(s, user.id, now)
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
        # One live token per name (a partial unique index backs this up under concurrency).
        clash = select(ApiToken.id).where(
            ApiToken.user_id == user.id, ApiToken.name == label, ApiToken.revoked_at.is_(None)
        )
        if s.scalar(clash) is not None:
            raise ConflictError("error.token_name_taken", field="token_name", name=label)
        tok = ApiToken(
            user_id=user.id,
            name=label,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_hash=_digest(secret),
            created_at=utcnow(),
            created_by_id=actor.id,
        )
        s.add(tok)
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError("error.token_name_taken", field="token_name", name=label) from None
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


# Logins, sessions and throttling


@dataclass(frozen=True)
class LoginPolicy:
    """How logins are throttled and how long a session lasts (built from Config by the web layer)."""

    window: timedelta = timedelta(minutes=15)
    max_user: int = 5
    max_address: int = 30
    session_hours: float = 12.0
    allow_demo: bool = False


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login: user and session secret on success, retry_after (seconds) when throttled."""

    user: UserView | None = None
    session_token: str | None = None
    retry_after: int | None = None


def _claim_attempt(db: Database, key: str, address: str, now: datetime, policy: LoginPolicy) -> int | None:
    """Record an attempt, then count: return seconds to wait when over the limit, else None.

    The claim commits before the count, so the limit holds under concurrency on every engine (PostgreSQL
    runs READ COMMITTED): whoever counts n-th sees the n-1 claims committed before. A refused attempt
    removes its own row, so waiting out the window works; an allowed attempt's row stays as its failure
    until a success clears it.
    """
    since = now - policy.window
    with db.write() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.at < since))  # rows that can never count again
        attempt = LoginFailure(username_key=key, address=address, at=now)
        s.add(attempt)
        s.flush()
        attempt_id = attempt.id
    with db.read() as s:
        for column, value, limit in (
            (LoginFailure.username_key, key, policy.max_user),
            (LoginFailure.address, address, policy.max_address),
        ):
            count, oldest = s.execute(
                select(func.count(), func.min(LoginFailure.at)).where(
                    column == value, LoginFailure.at >= since
                )
            ).one()
            if count > limit:
                break
        else:
            return None
    with db.write() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
    return max(1, int((oldest + policy.window - now).total_seconds()) + 1)


def authenticate(
    db: Database,
    username: str,
    password: str,
    address: str,
    policy: LoginPolicy = LoginPolicy(),
    *,
    now: datetime | None = None,
    user_agent: str | None = None,
) -> LoginResult:
    """Check a login; past the limit the answer is 429 at once, without checking the password.

    Unknown, inactive and (outside demo mode) demo users fail exactly like a wrong password, and cost
    the same hash check. The password is checked outside any transaction, so no lock is held meanwhile.
    """
    now = now or utcnow()
    key = normalize_username(username)[:64]
    address = (address or "unknown")[:64]
    wait = _claim_attempt(db, key, address, now, policy)
    if wait is not None:
        return LoginResult(retry_after=wait)
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == key)) if key else None
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not ok or not user.is_active or (user.is_demo and not policy.allow_demo):
        return LoginResult()
    secret = secrets.token_urlsafe(32)
    with db.write() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.username_key == key))
        # A statement, not an attribute change: logging in must not bump the row's version (an admin's open
        # edit of this user would otherwise turn into a conflict).
        s.execute(update(User).where(User.id == user.id).values(last_login_at=now))
        row = _load(s, user.id)
        s.add(
            UserSession(
                user_id=row.id,
                token_hash=_digest(secret),
                created_at=now,
                expires_at=now + timedelta(hours=policy.session_hours),
                address=address,
                user_agent=(user_agent or "")[:200] or None,
            )
        )
        record(s, Actor(row.id, row.username, row.role, address), "auth.login", "user", row.id)
        s.flush()
        return LoginResult(user=UserView.of(row), session_token=secret)


def load_session_user(
    db: Database, token: str, *, allow_demo: bool, now: datetime | None = None
) -> UserView | None:
    """Return the user of a session secret; None once expired, revoked, or the user deactivated."""
    now = now or utcnow()
    with db.read() as s:
        user = s.scalar(
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(
                UserSession.token_hash == _digest(token),
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
                User.is_active.is_(True),
            )
        )
        if user is None or (user.is_demo and not allow_demo):
            return None
        return UserView.of(user)


def end_session(db: Database, actor: Actor, token: str) -> None:
    """Log out: revoke this session on the server (a copied cookie stops working too) and audit it."""
    with db.write() as s:
        s.execute(
            update(UserSession)
            .where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        record(s, actor, "auth.logout", "user", actor.id)


def authenticate_token(
    db: Database, secret: str, *, allow_demo: bool, now: datetime | None = None
) -> UserView | None:
    """Return the active user behind a bearer token, or None; records its last use (at most once a minute)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    with db.read() as s:
        row = s.execute(
            select(ApiToken.id, ApiToken.last_used_at, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(secret), ApiToken.revoked_at.is_(None))
        ).one_or_none()
    if row is None:
        return None
    token_id, last_used, user = row
    if not user.is_active or (user.is_demo and not allow_demo):
        return None
    if last_used is None or now - last_used >= TOKEN_TOUCH_INTERVAL:
        # Bookkeeping, not a change of business data: a Core UPDATE on the engine, outside the audit rule.
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return UserView.of(user)


# Self-service writes (every role)


def change_own_password(
    db: Database,
    actor: Actor,
    current: str,
    new: str,
    *,
    keep_session: str | None = None,
    policy: LoginPolicy = LoginPolicy(),
    now: datetime | None = None,
) -> UserView:
    """Change the actor's own password after checking the current one; other sessions end.

    Wrong current passwords count as failed logins, so a hijacked session cannot guess at hashing speed.
    """
    _check_password(new, field="new_password")
    now = now or utcnow()
    user = get_user(db, actor.id or 0)
    wait = _claim_attempt(db, user.username, (actor.address or "unknown")[:64], now, policy)
    if wait is not None:
        raise ValidationError(
            "error.too_many_attempts", field="current_password", minutes=max(1, -(-wait // 60))
        )
    with db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.id == user.id)) or ""
    if not check_password_hash(stored, current or ""):
        raise ValidationError("error.current_password", field="current_password")
    hashed = generate_password_hash(new)
    with db.write() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.username_key == user.username))
        row = _load(s, user.id)
        row.password_hash, row.updated_at = hashed, now
        _revoke_sessions(s, row.id, now, keep=keep_session)
        record(s, actor, "user.change_password", "user", row.id)
        s.flush()
        return UserView.of(row)


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
