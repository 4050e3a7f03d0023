"""The map feed: the filtered, located enterprises as GeoJSON for one zoom, clustered on the server.

Point arrays are read once per (filter, list stamp) and kept per worker; each request then clusters them for
its zoom and tiles in a few milliseconds (dashboard.mapgrid) and the gzipped answer is kept as well.
"""

from __future__ import annotations

import gc
import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import orjson
from sqlalchemy import select

from dashboard.filters import EnterpriseFilter
from dashboard.geo import CRS, to_crs
from dashboard.mapgrid import Points, TileRange, cluster, single_ids, with_names
from dashboard.rules.vocab import Category, Grade
from data_access.db import Database
from data_access.enterprises import LEVEL_COLUMN, LOCATED, E, filtered

GRADES = [g.value for g in Grade]
_GRADE_INDEX = {g: i for i, g in enumerate(Grade)}
# Colouring by what enterprises must do at a level: the strictest first; unclassified last.
CATEGORIES = [
    c.value for c in (Category.STOP, Category.LIMIT, Category.TRANSPORT, Category.SELF, Category.GUARANTEE)
]
CATEGORIES.append("unclassified")
_CATEGORY_INDEX = {Category(c): i for i, c in enumerate(CATEGORIES[:-1])}

V = TypeVar("V")


class _LRU:
    """A small thread-safe LRU map (per worker): building a value twice is harmless, so no lock is held."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class FeedRequest:
    """What the map asks for: a filter, the CRS of the visible tiles, a zoom (None: every point) and tiles."""

    flt: EnterpriseFilter
    crs: CRS = CRS.WGS84
    zoom: int | None = None
    tiles: TileRange | None = None
    color: str = "grade"  # or "category": the category at the filter's level

    @property
    def by_category(self) -> bool:
        """Whether points are coloured by their category at the filter's level."""
        return self.color == "category" and self.flt.level is not None


def load_points(db: Database, flt: EnterpriseFilter, by_category: bool = False) -> Points:
    """The located filtered enterprises as WGS-84 arrays, in id order, classed by grade (or by category at
    the filter's level)."""
    if by_category and flt.level is not None:
        cls = LEVEL_COLUMN[flt.level]
        index = _CATEGORY_INDEX
        missing = len(CATEGORIES) - 1
    else:
        cls, index, missing = E.grade, _GRADE_INDEX, 0
    with db.read() as s:
        rows = s.execute(filtered(flt, E.id, cls, E.lat, E.lon).where(LOCATED).order_by(E.id)).all()
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    grades = np.fromiter((index.get(r[1], missing) for r in rows), dtype=np.int16, count=n)
    lat = np.fromiter((r[2] for r in rows), dtype=np.float64, count=n)
    lon = np.fromiter((r[3] for r in rows), dtype=np.float64, count=n)
    return Points(ids, grades, lat, lon)


def names(db: Database, ids: list[int]) -> dict[int, str]:
    """Enterprise names by id (the tooltips of single points), in batches the databases accept."""
    out: dict[int, str] = {}
    with db.read() as s:
        for i in range(0, len(ids), 5000):
            out.update(
                (eid, name)
                for eid, name in s.execute(select(E.id, E.name).where(E.id.in_(ids[i : i + 5000])))
            )
    return out


def _count(feature: dict[str, Any]) -> int:
    return int(feature["properties"].get("count", 1))


def render(db: Database, req: FeedRequest, points: Points) -> bytes:
    """The FeatureCollection (JSON bytes) of points for one request: clustered at its zoom, names added."""
    # Many small dicts at once: the cyclic GC would run over and over, and none of them forms a cycle.
    gc.disable()
    try:
        zoom = 99 if req.zoom is None else req.zoom  # no zoom: every point by itself
        if req.by_category:
            features = cluster(points, zoom, CATEGORIES, req.tiles, ("category", "categories"))
        else:
            features = cluster(points, zoom, GRADES, req.tiles)
        with_names(features, names(db, single_ids(features)))
        # A foreign member (RFC 7946 §6.1) says what the positions are: WGS-84 unless for GCJ-02 tiles.
        meta = {
            "crs": req.crs.value,
            "zoom": req.zoom,
            "points": sum(_count(f) for f in features),
            "color": "category" if req.by_category else "grade",
        }
        return orjson.dumps({"type": "FeatureCollection", "features": features, "hazeops": meta})
    finally:
        gc.enable()


def collection(db: Database, req: FeedRequest) -> bytes:
    """The same answer as the feed, uncached (for the API's callers and tests)."""
    wgs = load_points(db, req.flt, req.by_category)
    lat, lon = to_crs(wgs.lat, wgs.lon, req.crs)
    return render(db, req, Points(wgs.ids, wgs.grades, lat, lon))


class MapFeed:
    """Per-worker caches: WGS-84 points per (filter, stamp), converted points per CRS, gzipped answers."""

    def __init__(self) -> None:
        self._points = _LRU(8)
        self._converted = _LRU(8)
        self._bodies = _LRU(256)

    def points(
        self, db: Database, flt: EnterpriseFilter, stamp: str, crs: CRS, by_category: bool = False
    ) -> Points:
        """The filter's points as drawn in crs."""
        key = (flt.query_string(), stamp, by_category)
        wgs = self._points.get(key, lambda: load_points(db, flt, by_category))
        if crs is CRS.WGS84:
            return wgs

        def convert() -> Points:
            lat, lon = to_crs(wgs.lat, wgs.lon, crs)
            return Points(wgs.ids, wgs.grades, lat, lon)

        return self._converted.get((*key, crs), convert)

    def body(self, db: Database, req: FeedRequest, stamp: str) -> bytes:
        """The gzipped GeoJSON FeatureCollection for one request."""
        key = (req.flt.query_string(), stamp, req.crs, req.zoom, req.tiles, req.by_category)
        return self._bodies.get(key, lambda: self._build(db, req, stamp))

    def _build(self, db: Database, req: FeedRequest, stamp: str) -> bytes:
        points = self.points(db, req.flt, stamp, req.crs, req.by_category)
        return gzip.compress(render(db, req, points), compresslevel=5)

    def clear(self) -> None:
        """Forget everything (tests, benchmarks)."""
        for cache in (self._points, self._converted, self._bodies):
            cache.clear()
