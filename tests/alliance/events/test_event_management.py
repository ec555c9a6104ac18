"""Only the coordination office creates, edits, publishes and cancels events; bad input saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event
from tests.alliance.events.conftest import make_event, register_public
from tests.conftest import World

LOCAL = "%Y-%m-%dT%H:%M"


def _form(**overrides: Any) -> dict[str, Any]:
    start = timezone.localtime() + dt.timedelta(days=40)
    data = {
        "title": "Kommunal-Konferenz 2027", "slug": "kommunalkonferenz-2027", "kind": "conference",
        "venue": "Dresden, Flughafen, Conference Center", "starts_at": start.strftime(LOCAL),
        "ends_at": (start + dt.timedelta(hours=7)).strftime(LOCAL), "capacity": "300",
        "public_registration": "on", "description": "Sicherheit von Amts- und Mandatsträgern",
    }
    data.update(overrides)
    return data


def test_the_coordinator_creates_a_draft(world: World, login: Any) -> None:
    response = login(world.coordinator).post(reverse("events:event_create"), _form())
    event = Event.objects.get(slug="kommunalkonferenz-2027")
    assert response.status_code == 302
    assert (event.status, event.capacity, event.published_at) == ("draft", 300, None)
    assert len(event.public_token) == 43


def test_an_event_that_ends_before_it_begins_is_refused_and_not_saved(world: World, login: Any) -> None:
    start = timezone.localtime() + dt.timedelta(days=40)
    response = login(world.coordinator).post(reverse("events:event_create"), _form(
        ends_at=(start - dt.timedelta(hours=1)).strftime(LOCAL), starts_at=start.strftime(LOCAL)))
    assert response.status_code == 400
    assert response.context["form"].errors["ends_at"] == ["Die Veranstaltung muss nach ihrem Beginn enden."]
    assert not Event.objects.exists()


def test_the_service_names_the_field_for_a_reversed_date_range(world: World) -> None:
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as refusal:
        services.create_event(actor=world.coordinator, title="X", slug="x", kind="conference", venue="Y",
                              starts_at=start, ends_at=start - dt.timedelta(minutes=1), capacity=10)
    assert set(refusal.value.message_dict) == {"ends_at"}
    assert not Event.objects.exists()


@pytest.mark.parametrize("slug", ["meine", "neu", "Gross", "mit leer"])
def test_reserved_or_malformed_web_addresses_are_refused(world: World, slug: str) -> None:
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as refusal:
        services.create_event(actor=world.coordinator, title="X", slug=slug, kind="conference", venue="Y",
                              starts_at=start, ends_at=start + dt.timedelta(hours=1), capacity=10)
    assert "slug" in refusal.value.message_dict


def test_publishing_makes_the_event_public_and_mails_the_invited(world: World, login: Any, client: Client,
                                                                django_capture_on_commit_callbacks: Any) -> None:
    event = make_event(world, status="draft")
    services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    assert not mail.outbox  # a draft sends no invitations
    with django_capture_on_commit_callbacks(execute=True):
        login(world.coordinator).post(reverse("events:event_publish", args=[event.slug]))
    event.refresh_from_db()
    assert event.status == "published" and event.published_at is not None
    assert [m.to for m in mail.outbox] == [[world.pirna_coordinator.email]]
    assert Client().get(reverse("events:event_detail", args=[event.slug])).status_code == 200


def test_cancelling_an_event_mails_each_registrant_separately(world: World, login: Any,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    event = make_event(world, capacity=1)
    register_public(event, 1)
    register_public(event, 2)  # waitlisted
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(world.coordinator).post(reverse("events:event_cancel", args=[event.slug]))
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert sorted(m.to[0] for m in mail.outbox) == ["person1@example.org", "person2@example.org"]
    assert all(len(m.to) == 1 and "Abgesagt" in m.subject for m in mail.outbox)


def test_editing_changes_the_event(world: World, login: Any) -> None:
    event = make_event(world)
    start = timezone.localtime(event.starts_at)
    response = login(world.coordinator).post(reverse("events:event_edit", args=[event.slug]), _form(
        title="Neuer Titel", starts_at=start.strftime(LOCAL),
        ends_at=(start + dt.timedelta(hours=2)).strftime(LOCAL), capacity="50"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.capacity, event.slug) == ("Neuer Titel", 50, "netzwerktreffen-ost")


MANAGEMENT_PAGES = [
    ("get", "events:event_edit", ()), ("post", "events:event_publish", ()), ("post", "events:event_cancel", ()),
    ("post", "events:regenerate_link", ()), ("get", "events:invite", ()), ("get", "events:attendee_list", ()),
    ("get", "events:attendee_export", ("csv",)), ("get", "events:attendee_export", ("xlsx",)),
    ("get", "events:badges", ()), ("post", "events:badges", ()), ("get", "events:badges_download", ("1",)),
]


@pytest.mark.parametrize("persona", ["pirna_coordinator", "pirna_official", "dresden_police", "auditor",
                                     "administrator", "outsider"])
@pytest.mark.parametrize(("method", "name", "extra"), MANAGEMENT_PAGES)
def test_only_the_coordinator_manages_events(world: World, login: Any, persona: str, method: str, name: str,
                                             extra: tuple[str, ...]) -> None:
    event = make_event(world)
    token = event.public_token
    response = getattr(login(getattr(world, persona)), method)(reverse(name, args=[event.slug, *extra]))
    assert response.status_code == 404
    event.refresh_from_db()
    assert (event.status, event.public_token) == ("published", token)


def test_creating_is_404_for_others(world: World, login: Any) -> None:
    assert login(world.pirna_coordinator).post(reverse("events:event_create"), _form()).status_code == 404
    assert not Event.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_for_management_pages(world: World, client: Client) -> None:
    event = make_event(world)
    response = client.get(reverse("events:attendee_list", args=[event.slug]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "dresden_police", "outsider"])
def test_unknown_events_are_404_for_everyone(world: World, login: Any, persona: str) -> None:
    assert login(getattr(world, persona)).get(reverse("events:attendee_list", args=["nichts"])).status_code == 404
