"""A map of places, drawn as SVG by the service: country outlines from Natural Earth (1:50m, public
domain, as the world-atlas 2.0.2 package's TopoJSON, in web/data/), places with coordinates as
marks. A place is drawn as what it is: a town as a dot, a district or region as a wide dashed ring
around its centre, a country as its outline, filled. No tiles and nothing fetched: it works offline."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "countries-50m.json"
WIDTH, HEIGHT = 720, 420
# The least span of a map, in degrees of latitude: one place alone is shown with its region.
LEAST_SPAN = 4.0
# The radius, in km, a coarse place is drawn with: about the size of what it names.
RADIUS_KM = {"near": 5, "district": 25, "region": 60}


@dataclass(frozen=True)
class Mark:
    slug: str
    name: str
    precision: str
    x: float
    y: float
    radius: float
    incidents: int


@dataclass(frozen=True)
class Map:
    countries: list[tuple[str, str, bool]]  # name, SVG path, whether a place of the map is that country
    marks: list[Mark]
    width: int = WIDTH
    height: int = HEIGHT


@cache
def _countries() -> list[tuple[str, list[list[tuple[float, float]]]]]:
    """Every country as (name, rings of (longitude, latitude)), decoded from TopoJSON once a process
    (the file never changes while it runs)."""
    topology = json.loads(DATA.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        return points

    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry.get("arcs", [])]
        rings = [ring(r) for polygon in polygons for r in polygon]
        countries.append((geometry.get("properties", {}).get("name", ""), rings))
    return countries


def draw(places: list[dict]) -> Map | None:
    """A map framing the places that have coordinates (rows with slug, name, latitude, longitude,
    precision, incidents); None when none has."""
    located = [p for p in places if p["latitude"] is not None]
    if not located:
        return None
    lats = [p["latitude"] for p in located]
    lons = [p["longitude"] for p in located]
    middle = (min(lats) + max(lats)) / 2
    squeeze = max(math.cos(math.radians(middle)), 0.2)  # a degree of longitude is shorter away from the equator
    lat_span = max(max(lats) - min(lats), LEAST_SPAN) * 1.4
    lon_span = max((max(lons) - min(lons)) * 1.4, lat_span * WIDTH / HEIGHT / squeeze)
    lat_span = max(lat_span, lon_span * squeeze * HEIGHT / WIDTH)
    west, north = (min(lons) + max(lons)) / 2 - lon_span / 2, middle + lat_span / 2
    scale = WIDTH / lon_span

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * scale, (north - lat) * scale * squeeze

    countries = []
    named = {p["name"] for p in located if p["precision"] == "country"}
    for name, rings in _countries():
        parts = []
        for points in rings:
            if not any(
                west - 5 <= lon <= west + lon_span + 5 and north - lat_span - 5 <= lat <= north + 5
                for lon, lat in points
            ):
                continue
            parts.append(
                "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in (project(lon, lat) for lon, lat in points)) + "Z"
            )
        if parts:
            countries.append((name, "".join(parts), name in named))
    km = scale * squeeze / 111.0  # SVG units per kilometre
    marks = [
        Mark(
            p["slug"],
            p["name"],
            p["precision"],
            *project(p["longitude"], p["latitude"]),
            max(4.0, RADIUS_KM.get(p["precision"], 0) * km),
            p["incidents"],
        )
        for p in located
    ]
    return Map(countries, marks)
