"""The Saxony overview map: coloured municipalities from the API, a legend, and the same data as tables."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import MINI_SOURCES

URL = reverse("registry:overview_map")


def test_overview_map_loads_the_geojson_from_our_api_and_has_a_legend(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    # site state, districts, municipalities (without geometry), boundary check
    with django_assert_num_queries(4):
        response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    geojson_url = reverse("api-v1:municipalities_geojson")
    assert f'data-geojson-url="{geojson_url}?land=14"' in body
    assert 'data-color-by="police_directorate"' in body and 'data-legend="overview-legend"' in body
    assert '<select id="color-by" data-map-target="overview-map">' in body
    assert '<label for="color-by">' in body
    assert "© GeoBasis-DE" in body and "© Statistisches Bundesamt (Destatis) 2025" in body


def test_overview_tables_carry_the_information_of_the_map(client: Any, saxony: ImportResult) -> None:
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert len(response.context["municipalities"]) == 418
    assert 'id="overview-table"' in body and "<caption>" in body
    assert body.count('scope="row"') == 13 + 418
    assert "418 municipalities with 4,042,422 inhabitants" in body
    # Every municipality row names its district and police directorate.
    assert "<td>Sächsische Schweiz-Osterzgebirge</td>\n          <td>Polizeidirektion Dresden</td>" in body


def test_the_map_can_be_skipped_by_keyboard(client: Any, mini_registry: ImportResult) -> None:
    body = client.get(URL).content.decode()
    assert 'class="skip-map" href="#overview-map-after"' in body
    assert 'id="overview-map-after"' in body
    assert 'role="region"' in body and "aria-label=" in body


def test_overview_without_boundaries_explains_and_still_lists_everything(client: Any, db: None) -> None:
    import_registry(actor=None, sources=MINI_SOURCES, boundaries=False)
    body = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No boundaries have been imported" in body
    assert "data-map" not in body
    assert body.count('scope="row"') == 3 + 74
