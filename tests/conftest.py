"""Fixtures: one real database per run (SQLite file, or the PostgreSQL that scripts/pg.sh started),
one app per session, personas from the demo seed, a gunicorn server and headless Debian chromium."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from dashboard.config import Config
from data_access.db import Database
from data_access.migrate import upgrade
from data_access.models import Base
from data_access.seed import DEMO_PASSWORD, delete_business_rows, seed_demo

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-" + "x" * 40
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts"

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI=true a skipped test is a failure: a missing browser or database must not pass silently."""
    if os.environ.get("CI", "").lower() == "true" and _skipped and exitstatus == 0:
        print(f"\nCI=true: {len(_skipped)} skipped test(s) count as failures: {', '.join(_skipped[:10])}")
        session.exitstatus = 1


def database_url(tmp_root: Path) -> str:
    """The run's database: HAZEOPS_TEST_DATABASE_URL (PostgreSQL pass) or a SQLite file."""
    return os.environ.get("HAZEOPS_TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hazeops")


@pytest.fixture(scope="session")
def config(tmp_root: Path) -> Config:
    return Config(database_url=database_url(tmp_root), secret_key=SECRET, demo=True, instance_path=tmp_root)


@pytest.fixture(scope="session")
def database(config: Config) -> Iterator[Database]:
    db = Database(config.database_url)
    if db.backend == "postgresql":
        with db.engine.begin() as conn:  # a fresh schema per run, even on a reused server
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(db)
    yield db
    db.dispose()


def clear_tables(db: Database) -> None:
    """Delete every row (tests only: the app's own wipe records an audit event)."""
    with db.engine.begin() as conn:
        delete_business_rows(conn)


@pytest.fixture
def db(database: Database) -> Database:
    """The database with only the demo seed in it (personas: admin, duty, lead, member, leader)."""
    clear_tables(database)
    seed_demo(database)
    return database


@pytest.fixture(scope="session")
def app(config: Config, database: Database) -> Any:
    from dashboard.app import create_app

    dash_app = create_app(config, database)
    dash_app.server.config["TESTING"] = True
    dash_app.server.test_client().get("/healthz")  # Dash fills callback_map at its first request
    return dash_app


@pytest.fixture
def client(app: Any, db: Database) -> Any:
    return app.server.test_client()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "login form without CSRF token"
    return match.group(1)


def login(client: Any, username: str, password: str = DEMO_PASSWORD, prefix: str = "") -> Any:
    """Log in through the real form (GET for the CSRF token, then POST)."""
    page = client.get(f"{prefix}/login")
    return client.post(
        f"{prefix}/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.get_data(as_text=True))},
    )


@pytest.fixture
def login_as(client: Any) -> Any:
    def _login(username: str, password: str = DEMO_PASSWORD) -> Any:
        resp = login(client, username, password)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        return client

    return _login


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" assertions."""
    with db.engine.connect() as conn:
        return {
            t.name: sorted(tuple(map(repr, row)) for row in conn.execute(t.select()))
            for t in Base.metadata.sorted_tables
        }


# Real servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A real gunicorn (several workers) serving the app against the test database."""

    def __init__(self, env_extra: dict[str, str], workers: int = 2, log: Path | None = None) -> None:
        self.port = free_port()
        self.log = log
        self.prefix = env_extra.get("URL_PREFIX", "")
        env = {**os.environ, "SECRET_KEY": SECRET, "HAZEOPS_DEMO": "1", **env_extra}
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
        ]
        if log is not None:
            cmd += ["--access-logfile", str(log), "--access-logformat", '%(p)s "%(r)s" %(s)s']
        self.proc = subprocess.Popen(
            [*cmd, "dashboard.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}{self.prefix}"
        self._wait()

    def _wait(self) -> None:
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                raise RuntimeError(f"gunicorn exited: {out[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def live_server(config: Config, database: Database) -> Iterator[Gunicorn]:
    # Open pages look for a new warning every 2 s here (30 s in use): the browser tests wait on it.
    server = Gunicorn({"DATABASE_URL": config.database_url, "BANNER_REFRESH_SECONDS": "2"})
    yield server
    server.stop()


# Headless Debian chromium through Playwright


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.set_default_timeout(20_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::")[-1])
    with contextlib.suppress(Exception):  # the page may already be gone after a failure
        pg.screenshot(path=str(ARTIFACTS / f"{name}-last.png"), full_page=True)
    context.close()


def shot(pg: Any, name: str) -> None:
    """Save a screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def have(cmd: str) -> bool:
    return shutil.which(cmd) is not None
