"""GET /api/v1/municipalities: open, filtered, paginated; GET /api/v1/municipalities/{ags}: 404 as JSON."""

from __future__ import annotations

from typing import Any

from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import DATA, JAHNATAL, PIRNA, SOE

LIST = "/api/v1/municipalities"


def test_list_is_open_paginated_and_counts(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # data version, page with its total (decision 0027)
        response = client.get(LIST)
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["page"], data["page_size"], data["pages"]) == (74, 1, 50, 2)
    assert len(data["results"]) == 50
    second = client.get(LIST, {"page": 2}).json()
    assert len(second["results"]) == 24
    assert not {r["ags"] for r in data["results"]} & {r["ags"] for r in second["results"]}
    assert client.get(LIST, {"page": 3}).json()["results"] == []


def test_items_carry_ags_name_district_and_population(client: Any, mini_registry: ImportResult) -> None:
    item = client.get(LIST, {"q": "pirna"}).json()["results"][0]
    assert item == {"ags": PIRNA, "name": "Pirna, Stadt",
                    "district": {"ags": SOE, "name": "Sächsische Schweiz-Osterzgebirge"},
                    "population": 40128, "kind": "Stadt", "valid_until": None}


def test_filters_by_district_and_by_name_or_ags_prefix(client: Any, mini_registry: ImportResult) -> None:
    assert client.get(LIST, {"district": SOE}).json()["count"] == 36
    assert client.get(LIST, {"district": "14523", "q": "plauen"}).json()["count"] == 1
    assert [r["ags"] for r in client.get(LIST, {"q": "1462827"}).json()["results"]] == [PIRNA]
    assert client.get(LIST, {"q": "1462", "page_size": 5}).json()["count"] == 36


def test_malformed_filters_are_rejected(client: Any, mini_registry: ImportResult) -> None:
    assert client.get(LIST, {"district": "146"}).status_code == 422
    assert client.get(LIST, {"page": 0}).status_code == 422
    assert client.get(LIST, {"page_size": 10_000}).status_code == 422


def test_dissolved_municipalities_appear_only_when_asked_for(client: Any, db: None) -> None:
    import_registry(actor=None, sources=[DATA / "sachsen_gemeinden_2022-12-31.csv"])
    import_registry(actor=None)
    assert client.get(LIST, {"q": "Ostrau"}).json()["count"] == 0
    dissolved = client.get(LIST, {"q": "Ostrau", "include_dissolved": "true"}).json()["results"]
    assert [(r["ags"], r["valid_until"]) for r in dissolved] == [("14522450", "2022-12-31")]
    detail = client.get(f"{LIST}/14522450").json()
    assert detail["successor"] == {"ags": JAHNATAL, "name": "Jahnatal"}
    assert client.get(f"{LIST}/{JAHNATAL}").json()["predecessors"] == [
        {"ags": "14522450", "name": "Ostrau"}, {"ags": "14522620", "name": "Zschaitz-Ottewig"}]


def test_detail_has_the_public_registry_facts(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(4):  # data version, municipality, history, predecessors
        data = client.get(f"{LIST}/{PIRNA}").json()
    assert data["police_directorate"] == {"code": "pd-dresden", "name": "Polizeidirektion Dresden"}
    assert data["contact"]["phone"] == "03501 5560"
    assert data["area_km2"] == 53.06 and data["population_female"] == 20689
    assert "Graupa" in data["localities"]
    # Only registry facts: no organisations, users or anything from other apps.
    assert set(data) == {
        "ags", "ars", "name", "land", "kind", "district", "police_directorate", "association_ars",
        "association_name", "association_type", "population", "population_male", "population_female", "area_km2",
        "postcode", "multiple_postcodes", "reference_date", "valid_until", "successor", "predecessors", "contact",
        "localities", "history",
    }


def test_unknown_or_malformed_ags_gives_404_with_a_json_error(client: Any, mini_registry: ImportResult) -> None:
    for ags in ("14999999", "pirna", "1462827", "146282700"):
        response = client.get(f"{LIST}/{ags}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert ags in response.json()["detail"]
