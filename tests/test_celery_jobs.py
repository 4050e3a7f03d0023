"""With REDIS_URL, background jobs run on a Celery worker: a real redis-server, a real worker and gunicorn, and
a list checked and published through the page in chromium (the job can only finish if the worker ran it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from data_access.db import Database
from data_access.models import AuditEvent, ListRevision
from tests.conftest import ROOT, SECRET, Gunicorn, free_port
from tests.listfiles import HEADER, row, xlsx
from tests.test_browser import log_in
from tests.test_list_browser import count, upload

pytestmark = pytest.mark.slow
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if not Path(REDIS).exists():
        pytest.skip("redis-server is not installed (make test installs it)")
    port = free_port()
    proc = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    import socket

    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def celery_stack(redis_url: str, db: Database, tmp_path: Path) -> Iterator[tuple[Gunicorn, Path]]:
    env = {
        "DATABASE_URL": db.url,
        "REDIS_URL": redis_url,
        "HAZEOPS_INSTANCE": str(tmp_path / "instance"),
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dashboard.worker",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "info",
        ],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": SECRET, "HAZEOPS_DEMO": "1", **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Gunicorn(env)
    try:
        yield server, log
    finally:
        server.stop()
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def test_a_list_is_checked_on_the_celery_worker_and_published(
    page: Any, celery_stack: tuple[Gunicorn, Path], db: Database, tmp_path: Path
) -> None:
    server, log = celery_stack
    path = tmp_path / "增补.xlsx"
    path.write_bytes(xlsx(("清单", [HEADER, row(1), row(2), row(3)], [])))
    log_in(page, server.url, "admin")
    page.wait_for_selector("#nav-admin-list")
    upload(page, server.url, path)
    assert count(page, "new") == 3
    page.click("#list-publish")
    page.click("#list-publish-confirm")
    page.wait_for_selector("#list-published >> text=第 2 版")
    with db.read() as s:
        assert s.scalar(select(func.max(ListRevision.number))) == 2
        assert s.scalar(select(func.count()).where(AuditEvent.action == "list.import.stage")) == 1
    worker_log = log.read_text(encoding="utf-8", errors="replace")
    assert "succeeded" in worker_log  # the check ran on the worker, not in the web process
    assert page.console_errors == []
