"""The council list costs the same number of queries for 3 councils as for 30 (no N+1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from kommunalschutz.alliance.councils import services
from tests.conftest import World
from tests.factories import MunicipalityFactory


def _councils(world: World, count: int) -> None:
    for number in range(count):
        municipality = MunicipalityFactory.create(district=world.soe)
        council = services.create_council(actor=world.coordinator, municipality=municipality,
                                          name=f"Rat {number:02d}", established_on=dt.date(2020, 1, 1))
        services.add_member(actor=world.coordinator, council=council, organisation_name="Polizeirevier")
        services.schedule_meeting(actor=world.coordinator, council=council, title="Sitzung",
                                  held_on=dt.date(2021, 1, 1))


def _queries(client: Any, django_assert_max_num_queries: Any, limit: int) -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("councils:council_list"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_queries_do_not_grow_with_the_number_of_councils(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.coordinator)
    _councils(world, 3)
    few = _queries(client, django_assert_max_num_queries, 15)
    _councils(world, 27)
    many = _queries(client, django_assert_max_num_queries, 15)
    assert many == few
    assert client.get(reverse("councils:council_list")).context["page"].paginator.count == 30


def test_police_list_is_scoped_with_the_same_bounded_queries(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    _councils(world, 5)
    client = login(world.dresden_police)
    # 18: one of them reads the directorate's scope for the district filter's choices (issue 13).
    _queries(client, django_assert_max_num_queries, 18)


def test_detail_page_queries_do_not_grow_with_members_and_meetings(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    municipality = MunicipalityFactory.create(district=world.soe)
    council = services.create_council(actor=world.coordinator, municipality=municipality, name="Rat",
                                      established_on=dt.date(2020, 1, 1))
    client = login(world.coordinator)

    def count() -> int:
        with django_assert_max_num_queries(25) as captured:
            assert client.get(reverse("councils:council_detail", args=[council.pk])).status_code == 200
        return len(captured.captured_queries)

    def grow(n: int) -> None:
        members = [services.add_member(actor=world.coordinator, council=council, organisation_name=f"Org {i}")
                   for i in range(n)]
        services.create_working_group(actor=world.coordinator, council=council, name=f"AG {n}", members=members)
        services.create_project(actor=world.coordinator, council=council, title=f"Projekt {n}")
        for i in range(n):
            services.schedule_meeting(actor=world.coordinator, council=council, title=f"S{i}",
                                      held_on=dt.date(2021, 1, 1 + i))

    grow(1)
    first = count()
    grow(5)
    assert count() == first
