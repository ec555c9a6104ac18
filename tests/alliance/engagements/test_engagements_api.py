"""The engagements API: scoped reads, 404 for outsiders, 422 naming the fields with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from kommunalschutz.foundation.accounts.services import create_token
from tests.alliance.engagements.conftest import Kinds, consultation
from tests.conftest import World

API = "/api/v1/engagements"


def _auth(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(actor=user, user=user, name='test')}"}


def _consultation_body(world: World, **changes: Any) -> dict[str, Any]:
    body = {"municipality": world.pirna.ags, "title": "Beratung per API", "started_on": "2021-04-01",
            "topics": "Allianz", "participating_organisations": [world.pirna_org.pk]}
    body.update(changes)
    return body


def _funding_body(world: World, prior: int, **changes: Any) -> dict[str, Any]:
    body = {"municipality": world.pirna.ags, "funding_year": 2022, "project_title": "Projekt",
            "total_costs": "10000", "requested_amount": "9000", "submitted_on": "2021-09-01",
            "prior_consultation": prior, "problem_description": "Problem"}
    body.update(changes)
    return body


def test_public_list_of_active_offers_needs_no_token(world: World, client: Any) -> None:
    OfferType.objects.filter(code="vernetzung").update(active=False)
    response = client.get(f"{API}/offers")
    assert response.status_code == 200
    assert "vernetzung" not in [o["code"] for o in response.json()]
    assert "beratung" in [o["code"] for o in response.json()]


def test_coordinator_adds_an_offer_and_duplicates_get_422(world: World, client: Any) -> None:
    headers = _auth(world.coordinator)
    body = {"code": "dialog", "name": "Dialogformat"}
    response = client.post(f"{API}/offers", body, content_type="application/json", **headers)
    assert response.status_code == 201 and response.json()["kind"] == "general"
    response = client.post(f"{API}/offers", body, content_type="application/json", **headers)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"code", "name"}
    assert OfferType.objects.filter(code="dialog").count() == 1


def test_others_cannot_add_offers(world: World, client: Any) -> None:
    response = client.post(f"{API}/offers", {"code": "dialog", "name": "Dialog"}, content_type="application/json",
                           **_auth(world.pirna_coordinator))
    assert response.status_code == 404
    assert client.post(f"{API}/offers", {"code": "x", "name": "X"}, content_type="application/json").status_code == 401


def test_list_is_scoped_per_persona(pirna_engagements: Kinds, world: World, client: Any) -> None:
    plauen = consultation(world, world.plauen)
    everything = set(Engagement.objects.values_list("pk", flat=True))
    pirna = everything - {plauen.pk}
    expected = {
        "coordinator": everything,
        "pirna_coordinator": pirna,
        "plauen_coordinator": {plauen.pk},
        "dresden_police": pirna - {pirna_engagements.coaching.pk},
    }
    for persona, ids in expected.items():
        response = client.get(API, **_auth(getattr(world, persona)))
        assert response.status_code == 200, persona
        assert {row["id"] for row in response.json()["results"]} == ids, persona
    assert client.get(API, **_auth(world.outsider)).status_code == 404


def test_detail_shows_the_kind_and_hides_from_outsiders(pirna_engagements: Kinds, world: World, client: Any) -> None:
    url = f"{API}/{pirna_engagements.funding.pk}"
    response = client.get(url, **_auth(world.pirna_coordinator))
    assert response.status_code == 200
    data = response.json()
    assert data["funding"]["own_share"] == "2000.00" and data["funding"]["funding_rate_percent"] == "90.0"
    assert client.get(url, **_auth(world.plauen_coordinator)).status_code == 404
    assert client.get(url, **_auth(world.outsider)).status_code == 404
    analysis = client.get(f"{API}/{pirna_engagements.analysis.pk}", **_auth(world.dresden_police)).json()
    assert len(analysis["security_analysis"]["phases"]) == 8
    assert client.get(f"{API}/{pirna_engagements.coaching.pk}", **_auth(world.dresden_police)).status_code == 404
    assert client.get(f"{API}/{pirna_engagements.coaching.pk}", **_auth(world.coach)).json()["coaching"]["goals"]


def test_coordinator_posts_a_consultation(contacted: World, client: Any) -> None:
    response = client.post(f"{API}/consultations", _consultation_body(contacted), content_type="application/json",
                           **_auth(contacted.coordinator))
    assert response.status_code == 201
    assert response.json()["consultation"]["participating_organisations"] == ["Stadt Pirna"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"started_on": "2019-01-01"}, "started_on"),
    ({"ended_on": "2021-03-01"}, "ended_on"),
    ({"offer": "gibt-es-nicht"}, "offer"),
    ({"offer": "coaching"}, "offer"),
    ({"municipality": "14999999"}, "municipality"),
    ({"participating_organisations": [999999]}, "participating_organisations"),
])
def test_bad_consultation_gets_422_naming_the_field(contacted: World, client: Any, changes: dict[str, Any],
                                                    field: str) -> None:
    before = Engagement.objects.count()
    response = client.post(f"{API}/consultations", _consultation_body(contacted, **changes),
                           content_type="application/json", **_auth(contacted.coordinator))
    assert response.status_code == 422
    assert field in response.json()["errors"], response.json()
    assert Engagement.objects.count() == before


def test_uncontacted_municipality_gets_422(world: World, client: Any) -> None:
    response = client.post(f"{API}/consultations", _consultation_body(world), content_type="application/json",
                           **_auth(world.coordinator))
    assert response.status_code == 422 and set(response.json()["errors"]) == {"municipality"}
    assert not Engagement.objects.exists()


def test_consultation_from_a_reader_is_refused_with_404(contacted: World, client: Any) -> None:
    response = client.post(f"{API}/consultations", _consultation_body(contacted), content_type="application/json",
                           **_auth(contacted.pirna_coordinator))
    assert response.status_code == 404
    assert not Engagement.objects.exists()


def test_coordinator_posts_a_funding_application(contacted: World, client: Any) -> None:
    prior = consultation(contacted)
    response = client.post(f"{API}/funding-applications", _funding_body(contacted, prior.pk),
                           content_type="application/json", **_auth(contacted.coordinator))
    assert response.status_code == 201, response.json()
    assert response.json()["funding"]["beccaria_steps"]["problem_description"] == "Problem"


@pytest.mark.parametrize(("changes", "field"), [
    ({"submitted_on": "2021-10-16"}, "submitted_on"),
    ({"requested_amount": "9500"}, "requested_amount"),
    ({"prior_consultation": None}, "prior_consultation"),
    ({"prior_consultation": 999999}, "prior_consultation"),
    ({"offer": "beratung"}, "offer"),
])
def test_bad_funding_application_gets_422_naming_the_field(contacted: World, client: Any, changes: dict[str, Any],
                                                            field: str) -> None:
    prior = consultation(contacted)
    before = Engagement.objects.count()
    response = client.post(f"{API}/funding-applications", _funding_body(contacted, prior.pk, **changes),
                           content_type="application/json", **_auth(contacted.coordinator))
    assert response.status_code == 422
    assert field in response.json()["errors"], response.json()
    assert Engagement.objects.count() == before
