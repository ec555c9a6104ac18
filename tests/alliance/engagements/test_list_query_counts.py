"""The lists load in a fixed number of queries, however many engagements there are (no N+1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from kommunalschutz.alliance.engagements.models import Coach
from kommunalschutz.foundation.accounts.services import create_token
from tests.alliance.engagements.conftest import Kinds, analysis, coaching, consultation, funding, other_coach
from tests.conftest import World


def _many(world: World) -> None:
    coach = Coach.objects.get(user=world.coach)  # from pirna_engagements
    for day in range(1, 11):
        prior = consultation(world, on=dt.date(2021, 5, day))
        consultation(world, world.plauen, on=dt.date(2021, 5, day))
        coaching(world, coach if day % 2 else other_coach(world, f"coach-{day}"), on=dt.date(2021, 6, day))
        analysis(world, on=dt.date(2022, 1, day))
        funding(world, prior, submitted_on=dt.date(2021, 9, day))


def test_engagement_list_queries_stay_flat(pirna_engagements: Kinds, world: World, login: Any,
                                           django_assert_max_num_queries: Any) -> None:
    _many(world)
    for persona in ("coordinator", "pirna_coordinator", "dresden_police"):
        client = login(getattr(world, persona))
        # 25: up to five of them read the user's scope for the filter's choices (issue 13: only what one may see).
        with django_assert_max_num_queries(25):
            response = client.get(reverse("engagements:engagement_list"))
        assert response.status_code == 200 and len(response.context["page"]) >= 20


def test_coaching_list_queries_stay_flat(pirna_engagements: Kinds, world: World, login: Any,
                                         django_assert_max_num_queries: Any) -> None:
    _many(world)
    for persona in ("coordinator", "coach"):
        client = login(getattr(world, persona))
        with django_assert_max_num_queries(15):
            response = client.get(reverse("engagements:coaching_list"))
        assert len(response.context["page"]) >= 5


def test_offer_list_and_coach_pool_queries_stay_flat(pirna_engagements: Kinds, world: World, login: Any,
                                                     django_assert_max_num_queries: Any) -> None:
    _many(world)
    client = login(world.coordinator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("engagements:offer_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("engagements:coach_list")).status_code == 200


def test_api_list_queries_stay_flat(pirna_engagements: Kinds, world: World, client: Any,
                                    django_assert_max_num_queries: Any) -> None:
    _many(world)
    token = create_token(actor=world.coordinator, user=world.coordinator, name="t")
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/engagements", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["count"] >= 50


def test_detail_pages_queries_stay_flat(pirna_engagements: Kinds, world: World, login: Any,
                                        django_assert_max_num_queries: Any) -> None:
    client = login(world.coordinator)
    for engagement in (pirna_engagements.consultation, pirna_engagements.coaching, pirna_engagements.analysis,
                       pirna_engagements.funding, pirna_engagements.general):
        with django_assert_max_num_queries(20):
            assert client.get(reverse("engagements:engagement_detail", args=[engagement.pk])).status_code == 200
