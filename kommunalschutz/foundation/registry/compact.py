"""Municipality boundaries in a compact form per zoom level, built once per data version (decision 0033).

The GeoJSON document repeats every shared edge twice and writes each coordinate as a decimal; for all of
Germany that is several megabytes. The compact form keeps the same polygons, but

* **quantised**: every coordinate is an integer number of grid steps (``quantum`` degrees) from ``origin``,
  so a decoded coordinate is off by at most half a step (``max_error_deg``);
* **delta-encoded**: a ring is its first point followed by the steps to each next point, as one flat list of
  small integers (the closing point is left out; the reader closes the ring);
* **simplified per level** with Douglas-Peucker in metres (a local equirectangular projection): level 0 for the
  national view (zoom below 8), level 1 for a Land (zoom 8-9), level 2 unsimplified for closer views.

Neighbours stay gap-free: a boundary is cut into chains at every vertex where the set of rings passing
through it changes (TopoJSON's junctions), and each chain is simplified once, in a canonical direction, so
both rings that share it keep exactly the same vertices. A ring that would shrink below three corners at a
level gets all its vertices fixed, in every ring that shares them, and the level is simplified again: every
municipality is drawn at every level. Shared arcs are *not* written once (as TopoJSON does); gzip takes
most of that repetition.

Pure Python (the registry's ~11,000 polygons have about 20 vertices each); nothing is needed in the browser
but the few lines of ``decode`` in ``static/js/insights/public_map.js``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kommunalschutz.foundation.registry.geo import ATTRIBUTION

FORMAT = "ks-compact-1"
Point = tuple[int, int]


@dataclass(frozen=True)
class Level:
    number: int
    tolerance_m: float  # Douglas-Peucker tolerance; 0 = not simplified
    quantum: float  # grid step in degrees
    min_zoom: int  # the map uses this level from this Leaflet zoom on

    @property
    def max_error_deg(self) -> float:
        """How far a decoded (unsimplified) coordinate may lie from the stored one."""
        return self.quantum / 2


# At zoom 7 a pixel is about 770 m at 51° N, at zoom 9 about 190 m: each tolerance stays under a pixel.
LEVELS = (
    Level(0, 500.0, 0.001, 0),
    Level(1, 100.0, 0.0002, 8),
    Level(2, 0.0, 0.00001, 10),  # the shipped VG5000 has five decimals: lossless
)
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


def level(number: int) -> Level:
    return LEVELS[number]


# --- geometry helpers -----------------------------------------------------------------------------------


def polygons_of(geometry: dict[str, Any] | None) -> list[list[list[list[float]]]]:
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _quantise_ring(ring: Sequence[Sequence[float]], origin: tuple[float, float], quantum: float) -> list[Point]:
    points: list[Point] = []
    for x, y, *_rest in ring:
        point = (round((x - origin[0]) / quantum), round((y - origin[1]) / quantum))
        if not points or points[-1] != point:
            points.append(point)
    while len(points) > 1 and points[-1] == points[0]:
        points.pop()  # open ring: the closing point is implied
    return points


def ring_area(points: Sequence[Point]) -> float:
    """Twice the signed area of an open ring (grid units)."""
    total = 0
    for index, (x1, y1) in enumerate(points):
        x2, y2 = points[(index + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return float(total)


def _douglas_peucker(chain: Sequence[Point], tolerance: float, sx: float, sy: float) -> list[int]:
    """Indices of the points of ``chain`` kept (first and last always), distances in metres."""
    count = len(chain)
    if count < 3 or tolerance <= 0:
        return list(range(count))
    keep = [False] * count
    keep[0] = keep[-1] = True
    stack = [(0, count - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        ax, ay = chain[first][0] * sx, chain[first][1] * sy
        bx, by = chain[last][0] * sx, chain[last][1] * sy
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        worst, worst_index = -1.0, -1
        for index in range(first + 1, last):
            px, py = chain[index][0] * sx - ax, chain[index][1] * sy - ay
            if length == 0:
                distance = px * px + py * py
            else:
                t = max(0.0, min(1.0, (px * dx + py * dy) / length))
                ex, ey = px - t * dx, py - t * dy
                distance = ex * ex + ey * ey
            if distance > worst:
                worst, worst_index = distance, index
        if worst > limit:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    return [index for index, kept in enumerate(keep) if kept]


class _Topology:
    """Every ring as quantised points, and which rings pass through each point."""

    def __init__(self, rings: list[list[Point]]) -> None:
        self.rings = rings
        through: dict[Point, set[int]] = defaultdict(set)
        for number, ring in enumerate(rings):
            for point in ring:
                through[point].add(number)
        self.through = {point: frozenset(numbers) for point, numbers in through.items()}

    def simplify(self, tolerance: float, sx: float, sy: float, fixed: set[Point]) -> list[list[Point]]:
        done: dict[tuple[Point, ...], tuple[Point, ...]] = {}
        result = []
        for ring in self.rings:
            result.append(self._ring(ring, tolerance, sx, sy, fixed, done))
        return result

    def _breaks(self, ring: list[Point], fixed: set[Point]) -> list[int]:
        count = len(ring)
        sets = [self.through[point] for point in ring]
        return [index for index in range(count)
                if ring[index] in fixed or sets[index] != sets[index - 1] or sets[index] != sets[(index + 1) % count]]

    def _ring(self, ring: list[Point], tolerance: float, sx: float, sy: float, fixed: set[Point],
              done: dict[tuple[Point, ...], tuple[Point, ...]]) -> list[Point]:
        if tolerance <= 0 or len(ring) <= 3:
            return ring
        breaks = self._breaks(ring, fixed)
        if not breaks:  # a ring shared whole (an enclave and the hole around it) or an island
            start = ring.index(min(ring))
            ring = ring[start:] + ring[:start]
            breaks = [0]
        if len(breaks) == 1:
            # A closed chain needs a second fixed point: the one farthest from the first (the same whichever
            # ring walks it, since the points are the same).
            origin = ring[breaks[0]]
            far = max(range(len(ring)), key=lambda i: (((ring[i][0] - origin[0]) * sx) ** 2
                                                       + ((ring[i][1] - origin[1]) * sy) ** 2, ring[i]))
            breaks = sorted({breaks[0], far})
        kept: list[Point] = []
        count = len(ring)
        for position, start in enumerate(breaks):
            end = breaks[(position + 1) % len(breaks)]
            indices = range(start, end + 1) if end > start else [*range(start, count), *range(0, end + 1)]
            chain = tuple(ring[i] for i in indices)
            kept.extend(self._chain(chain, tolerance, sx, sy, done)[:-1])
        return kept

    @staticmethod
    def _chain(chain: tuple[Point, ...], tolerance: float, sx: float, sy: float,
               done: dict[tuple[Point, ...], tuple[Point, ...]]) -> tuple[Point, ...]:
        """The chain simplified in a canonical direction, so its neighbour walking it backwards agrees."""
        forward = chain if chain <= chain[::-1] else chain[::-1]
        simplified = done.get(forward)
        if simplified is None:
            simplified = tuple(forward[i] for i in _douglas_peucker(forward, tolerance, sx, sy))
            done[forward] = simplified
        return simplified if forward is chain else simplified[::-1]


@dataclass(frozen=True)
class Feature:
    ags: str
    name: str
    district: str
    district_name: str
    geometry: dict[str, Any] | None


def encode(features: Iterable[Feature], lvl: Level) -> dict[str, Any]:
    """The compact document of ``features`` at ``lvl`` (see the module docstring for the format)."""
    features = list(features)
    rings: list[list[Point]] = []
    shape: list[list[list[int]]] = []  # per feature, per polygon: the ring numbers
    xs: list[float] = []
    ys: list[float] = []
    for feature in features:
        for polygon in polygons_of(feature.geometry):
            for ring in polygon:
                xs.extend(point[0] for point in ring)
                ys.extend(point[1] for point in ring)
    origin = (math.floor(min(xs)) if xs else 0.0, math.floor(min(ys)) if ys else 0.0)
    for feature in features:
        polygons = []
        for polygon in polygons_of(feature.geometry):
            numbers = []
            for ring in polygon:
                points = _quantise_ring(ring, origin, lvl.quantum)
                if len(points) >= 3 and ring_area(points) != 0:
                    numbers.append(len(rings))
                    rings.append(points)
            if numbers:
                polygons.append(numbers)
        if not polygons:
            # Smaller than a grid step (only at the coarse levels): drawn as a one-step triangle at its first
            # corner, so it can still be seen, hovered and selected, never dropped.
            first = next(iter(polygons_of(feature.geometry)), [[[origin[0], origin[1]]]])[0][0]
            x, y = round((first[0] - origin[0]) / lvl.quantum), round((first[1] - origin[1]) / lvl.quantum)
            polygons.append([len(rings)])
            rings.append([(x, y), (x + 1, y), (x, y + 1)])
        shape.append(polygons)

    mid_lat = (min(ys) + max(ys)) / 2 if ys else 51.0
    sx = lvl.quantum * M_PER_DEG_LON_EQUATOR * math.cos(math.radians(mid_lat))
    sy = lvl.quantum * M_PER_DEG_LAT
    topology = _Topology(rings)
    fixed: set[Point] = set()
    simplified = topology.simplify(lvl.tolerance_m, sx, sy, fixed)
    for _round in range(5):  # rings that collapsed fix their corners everywhere; bounded, usually one round
        collapsed = [number for number, ring in enumerate(simplified)
                     if len(ring) < 3 or ring_area(ring) == 0]
        if not collapsed:
            break
        for number in collapsed:
            fixed.update(rings[number])
        simplified = topology.simplify(lvl.tolerance_m, sx, sy, fixed)

    districts: dict[str, str] = {}
    encoded = []
    for feature, polygons in zip(features, shape, strict=True):
        districts[feature.district] = feature.district_name
        encoded.append([feature.ags, feature.name, feature.district,
                        [[_delta(simplified[number]) for number in numbers] for numbers in polygons]])
    return {
        "format": FORMAT,
        "level": lvl.number,
        "tolerance_m": lvl.tolerance_m,
        "quantum": lvl.quantum,
        "origin": list(origin),
        "levels": [{"level": item.number, "min_zoom": item.min_zoom, "tolerance_m": item.tolerance_m}
                   for item in LEVELS],
        "attribution": ATTRIBUTION,
        "districts": districts,
        "features": encoded,
    }


def _delta(points: Sequence[Point]) -> list[int]:
    flat: list[int] = []
    previous = (0, 0)
    for x, y in points:
        flat.append(x - previous[0])
        flat.append(y - previous[1])
        previous = (x, y)
    return flat


def decode(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """GeoJSON geometries by AGS, rings closed (what the map's script does; for tests and tools)."""
    quantum = document["quantum"]
    ox, oy = document["origin"]
    result = {}
    for ags, _name, _district, polygons in document["features"]:
        coordinates = []
        for polygon in polygons:
            rings = []
            for flat in polygon:
                x = y = 0
                ring = []
                for index in range(0, len(flat), 2):
                    x += flat[index]
                    y += flat[index + 1]
                    ring.append([ox + x * quantum, oy + y * quantum])
                ring.append(ring[0])
                rings.append(ring)
            coordinates.append(rings)
        result[ags] = {"type": "MultiPolygon", "coordinates": coordinates}
    return result


def render(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def features(land: str = "") -> list[Feature]:
    """The current municipalities with a boundary, by AGS (one query, no model instances)."""
    from kommunalschutz.foundation.registry.models import Municipality

    queryset = Municipality.objects.filter(valid_until__isnull=True, boundary__isnull=False)
    if land:
        queryset = queryset.filter(land=land)
    return [Feature(*row) for row in queryset.order_by("ags").values_list(
        "ags", "name", "district__ags", "district__name", "boundary")]


def build(land: str, number: int) -> bytes:
    return render(encode(features(land), level(number)))
