"""In headless Debian chromium: navigation → clusters visible, and a filter change → map and grid updated, at
400 / 10,000 / 100,000 enterprises, beside the naive way measured in the same run.

Ours: the console (server-side clusters for the view's zoom from the cached map feed, a server-paged grid).
Naive: every filtered point sent as `data=` GeoJSON and clustered in the browser by supercluster (rings from
getLeaves), and the full rowData in a client-side grid — the way the stack's examples do it.
Server caches are cleared before every round, so each figure includes the cold server work. Prints a table;
asserts nothing.

    .venv/bin/python bench/map_browser.py [--sizes 400,10000,100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import dash_ag_grid as dag
import dash_leaflet as dl
from dash import Dash, Input, Output, dcc, html
from dash_extensions.javascript import Namespace
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from dashboard.api import MAP_FEED
from dashboard.app import create_app
from dashboard.cards import GRADE_COLORS, GRADE_ORDER
from dashboard.config import Config
from dashboard.filters import parse_filter
from dashboard.roles import Role
from data_access import county, enterprises
from data_access.audit import Actor
from data_access.db import Database
from data_access.demo_county import load_demo_list
from data_access.migrate import upgrade
from data_access.models import Enterprise as E
from data_access.seed import DEMO_PASSWORD
from data_access.users import create_user

ROOT = Path(__file__).resolve().parent
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
MAP_TOTAL = """() => {
  const c = Array.from(document.querySelectorAll('.hz-count')).map(e => Number(e.dataset.count));
  return c.reduce((a, b) => a + b, 0) + document.querySelectorAll('path.hz-point').length;
}"""
GRID_TOTAL = (
    """(id) => { try { return dash_ag_grid.getApi(id).getDisplayedRowCount(); } catch (e) { return -1; } }"""
)


def naive_app(db: Database) -> Dash:
    """The naive console: all points as data= (browser clustering), all rows as rowData."""
    app = Dash(__name__, assets_folder=str(ROOT / "naive_assets"), serve_locally=True, compress=True)
    ns = Namespace("naive", "map")
    bounds = county.outline_bounds()
    cols = ["name", "town_code", "industry", "grade", "control_type", "cat_yellow", "cat_orange", "cat_red"]
    app.layout = html.Div(
        [
            dcc.Dropdown(id="f-grade", options=GRADE_ORDER, multi=True, value=[]),
            html.Div(id="console-count"),
            dl.Map(
                [
                    dl.GeoJSON(data=county.outline(), interactive=False),
                    dl.GeoJSON(
                        id="points",
                        cluster=True,
                        superClusterOptions={"radius": 60, "maxZoom": 15},
                        pointToLayer=ns("point"),
                        clusterToLayer=ns("cluster"),
                        hideout={"colors": GRADE_COLORS, "order": GRADE_ORDER},
                    ),
                ],
                center=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                zoom=10,
                style={"height": "46vh"},
            ),
            dag.AgGrid(id="naive-grid", columnDefs=[{"field": c} for c in cols], style={"height": "36vh"}),
        ]
    )

    @app.callback(
        Output("points", "data"),
        Output("naive-grid", "rowData"),
        Output("console-count", "children"),
        Input("f-grade", "value"),
    )
    def load(grades: list[str] | None) -> tuple[Any, ...]:
        flt = parse_filter({"grade": grades or []})
        with db.read() as s:
            rows = s.execute(
                enterprises.filtered(
                    flt, E.id, *(getattr(E, c) for c in cols), E.lat, E.lon, enterprises.LOCATED
                )
            ).all()
        geo = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                    "properties": {"id": r.id, "name": r.name, "grade": r.grade.value},
                }
                for r in rows
                if r[-1]
            ],
        }
        data = [
            {c: (v.value if hasattr(v, "value") else v) for c, v in zip(cols, r[1:-3], strict=True)}
            for r in rows
        ]
        return geo, data, f"共 {len(rows)} 家企业"

    return app


class Served:
    """A WSGI app on a free loopback port in a background thread."""

    def __init__(self, wsgi: Any) -> None:
        self.server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def build(size: int, tmp: Path) -> tuple[Config, Database]:
    config = Config(
        database_url=f"sqlite:///{tmp / f'map{size}.db'}", secret_key="b" * 40, demo=True, instance_path=tmp
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
    return config, db


def settle_ms(page: Any, start: float, count: int, located: int, grid: str, timeout: float) -> float:
    """Wait until the count, the grid and the map show the expected set; return ms since start."""
    try:
        page.wait_for_selector(f"#console-count >> text=共 {count} 家企业", timeout=timeout)
        page.wait_for_function(f"(id) => ({GRID_TOTAL})(id) === {count}", arg=grid, timeout=timeout)
        page.wait_for_function(f"() => ({MAP_TOTAL})() === {located}", timeout=timeout, polling="raf")
    except Exception:
        seen = (page.inner_text("#console-count"), page.evaluate(GRID_TOTAL, grid), page.evaluate(MAP_TOTAL))
        raise RuntimeError(f"expected {count} / {located}, saw {seen}") from None
    return (time.perf_counter() - start) * 1000


def pick_grade(page: Any, label: str) -> float:
    """Open the grade dropdown and return the instant the option is clicked."""
    page.click("#f-grade")
    option = page.get_by_role("option", name=label, exact=True)
    option.wait_for()
    start = time.perf_counter()
    option.click()
    return start


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="400,10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    print(f"{'size':>7} {'figure':<44} {'ours ms':>9} {'naive ms':>9} {'ratio':>6}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROME_ARGS)
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            config, db = build(size, tmp)
            seeded = time.perf_counter() - started
            ours = Served(create_app(config, db).server)
            naive = Served(naive_app(db).server)
            all_counts = enterprises.count(db, parse_filter({}))
            c_counts = enterprises.count(db, parse_filter({"grade": ["C"]}))
            timeout = 20_000 if size < 100_000 else 120_000
            ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(ours.url + "/login")
            page.fill("#username", "duty")
            page.fill("#password", DEMO_PASSWORD)
            page.click("#login-btn")
            page.wait_for_selector("#console-map")
            figures: dict[str, tuple[list[float], list[float]]] = {
                "navigation → clusters (and grid) visible": ([], []),
                "filter grade C → map and grid updated": ([], []),
            }
            rounds = args.rounds if size < 100_000 else max(3, args.rounds // 2)
            for _ in range(rounds):
                for side, base, grid in ((0, ours.url, "console-grid"), (1, naive.url, "naive-grid")):
                    MAP_FEED.clear()
                    start = time.perf_counter()
                    page.goto(base + "/")
                    nav = settle_ms(page, start, all_counts.total, all_counts.located, grid, timeout)
                    start = pick_grade(page, "C")
                    flt = settle_ms(page, start, c_counts.total, c_counts.located, grid, timeout)
                    figures["navigation → clusters (and grid) visible"][side].append(nav)
                    figures["filter grade C → map and grid updated"][side].append(flt)
            for name, (mine, theirs) in figures.items():
                m, n = median(mine), median(theirs)
                print(f"{size:>7} {name:<44} {m:>9.0f} {n:>9.0f} {m / n:>6.2f}")
            heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0") / 1e6
            print(f"{size:>7} (seeding {seeded:.0f} s; rounds {rounds}; naive page JS heap {heap:.0f} MB)")
            ctx.close()
            ours.stop()
            naive.stop()
            db.dispose()
        browser.close()


if __name__ == "__main__":
    main()
