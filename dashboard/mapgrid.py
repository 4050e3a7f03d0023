"""Server-side map clustering: the located points of a filter → clusters of a fixed pixel grid per zoom.

The browser never receives more features than fit on screen: each zoom level divides the world into cells
of CELL_PX screen pixels; a cell holding one enterprise is sent as that enterprise, a cell holding several as
one cluster with its count per grade (the ring's slices) and the bounds of its members (a click zooms there).
Cells are anchored to the world grid, not to the viewport, so panning never re-cuts a cluster, and a cluster's
count is exact: the counts of every feature sent add up to the points inside the requested tiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dashboard.geo import geojson_position, leaflet_position

TILE_PX = 256
CELL_PX = 64  # a cluster ring is 34–48 px wide: one per 64 px cell keeps them apart
CELLS_PER_TILE = TILE_PX // CELL_PX
SINGLE_ZOOM = 17  # from here on every enterprise is drawn by itself (a few buildings per screen)
MAX_ZOOM = 20


@dataclass(frozen=True)
class Points:
    """Located enterprises as parallel arrays (positions already in the CRS they will be drawn in)."""

    ids: NDArray[np.int64]
    grades: NDArray[np.int16]  # index into the grade order the caller passes to cluster()
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.ids.size)


@dataclass(frozen=True)
class TileRange:
    """Inclusive tile indices x0..x1, y0..y1 at one zoom (the viewport, rounded out to whole tiles)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def parse(cls, raw: str, zoom: int) -> TileRange:
        """Parse "x0,y0,x1,y1"; raise ValueError when malformed or outside the world at that zoom."""
        parts = [int(p) for p in raw.split(",")]
        if len(parts) != 4:
            raise ValueError(raw)
        x0, y0, x1, y1 = parts
        top = 2**zoom - 1
        if not (0 <= x0 <= x1 <= top and 0 <= y0 <= y1 <= top):
            raise ValueError(raw)
        return cls(x0, y0, x1, y1)


def world_pixels(lat: NDArray[Any], lon: NDArray[Any], zoom: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Web Mercator pixel coordinates of positions at a zoom (Leaflet's EPSG:3857 with 256 px tiles)."""
    scale = TILE_PX * 2.0**zoom
    x = (lon + 180.0) / 360.0 * scale
    rad = np.radians(np.clip(lat, -85.05112878, 85.05112878))
    y = (1.0 - np.arcsinh(np.tan(rad)) / np.pi) / 2.0 * scale
    return x, y


def cluster(
    points: Points,
    zoom: int,
    grade_order: list[str],
    tiles: TileRange | None = None,
    names: tuple[str, str] = ("grade", "grades"),
) -> list[dict[str, Any]]:
    """GeoJSON features for one zoom (and optionally only the given tiles), clusters and single points.

    Single points carry id and their class (with_names adds names); clusters carry count, the classes
    inside {class: n} and the Leaflet bounds of their members. The class is the grade, or (names
    ("category", "categories")) the category at a level. Features come in cell order, so equal input gives
    equal output.
    """
    if len(points) == 0:
        return []
    x, y = world_pixels(points.lat, points.lon, zoom)
    keep = np.ones(len(points), dtype=bool)
    if tiles is not None:
        px0, py0 = tiles.x0 * TILE_PX, tiles.y0 * TILE_PX
        px1, py1 = (tiles.x1 + 1) * TILE_PX, (tiles.y1 + 1) * TILE_PX
        keep = (x >= px0) & (x < px1) & (y >= py0) & (y < py1)
    idx = np.flatnonzero(keep)
    if zoom >= SINGLE_ZOOM:
        return [_single(points, int(i), grade_order, names[0]) for i in idx]
    if idx.size == 0:
        return []
    cx, cy = np.floor(x / CELL_PX).astype(np.int64), np.floor(y / CELL_PX).astype(np.int64)
    span = int(cy[idx].max()) + 1
    keys = cx[idx] * span + cy[idx]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    counts = np.diff(np.r_[starts, sorted_keys.size])
    members = idx[order]
    lat, lon, grades = points.lat[members], points.lon[members], points.grades[members]
    mean_lat = np.add.reduceat(lat, starts) / counts
    mean_lon = np.add.reduceat(lon, starts) / counts
    south, north = np.minimum.reduceat(lat, starts), np.maximum.reduceat(lat, starts)
    west, east = np.minimum.reduceat(lon, starts), np.maximum.reduceat(lon, starts)
    n_grades = len(grade_order)
    cell_of = np.repeat(np.arange(starts.size), counts)
    by_grade = np.bincount(cell_of * n_grades + grades, minlength=starts.size * n_grades).reshape(
        starts.size, n_grades
    )
    features: list[dict[str, Any]] = []
    for c in range(starts.size):
        if counts[c] == 1:
            features.append(_single(points, int(members[starts[c]]), grade_order, names[0]))
            continue
        row = by_grade[c]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": geojson_position(float(mean_lat[c]), float(mean_lon[c])),
                },
                "properties": {
                    "cluster": True,
                    "count": int(counts[c]),
                    names[1]: {grade_order[g]: int(row[g]) for g in np.flatnonzero(row)},
                    "bounds": [
                        leaflet_position(float(south[c]), float(west[c])),
                        leaflet_position(float(north[c]), float(east[c])),
                    ],
                },
            }
        )
    return features


def _single(points: Points, i: int, grade_order: list[str], key: str = "grade") -> dict[str, Any]:
    props: dict[str, Any] = {"id": int(points.ids[i]), key: grade_order[int(points.grades[i])]}
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": geojson_position(float(points.lat[i]), float(points.lon[i])),
        },
        "properties": props,
    }


def single_ids(features: list[dict[str, Any]]) -> list[int]:
    """The enterprise ids of the features that are single points (whose names the caller looks up)."""
    return [f["properties"]["id"] for f in features if not f["properties"].get("cluster")]


def with_names(features: list[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """Give every single point its enterprise name (the tooltip); clusters are left as they are."""
    for f in features:
        props = f["properties"]
        if not props.get("cluster"):
            props["name"] = names.get(props["id"], "")
    return features
