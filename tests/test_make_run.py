"""`make run` from a fresh clone: venv, install, migrate, seed, serve — and /healthz answers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port
from tests.test_servers import Browserless

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def test_make_run_from_a_fresh_clone_serves_the_demo(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "SECRET_KEY", "HAZEOPS_DEMO", "URL_PREFIX", "VIRTUAL_ENV", "HAZEOPS_INSTANCE"}
    }
    env["PORT"] = str(port)
    log = tmp_path / "make-run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "run"], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 600
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    healthy = resp.status == 200
                    break
            except OSError:
                time.sleep(1)
        text = log.read_text()
        assert healthy, text[-3000:]
        assert re.search(rf"http://127\.0\.0\.1:{port}/login", text), text[-2000:]
        assert "admin" in text and "hazeops-demo" in text and "演示" in text
        assert (clone / "instance" / "hazeops.db").exists()
        assert Browserless(f"http://127.0.0.1:{port}").login("admin") == 302
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
