"""Measure login timing (a wrong password vs an unknown user must cost the same) and the guard's overhead
on a Dash callback versus calling the same query directly. Prints a table; asserts nothing.

    .venv/bin/python bench/login.py [--rounds 31]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dashboard.app import create_app
from dashboard.config import Config
from data_access import users
from data_access.db import Database
from data_access.migrate import upgrade
from data_access.seed import DEMO_PASSWORD, seed_demo


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    config = Config(
        database_url=f"sqlite:///{tmp / 'bench.db'}",
        secret_key="b" * 40,
        demo=True,
        instance_path=tmp,
        login_max_failures_user=10**6,
        login_max_failures_address=10**6,
    )
    db = Database(config.database_url)
    upgrade(db)
    seed_demo(db)
    app = create_app(config, db)
    client = app.server.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)

    def post(username: str, password: str) -> None:
        resp = client.post("/login", data={"username": username, "password": password, "csrf": csrf})
        assert resp.status_code in {302, 401}, resp.status_code

    rows: list[tuple[str, str, float, float]] = []
    wrong = median_ms(lambda: post("duty", "wrong-password"), args.rounds)
    unknown = median_ms(lambda: post("no-such-user", "wrong-password"), args.rounds)
    rows.append(("login, wrong password (baseline)", "1 user", wrong, 1.0))
    rows.append(("login, unknown user", "1 user", unknown, unknown / wrong))

    post("admin", DEMO_PASSWORD)
    key = next(k for k, e in app.callback_map.items() if k == "users-grid.rowData")
    body = {
        "output": key,
        "outputs": {"id": "users-grid", "property": "rowData"},
        "inputs": [{"id": "users-refresh", "property": "data", "value": 0}],
        "changedPropIds": [],
    }
    direct = median_ms(lambda: users.list_users(db), args.rounds)
    through = median_ms(lambda: client.post("/_dash-update-component", json=body), args.rounds)
    rows.append(("users query, direct call (baseline)", "5 users", direct, 1.0))
    rows.append(("same via /_dash-update-component + guard", "5 users", through, through / direct))

    print(f"{'figure':<44} {'size':<8} {'median ms':>10} {'ratio':>7}   ({args.rounds} rounds, SQLite)")
    for name, size, ms, ratio in rows:
        print(f"{name:<44} {size:<8} {ms:>10.2f} {ratio:>7.2f}")


if __name__ == "__main__":
    main()
