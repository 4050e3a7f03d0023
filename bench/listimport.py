"""List import: parse + checks of an official-layout workbook at 1,000 / 10,000 / 100,000 rows, beside the
floor measured in the same run (openpyxl read-only iteration of the same file, doing nothing with the cells);
then staging (match + diff + write to staging) and publishing, separately; peak memory of each step.

Every measurement runs in a fresh child process, so peak RSS is that step's own. The files are the demo
county's generator at each size, written by our exporter (so the layout is the one bureaus get from us).
Prints a table; asserts nothing.

    .venv/bin/python bench/listimport.py [--sizes 1000,10000,100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(step: str, path: str, db_url: str) -> dict[str, float]:
    """One measured step in this (fresh) process."""
    data = Path(path).read_bytes()
    if step == "floor":
        from openpyxl import load_workbook

        start = time.perf_counter()
        book = load_workbook(path, read_only=True, data_only=True)
        n = 0
        for sheet in book.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                n += 1
        return {"seconds": time.perf_counter() - start, "mb": _peak_mb(), "rows": n}
    from data_access import listfile, listimport
    from data_access.audit import Actor
    from data_access.db import Database

    db = Database(db_url)
    if step == "parse":
        options = listimport.parse_options(db, "wgs84")
        start = time.perf_counter()
        parsed = listfile.parse(data, Path(path).name, options)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "mb": _peak_mb(), "rows": parsed.rows, "errors": len(parsed.errors)}
    actor = Actor(id=None, name="bench")
    if step == "stage":
        import_id = listimport.create_upload(db, actor, Path(path).name, data, mode="update")
        start = time.perf_counter()
        view = listimport.stage(db, actor, import_id)
        return {
            "seconds": time.perf_counter() - start,
            "mb": _peak_mb(),
            "import": import_id,
            "new": view.summary["new"],
        }
    if step == "publish":
        import_id = int(os.environ["BENCH_IMPORT"])
        start = time.perf_counter()
        number = listimport.publish(db, actor, import_id, "bench")
        return {"seconds": time.perf_counter() - start, "mb": _peak_mb(), "revision": number}
    raise SystemExit(f"unknown step {step}")


def run_child(step: str, path: Path, db_url: str, **env: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path), db_url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_file(size: int, folder: Path) -> tuple[Path, str]:
    """The demo county at this size as an official-layout workbook, and a migrated empty database for it."""
    from dashboard.timeutil import utcnow
    from data_access.db import Database
    from data_access.demo_county import generate, record_of
    from data_access.listexport import ExportMeta, to_xlsx
    from data_access.migrate import upgrade

    url = f"sqlite:///{folder / f'bench-{size}.db'}"
    db = Database(url)
    upgrade(db)
    from data_access.listimport import town_names

    towns = town_names(db)
    records = {i: record_of(e) for i, e in enumerate(generate(size), start=1)}
    path = folder / f"list-{size}.xlsx"
    path.write_bytes(to_xlsx(records, towns, ExportMeta(None, None, None, size, utcnow(), "bench")))
    db.dispose()
    return path, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in [int(s) for s in args.sizes.split(",")]:
            path, url = make_file(size, folder)
            floor = [run_child("floor", path, url) for _ in range(args.rounds)]
            ours = [run_child("parse", path, url) for _ in range(args.rounds)]
            staged = run_child("stage", path, url)
            published = run_child("publish", path, url, BENCH_IMPORT=str(staged["import"]))
            f = statistics.median(x["seconds"] for x in floor)
            o = statistics.median(x["seconds"] for x in ours)
            rows.append(
                (
                    size,
                    path.stat().st_size / 1e6,
                    f,
                    o,
                    o / f,
                    max(x["mb"] for x in floor),
                    max(x["mb"] for x in ours),
                    staged["seconds"],
                    staged["mb"],
                    published["seconds"],
                    published["mb"],
                )
            )
            print(f"done {size}", file=sys.stderr, flush=True)
    head = (
        "rows", "file MB", "floor s", "parse+checks s", "ratio", "floor MB", "parse MB",
        "stage s", "stage MB", "publish s", "publish MB",
    )  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print(
            f"| {r[0]:,} | {r[1]:.1f} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f}× | {r[5]:.0f} | {r[6]:.0f} | "
            f"{r[7]:.2f} | {r[8]:.0f} | {r[9]:.2f} | {r[10]:.0f} |"
        )
    print(
        f"\nmedians of {args.rounds} (parse, floor); staging = its own parse + match + diff + writing staging"
        " rows; publish = list tables + snapshot + audit; MB = peak RSS of that step's process"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        main()
