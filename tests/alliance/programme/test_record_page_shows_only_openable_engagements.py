"""A municipality's record lists only the engagements the reader may open: the police see no coaching."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.conftest import World
from tests.factories import CoachingProcessFactory, EngagementFactory


def test_police_see_the_consultation_but_not_the_coaching_process(world: World, login: Any) -> None:
    consultation = EngagementFactory.create(municipality=world.pirna, title="Erstberatung Pirna")
    coaching = CoachingProcessFactory.create(engagement__municipality=world.pirna, engagement__title="Coaching Pirna")
    url = reverse("alliance:municipality_record", args=[world.pirna.ags])

    police_page = login(world.dresden_police).get(url).content.decode()
    assert consultation.title in police_page
    assert coaching.engagement.title not in police_page

    coordinator_page = login(world.pirna_coordinator).get(url).content.decode()
    assert consultation.title in coordinator_page
    assert coaching.engagement.title in coordinator_page
