"""The municipality page: facts, town hall, localities, a boundary map and the history."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.registry.services import import_registry
from tests.conftest import World
from tests.foundation.registry.conftest import DATA, JAHNATAL, PIRNA


def _url(ags: str) -> str:
    return reverse("registry:municipality_detail", args=[ags])


def test_pirna_page_shows_district_police_population_and_town_hall(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    # site state, municipality with district and directorate, history, predecessors
    with django_assert_num_queries(4):
        response = client.get(_url(PIRNA), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Pirna, Stadt</h1>" in body
    assert "Sächsische Schweiz-Osterzgebirge" in body
    assert "Polizeidirektion Dresden" in body
    assert "40,128" in body and "20,689 female, 19,439 male" in body
    assert "Pirna (Verwaltungsgemeinschaft)" in body
    assert "53.06 km²" in body
    assert "Am Markt 1/2" in body and "03501 5560" in body and "stadtverwaltung@pirna.de" in body
    assert "<li>Graupa</li>" in body


def test_pirna_page_has_a_boundary_map_fed_by_json_script_with_attribution(
    client: Any, mini_registry: ImportResult
) -> None:
    body = client.get(_url(PIRNA)).content.decode()
    assert 'data-geojson-script="municipality-boundary"' in body
    data = re.search(r'<script id="municipality-boundary" type="application/json">(.*?)</script>', body, re.S)
    assert data is not None
    feature = json.loads(data.group(1))
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
    assert "© GeoBasis-DE / <a href=\"https://www.bkg.bund.de\">BKG</a> 2021" in body
    assert "© Statistisches Bundesamt (Destatis) 2025" in body
    assert "vendor/leaflet/leaflet.js" in body and "js/map.js" in body


def test_unknown_or_malformed_ags_gives_404(client: Any, mini_registry: ImportResult) -> None:
    assert client.get(_url("14999999")).status_code == 404
    assert client.get(_url("pirna")).status_code == 404


def test_jahnatal_page_lists_its_predecessors(client: Any, saxony: ImportResult) -> None:
    body = client.get(_url(JAHNATAL), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "newly formed" in body
    assert "Ostrau" in body and "14522450" in body and "Zschaitz-Ottewig" in body


def test_merged_municipality_page_says_until_when_and_links_the_successor(client: Any, db: None) -> None:
    import_registry(actor=None, sources=[DATA / "sachsen_gemeinden_2022-12-31.csv"])
    import_registry(actor=None)
    body = client.get(_url("14522450"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "it existed until 31.12.2022" in body
    assert f'href="{_url(JAHNATAL)}"' in body
    assert "merged into another municipality" in body


def test_municipality_without_boundary_says_so_instead_of_a_map(client: Any, db: None) -> None:
    import_registry(actor=None, land="14", sources=[DATA / "mini_gemeinden.csv", DATA / "mini_police_directorates.csv"],
                    boundaries=False)
    body = client.get(_url(PIRNA), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No boundary is available" in body
    assert "data-map" not in body and "leaflet.js" not in body


@pytest.mark.parametrize(("persona", "sees_link"), [("auditor", True), ("coordinator", True),
                                                     ("pirna_coordinator", False), ("outsider", False)])
def test_audit_trail_link_only_for_those_who_may_read_it(
    world: World, mini_registry: ImportResult, login: Any, persona: str, sees_link: bool
) -> None:
    pirna = Municipality.objects.get(ags=PIRNA)
    body = login(getattr(world, persona)).get(_url(PIRNA)).content.decode()
    history_url = reverse("core:object_history", args=["registry.municipality", pirna.pk])
    assert (history_url in body) is sees_link


def test_anonymous_visitor_sees_no_audit_trail_link(client: Any, mini_registry: ImportResult) -> None:
    assert "/protokoll/" not in client.get(_url(PIRNA)).content.decode()
