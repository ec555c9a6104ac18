"""District list and district page: municipalities table, map and police directorate."""

from __future__ import annotations

import json
import re
from typing import Any

from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import DATA, SOE


def test_district_list_shows_every_district_with_its_directorate_and_counts(
    client: Any, saxony: ImportResult, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # site state, districts with counts and directorates
        response = client.get(reverse("registry:district_list"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<th scope="row">') == 13
    assert "13 districts" in body
    row = re.search(r"Sächsische Schweiz-Osterzgebirge</a></th>(.*?)</tr>", body, re.S)
    assert row is not None
    assert "Polizeidirektion Dresden" in row.group(1) and ">36<" in row.group(1) and "243,996" in row.group(1)
    assert "State" not in body  # one state only: no state column


def test_district_page_lists_its_municipalities_and_draws_them(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # site state, district with directorate, municipalities
        response = client.get(reverse("registry:district_detail", args=[SOE]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sächsische Schweiz-Osterzgebirge</h1>" in body
    assert "Polizeidirektion Dresden" in body and "District office" in body and "Schloßhof 2/4" in body
    assert body.count('<th scope="row">') == 36
    data = re.search(r'<script id="district-municipalities" type="application/json">(.*?)</script>', body, re.S)
    assert data is not None
    assert len(json.loads(data.group(1))["features"]) == 36
    assert "© GeoBasis-DE" in body


def test_unknown_district_gives_404(client: Any, mini_registry: ImportResult) -> None:
    assert client.get(reverse("registry:district_detail", args=["14999"])).status_code == 404
    assert client.get(reverse("registry:district_detail", args=["abc"])).status_code == 404


def test_district_of_another_state_has_no_map_and_says_why(client: Any, db: None) -> None:
    import_registry(actor=None, land="09", sources=[DATA / "gv100ad_muenchen.txt"])
    body = client.get(reverse("registry:district_detail", args=["09162"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "München" in body
    assert "No boundaries are available for this district" in body
    assert "data-map" not in body
