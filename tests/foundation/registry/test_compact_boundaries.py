"""The compact boundaries (decision 0033): valid at every level, gap-free between neighbours, within the stated
tolerance of the shipped polygons, and served once per data version with ETag/304 and gzip."""

from __future__ import annotations

import gzip
import itertools
import json
import math
from typing import Any

import pytest

from kommunalschutz.foundation.registry import compact
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import Municipality
from tests.foundation.registry.conftest import PIRNA

URL = "/api/v1/geo/municipalities.compact.json"
SAXONY_FILE = "sachsen_gemeinden_gv2025_vg5000.geojson"


def _saxony() -> list[compact.Feature]:
    from kommunalschutz.foundation.registry.basemap import DATA_DIR  # the registry's shipped data

    data = json.loads((DATA_DIR / SAXONY_FILE).read_text(encoding="utf-8"))
    return [compact.Feature(f["properties"]["ags"], f["properties"]["name"], f["properties"]["kreis_ags"],
                            f["properties"]["kreis_name"], f["geometry"]) for f in data["features"]]


@pytest.fixture(scope="module")
def saxony_features() -> list[compact.Feature]:
    return _saxony()


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    return [ring for polygon in compact.polygons_of(geometry) for ring in polygon]


def _metres(lat: float) -> tuple[float, float]:
    return compact.M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat)), compact.M_PER_DEG_LAT


def _distance_to_rings(point: list[float], rings: list[list[list[float]]], sx: float, sy: float) -> float:
    px, py = point[0] * sx, point[1] * sy
    best = math.inf
    for ring in rings:
        for (ax, ay), (bx, by) in itertools.pairwise(ring):
            ax, ay, bx, by = ax * sx, ay * sy, bx * sx, by * sy
            dx, dy = bx - ax, by - ay
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
            best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


@pytest.mark.parametrize("number", [0, 1, 2])
def test_every_municipality_is_drawn_with_closed_valid_rings_at_every_level(
        saxony_features: list[compact.Feature], number: int) -> None:
    document = compact.encode(saxony_features, compact.level(number))
    decoded = compact.decode(json.loads(compact.render(document)))
    assert sorted(decoded) == sorted(f.ags for f in saxony_features)  # none lost
    for ags, geometry in decoded.items():
        rings = _rings(geometry)
        assert rings, ags
        for ring in rings:
            assert ring[0] == ring[-1], ags  # closed
            assert len({tuple(point) for point in ring}) >= 3, ags  # at least a triangle
            area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))
            assert area != 0, ags


def test_the_coarse_levels_are_much_smaller(saxony_features: list[compact.Feature]) -> None:
    sizes = [len(compact.render(compact.encode(saxony_features, compact.level(n)))) for n in (0, 1, 2)]
    assert sizes[0] < sizes[1] < sizes[2]
    geojson = len(json.dumps([f.geometry for f in saxony_features], separators=(",", ":")))
    assert sizes[2] < geojson * 0.6  # integers and deltas, no decimals (names included)


def test_level_2_round_trips_within_half_a_grid_step(saxony_features: list[compact.Feature]) -> None:
    lvl = compact.level(2)
    decoded = compact.decode(compact.encode(saxony_features, lvl))
    for feature in saxony_features:
        for original, back in zip(_rings(feature.geometry), _rings(decoded[feature.ags]), strict=True):
            # consecutive duplicates are dropped by the quantisation; the shipped file has none
            assert len(original) == len(back)
            for (x, y), (bx, by) in zip(original, back, strict=True):
                assert abs(x - bx) <= lvl.max_error_deg + 1e-12 and abs(y - by) <= lvl.max_error_deg + 1e-12


@pytest.mark.parametrize("number", [0, 1])
def test_simplified_boundaries_stay_within_the_tolerance(saxony_features: list[compact.Feature], number: int) -> None:
    lvl = compact.level(number)
    decoded = compact.decode(compact.encode(saxony_features, lvl))
    # Douglas-Peucker keeps every dropped corner within the tolerance; the grid adds up to half a step per axis.
    for feature in saxony_features[::7]:
        rings = _rings(decoded[feature.ags])
        for ring in _rings(feature.geometry):
            for point in ring:
                sx, sy = _metres(point[1])
                allowed = lvl.tolerance_m + math.hypot(sx, sy) * lvl.quantum
                assert _distance_to_rings(point, rings, sx, sy) <= allowed, feature.ags


