"""WGS-84 ⇄ GCJ-02 against published reference values, and the position helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard.geo import (
    CRS,
    distance_m,
    from_crs,
    gcj02_to_wgs84,
    geometry_to_crs,
    in_mainland_china,
    to_crs,
    wgs84_to_gcj02,
)

# Published pairs (WGS-84 lat, lon → GCJ-02 lat, lon): the test table of googollee/eviltransform (MIT),
# computed by its authors against 高德's own conversion.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # 上海
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # 深圳
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # 北京
]
# 高德's web service answer for one Beijing point, as recorded in the tests of the R package
# "coordtransform" (lat 39.90734, lon 116.39089 → 39.90874539, 116.39713623): the formula agrees to < 1 m.
AMAP_API = (39.90734, 116.39089, 39.90874539, 116.39713623)
# gcoord (MIT) publishes the inverse for [lon 123, lat 45] → [122.99395597, 44.99804071].
GCOORD_INVERSE = (45.0, 123.0, 44.99804071, 122.99395597)

SHANGHE = (37.3097, 117.1566)  # 许商街道, the county seat


@pytest.mark.parametrize(("w_lat", "w_lon", "g_lat", "g_lon"), EVILTRANSFORM)
def test_forward_matches_published_pairs(w_lat: float, w_lon: float, g_lat: float, g_lon: float) -> None:
    lat, lon = wgs84_to_gcj02(w_lat, w_lon)
    assert distance_m(float(lat), float(lon), g_lat, g_lon) < 0.01


@pytest.mark.parametrize(("w_lat", "w_lon", "g_lat", "g_lon"), EVILTRANSFORM)
def test_inverse_matches_published_pairs_within_a_metre(
    w_lat: float, w_lon: float, g_lat: float, g_lon: float
) -> None:
    lat, lon = gcj02_to_wgs84(g_lat, g_lon)
    assert distance_m(float(lat), float(lon), w_lat, w_lon) < 1.0


def test_forward_agrees_with_amaps_own_service() -> None:
    w_lat, w_lon, g_lat, g_lon = AMAP_API
    lat, lon = wgs84_to_gcj02(w_lat, w_lon)
    assert distance_m(float(lat), float(lon), g_lat, g_lon) < 1.0


def test_inverse_agrees_with_gcoord() -> None:
    g_lat, g_lon, w_lat, w_lon = GCOORD_INVERSE
    lat, lon = gcj02_to_wgs84(g_lat, g_lon)
    # gcoord uses the one-step inverse, which is itself off by up to about a metre.
    assert distance_m(float(lat), float(lon), w_lat, w_lon) < 2.0


def test_round_trip_is_under_a_metre_across_the_county_and_far_beyond() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(18.5, 53.0, 2000)
    lon = rng.uniform(74.0, 134.0, 2000)
    inside = in_mainland_china(lat, lon)
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    b_lat, b_lon = gcj02_to_wgs84(g_lat, g_lon)
    worst = max(
        distance_m(*p) for p in zip(lat[inside], lon[inside], b_lat[inside], b_lon[inside], strict=True)
    )
    assert worst < 0.01  # the iteration converges far below a metre


def test_the_offset_inside_shanghe_is_several_hundred_metres() -> None:
    g_lat, g_lon = wgs84_to_gcj02(*SHANGHE)
    offset = distance_m(*SHANGHE, float(g_lat), float(g_lon))
    assert 300 < offset < 800, offset
    # And it points roughly east-south-east here, as everywhere in north China.
    assert float(g_lon) > SHANGHE[1] and float(g_lat) < SHANGHE[0] + 0.002


def test_outside_mainland_china_nothing_moves() -> None:
    # Paris, Taipei, Sydney, Tokyo (the conventional rectangle reaches Singapore and Seoul: no firm of the
    # list is there, and the county outline check flags any such coordinate long before it is drawn).
    for lat, lon in [(48.8566, 2.3522), (25.0330, 121.5654), (-33.86, 151.21), (35.68, 139.69)]:
        g_lat, g_lon = wgs84_to_gcj02(lat, lon)
        assert (float(g_lat), float(g_lon)) == (lat, lon)
        assert from_crs(lat, lon, CRS.GCJ02) == (lat, lon)


def test_to_crs_and_from_crs_are_inverse_and_wgs84_is_identity() -> None:
    lat, lon = to_crs(*SHANGHE, CRS.WGS84)
    assert (float(lat), float(lon)) == SHANGHE
    g_lat, g_lon = to_crs(*SHANGHE, CRS.GCJ02)
    back = from_crs(float(g_lat), float(g_lon), CRS.GCJ02)
    assert distance_m(*back, *SHANGHE) < 0.01


def test_geometry_conversion_keeps_lon_lat_order_at_every_depth() -> None:
    ring = [[117.1, 37.2], [117.3, 37.2], [117.3, 37.4], [117.1, 37.2]]
    multi = {"type": "MultiPolygon", "coordinates": [[ring]]}
    point = {"type": "Point", "coordinates": [117.1566, 37.3097]}
    assert geometry_to_crs(multi, CRS.WGS84) is multi
    converted = geometry_to_crs(multi, CRS.GCJ02)["coordinates"][0][0]
    for (lon, lat), (c_lon, c_lat) in zip(ring, converted, strict=True):
        g_lat, g_lon = wgs84_to_gcj02(lat, lon)
        assert math.isclose(c_lon, float(g_lon)) and math.isclose(c_lat, float(g_lat))
    c_lon, c_lat = geometry_to_crs(point, CRS.GCJ02)["coordinates"]
    assert c_lon > 117.1566 and abs(c_lat - 37.3097) < 0.01
