"""After a warning level change: recompute the obligations (counts per town and category at the new level) and
the target check (Σ reductions per level and pollutant against targets and the county base), at 400 / 10,000
/ 100,000 enterprises, beside a plain SQL aggregate of the same numbers measured in the same run.

Ours = data_access.obligations.counts(level) + data_access.targets.check(), as the 预警应对 and 减排核算 pages
call them. Baseline = two hand-written GROUP BY queries giving the same numbers, nothing else. Prints a table.

    .venv/bin/python bench/warnings.py [--sizes 400,10000,100000] [--rounds 7] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.rules.vocab import Level  # noqa: E402
from data_access import obligations, targets  # noqa: E402
from data_access.audit import Actor  # noqa: E402
from data_access.db import Database  # noqa: E402
from data_access.demo_county import load_demo_list  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.seed import delete_business_rows  # noqa: E402

COUNTS_SQL = """SELECT t.name, e.cat_{level}, count(*) FROM enterprise e
LEFT JOIN town t ON t.code = e.town_code WHERE e.in_list GROUP BY t.name, e.cat_{level}"""
SUMS_SQL = """SELECT m.level, sum(m.so2_tpd), sum(m.nox_tpd), sum(m.pm_tpd), sum(m.vocs_tpd) FROM measure m
JOIN enterprise e ON e.id = m.enterprise_id WHERE e.in_list GROUP BY m.level"""


def timed(fn: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="400,10000,100000")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.database_url or f"sqlite:///{tmp}/bench.db")
        upgrade(db)
        actor = Actor.system("bench")
        rows = []
        for size in [int(s) for s in args.sizes.split(",")]:
            with db.engine.begin() as conn:
                delete_business_rows(conn)
            load_demo_list(db, actor, size)
            targets.seed_demo(db, actor)
            counts_sql = text(COUNTS_SQL.format(level=Level.RED.value))

            def ours() -> None:
                obligations.counts(db, Level.RED)
                targets.check(db)

            def baseline(counts_sql: Any = counts_sql) -> None:
                with db.engine.connect() as conn:
                    conn.execute(counts_sql).all()
                    conn.execute(text(SUMS_SQL)).all()

            ours()
            baseline()  # warm both
            b, o = timed(baseline, args.rounds), timed(ours, args.rounds)
            rows.append((size, b, o, o / b))
            print(f"done {size}", file=sys.stderr, flush=True)
        print(f"{db.backend}, medians of {args.rounds} rounds")
        print("| enterprises | SQL aggregate ms | ours ms | ratio |")
        print("|---|---|---|---|")
        for size, b, o, ratio in rows:
            print(f"| {size:,} | {b:.1f} | {o:.1f} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