@pytest.mark.parametrize("number", [0, 1])
def test_neighbours_keep_their_shared_corners_so_no_gaps_open(
        saxony_features: list[compact.Feature], number: int) -> None:
    lvl = compact.level(number)
    document = compact.encode(saxony_features, lvl)
    q, (ox, oy) = document["quantum"], document["origin"]

    def grid(geometry: dict[str, Any] | None) -> set[tuple[int, int]]:
        return {(round((x - ox) / q), round((y - oy) / q)) for ring in _rings(geometry) for x, y in ring}

    before = {f.ags: grid(f.geometry) for f in saxony_features}
    after = {ags: grid(geometry) for ags, geometry in compact.decode(document).items()}
    owners: dict[tuple[int, int], set[str]] = {}
    for ags, points in before.items():
        for point in points:
            owners.setdefault(point, set()).add(ags)
    kept_shared = 0
    for ags, points in after.items():
        for point in points:
            for other in owners.get(point, set()) - {ags}:
                assert point in after[other], (ags, other, point)  # the neighbour kept the same corner
                kept_shared += 1
    assert kept_shared > 1000  # Saxony's municipalities do share their boundaries


def test_a_tiny_municipality_beside_a_large_one_is_still_drawn() -> None:
    big = {"type": "Polygon", "coordinates": [[[13.0, 51.0], [13.2, 51.0], [13.2, 51.2], [13.0, 51.2], [13.0, 51.0]]]}
    # 50 m across, inside the coarse tolerance: without its corners fixed it would collapse to a line.
    tiny = {"type": "Polygon", "coordinates": [[[13.2, 51.1], [13.2007, 51.1002], [13.2, 51.1004], [13.2, 51.1]]]}
    features = [compact.Feature("1", "Groß", "9", "Kreis", big), compact.Feature("2", "Klein", "9", "Kreis", tiny)]
    for number in (0, 1, 2):
        decoded = compact.decode(compact.encode(features, compact.level(number)))
        assert sorted(decoded) == ["1", "2"]
        for geometry in decoded.values():
            assert all(len({tuple(p) for p in ring}) >= 3 for ring in _rings(geometry))


def test_the_endpoint_serves_each_level_with_etag_304_and_gzip(client: Any, mini_registry: ImportResult) -> None:
    plain = client.get(URL, {"land": "14", "level": "1"})
    assert plain.status_code == 200 and plain["Content-Type"].startswith("application/json")
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    data = json.loads(plain.content)
    assert data["format"] == compact.FORMAT and data["level"] == 1 and len(data["features"]) == 74
    pirna = next(item for item in data["features"] if item[0] == PIRNA)
    assert pirna[1] == "Pirna, Stadt" and data["districts"][pirna[2]] == "Sächsische Schweiz-Osterzgebirge"

    zipped = client.get(URL, {"land": "14", "level": "1"}, HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 2

    etag = plain["ETag"]
    assert zipped["ETag"] == etag and client.get(URL, {"land": "14", "level": "0"})["ETag"] != etag
    assert client.get(URL, {"land": "14", "level": "1"}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A registry write renews the data version: the old ETag no longer matches, the new answer shows it.
    Municipality.objects.filter(ags=PIRNA).update(name="Pirna, Große Kreisstadt")
    fresh = client.get(URL, {"land": "14", "level": "1"}, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert "Pirna, Große Kreisstadt" in fresh.content.decode()


@pytest.mark.parametrize("params", [{"level": "3"}, {"level": "-1"}, {"level": "x"}, {"land": "1"}])
def test_a_bad_level_or_land_gets_422_not_500(client: Any, mini_registry: ImportResult,
                                              params: dict[str, str]) -> None:
    response = client.get(URL, params)
    assert response.status_code == 422
