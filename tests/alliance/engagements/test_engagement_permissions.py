"""Who reads which engagement, per persona (issue 3, item 9): lists are scoped, outsiders get 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.alliance.engagements.models import Engagement
from tests.alliance.engagements.conftest import Kinds, consultation, contact
from tests.conftest import World


def _list(client: Client) -> set[int]:
    response = client.get(reverse("engagements:engagement_list"))
    assert response.status_code == 200
    return {e.pk for e in response.context["page"]}


def test_coordinator_lists_and_opens_everything(pirna_engagements: Kinds, world: World, login: Any) -> None:
    plauen = consultation(world, world.plauen)
    client = login(world.coordinator)
    assert _list(client) == set(Engagement.objects.values_list("pk", flat=True))
    for engagement in Engagement.objects.all():
        assert client.get(reverse("engagements:engagement_detail", args=[engagement.pk])).status_code == 200
    assert plauen.pk in _list(client)


def test_pirna_coordinator_reads_only_pirna_including_coaching(pirna_engagements: Kinds, world: World,
                                                               login: Any) -> None:
    plauen = consultation(world, world.plauen)
    client = login(world.pirna_coordinator)
    pirna = set(Engagement.objects.filter(municipality=world.pirna).values_list("pk", flat=True))
    assert _list(client) == pirna
    for pk in pirna:
        assert client.get(reverse("engagements:engagement_detail", args=[pk])).status_code == 200
    assert client.get(reverse("engagements:engagement_detail", args=[plauen.pk])).status_code == 404
    assert client.get(reverse("engagements:engagement_edit", args=[pirna_engagements.general.pk])).status_code == 404


def test_plauen_coordinator_gets_404_on_every_pirna_engagement(pirna_engagements: Kinds, world: World,
                                                               login: Any) -> None:
    client = login(world.plauen_coordinator)
    assert _list(client) == set()
    for engagement in Engagement.objects.filter(municipality=world.pirna):
        assert client.get(reverse("engagements:engagement_detail", args=[engagement.pk])).status_code == 404


def test_dresden_police_reads_its_districts_except_coaching(pirna_engagements: Kinds, world: World,
                                                            login: Any) -> None:
    plauen = consultation(world, world.plauen)
    client = login(world.dresden_police)
    readable = {pirna_engagements.consultation.pk, pirna_engagements.analysis.pk, pirna_engagements.funding.pk,
                pirna_engagements.general.pk}
    assert _list(client) == readable
    for pk in readable:
        assert client.get(reverse("engagements:engagement_detail", args=[pk])).status_code == 200
    assert client.get(reverse("engagements:engagement_detail", args=[pirna_engagements.coaching.pk])).status_code == 404
    assert client.get(reverse("engagements:engagement_detail", args=[plauen.pk])).status_code == 404


def test_district_engagement_is_read_by_the_police_of_its_directorate(world: World, login: Any) -> None:
    contact(world, district=world.soe)
    from kommunalschutz.alliance.engagements import common
    from tests.alliance.engagements.conftest import offer

    regional = common.create_engagement(actor=world.coordinator, offer_type=offer("general"), district=world.soe,
                                        title="Regionaltreffen", started_on=dt.date(2022, 3, 1))
    assert regional.pk in _list(login(world.dresden_police))


@pytest.mark.parametrize("persona", ["outsider", "coach", "pirna_official", "lka_officer", "analyst", "auditor"])
def test_personas_without_alliance_rights_get_404(pirna_engagements: Kinds, world: World, login: Any,
                                                   persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get(reverse("engagements:engagement_list")).status_code == 404
    for engagement in Engagement.objects.exclude(pk=pirna_engagements.coaching.pk):
        assert client.get(reverse("engagements:engagement_detail", args=[engagement.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_the_login(pirna_engagements: Kinds, client: Client) -> None:
    response = client.get(reverse("engagements:engagement_detail", args=[pirna_engagements.general.pk]))
    assert response.status_code == 302 and "/konto/" in response["Location"]


def test_list_filters_by_offer_status_municipality_and_year(pirna_engagements: Kinds, world: World,
                                                            login: Any) -> None:
    plauen = consultation(world, world.plauen, on=dt.date(2023, 2, 1))
    client = login(world.coordinator)

    def filtered(**params: str) -> set[int]:
        return {e.pk for e in client.get(reverse("engagements:engagement_list"), params).context["page"]}

    assert filtered(offer="beratung") == {pirna_engagements.consultation.pk, plauen.pk}
    assert filtered(municipality=world.plauen.ags) == {plauen.pk}
    assert filtered(district=world.soe.ags) == set(
        Engagement.objects.filter(municipality=world.pirna).values_list("pk", flat=True))
    assert filtered(year="2023") == {plauen.pk}
    assert filtered(status="planned") == {pirna_engagements.general.pk}
