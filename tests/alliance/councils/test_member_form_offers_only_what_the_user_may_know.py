"""The member form offers platform organisations: all of them to the coordination office, public bodies only to
a municipal coordinator (which coaching institutes or contractors are on the platform is not theirs to know)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kommunalschutz.alliance.councils.models import PreventionCouncil
from tests.conftest import World


def _offered(client: Any, council: PreventionCouncil) -> set[str]:
    form = client.get(reverse("councils:council_detail", args=[council.pk])).context["member_form"]
    return {organisation.name for organisation in form.fields["organisation"].queryset}


def test_municipal_coordinator_is_offered_public_bodies_only(
    world: World, login: Any, pirna_council: PreventionCouncil
) -> None:
    offered = _offered(login(world.pirna_coordinator), pirna_council)
    assert {"Stadt Pirna", "PD Dresden", "Koordinierungsstelle", "LKA Sachsen"} <= offered
    assert not offered & {"Coaching-Institut", "Analyse-Institut"}


def test_coordinator_is_offered_every_organisation(world: World, login: Any, pirna_council: PreventionCouncil) -> None:
    assert {"Coaching-Institut", "Analyse-Institut"} <= _offered(login(world.coordinator), pirna_council)


def test_a_hidden_organisation_cannot_be_posted_by_a_municipal_coordinator(
    world: World, login: Any, pirna_council: PreventionCouncil
) -> None:
    response = login(world.pirna_coordinator).post(reverse("councils:member_add", args=[pirna_council.pk]), {
        "organisation": world.coaching_institute.pk})
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    assert not pirna_council.members.exists()
