"""The coordination office keeps the offer catalogue; a new general offer works without code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.engagements import common, offers
from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from tests.alliance.engagements.conftest import offer
from tests.conftest import World


def test_seeded_catalogue_lists_six_offers_for_the_coordinator(world: World, login: Any) -> None:
    response = login(world.coordinator).get(reverse("engagements:offer_list"))
    assert response.status_code == 200
    assert [o.code for o in response.context["offers"]] == [
        "beratung", "coaching", "sicherheitsanalyse", "foerderung", "qualifizierung", "vernetzung"]


@pytest.mark.parametrize("persona", ["pirna_coordinator", "dresden_police", "coach", "outsider"])
def test_only_the_coordination_office_reaches_the_catalogue_pages(world: World, login: Any, persona: str) -> None:
    client = login(getattr(world, persona))
    for url in (reverse("engagements:offer_list"), reverse("engagements:offer_create"),
                reverse("engagements:offer_edit", args=[offer("general").pk]), reverse("engagements:coach_list")):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("engagements:offer_create"), {
        "name": "Dialog", "code": "dialog", "kind": "general", "position": 70, "active": "on"}).status_code == 404
    assert not OfferType.objects.filter(code="dialog").exists()


def test_new_general_offer_is_usable_at_once(contacted: World, login: Any) -> None:
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:offer_create"), {
        "name": "Kommune des Monats", "code": "kommune-des-monats", "kind": "general", "position": 70,
        "description": "Porträtreihe", "active": "on"})
    assert response.status_code == 302
    created = OfferType.objects.get(code="kommune-des-monats")
    response = client.post(reverse("engagements:engagement_create", args=[created.code]), {
        "municipality": contacted.pirna.ags, "title": "Pirna im Porträt", "status": "completed",
        "started_on": "2023-04-01"})
    assert response.status_code == 302
    engagement = Engagement.objects.get(offer_type=created)
    page = client.get(reverse("engagements:engagement_detail", args=[engagement.pk]))
    assert page.status_code == 200
    assert "Pirna im Porträt" in page.content.decode()


def test_code_and_name_must_be_unique(world: World, login: Any) -> None:
    client = login(world.coordinator)
    count = OfferType.objects.count()
    response = client.post(reverse("engagements:offer_create"), {
        "name": "beratung", "code": "beratung", "kind": "general", "position": 1, "active": "on"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"code", "name"}
    assert OfferType.objects.count() == count


def test_deactivated_offer_keeps_its_engagements_and_refuses_new_ones(contacted: World, login: Any) -> None:
    general = offer("general")
    common.create_engagement(actor=contacted.coordinator, offer_type=general, municipality=contacted.pirna,
                             title="Lehrgang", started_on=dt.date(2022, 1, 1))
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:offer_edit", args=[general.pk]), {
        "name": general.name, "code": general.code, "kind": "general", "position": general.position})
    assert response.status_code == 302
    general.refresh_from_db()
    assert general.active is False
    assert general.engagements.count() == 1
    assert client.get(reverse("engagements:engagement_create", args=[general.code])).status_code == 404
    with pytest.raises(ValidationError) as raised:
        common.create_engagement(actor=contacted.coordinator, offer_type=general, municipality=contacted.pirna,
                                 title="Noch ein Lehrgang", started_on=dt.date(2022, 2, 1))
    assert set(raised.value.error_dict) == {"offer_type"}


def test_kind_of_an_offer_in_use_cannot_change(contacted: World) -> None:
    general = offer("general")
    common.create_engagement(actor=contacted.coordinator, offer_type=general, municipality=contacted.pirna,
                             title="Lehrgang", started_on=dt.date(2022, 1, 1))
    with pytest.raises(ValidationError) as raised:
        offers.update_offer_type(actor=contacted.coordinator, offer_type=general, kind="consultation")
    assert set(raised.value.error_dict) == {"kind"}


def test_general_service_refuses_an_offer_with_its_own_form(contacted: World) -> None:
    with pytest.raises(ValidationError) as raised:
        common.create_engagement(actor=contacted.coordinator, offer_type=offer("consultation"),
                                 municipality=contacted.pirna, title="Beratung", started_on=dt.date(2022, 1, 1))
    assert set(raised.value.error_dict) == {"offer_type"}
