"""The events API: public reading, invited users register themselves, the office reads registrations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event, Registration
from kommunalschutz.foundation.accounts import services as account_services
from tests.alliance.events.conftest import make_event, register_public
from tests.conftest import World

BODY = {"attendee_role": "administration", "organisation_name": "Stadt Pirna", "function": "Koordination",
        "consent": True}


def _auth(user: Any) -> dict[str, Any]:
    token = account_services.create_token(actor=user, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _post(client: Client, slug: str, body: dict[str, Any], user: Any) -> Any:
    return client.post(f"/api/v1/events/{slug}/registrations", body, content_type="application/json", **_auth(user))


def test_the_public_list_has_only_public_events(world: World, event: Event, client: Client) -> None:
    make_event(world, slug="entwurf", status="draft")
    body = client.get("/api/v1/events").json()
    assert [e["slug"] for e in body] == [event.slug]
    assert body[0]["capacity"] == 3 and body[0]["registration_open"] is True
    assert "public_token" not in body[0]


def test_a_draft_is_404_in_the_api_even_for_the_coordinator(world: World, client: Client) -> None:
    make_event(world, slug="entwurf", status="draft")
    assert client.get("/api/v1/events/entwurf").status_code == 404
    assert client.get("/api/v1/events/entwurf", **_auth(world.coordinator)).status_code == 404


def test_an_invited_user_registers_and_gets_201(world: World, event: Event, client: Client) -> None:
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    response = _post(client, event.slug, BODY, world.pirna_coordinator)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "confirmed"
    assert response.json()["email"] == world.pirna_coordinator.email


def test_a_full_event_answers_201_with_status_waitlisted(world: World, client: Client) -> None:
    event = make_event(world, capacity=1)
    register_public(event, 1)
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    response = _post(client, event.slug, BODY, world.pirna_coordinator)
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"


@pytest.mark.parametrize(("change", "field"), [
    ({"consent": False}, "consent"), ({"attendee_role": "king"}, "attendee_role"),
    ({"function": "x" * 201}, "function"), ({"first_name": ""}, "first_name"),
])
def test_bad_input_gives_422_naming_the_field_and_saves_nothing(world: World, event: Event, client: Client,
                                                                change: dict[str, Any], field: str) -> None:
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    response = _post(client, event.slug, {**BODY, **change}, world.pirna_coordinator)
    assert response.status_code == 422
    assert field in [item["loc"][-1] for item in response.json()["detail"]]
    assert not Registration.objects.exists()


def test_a_second_registration_gives_422(world: World, event: Event, client: Client) -> None:
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    _post(client, event.slug, BODY, world.pirna_coordinator)
    response = _post(client, event.slug, BODY, world.pirna_coordinator)
    assert response.status_code == 422
    assert {item["loc"][-1] for item in response.json()["detail"]} == {"email"}
    assert Registration.objects.count() == 1


def test_a_closed_registration_gives_422_with_a_message(world: World, client: Client) -> None:
    event = make_event(world)
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    services.cancel_event(actor=world.coordinator, event=event)
    response = _post(client, event.slug, BODY, world.pirna_coordinator)
    assert response.status_code == 422
    assert "abgesagt" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("persona", ["plauen_coordinator", "outsider", "coordinator"])
def test_people_not_invited_get_404(world: World, event: Event, client: Client, persona: str) -> None:
    assert _post(client, event.slug, BODY, getattr(world, persona)).status_code == 404
    assert not Registration.objects.exists()


def test_registering_needs_a_token(event: Event, client: Client) -> None:
    response = client.post(f"/api/v1/events/{event.slug}/registrations", BODY, content_type="application/json")
    assert response.status_code == 401


def test_only_the_coordinator_reads_the_registrations(world: World, event: Event, client: Client) -> None:
    register_public(event, 1)
    response = client.get(f"/api/v1/events/{event.slug}/registrations", **_auth(world.coordinator))
    assert response.status_code == 200
    assert [r["email"] for r in response.json()] == ["person1@example.org"]
    for persona in ("pirna_coordinator", "dresden_police", "outsider", "administrator"):
        other = client.get(f"/api/v1/events/{event.slug}/registrations", **_auth(getattr(world, persona)))
        assert other.status_code == 404
    assert client.get(f"/api/v1/events/{event.slug}/registrations").status_code == 401
