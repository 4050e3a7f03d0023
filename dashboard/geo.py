"""Positions: the one place that orders latitude and longitude (GeoJSON [lon, lat], Leaflet [lat, lon])."""

from __future__ import annotations

import math


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
