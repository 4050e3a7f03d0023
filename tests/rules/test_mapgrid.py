"""Server-side clustering: exact counts, grade slices, tiles that never cut a cluster."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from dashboard.mapgrid import CELL_PX, SINGLE_ZOOM, Points, TileRange, cluster, world_pixels

GRADES = ["A", "B", "C", "D"]


def pts(rows: list[tuple[int, str, float, float]]) -> Points:
    return Points(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([GRADES.index(r[1]) for r in rows], dtype=np.int16),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
    )


def cell_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """Web Mercator cell, written out independently of the code under test."""
    size = 256 * 2**zoom
    x = (lon + 180) / 360 * size
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * size
    return int(x // CELL_PX), int(y // CELL_PX)


def test_a_hand_made_case_three_neighbours_cluster_and_a_far_firm_stays_single() -> None:
    near = [(1, "C", 37.3001, 117.1500), (2, "C", 37.3002, 117.1502), (3, "A", 37.3000, 117.1501)]
    far = [(4, "D", 37.45, 117.35)]
    features = cluster(pts(near + far), 12, GRADES)
    clusters = [f for f in features if f["properties"].get("cluster")]
    singles = [f for f in features if not f["properties"].get("cluster")]
    assert len(clusters) == 1 and len(singles) == 1
    props = clusters[0]["properties"]
    assert props["count"] == 3 and props["grades"] == {"A": 1, "C": 2}
    (south, west), (north, east) = props["bounds"]
    assert (south, west, north, east) == (37.3000, 117.1500, 37.3002, 117.1502)
    lon, lat = clusters[0]["geometry"]["coordinates"]  # GeoJSON order, the members' mean
    assert math.isclose(lat, (37.3001 + 37.3002 + 37.3000) / 3) and math.isclose(lon, 117.1501)
    assert singles[0]["properties"] == {"id": 4, "grade": "D"}
    assert singles[0]["geometry"]["coordinates"] == [117.35, 37.45]


def random_points(n: int, seed: int = 3) -> Points:
    rng = np.random.default_rng(seed)
    lat = rng.uniform(37.1, 37.53, n)
    lon = rng.uniform(116.97, 117.43, n)
    return Points(np.arange(1, n + 1, dtype=np.int64), rng.integers(0, 4, n).astype(np.int16), lat, lon)


@pytest.mark.parametrize("zoom", [8, 10, 12, 14, 16])
def test_counts_per_cell_match_an_independent_computation(zoom: int) -> None:
    p = random_points(3000)
    want = Counter(cell_of(la, lo, zoom) for la, lo in zip(p.lat.tolist(), p.lon.tolist(), strict=True))
    features = cluster(p, zoom, GRADES)
    got = sorted(f["properties"].get("count", 1) for f in features)
    assert got == sorted(want.values())
    assert sum(got) == len(p)
    for f in features:
        if f["properties"].get("cluster"):
            assert sum(f["properties"]["grades"].values()) == f["properties"]["count"]


def test_every_grade_is_counted_once() -> None:
    p = random_points(2000)
    totals: Counter[str] = Counter()
    for f in cluster(p, 11, GRADES):
        props = f["properties"]
        totals.update(props["grades"] if props.get("cluster") else {props["grade"]: 1})
    assert totals == Counter(GRADES[g] for g in p.grades.tolist())


def test_tiles_split_the_view_without_cutting_a_cluster() -> None:
    p = random_points(4000)
    zoom = 13
    x, y = world_pixels(p.lat, p.lon, zoom)
    tx0, tx1 = int(x.min() // 256), int(x.max() // 256)
    ty0, ty1 = int(y.min() // 256), int(y.max() // 256)
    whole = cluster(p, zoom, GRADES, TileRange(tx0, ty0, tx1, ty1))
    mid = (tx0 + tx1) // 2
    left = cluster(p, zoom, GRADES, TileRange(tx0, ty0, mid, ty1))
    right = cluster(p, zoom, GRADES, TileRange(mid + 1, ty0, tx1, ty1))
    key = lambda f: (f["geometry"]["coordinates"], f["properties"].get("count", 1))  # noqa: E731
    assert sorted(map(key, left + right)) == sorted(map(key, whole))
    assert sum(f["properties"].get("count", 1) for f in whole) == len(p)


def test_outside_the_tiles_nothing_is_sent() -> None:
    p = random_points(500)
    assert cluster(p, 13, GRADES, TileRange(0, 0, 10, 10)) == []


def test_from_single_zoom_on_every_firm_is_its_own_feature() -> None:
    p = pts([(1, "A", 37.3, 117.15), (2, "B", 37.3, 117.15), (3, "C", 37.30001, 117.15)])
    features = cluster(p, SINGLE_ZOOM, GRADES)
    assert [f["properties"]["id"] for f in features] == [1, 2, 3]


def test_tile_ranges_outside_the_world_are_refused() -> None:
    assert TileRange.parse("1,2,3,4", 5) == TileRange(1, 2, 3, 4)
    for raw, zoom in (("0,0,4", 3), ("0,0,8,1", 3), ("3,0,1,1", 3), ("-1,0,1,1", 3), ("a,b,c,d", 3)):
        with pytest.raises(ValueError):
            TileRange.parse(raw, zoom)


def test_no_points_no_features() -> None:
    assert cluster(pts([]), 10, GRADES) == []
