"""Invited people with a role register themselves under "My events" and cancel there."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event, Registration
from tests.alliance.events.conftest import make_event, register_public
from tests.conftest import World

FORM = {"first_name": "Paula", "last_name": "Pirnaer", "organisation_name": "Stadt Pirna",
        "function": "Präventionskoordinatorin", "attendee_role": "administration", "consent": "on"}


def test_an_invited_municipal_coordinator_registers_from_my_events(
        world: World, event: Event, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    browser = login(world.pirna_coordinator)
    page = browser.get(reverse("events:my_events")).content.decode()
    assert event.title in page and "eingeladen, nicht angemeldet" in page

    detail = browser.get(reverse("events:event_detail", args=[event.slug])).content.decode()
    assert f'href="{reverse("events:register", args=[event.slug])}"' in detail
    form = browser.get(reverse("events:register", args=[event.slug]))
    assert form.context["form"].initial["organisation_name"] == "Stadt Pirna"
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("events:register", args=[event.slug]), FORM)
    assert response.status_code == 200
    registration = Registration.objects.get(event=event)
    assert (registration.user, registration.email, registration.channel, registration.status) == (
        world.pirna_coordinator, world.pirna_coordinator.email, "invitation", "confirmed")
    assert registration.cancel_token_hash == ""  # account holders cancel under "My events"
    assert "Meine Veranstaltungen" in mail.outbox[-1].body
    assert "bestätigt" in browser.get(reverse("events:my_events")).content.decode()


def test_a_registered_user_cancels_from_my_events_and_the_waitlist_moves_up(
        world: World, login: Any) -> None:
    event = make_event(world, capacity=1)
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    browser = login(world.pirna_coordinator)
    browser.post(reverse("events:register", args=[event.slug]), FORM)
    waiting, _token = register_public(event, 1)
    assert waiting.status == "waitlisted"

    assert browser.get(reverse("events:cancel_registration", args=[event.slug])).status_code == 200
    response = browser.post(reverse("events:cancel_registration", args=[event.slug]))
    assert response.status_code == 302
    assert Registration.objects.get(user=world.pirna_coordinator).status == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_registering_twice_is_refused(world: World, event: Event, login: Any) -> None:
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    browser = login(world.pirna_coordinator)
    browser.post(reverse("events:register", args=[event.slug]), FORM)
    browser.post(reverse("events:register", args=[event.slug]), FORM)
    assert Registration.objects.filter(event=event).count() == 1


def test_someone_not_invited_cannot_register(world: World, event: Event, login: Any) -> None:
    browser = login(world.plauen_coordinator)
    assert browser.get(reverse("events:register", args=[event.slug])).status_code == 404
    assert browser.post(reverse("events:register", args=[event.slug]), FORM).status_code == 404
    assert not Registration.objects.exists()


def test_an_outsider_without_a_role_cannot_use_my_events(world: World, event: Event) -> None:
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(reverse("events:my_events")).status_code == 404
    assert outsider.get(reverse("events:register", args=[event.slug])).status_code == 404


def test_only_people_with_a_role_can_be_invited(world: World, event: Event) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.invite(actor=world.coordinator, event=event, users=[world.outsider])
    assert "users" in refusal.value.message_dict
    assert not event.invitations.exists()


def test_inviting_twice_creates_one_invitation(world: World, event: Event) -> None:
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    again = services.invite(actor=world.coordinator, event=event,
                            users=[world.pirna_coordinator, world.dresden_police])
    assert [i.user for i in again] == [world.dresden_police]
    assert event.invitations.count() == 2


def test_the_coordinator_finds_and_invites_platform_users(world: World, event: Event, login: Any) -> None:
    browser = login(world.coordinator)
    page = browser.get(reverse("events:invite", args=[event.slug]), {"q": "Pirna"})
    candidates = page.context["candidates"]
    assert world.pirna_coordinator in candidates and world.outsider not in candidates
    response = browser.post(reverse("events:invite", args=[event.slug]) + "?q=Pirna",
                            {"users": [world.pirna_coordinator.pk]})
    assert response.status_code == 302
    assert list(event.invitations.values_list("user__username", flat=True)) == ["pirna_coordinator"]


def test_an_invitation_to_a_draft_stays_hidden_until_published(world: World, login: Any) -> None:
    draft = make_event(world, slug="entwurf", status="draft", title="Noch geheim")
    services.invite(actor=world.coordinator, event=draft, users=[world.pirna_coordinator])
    browser = login(world.pirna_coordinator)
    assert "Noch geheim" not in browser.get(reverse("events:my_events")).content.decode()
    assert browser.get(reverse("events:register", args=[draft.slug])).status_code == 404
