"""Configuration read from the environment and validated once at start-up."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from dashboard.tiles import BaseMap

ROOT = Path(__file__).resolve().parent.parent

MIN_SECRET_LENGTH = 32
DEMO_SECRET_FILE = "secret_key"  # noqa: S105 - a file name; under the instance folder; made on the first demo start


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and says how to fix it."""


def mask_url(url: str) -> str:
    """Return a database URL with its password (in the user part or a ?password= parameter) as ***."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")  # the last @: an unencoded @ inside a password stays masked
    if at and ":" in userinfo:
        netloc = userinfo.split(":", 1)[0] + ":***@" + host
    tail = re.sub(r"(?i)(password=)[^&]*", r"\1***", tail)
    return f"{scheme}://{netloc}{slash}{tail}"


def scrub(message: str, url: str) -> str:
    """Remove the database password from a driver's error message."""
    userinfo = url.partition("://")[2].partition("/")[0].rpartition("@")[0]
    secrets_in_url = [userinfo.split(":", 1)[1]] if ":" in userinfo else []
    secrets_in_url += re.findall(r"(?i)password=([^&]+)", url)
    for value in secrets_in_url:
        # A driver may echo a piece of a password that held an unencoded @ or : (it misread the URL).
        for piece in sorted({value, *re.split(r"[@:]", value)}, key=len, reverse=True):
            if len(piece) >= 4:
                message = message.replace(piece, "***")
    return message


def backend_name(url: str) -> str:
    """Return 'sqlite', 'postgresql', … for a database URL; raise ValueError when it has no scheme."""
    scheme = urlsplit(url).scheme
    if not scheme or "://" not in url:
        raise ValueError(url)
    return scheme.split("+", 1)[0]


def _env_bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"配置错误：{name}={raw!r} 不是布尔值，请使用 1/0、true/false、yes/no。")


def _city(env: Mapping[str, str]) -> str:
    city = (env.get("HAZEOPS_CITY") or "").strip() or "济南"
    if len(city) > 32:  # the air-quality table keeps a city in 32 characters
        raise ConfigError(
            f"配置错误：HAZEOPS_CITY 过长（{len(city)} 个字，最多 32 个字）：请填写城市名称，如“济南”。"
        )
    return city


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


def demo_secret(instance: Path) -> str:
    """Return this installation's demo secret, creating it (mode 0600) on first use.

    Random per installation, never a key published in the source: a demo reachable on a LAN must not accept
    cookies anyone could sign. O_EXCL makes concurrent first starts (several workers) agree on one key.
    """
    path = instance / DEMO_SECRET_FILE
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            value = path.read_text(encoding="utf-8").strip()
            if len(value) >= MIN_SECRET_LENGTH:
                return value
            time.sleep(0.05)
        raise ConfigError(f"配置错误：演示密钥文件 {path} 内容无效，请删除后重试。") from None
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
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


def _env_tiles(env: Mapping[str, str]) -> tuple[tuple[str, ...], str | None]:
    """TILE_PROVIDER (one or more of none/osm/tianditu/amap, comma-separated) and TIANDITU_KEY."""
    from dashboard.tiles import PROVIDERS

    raw = env.get("TILE_PROVIDER", "").strip().lower() or "none"
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown or not names:
        raise ConfigError(
            f"配置错误：TILE_PROVIDER={raw!r} 含未知底图 {', '.join(unknown)}；"
            f"可选 {' / '.join(PROVIDERS)}，多个用逗号分隔（第一个为默认底图）。"
        )
    key = _env_secret(env, "TIANDITU_KEY")
    if "tianditu" in names and not key:
        raise ConfigError(
            "配置错误：TILE_PROVIDER 含 tianditu，但未设置 TIANDITU_KEY（或 TIANDITU_KEY_FILE）。"
            "请在天地图开发者平台申请浏览器端密钥（tk），并把本站域名加入白名单。"
        )
    if key and not re.fullmatch(r"[A-Za-z0-9]{8,64}", key):
        raise ConfigError("配置错误：TIANDITU_KEY 应为 8–64 位字母或数字（天地图控制台中的 tk）。")
    return names, key


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
    tile_providers: tuple[str, ...] = ("none",)
    tianditu_key: str | None = None
    redis_url: str | None = None  # background jobs through Celery + Redis (default: DiskCache on this host)
    banner_seconds: int = 30  # how often open pages look for a new warning step
    home_city: str = "济南"  # the city whose warnings bind the county: its air-quality series is shown first

    def base_maps(self) -> list[BaseMap]:
        """The base maps this site offers, the default first (dashboard/tiles.py)."""
        from dashboard.tiles import base_maps

        return base_maps(self.tile_providers, self.tianditu_key)

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
                    "仅演示模式（HAZEOPS_DEMO=1，make run 会设置）会在 instance/ 下自动生成密钥。"
                )
            secret = demo_secret(instance)
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

        providers, tianditu_key = _env_tiles(env)
        redis_url = env.get("REDIS_URL", "").strip() or None
        if redis_url and not re.fullmatch(r"rediss?://\S+", redis_url):
            raise ConfigError(
                f"配置错误：REDIS_URL 应形如 redis://127.0.0.1:6379/0，收到 {mask_url(redis_url)}。"
            )
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
            tile_providers=providers,
            tianditu_key=tianditu_key,
            redis_url=redis_url,
            banner_seconds=int(_env_number(env, "BANNER_REFRESH_SECONDS", 30, minimum=1, maximum=3600)),
            home_city=_city(env),
        )
