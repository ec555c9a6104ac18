"""Registration through the public link: token-protected, closed when it should be, one per address, throttled."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event, Registration
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.events.conftest import make_event, person, register_public
from tests.conftest import World


def _url(event: Event, token: str | None = None) -> str:
    return reverse("events:public_register", args=[event.slug, token or event.public_token])


def _post(client: Client, event: Event, number: int = 1, **overrides: Any) -> Any:
    data = {**person(number, **overrides), "consent": "on"}
    return client.post(_url(event), {k: v for k, v in data.items() if v is not None})


def test_the_form_registers_and_emails_a_cancel_link(event: Event, client: Client,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, event)
    assert response.status_code == 200
    registration = Registration.objects.get(event=event)
    assert (registration.status, registration.channel, registration.user) == ("confirmed", "public_link", None)
    assert registration.consent_given_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["person1@example.org"]
    assert "Anmeldung bestätigt" in mail.outbox[0].subject
    assert "http://testserver/veranstaltungen/abmeldung/" in mail.outbox[0].body
    assert len(registration.cancel_token_hash) == 64  # a hash, never the token itself
    assert registration.cancel_token_hash not in mail.outbox[0].body


def test_a_wrong_token_gives_404(event: Event, client: Client) -> None:
    assert client.get(_url(event, "not-the-token")).status_code == 404
    assert client.post(_url(event, "not-the-token"), {**person(1), "consent": "on"}).status_code == 404
    assert not Registration.objects.exists()


def test_a_regenerated_link_invalidates_the_old_one(world: World, event: Event, client: Client) -> None:
    old = event.public_token
    new = services.regenerate_public_link(actor=world.coordinator, event=event)
    assert new != old and len(new) == 43
    assert client.get(_url(event, old)).status_code == 404
    assert client.get(_url(event, new)).status_code == 200


def test_without_public_registration_the_link_gives_404(world: World, client: Client) -> None:
    event = make_event(world, slug="nur-eingeladen", public_registration=False)
    assert client.get(_url(event)).status_code == 404


def test_consent_is_required_and_nothing_is_saved_without_it(event: Event, client: Client) -> None:
    response = client.post(_url(event), person(1))
    assert response.status_code == 400
    assert "Ohne Ihre Einwilligung" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("email", "keine-adresse"), ("first_name", ""),
                                              ("attendee_role", "king")])
def test_bad_input_is_named_and_nothing_is_saved(event: Event, client: Client, field: str, value: str) -> None:
    overrides: dict[str, Any] = {field: value}
    response = _post(client, event, **overrides)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Registration.objects.exists()


def test_the_same_email_cannot_register_twice(event: Event, client: Client) -> None:
    register_public(event, 1)
    response = _post(client, event, 2, email="PERSON1@example.org")
    assert response.status_code == 400
    assert "bereits eine Anmeldung" in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 1


def test_after_cancelling_the_same_email_may_register_again(event: Event) -> None:
    registration, _token = register_public(event, 1)
    services.cancel_registration(actor=None, registration=registration)
    again, _token = register_public(event, 1)
    assert again.status == "confirmed"


def test_registration_after_the_deadline_is_refused_clearly(world: World, client: Client) -> None:
    event = make_event(world, slug="frist-vorbei",
                       registration_closes_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(_url(event))
    assert "Anmeldeschluss ist vorbei" in response.content.decode()
    response = _post(client, event)
    assert response.status_code == 400
    assert "Anmeldeschluss ist vorbei" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.parametrize(("status", "message"), [
    ("draft", "noch nicht veröffentlicht"), ("cancelled", "wurde abgesagt"),
])
def test_drafts_and_cancelled_events_take_no_registrations(world: World, client: Client, status: str,
                                                           message: str) -> None:
    event = make_event(world, slug=f"event-{status}", status=status)
    response = _post(client, event)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Registration.objects.exists()


def test_public_registrations_are_throttled_per_client(event: Event, settings: Any) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    bot = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(2):
        assert _post(bot, event, number).status_code == 200
    refused = _post(bot, event, 3)
    assert refused.status_code == 429
    assert "zu viele Anmeldungen" in refused.content.decode()
    assert Registration.objects.count() == 2
    assert _post(Client(REMOTE_ADDR="203.0.113.10"), event, 4).status_code == 200  # others are not affected


def test_public_registrations_are_audited_without_actor_or_personal_data(event: Event, client: Client) -> None:
    _post(client, event)
    registration = Registration.objects.get()
    entry = AuditEvent.objects.get(object_type="events.registration", object_id=str(registration.pk))
    assert entry.actor is None
    recorded = f"{entry.summary} {entry.object_repr} {entry.changes}"
    for personal in ("Vorname1", "Nachname1", "person1@example.org", "Gemeinde 1"):
        assert personal not in recorded
