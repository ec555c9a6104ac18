"""Seats are confirmed while free, then people wait; a cancellation moves the first in line up."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event, Registration
from tests.alliance.events.conftest import person, register_public
from tests.conftest import World

CONFIRMED, WAITLISTED, CANCELLED = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED,
                                    Registration.Status.CANCELLED)


def test_registrations_are_confirmed_until_the_event_is_full_then_waitlisted(event: Event) -> None:
    statuses = [register_public(event, n)[0].status for n in range(5)]
    assert statuses == [CONFIRMED, CONFIRMED, CONFIRMED, WAITLISTED, WAITLISTED]


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted_person(
        event: Event, django_capture_on_commit_callbacks: Any) -> None:
    first, _ = register_public(event, 0)
    for n in range(1, 3):
        register_public(event, n)
    first_waiting, _ = register_public(event, 3)
    second_waiting, _ = register_public(event, 4)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.cancel_registration(actor=None, registration=first)

    assert promoted is not None and promoted.pk == first_waiting.pk
    first.refresh_from_db()
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert (first.status, first_waiting.status, second_waiting.status) == (CANCELLED, CONFIRMED, WAITLISTED)
    assert Registration.objects.filter(event=event, status=CONFIRMED).count() == event.capacity
    assert [m.to for m in mail.outbox] == [["person3@example.org"]]
    assert "Platz" in mail.outbox[0].subject  # German: "Ein Platz ist frei geworden"


def test_cancelling_a_waitlisted_registration_promotes_nobody(event: Event) -> None:
    for n in range(3):
        register_public(event, n)
    waiting, _ = register_public(event, 3)
    assert services.cancel_registration(actor=None, registration=waiting) is None
    assert Registration.objects.filter(event=event, status=CONFIRMED).count() == 3


def test_raising_the_capacity_moves_waitlisted_people_up_in_order(world: World, event: Event) -> None:
    for n in range(5):
        register_public(event, n)
    services.update_event(actor=world.coordinator, event=event, title=event.title, kind=event.kind,
                          venue=event.venue, starts_at=event.starts_at, ends_at=event.ends_at, capacity=4,
                          public_registration=True)
    statuses = list(Registration.objects.filter(event=event).order_by("pk").values_list("status", flat=True))
    assert statuses == [CONFIRMED] * 4 + [WAITLISTED]


def test_the_capacity_cannot_drop_below_the_confirmed_registrations(world: World, event: Event) -> None:
    for n in range(3):
        register_public(event, n)
    with pytest.raises(ValidationError) as refusal:
        services.update_event(actor=world.coordinator, event=event, title=event.title, kind=event.kind,
                              venue=event.venue, starts_at=event.starts_at, ends_at=event.ends_at, capacity=2)
    assert "capacity" in refusal.value.message_dict
    event.refresh_from_db()
    assert event.capacity == 3


def test_the_page_says_confirmed_while_seats_are_free(event: Event, client: Any) -> None:
    url = reverse("events:public_register", args=[event.slug, event.public_token])
    response = client.post(url, {**person(8), "consent": "on"})
    assert response.status_code == 200
    assert "Ihr Platz ist bestätigt" in response.content.decode()
    assert Registration.objects.get(email="person8@example.org").status == CONFIRMED


def test_the_page_says_waitlisted_when_the_event_is_full(event: Event, client: Any) -> None:
    for n in range(3):
        register_public(event, n)
    url = reverse("events:public_register", args=[event.slug, event.public_token])
    response = client.post(url, {**person(9), "consent": "on"})
    assert response.status_code == 200
    assert "Warteliste" in response.content.decode()
    assert Registration.objects.get(email="person9@example.org").status == WAITLISTED
