"""Positions: the one place that orders latitude and longitude (GeoJSON [lon, lat], Leaflet [lat, lon])
and converts between WGS-84 (what HazeOps stores) and GCJ-02 (what 高德 tiles are drawn in)."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


class CRS(StrEnum):
    """Coordinate reference systems a position can be in."""

    WGS84 = "wgs84"  # GPS, 天地图 `_w` layers, OpenStreetMap; CGCS2000 agrees within centimetres
    GCJ02 = "gcj02"  # 高德, Tencent: the offset every public online map in mainland China must apply


def valid(lat: float | None, lon: float | None) -> bool:
    """True when both numbers are present, finite and in range (anything else never reaches a map)."""
    return (
        lat is not None
        and lon is not None
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def geojson_position(lat: float, lon: float) -> list[float]:
    """A GeoJSON position: [longitude, latitude] (RFC 7946 §3.1.1)."""
    return [lon, lat]


def leaflet_position(lat: float, lon: float) -> list[float]:
    """A Leaflet LatLng: [latitude, longitude]."""
    return [lat, lon]


def bounds(points: list[tuple[float, float]]) -> list[list[float]]:
    """Leaflet bounds [[south, west], [north, east]] of (lat, lon) points."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [leaflet_position(min(lats), min(lons)), leaflet_position(max(lats), max(lons))]


# -- WGS-84 ⇄ GCJ-02 ------------------------------------------------------------------------------------
# The public form of the GCJ-02 obfuscation (the Krasovsky 1940 ellipsoid and the published distortion
# series). It is defined only for mainland China: elsewhere 高德 draws WGS-84, so positions pass unchanged.

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared

# Mainland China: the rectangle every public implementation uses, less Taiwan (drawn without offset). It
# is coarse at the borders (it reaches Seoul and Singapore); a county's positions are far inside it.
_CHINA = (72.004, 0.8293, 137.8347, 55.8271)  # west, south, east, north
_TAIWAN = (119.9, 21.8, 122.1, 25.35)


def _inside(box: tuple[float, float, float, float], lat: NDArray[Any], lon: NDArray[Any]) -> NDArray[Any]:
    west, south, east, north = box
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def in_mainland_china(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.bool_]:
    """Where GCJ-02 applies (elementwise)."""
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return _inside(_CHINA, la, lo) & ~_inside(_TAIWAN, la, lo)


def _offset(lat: NDArray[Any], lon: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """The GCJ-02 offset (degrees of latitude, longitude) at a WGS-84 position."""
    x, y = lon - 105.0, lat - 35.0
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += common * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += common * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    # Metres of the series → degrees on the ellipsoid at this latitude.
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    """WGS-84 → GCJ-02 (elementwise; positions outside mainland China are returned unchanged)."""
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    d_lat, d_lon = _offset(la, lo)
    inside = in_mainland_china(la, lo)
    return np.where(inside, la + d_lat, la), np.where(inside, lo + d_lon, lo)


def gcj02_to_wgs84(lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    """GCJ-02 → WGS-84 by fixed-point iteration: the forward offset changes by millimetres per 500 m, so
    a few rounds leave under a millimetre (the one-step inverse many tools use is off by up to ~1 m)."""
    g_lat, g_lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    w_lat, w_lon = g_lat.copy(), g_lon.copy()
    for _ in range(6):
        f_lat, f_lon = wgs84_to_gcj02(w_lat, w_lon)
        w_lat, w_lon = w_lat - (f_lat - g_lat), w_lon - (f_lon - g_lon)
    inside = in_mainland_china(g_lat, g_lon)
    return np.where(inside, w_lat, g_lat), np.where(inside, w_lon, g_lon)


def to_crs(lat: ArrayLike, lon: ArrayLike, crs: CRS) -> tuple[NDArray[Any], NDArray[Any]]:
    """Stored WGS-84 positions as drawn on tiles of the given CRS."""
    if crs is CRS.GCJ02:
        return wgs84_to_gcj02(lat, lon)
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


def from_crs(lat: float, lon: float, crs: CRS) -> tuple[float, float]:
    """A position read off tiles of the given CRS (a click), back to WGS-84."""
    if crs is CRS.GCJ02:
        w_lat, w_lon = gcj02_to_wgs84(lat, lon)
        return float(w_lat), float(w_lon)
    return lat, lon


def geometry_to_crs(geometry: dict[str, Any], crs: CRS) -> dict[str, Any]:
    """A GeoJSON geometry (Point … MultiPolygon) with every position converted to the given CRS."""
    if crs is CRS.WGS84:
        return geometry

    def convert(coords: Any) -> Any:
        arr = np.asarray(coords, dtype=float)
        if arr.ndim == 1:  # one position [lon, lat]
            la, lo = wgs84_to_gcj02(arr[1], arr[0])
            return geojson_position(float(la), float(lo))
        if arr.ndim == 2:  # a ring or line of positions
            la, lo = wgs84_to_gcj02(arr[:, 1], arr[:, 0])
            return np.column_stack([lo, la]).tolist()
        return [convert(part) for part in coords]

    return {**geometry, "coordinates": convert(geometry["coordinates"])}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))
