"""Base maps by configuration: TILE_PROVIDER/TIANDITU_KEY, the CSP per provider, the feed's CRS."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from dashboard.config import Config, ConfigError
from dashboard.geo import distance_m, wgs84_to_gcj02
from dashboard.i18n import catalog
from dashboard.tiles import PROVIDERS, base_maps, tile_hosts
from data_access import enterprises
from data_access.db import Database
from data_access.demo_county import generate
from tests.conftest import login

GOOD = "k" * 40
KEY = "0123456789abcdef0123456789abcdef"
TIANDITU_HOSTS = [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
AMAP_HOSTS = [f"https://webrd0{i}.is.autonavi.com" for i in range(1, 5)] + [
    f"https://webst0{i}.is.autonavi.com" for i in range(1, 5)
]


def test_the_default_is_no_tiles_at_all() -> None:
    cfg = Config.from_env({"SECRET_KEY": GOOD})
    assert cfg.tile_providers == ("none",)
    assert [m.key for m in cfg.base_maps()] == ["none"] and tile_hosts(cfg.base_maps()) == []


def test_several_providers_in_the_order_given() -> None:
    cfg = Config.from_env({"SECRET_KEY": GOOD, "TILE_PROVIDER": "amap, tianditu,none", "TIANDITU_KEY": KEY})
    assert cfg.tile_providers == ("amap", "tianditu", "none")
    assert [m.key for m in cfg.base_maps()] == [
        "amap_vec",
        "amap_img",
        "tianditu_vec",
        "tianditu_img",
        "none",
    ]
    assert [m.crs.value for m in cfg.base_maps()] == ["gcj02", "gcj02", "wgs84", "wgs84", "wgs84"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TILE_PROVIDER": "baidu"}, "TILE_PROVIDER"),
        ({"TILE_PROVIDER": "tianditu"}, "TIANDITU_KEY"),
        ({"TILE_PROVIDER": "tianditu", "TIANDITU_KEY": "abc&tk=1"}, "TIANDITU_KEY"),
    ],
)
def test_bad_tile_settings_are_refused_by_name(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env({"SECRET_KEY": GOOD, **env})


def test_tianditu_uses_the_web_mercator_layers_with_the_key() -> None:
    vec, img = base_maps(("tianditu",), KEY)
    urls = [layer.url for layer in vec.layers + img.layers]
    for url, layer in zip(urls, ("vec", "cva", "img", "cia"), strict=True):
        assert f"/{layer}_w/wmts?" in url and f"LAYER={layer}&" in url and "TILEMATRIXSET=w&" in url
        assert url.endswith(f"&tk={KEY}")
    assert tile_hosts([vec, img]) == TIANDITU_HOSTS


def test_every_base_map_and_attribution_has_a_label_in_both_languages() -> None:
    maps = base_maps(PROVIDERS, KEY)
    for lang in ("zh", "en"):
        cat = catalog(lang)
        assert all(f"map.base.{m.key}" in cat for m in maps)
        assert all(f"map.attribution.{layer.provider}" in cat for m in maps for layer in m.layers)


def _img_src(csp: str) -> list[str]:
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("img-src"))
    return directive.split()[1:]


@pytest.mark.parametrize(
    ("providers", "hosts"),
    [
        (("none",), []),
        (("osm",), ["https://tile.openstreetmap.org"]),
        (("tianditu",), TIANDITU_HOSTS),
        (("amap",), AMAP_HOSTS),
        (("tianditu", "amap", "none"), sorted(TIANDITU_HOSTS + AMAP_HOSTS)),
    ],
)
def test_the_csp_allows_exactly_the_configured_tile_hosts(
    providers: tuple[str, ...], hosts: list[str], config: Config, database: Database, db: Database
) -> None:
    from dashboard.app import create_app

    app = create_app(dataclasses.replace(config, tile_providers=providers, tianditu_key=KEY), database)
    client = app.server.test_client()
    for path in ("/login", "/healthz"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert _img_src(csp) == ["'self'", "data:", *hosts]
        assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        # Nothing external anywhere else in the policy.
        others = [d for d in csp.split(";") if not d.strip().startswith("img-src")]
        assert "http" not in ";".join(others)
    login(client, "duty")
    csp = client.get("/").headers["Content-Security-Policy"]
    assert _img_src(csp) == ["'self'", "data:", *hosts]


def _feed(client: Any, query: str) -> dict[str, Any]:
    resp = client.get(f"/api/v1/map/enterprises.geojson?{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return json.loads(resp.data)


def test_the_feed_is_gcj02_only_when_asked_for_by_a_configured_amap(
    config: Config, database: Database, db: Database
) -> None:
    from dashboard.app import create_app

    target = next(e for e in generate() if e.lat is not None)
    query = f"q={target.name}"
    plain = create_app(config, database).server.test_client()
    login(plain, "duty")
    refused = plain.get(f"/api/v1/map/enterprises.geojson?{query}&crs=gcj02")
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "crs"
    wgs = _feed(plain, query)
    assert wgs["hazeops"]["crs"] == "wgs84"
    assert wgs["features"][0]["geometry"]["coordinates"] == [target.lon, target.lat]

    amap = create_app(
        dataclasses.replace(config, tile_providers=("tianditu", "amap"), tianditu_key=KEY), database
    )
    client = amap.server.test_client()
    login(client, "duty")
    for z in ("", "&z=12"):
        doc = _feed(client, f"{query}&crs=gcj02{z}")
        assert doc["hazeops"]["crs"] == "gcj02"
        lon, lat = doc["features"][0]["geometry"]["coordinates"]
        g_lat, g_lon = wgs84_to_gcj02(target.lat, target.lon)
        assert (lat, lon) == (float(g_lat), float(g_lon))
        assert 300 < distance_m(lat, lon, target.lat, target.lon) < 800
    assert _feed(client, f"{query}&crs=wgs84")["features"][0]["geometry"]["coordinates"] == [
        target.lon,
        target.lat,
    ]


def test_clustered_feed_counts_add_up_and_bad_zoom_or_tiles_are_refused_by_name(
    client: Any, db: Database
) -> None:
    login(client, "duty")
    located = enterprises.count(db, enterprises.EnterpriseFilter()).located
    for z in (6, 10, 13, 17):
        doc = _feed(client, f"z={z}")
        assert sum(f["properties"].get("count", 1) for f in doc["features"]) == located
        assert doc["hazeops"]["points"] == located
    for query, field in (
        ("z=21", "z"),
        ("z=x", "z"),
        ("z=3&tiles=0,0,9,9", "tiles"),
        ("z=3&tiles=1", "tiles"),
    ):
        resp = client.get(f"/api/v1/map/enterprises.geojson?{query}")
        assert resp.status_code == 400 and resp.get_json()["error"]["field"] == field, query
