"""Server time and bytes of the console's answer to a filter change, at 400 / 10,000 / 100,000 enterprises,
beside the naive way measured in the same run (every row as `data=` GeoJSON plus the full grid rowData).

Ours = the filter callback (counts, feed URL) + the map feed for the first view (clustered on the server at
zoom 10, gzipped, cached per filter and list change; cold = first request, warm = repeated) + the grid's
first block of 100 rows. Prints a table; asserts nothing.

    .venv/bin/python bench/console.py [--sizes 400,10000,100000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plotly.io.json import to_json_plotly

from dashboard.api import MAP_FEED
from dashboard.app import create_app
from dashboard.config import Config
from dashboard.filters import parse_filter
from dashboard.roles import Role
from data_access import enterprises
from data_access.audit import Actor
from data_access.db import Database
from data_access.demo_county import load_demo_list
from data_access.migrate import upgrade
from data_access.models import Enterprise as E
from data_access.seed import DEMO_PASSWORD
from data_access.users import create_user

FILTERS = {"grade C": {"grade": ["C"]}, "no filter": {}}


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    samples, out = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        out = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), out


def naive(db: Database, query: dict[str, list[str]]) -> bytes:
    """The first version's answer: all filtered rows as GeoJSON data= and as grid rowData, in one JSON."""
    flt = parse_filter(query)
    cols = [
        E.id,
        E.name,
        E.uscc,
        E.town_code,
        E.park,
        E.industry,
        E.grade,
        E.control_type,
        E.cat_yellow,
        E.cat_orange,
        E.cat_red,
        E.lat,
        E.lon,
        enterprises.LOCATED.label("located"),
    ]
    with db.read() as s:
        rows = [dict(r._mapping) for r in s.execute(enterprises.filtered(flt, *cols).order_by(E.id))]
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {"id": r["id"], "name": r["name"], "grade": r["grade"].value},
            }
            for r in rows
            if r["located"]
        ],
    }
    grid = [{k: (v.value if hasattr(v, "value") else v) for k, v in r.items()} for r in rows]
    return to_json_plotly({"response": {"points": {"data": geo}, "grid": {"rowData": grid}}}).encode()


def build(size: int, tmp: Path) -> tuple[Any, Database]:
    config = Config(
        database_url=f"sqlite:///{tmp / f'bench{size}.db'}", secret_key="b" * 40, demo=True, instance_path=tmp
    )
    db = Database(config.database_url)
    upgrade(db)
    load_demo_list(db, Actor.system("bench"), size)
    create_user(
        db,
        Actor.system("bench"),
        username="duty",
        display_name="bench",
        role=Role.DUTY_OFFICER,
        password=DEMO_PASSWORD,
    )
    return create_app(config, db), db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="400,10000,100000")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    head = f"{'size':>7} {'filter':<10} {'figure':<34} {'median ms':>10} {'bytes':>11}"
    print(f"{head} {'ratio ms':>9} {'ratio B':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        start = time.perf_counter()
        app, db = build(size, tmp)
        seeded = time.perf_counter() - start
        client = app.server.test_client()
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        assert (
            client.post(
                "/login", data={"username": "duty", "password": DEMO_PASSWORD, "csrf": csrf}
            ).status_code
            == 302
        )
        client.get("/")  # Dash fills its callback map at the first request
        filter_key = next(k for k in app.callback_map if "console-url.search" in k)
        grid_key = next(k for k in app.callback_map if "console-grid.getRowsResponse" in k)
        for label, query in FILTERS.items():
            flt = parse_filter(query)
            values = {"f-grade": query.get("grade", [])}
            body = {
                "output": filter_key,
                "outputs": [
                    {"id": o.split(".")[0], "property": o.split(".")[1]}
                    for o in filter_key.strip(".").split("...")
                ],
                "inputs": [
                    {
                        "id": c,
                        "property": "value",
                        "value": values.get(c, [] if c not in ("f-level", "f-q") else ""),
                    }
                    for c in (
                        "f-town",
                        "f-park",
                        "f-industry",
                        "f-grade",
                        "f-control",
                        "f-level",
                        "f-category",
                        "f-q",
                    )
                ]
                + [{"id": "console-selected", "property": "data", "value": None}],
                "changedPropIds": ["f-grade.value"],
            }
            cb_ms, resp = timed(
                lambda b=body, c=client: c.post("/_dash-update-component", json=b), args.rounds
            )
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            # The first view's feed, as hazeops.feedUrl asks for it (zoom 10, the whole county, WGS-84).
            feed = resp.get_json()["response"]["console-feed"]["data"]["base"] + "&z=10&crs=wgs84"
            colds = []
            for _ in range(args.rounds):
                MAP_FEED.clear()  # a cold feed: as after a list change
                t0 = time.perf_counter()
                cold = client.get(feed, headers={"Accept-Encoding": "gzip"})
                colds.append((time.perf_counter() - t0) * 1000)
            cold_ms = statistics.median(colds)
            warm_ms, warm = timed(
                lambda f=feed, c=client: c.get(f, headers={"Accept-Encoding": "gzip"}), args.rounds
            )
            grid_body = {
                "output": grid_key,
                "outputs": {"id": "console-grid", "property": "getRowsResponse"},
                "inputs": [
                    {
                        "id": "console-grid",
                        "property": "getRowsRequest",
                        "value": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}},
                    }
                ],
                "state": [{"id": "console-filter", "property": "data", "value": flt.query_string()}],
                "changedPropIds": ["console-grid.getRowsRequest"],
            }
            grid_ms, grid = timed(
                lambda b=grid_body, c=client: c.post("/_dash-update-component", json=b), args.rounds
            )
            naive_ms, naive_body = timed(lambda q=query, d=db: naive(d, q), args.rounds)
            ours_cold = cb_ms + cold_ms + grid_ms
            ours_warm = cb_ms + warm_ms + grid_ms
            ours_bytes = len(resp.data) + len(cold.data) + len(grid.data)
            rows = [
                ("naive: data= GeoJSON + full rowData", naive_ms, len(naive_body)),
                ("naive, gzipped (bytes only)", naive_ms, len(gzip.compress(naive_body, 5))),
                ("ours: filter callback", cb_ms, len(resp.data)),
                ("ours: map feed, cold (gzip)", cold_ms, len(cold.data)),
                ("ours: map feed, warm (cached)", warm_ms, len(warm.data)),
                ("ours: grid first 100 rows", grid_ms, len(grid.data)),
                ("ours total, cold feed", ours_cold, ours_bytes),
                ("ours total, warm feed", ours_warm, ours_bytes),
            ]
            for name, ms, nbytes in rows:
                print(
                    f"{size:>7} {label:<10} {name:<34} {ms:>10.1f} {nbytes:>11,} {ms / naive_ms:>9.2f} "
                    f"{nbytes / len(naive_body):>8.3f}"
                )
        print(f"{size:>7} (seeding the list took {seeded:.1f} s)")
        db.dispose()


if __name__ == "__main__":
    main()
