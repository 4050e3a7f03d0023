"""The county's reference geometry: the real 商河县 outline (see reference/README.md for its source)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from dashboard.geo import CRS, geometry_to_crs

OUTLINE = Path(__file__).resolve().parent / "reference" / "shanghe_370126_tianditu_cgcs2000.geojson"


@cache
def outline(crs: CRS = CRS.WGS84) -> dict[str, Any]:
    """The outline as a GeoJSON FeatureCollection (CGCS2000 = WGS-84 within centimetres), drawn for crs."""
    doc = json.loads(OUTLINE.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        feature["geometry"] = geometry_to_crs(feature["geometry"], crs)
    return doc


@cache
def outline_bounds() -> list[list[float]]:
    """Leaflet bounds [[south, west], [north, east]] of the outline."""
    from shapely.geometry import shape

    minx, miny, maxx, maxy = shape(outline()["features"][0]["geometry"]).bounds
    return [[miny, minx], [maxy, maxx]]
