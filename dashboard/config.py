"""Configuration read from the environment and validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from data_access.db import backend_name, mask_url

ROOT = Path(__file__).resolve().parent.parent

# Used only when HAZEOPS_DEMO is set; production start-up refuses it (see Config.from_env).
DEMO_SECRET_KEY = "hazeops-demo-secret-key-not-for-production-use-0001"  # noqa: S105
MIN_SECRET_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and says how to fix it."""


def _env_bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"配置错误：{name}={raw!r} 不是布尔值，请使用 1/0、true/false、yes/no。")


def _env_number(
    env: Mapping[str, str], name: str, default: float, *, minimum: float, maximum: float
) -> float:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"配置错误：{name}={raw!r} 不是数字。") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"配置错误：{name}={raw} 超出范围，应在 {minimum:g} 到 {maximum:g} 之间。")
    return value


def _env_secret(env: Mapping[str, str], name: str) -> str | None:
    """Read NAME, or the file named by NAME_FILE (Docker/systemd secrets); both set is an error."""
    direct, path = env.get(name, "").strip(), env.get(f"{name}_FILE", "").strip()
    if direct and path:
        raise ConfigError(f"配置错误：{name} 与 {name}_FILE 只能设置一个。")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"配置错误：无法读取 {name}_FILE={path}：{exc.strerror}。") from None
    return direct or None


@dataclass(frozen=True)
class Config:
    """Every setting the app reads; build with Config.from_env() or directly in tests."""

    database_url: str
    secret_key: str
    port: int = 8050
    url_prefix: str = ""
    demo: bool = False
    session_hours: float = 12.0
    login_max_failures_user: int = 5
    login_max_failures_address: int = 30
    login_window_minutes: int = 15
    proxy_count: int = 0
    instance_path: Path = field(default_factory=lambda: ROOT / "instance")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read and validate the environment; raise ConfigError with a clear message."""
        env = os.environ if env is None else env
        demo = _env_bool(env, "HAZEOPS_DEMO")
        instance = Path(env.get("HAZEOPS_INSTANCE", "") or ROOT / "instance")

        database_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{instance / 'hazeops.db'}"
        try:
            backend = backend_name(database_url)
        except Exception:
            raise ConfigError(
                f"配置错误：DATABASE_URL 无法解析：{mask_url(database_url)}。"
                "示例：sqlite:///instance/hazeops.db 或 postgresql+psycopg://user:pass@host/db"
            ) from None
        if backend not in {"sqlite", "postgresql"}:
            raise ConfigError(f"配置错误：DATABASE_URL 只支持 SQLite 和 PostgreSQL，收到 {backend}。")

        secret = _env_secret(env, "SECRET_KEY")
        if secret is None:
            if not demo:
                raise ConfigError(
                    "配置错误：未设置 SECRET_KEY（或 SECRET_KEY_FILE）。"
                    "生产环境必须提供至少 32 个字符的随机密钥，"
                    "例如：python -c 'import secrets; print(secrets.token_urlsafe(48))'。"
                    "仅演示模式（HAZEOPS_DEMO=1，make run 会设置）可使用内置密钥。"
                )
            secret = DEMO_SECRET_KEY
        elif secret == DEMO_SECRET_KEY and not demo:
            raise ConfigError("配置错误：SECRET_KEY 是内置的演示密钥，生产环境不得使用，请生成新的随机密钥。")
        elif len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"配置错误：SECRET_KEY 太短（{len(secret)} 个字符），至少需要 {MIN_SECRET_LENGTH} 个。"
            )

        prefix = env.get("URL_PREFIX", "").strip()
        if prefix in {"", "/"}:
            prefix = ""
        elif not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+/?", prefix):
            raise ConfigError(
                f"配置错误：URL_PREFIX={prefix!r} 应形如 /hazeops（以 / 开头，只含字母、数字和 ._~-）。"
            )
        prefix = prefix.rstrip("/")

        return cls(
            database_url=database_url,
            secret_key=secret,
            port=int(_env_number(env, "PORT", 8050, minimum=1, maximum=65535)),
            url_prefix=prefix,
            demo=demo,
            session_hours=_env_number(env, "SESSION_HOURS", 12.0, minimum=0.0001, maximum=24 * 30),
            login_max_failures_user=int(
                _env_number(env, "LOGIN_MAX_FAILURES_USER", 5, minimum=1, maximum=1000)
            ),
            login_max_failures_address=int(
                _env_number(env, "LOGIN_MAX_FAILURES_ADDRESS", 30, minimum=1, maximum=100000)
            ),
            login_window_minutes=int(_env_number(env, "LOGIN_WINDOW_MINUTES", 15, minimum=1, maximum=1440)),
            proxy_count=int(_env_number(env, "PROXY_COUNT", 0, minimum=0, maximum=5)),
            instance_path=instance,
        )
