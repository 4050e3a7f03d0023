"""Configuration is validated at start-up with clear Chinese messages naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.config import Config, ConfigError, mask_url

GOOD = "k" * 40


def test_it_refuses_a_missing_secret_outside_demo_mode() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env({})


def test_demo_mode_makes_one_random_secret_per_installation(tmp_path: Path) -> None:
    first = Config.from_env({"HAZEOPS_DEMO": "1", "HAZEOPS_INSTANCE": str(tmp_path / "a")}).secret_key
    again = Config.from_env({"HAZEOPS_DEMO": "1", "HAZEOPS_INSTANCE": str(tmp_path / "a")}).secret_key
    other = Config.from_env({"HAZEOPS_DEMO": "1", "HAZEOPS_INSTANCE": str(tmp_path / "b")}).secret_key
    assert first == again != other and len(first) >= 32
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first not in (Path(__file__).resolve().parent.parent / "dashboard" / "config.py").read_text()


def test_it_refuses_a_short_secret() -> None:
    with pytest.raises(ConfigError, match="太短"):
        Config.from_env({"SECRET_KEY": "short"})


def test_it_reads_the_secret_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "secret"
    f.write_text(GOOD + "\n", encoding="utf-8")
    assert Config.from_env({"SECRET_KEY_FILE": str(f)}).secret_key == GOOD
    with pytest.raises(ConfigError, match="只能设置一个"):
        Config.from_env({"SECRET_KEY_FILE": str(f), "SECRET_KEY": GOOD})
    with pytest.raises(ConfigError, match="无法读取"):
        Config.from_env({"SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_it_defaults_to_a_sqlite_file_under_instance() -> None:
    cfg = Config.from_env({"SECRET_KEY": GOOD})
    assert cfg.database_url.startswith("sqlite:///") and cfg.database_url.endswith("instance/hazeops.db")
    assert (cfg.port, cfg.url_prefix, cfg.demo, cfg.session_hours) == (8050, "", False, 12.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "只支持"),
        ({"DATABASE_URL": "not a url"}, "无法解析"),
        ({"PORT": "eighty"}, "不是数字"),
        ({"PORT": "70000"}, "超出范围"),
        ({"SESSION_HOURS": "0"}, "超出范围"),
        ({"HAZEOPS_DEMO": "maybe"}, "不是布尔值"),
        ({"URL_PREFIX": "hazeops"}, "URL_PREFIX"),
        ({"URL_PREFIX": "/a b"}, "URL_PREFIX"),
        ({"HAZEOPS_CITY": "济" * 33}, "HAZEOPS_CITY"),
        ({"BANNER_REFRESH_SECONDS": "0"}, "超出范围"),
    ],
)
def test_it_names_the_bad_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env({"SECRET_KEY": GOOD, **env})


def test_it_normalises_the_url_prefix() -> None:
    assert Config.from_env({"SECRET_KEY": GOOD, "URL_PREFIX": "/hazeops/"}).url_prefix == "/hazeops"
    assert Config.from_env({"SECRET_KEY": GOOD, "URL_PREFIX": "/"}).url_prefix == ""


def test_it_parses_database_urls_without_sqlalchemy() -> None:
    from dashboard.config import backend_name

    assert backend_name("postgresql+psycopg://u:p@h/db") == "postgresql"
    assert backend_name("sqlite:////tmp/x.db") == "sqlite"
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_it_masks_database_passwords() -> None:
    masked = mask_url("postgresql+psycopg://hz:s3cret@db.example:5432/hazeops")
    assert "s3cret" not in masked and "hz:***@db.example" in masked


def test_masking_survives_unencoded_at_signs_and_query_passwords() -> None:
    from dashboard.config import scrub

    url = "postgresql+psycopg://u:Sup3rSecret@Tail99@127.0.0.1:5432/db?password=hunter22&sslmode=require"
    masked = mask_url(url)
    assert "Sup3rSecret" not in masked and "Tail99" not in masked and "hunter22" not in masked
    assert masked == "postgresql+psycopg://u:***@127.0.0.1:5432/db?password=***&sslmode=require"
    assert "Tail99" not in scrub('could not translate host name "Tail99@127.0.0.1"', url)
