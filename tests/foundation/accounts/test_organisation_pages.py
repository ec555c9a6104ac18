"""Organisation list and pages: need-to-know, and 404 (never 403) for everyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

LIST_URL = reverse("accounts:organisation_list")


def _detail(organisation: Any) -> str:
    return reverse("accounts:organisation_detail", args=[organisation.pk])


@pytest.mark.parametrize(("persona", "status"), [
    ("coordinator", 200), ("administrator", 200),
    ("pirna_coordinator", 404), ("pirna_official", 404), ("dresden_police", 404), ("lka_officer", 404),
    ("coach", 404), ("analyst", 404), ("auditor", 404), ("plauen_coordinator", 404), ("outsider", 404),
])
def test_organisation_list_is_for_the_coordination_office(world: World, login: Any, persona: str,
                                                         status: int) -> None:
    assert login(getattr(world, persona)).get(LIST_URL).status_code == status


def test_organisation_list_shows_kind_registry_entry_and_head_count(world: World, login: Any) -> None:
    html = login(world.coordinator).get(LIST_URL).content.decode()
    assert "Stadt Pirna" in html
    assert "Pirna, Stadt" in html  # the registry entry
    assert "Polizeidirektion" in html
    assert "Neue Organisation" not in html  # only administrators create


def test_organisation_list_query_count_does_not_grow_with_organisations(world: World, login: Any,
                                                                        django_assert_max_num_queries: Any) -> None:
    client = login(world.coordinator)
    client.get(LIST_URL)
    with django_assert_max_num_queries(12) as first:
        client.get(LIST_URL)
    for number in range(20):
        organisation = OrganisationFactory.create(name=f"Beratungsstelle {number}", kind="counselling_partner")
        MembershipFactory.create(organisation=organisation, user=UserFactory.create(), role="coach")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(LIST_URL)


@pytest.mark.parametrize(("persona", "status"), [
    ("coordinator", 200), ("administrator", 200), ("pirna_coordinator", 200), ("pirna_official", 200),
    ("plauen_coordinator", 404), ("dresden_police", 404), ("lka_officer", 404), ("coach", 404),
    ("analyst", 404), ("auditor", 404), ("outsider", 404),
])
def test_organisation_page_is_for_its_members_and_the_office(world: World, login: Any, persona: str,
                                                            status: int) -> None:
    assert login(getattr(world, persona)).get(_detail(world.pirna_org)).status_code == status


def test_missing_and_forbidden_organisations_look_the_same(world: World, login: Any) -> None:
    client = login(world.plauen_coordinator)
    forbidden = client.get(_detail(world.pirna_org))
    missing = client.get(reverse("accounts:organisation_detail", args=[999_999]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def test_organisation_page_lists_people_and_their_roles(world: World, login: Any) -> None:
    html = login(world.pirna_official).get(_detail(world.pirna_org)).content.decode()
    assert "Test Pirna_Coordinator" in html
    assert "Test Pirna_Official" in html
    assert "Kommunale Koordination" in html
    assert "Amts- oder Mandatsträger" in html
    assert "Test Plauen_Coordinator" not in html
    # Members see who is there, but no administration.
    assert "Person hinzufügen" not in html
    assert "Zweiter Faktor" not in html


def test_organisation_page_query_count_does_not_grow_with_members(world: World, login: Any,
                                                                  django_assert_max_num_queries: Any) -> None:
    client = login(world.administrator)
    client.get(_detail(world.pirna_org))
    with django_assert_max_num_queries(14) as first:
        client.get(_detail(world.pirna_org))
    for _ in range(15):
        MembershipFactory.create(organisation=world.pirna_org, user=UserFactory.create(), role="official")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(_detail(world.pirna_org))


def test_organisation_pages_need_a_login(world: World, client: Client) -> None:
    assert client.get(LIST_URL)["Location"].startswith(reverse("accounts:login"))
    assert client.get(_detail(world.pirna_org))["Location"].startswith(reverse("accounts:login"))
