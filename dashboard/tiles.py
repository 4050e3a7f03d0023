"""Base maps by configuration: which tile layers a site may draw, in which CRS, from which hosts.

`TILE_PROVIDER` names one or more of `none` (no tiles: the county outline and the points, fully offline),
`osm`, `tianditu` (天地图, WGS-84 `_w` layers: roads + labels, imagery + labels) and `amap` (高德, GCJ-02).
The first one is shown at start; a user switches among them on the map. The CSP allows exactly these hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from dashboard.geo import CRS

PROVIDERS = ("none", "osm", "tianditu", "amap")


@dataclass(frozen=True)
class Tiles:
    """One raster tile layer: URL template ({s} subdomain, {z}/{x}/{y}), subdomains and zoom range."""

    url: str
    provider: str  # whose tiles: the attribution is the catalog key map.attribution.<provider>
    subdomains: str = ""
    max_zoom: int = 18

    def hosts(self) -> list[str]:
        """Every origin the template can reach (one per subdomain)."""
        subs = list(self.subdomains) or [""]
        return sorted({_origin(self.url.replace("{s}", s)) for s in subs})


@dataclass(frozen=True)
class BaseMap:
    """A base map a user can pick: its layers drawn together, and the CRS they are drawn in."""

    key: str  # stable id, also the catalog key map.base.<key>
    crs: CRS
    layers: tuple[Tiles, ...] = ()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _tianditu(layer: str, key: str) -> Tiles:
    return Tiles(
        url=(
            f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
        ),
        provider="tianditu",
        subdomains="01234567",
        max_zoom=18,
    )


def _amap(host: str, style: int) -> Tiles:
    return Tiles(
        url=f"https://{host}0{{s}}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style={style}"
        "&x={x}&y={y}&z={z}",
        provider="amap",
        subdomains="1234",
        max_zoom=18,
    )


def base_maps(providers: tuple[str, ...], tianditu_key: str | None = None) -> list[BaseMap]:
    """The base maps of the configured providers, in the order given; `none` is a map without tiles."""
    maps: list[BaseMap] = []
    for name in providers:
        if name == "none":
            maps.append(BaseMap("none", CRS.WGS84))
        elif name == "osm":
            osm = Tiles("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "osm", max_zoom=19)
            maps.append(BaseMap("osm", CRS.WGS84, (osm,)))
        elif name == "tianditu":
            if not tianditu_key:
                raise ValueError("tianditu needs a key")
            maps.append(
                BaseMap(
                    "tianditu_vec",
                    CRS.WGS84,
                    (_tianditu("vec", tianditu_key), _tianditu("cva", tianditu_key)),
                )
            )
            maps.append(
                BaseMap(
                    "tianditu_img",
                    CRS.WGS84,
                    (_tianditu("img", tianditu_key), _tianditu("cia", tianditu_key)),
                )
            )
        elif name == "amap":
            maps.append(BaseMap("amap_vec", CRS.GCJ02, (_amap("webrd", 8),)))
            maps.append(BaseMap("amap_img", CRS.GCJ02, (_amap("webst", 6), _amap("webst", 8))))
        else:
            raise ValueError(name)
    return maps


def tile_hosts(maps: list[BaseMap]) -> list[str]:
    """Every tile origin the configured base maps use (for the CSP's img-src)."""
    return sorted({h for m in maps for layer in m.layers for h in layer.hosts()})
