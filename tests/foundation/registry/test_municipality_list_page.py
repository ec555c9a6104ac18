"""The searchable municipality list works without JavaScript and answers the live search with a fragment."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult
from tests.foundation.registry.conftest import SOE

URL = reverse("registry:municipality_list")


def _names(response: Any) -> list[str]:
    return [m.name for m in response.context["page"].object_list]


def test_list_shows_name_ags_district_and_population_paginated(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    # site state, district choices, count, page
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 74 and len(page.object_list) == 50
    body = response.content.decode()
    assert "Pirna, Stadt" in body and "14628270" in body and "40.128" in body
    assert 'rel="next"' in body
    second = client.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 24


def test_search_finds_by_part_of_the_name_in_any_case_and_spelling(client: Any, mini_registry: ImportResult) -> None:
    assert _names(client.get(URL, {"q": "PIRNA"})) == ["Pirna, Stadt"]
    # casefold(): "ß" and "ss" match each other.
    assert _names(client.get(URL, {"q": "berggiesshübel"})) == ["Bad Gottleuba-Berggießhübel, Stadt"]


def test_search_finds_by_ags_prefix(client: Any, mini_registry: ImportResult) -> None:
    response = client.get(URL, {"q": "1462827"})
    assert _names(response) == ["Pirna, Stadt"]
    assert client.get(URL, {"q": "14523"}).context["page"].paginator.count == 37


def test_district_filter_limits_the_list(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):  # + the district lookup of the filter
        response = client.get(URL, {"district": SOE})
    assert response.context["page"].paginator.count == 36
    assert {m.district.ags for m in response.context["page"].object_list} == {SOE}


def test_unknown_district_is_a_form_error_not_a_crash(client: Any, mini_registry: ImportResult) -> None:
    response = client.get(URL, {"district": "99999"})
    assert response.status_code == 200
    assert response.context["form"].errors["district"]
    assert response.context["page"].paginator.count == 74


def test_live_search_gets_only_the_results_fragment(client: Any, mini_registry: ImportResult) -> None:
    response = client.get(URL, {"q": "plauen"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="municipality-results")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="municipality-results"')
    assert "<html" not in body and "Plauen, Stadt" in body


def test_form_is_usable_without_javascript(client: Any, mini_registry: ImportResult) -> None:
    body = client.get(URL).content.decode()
    assert f'<form method="get" action="{URL}"' in body
    assert '<label for="id_q">' in body and '<label for="id_district">' in body
    assert 'type="submit"' in body
    assert "<caption>" in body and 'scope="col"' in body


def test_empty_search_says_so(client: Any, mini_registry: ImportResult) -> None:
    response = client.get(URL, {"q": "Atlantis"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["page"].paginator.count == 0
    assert "No municipality matches your search." in response.content.decode()
