"""The public map, its API and the figures page carry public facts only.

A council's contact appears only with its consent; agreement sections, notes, titles of
engagements, coaching goals, the people on the records and the acting organisations never do.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.engagements.models import CoachingProcess
from kommunalschutz.alliance.programme.models import AgreementSignatory, Stage
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.conftest import World
from tests.factories import CoachFactory

SECRETS = [
    "GEHEIM-Notiz-Übergang", "GEHEIM-Hintergrund", "GEHEIM-Problemlage", "GEHEIM-Engagement-Notiz",
    "GEHEIM-Vorhabentitel", "GEHEIM-Coachingziel", "geheim-kontakt@example.org", "GEHEIM Kontaktperson",
    "0351 GEHEIM", "GEHEIM-Unterzeichner", "Koordinierungsstelle",
]


@pytest.fixture
def records(world: World) -> World:
    programme()
    step(world.pirna, Stage.MODEL, dt.date(2019, 2, 6), note="GEHEIM-Notiz-Übergang")
    step(world.pirna, Stage.MEMBER, dt.date(2019, 6, 1))
    signed = agreement(world.pirna, dt.date(2019, 6, 1), background="GEHEIM-Hintergrund",
                       problem_inventory="GEHEIM-Problemlage")
    AgreementSignatory.objects.create(agreement=signed, party="municipality", name="GEHEIM-Unterzeichner",
                                      function="Oberbürgermeister")
    coaching = engagement(world.pirna, "coaching", dt.date(2020, 1, 1), notes="GEHEIM-Engagement-Notiz",
                          title="GEHEIM-Vorhabentitel")
    CoachingProcess.objects.create(engagement=coaching, coach=CoachFactory.create(user=world.coach),
                                   goals="GEHEIM-Coachingziel")
    council(world.pirna, dt.date(2019, 10, 1), name="Präventionsrat Pirna", contact_is_public=False,
            contact_name="GEHEIM Kontaktperson", contact_email="geheim-kontakt@example.org",
            contact_phone="0351 GEHEIM", chair_name="Vorsitz Pirna")
    step(world.plauen, Stage.CONTACTED, dt.date(2020, 5, 1))
    council(world.plauen, dt.date(2021, 1, 1), name="Präventionsrat Plauen", contact_is_public=True,
            contact_name="Erika Öffentlich", contact_function="Geschäftsführerin",
            contact_email="kpr@plauen.example", contact_phone="03741 123", contact_address="Markt 1, Plauen",
            is_synthetic=True)
    return world


def _contains(text: str, value: str) -> bool:
    """Plain (HTML) or escaped as JSON does (the API, and the page's json_script data)."""
    return value in text or json.dumps(value)[1:-1] in text


PUBLIC = [
    reverse("insights:public_map"),
    reverse("insights:public_map") + "?as_of=2022-01-01",
    "/api/v1/alliance/map",
    "/api/v1/alliance/map?as_of=2022-01-01",
    reverse("insights:figures"),
]


@pytest.mark.parametrize("url", PUBLIC)
def test_no_internal_field_leaves(client: Any, records: World, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for secret in [*SECRETS, "Vorsitz Pirna"]:
        assert not _contains(text, secret), f"{secret!r} on {url}"


@pytest.mark.parametrize("url", PUBLIC[:4])
def test_a_public_contact_is_shown(client: Any, records: World, url: str) -> None:
    text = client.get(url).content.decode()
    for public in ("Präventionsrat Plauen", "Erika Öffentlich", "kpr@plauen.example", "03741 123", "Markt 1, Plauen"):
        assert _contains(text, public), public


def test_the_api_has_no_contact_without_consent(client: Any, records: World) -> None:
    body = client.get("/api/v1/alliance/map").json()
    contacts = {c["name"]: c["contact"] for c in body["councils"]}
    assert contacts["Präventionsrat Pirna"] is None
    assert contacts["Präventionsrat Plauen"]["email"] == "kpr@plauen.example"
    pirna = body["municipalities"]["14628270"]
    assert set(pirna) == {"name", "district", "district_name", "contacted", "model", "member", "agreements",
                          "coaching", "security_analysis", "councils", "synthetic"}
    assert pirna["member"] == [["2019-06-01", None]] and pirna["agreements"] == [["2019-06-01", None]]


def test_synthetic_records_are_marked(client: Any, records: World) -> None:
    body = client.get("/api/v1/alliance/map").json()
    assert body["municipalities"]["14523320"]["synthetic"] is False
    assert [c["synthetic"] for c in body["councils"] if c["name"] == "Präventionsrat Plauen"] == [True]
    html = client.get(reverse("insights:public_map") + "?as_of=2022-01-01").content.decode()
    assert html.count('badge badge-synthetic">synthetisch<') == 1


def test_as_of_hides_what_came_later(client: Any, records: World) -> None:
    body = client.get("/api/v1/alliance/map", {"as_of": "2019-12-31"}).json()
    assert list(body["municipalities"]) == ["14628270"]
    assert body["municipalities"]["14628270"]["coaching"] is None
    assert [c["name"] for c in body["councils"]] == ["Präventionsrat Pirna"]
