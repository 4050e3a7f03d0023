"""Base maps in a real browser: tiles from exactly the configured hosts, 天地图 ↔ 高德 keeps every point on
its spot, a click reads back in WGS-84, and no page logs a CSP error. Tile servers are answered locally."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from dashboard.geo import distance_m, wgs84_to_gcj02
from data_access.db import Database
from data_access.demo_county import generate
from tests.conftest import Gunicorn, shot
from tests.test_browser import log_in

KEY = "0123456789abcdef0123456789abcdef"
pytestmark = pytest.mark.browser


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A flat 256 × 256 PNG tile, written out by hand (no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes(rgb) * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


TIANDITU_TILE, AMAP_TILE = _png((226, 236, 222)), _png((244, 234, 218))


@pytest.fixture(scope="module")
def tiled_server(database: Database) -> Iterator[Gunicorn]:
    server = Gunicorn(
        {
            "DATABASE_URL": database.url,
            "TILE_PROVIDER": "tianditu,amap,none",
            "TIANDITU_KEY": KEY,
        }
    )
    yield server
    server.stop()


@pytest.fixture
def tiles(page: Any) -> list[str]:
    """Answer every tile request locally and record its URL; anything else external is recorded too."""
    seen: list[str] = []

    def answer(route: Any) -> None:
        url = route.request.url
        seen.append(url)
        route.fulfill(
            status=200, content_type="image/png", body=TIANDITU_TILE if "tianditu" in url else AMAP_TILE
        )

    page.context.route("https://*.tianditu.gov.cn/**", answer)
    page.context.route("https://*.is.autonavi.com/**", answer)
    page.external = []
    page.on(
        "request",
        lambda r: (
            urlsplit(r.url).hostname not in {"127.0.0.1", None}
            and not r.url.startswith("data:")
            and page.external.append(r.url)
        ),
    )
    return seen


MARKER = """(id) => {
  const map = window.hazeops.leaflet;
  let found = null;
  map.eachLayer(l => { if (l.feature && l.feature.properties.id === id && l.getLatLng) found = l.getLatLng(); });
  return found && [found.lat, found.lng];
}"""
OUTLINE_FIRST = """() => {
  const map = window.hazeops.leaflet;
  let first = null;
  map.eachLayer(l => { if (!first && l.feature && l.feature.geometry.type === 'MultiPolygon') first = l.getLatLngs()[0][0][0]; });
  return first && [first.lat, first.lng];
}"""


ID_OF = """(name) => {
  const map = window.hazeops && window.hazeops.leaflet;
  let id = null;
  if (map) map.eachLayer(l => { if (l.feature && l.feature.properties.name === name) id = l.feature.properties.id; });
  return id;
}"""


def _switch(page: Any, name: str) -> None:
    page.hover("#console-map .leaflet-control-layers")
    page.get_by_text(name, exact=True).click()
    page.mouse.move(5, 5)


def test_switching_tianditu_and_amap_keeps_points_on_their_spot_and_clicks_read_back_in_wgs84(
    page: Any, tiles: list[str], tiled_server: Gunicorn, db: Database
) -> None:
    target = next(e for e in generate() if e.lat is not None)
    outline_lon, outline_lat = _outline_first()
    log_in(page, tiled_server.url, "duty")
    page.wait_for_selector("#console-map .leaflet-marker-icon")
    page.goto(f"{tiled_server.url}/?q={target.name}")
    page.wait_for_selector("#console-count >> text=共 1 家企业")
    page.wait_for_function(ID_OF, arg=target.name)
    eid = page.evaluate(ID_OF, target.name)

    # 天地图 (default): WGS-84 as stored; tiles carry the key and come only from t0–t7.tianditu.gov.cn.
    assert page.evaluate(MARKER, eid) == [target.lat, target.lon]
    assert tiles and all(
        urlsplit(u).hostname.endswith(".tianditu.gov.cn") and f"tk={KEY}" in u for u in tiles
    )
    assert any("/vec_w/" in u for u in tiles) and any("/cva_w/" in u for u in tiles)
    shot(page, "tiles-tianditu")

    # 高德: the same enterprise moves by the GCJ-02 offset (several hundred metres), the outline with it.
    tiles.clear()
    _switch(page, "高德 地图")
    g_lat, g_lon = (float(v) for v in wgs84_to_gcj02(target.lat, target.lon))
    page.wait_for_function(
        f"() => {{ const p = ({MARKER})({eid}); return p && Math.abs(p[0] - {g_lat}) < 1e-9; }}"
    )
    lat, lon = page.evaluate(MARKER, eid)
    assert distance_m(lat, lon, g_lat, g_lon) < 0.01
    assert 300 < distance_m(lat, lon, target.lat, target.lon) < 800
    o_lat, o_lon = (float(v) for v in wgs84_to_gcj02(outline_lat, outline_lon))
    page.wait_for_function(
        f"() => {{ const p = ({OUTLINE_FIRST})(); return p && Math.abs(p[0] - {o_lat}) < 1e-9 && Math.abs(p[1] - {o_lon}) < 1e-9; }}"
    )
    assert tiles and all(urlsplit(u).hostname.endswith(".is.autonavi.com") for u in tiles)

    # A click beside the marker on 高德 tiles reads back as (next to) the stored WGS-84 position.
    page.evaluate("(ll) => window.hazeops.leaflet.setView(ll, 16, {animate: false})", [lat, lon])
    page.wait_for_function("() => window.hazeops.leaflet.getZoom() === 16")
    point = page.evaluate(
        "(ll) => { const p = window.hazeops.leaflet.latLngToContainerPoint(ll); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#console-map").bounding_box()
    page.mouse.click(box["x"] + point[0] + 12, box["y"] + point[1] + 12)  # beside the marker: the map itself
    page.wait_for_selector("#console-clicked >> text=WGS-84")
    shot(page, "tiles-amap")
    text = page.inner_text("#console-clicked")
    c_lat, c_lon = (float(v) for v in text.split("：")[-1].split(","))
    zoom = page.evaluate("() => window.hazeops.leaflet.getZoom()")
    metres_per_px = 156543.03 * 0.8 / 2**zoom  # cos(37.3°) ≈ 0.8: about 1.9 m at zoom 16
    assert distance_m(c_lat, c_lon, target.lat, target.lon) < 20 * metres_per_px  # 12 px right and down
    assert distance_m(c_lat, c_lon, lat, lon) > 300  # not the GCJ-02 position read as if it were WGS-84

    # And back: the same spot as before.
    _switch(page, "天地图 矢量")
    page.wait_for_function(
        f"() => {{ const p = ({MARKER})({eid}); return p && Math.abs(p[0] - {target.lat}) < 1e-12; }}"
    )
    assert page.evaluate(MARKER, eid) == [target.lat, target.lon]
    assert page.external == [u for u in page.external if "tianditu" in u or "autonavi" in u]
    assert page.console_errors == []


def _outline_first() -> tuple[float, float]:
    from data_access.county import outline

    lon, lat = outline()["features"][0]["geometry"]["coordinates"][0][0][0]
    return lon, lat


def test_no_page_logs_a_csp_error_with_tiles_configured(
    page: Any, tiles: list[str], tiled_server: Gunicorn, db: Database
) -> None:
    log_in(page, tiled_server.url, "admin")
    page.wait_for_selector("#console-map .leaflet-marker-icon")
    eid = page.evaluate(
        "() => { let id; window.hazeops.leaflet.eachLayer(l => { if (l.feature && l.feature.properties.id) id = l.feature.properties.id; }); return id; }"
    )
    for path, ready in (
        ("/", "#console-map .leaflet-marker-icon"),
        ("/account", "#_pages_content h1"),
        ("/admin/users", "#users-grid .ag-row"),
        ("/admin/audit", "#audit-grid"),
        (f"/enterprise/{eid}", "#_pages_content h1"),
        ("/no-such-page", "#_pages_content h1"),
    ):
        page.goto(tiled_server.url + path)
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
    _switch_from_home(page, tiled_server.url)
    csp = [m for m in page.console_errors if "Content Security Policy" in m or "Refused to" in m]
    assert csp == []
    # The one expected error: the unknown page answers 404 (its status tells the truth, tests/test_auth_http.py).
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    ]
    assert {urlsplit(u).hostname.split(".", 1)[1] for u in tiles} == {"tianditu.gov.cn", "is.autonavi.com"}


def _switch_from_home(page: Any, base: str) -> None:
    page.goto(base + "/")
    page.wait_for_selector("#console-map .leaflet-marker-icon")
    for name in ("天地图 影像", "高德 卫星", "高德 地图", "无底图（离线）"):
        _switch(page, name)
        page.wait_for_load_state("networkidle")
