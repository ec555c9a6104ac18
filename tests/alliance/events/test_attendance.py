"""Attendance is recorded per confirmed registration and counted by role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.events import selectors, services
from kommunalschutz.alliance.events.models import Event, Registration
from tests.alliance.events.conftest import make_event, person
from tests.conftest import World

ROLES = Registration.AttendeeRole


def past_conference(world: World, roles: list[str], capacity: int = 300) -> Event:
    """A conference that took place last week; registrations are dated before it (as the demo loader does)."""
    event = make_event(world, slug="kommunalkonferenz", kind="conference", capacity=capacity,
                       starts_in=-dt.timedelta(days=7))
    for number, role in enumerate(roles):
        services.register(actor=None, event=event, channel=Registration.Channel.OFFICE, is_synthetic=True,
                          registered_at=event.starts_at - dt.timedelta(days=20, minutes=-number),
                          **person(number, attendee_role=role))
    return event


def test_attendance_by_role_counts_registered_and_attended(world: World) -> None:
    event = past_conference(world, [ROLES.MAYOR, ROLES.MAYOR, ROLES.POLICE, ROLES.DISTRICT_ADMINISTRATOR,
                                    ROLES.ADMINISTRATION, ROLES.MAYOR], capacity=5)
    registrations = {r.first_name: r for r in Registration.objects.filter(event=event)}
    for name in ("Vorname0", "Vorname2", "Vorname3"):
        services.mark_attendance(actor=world.coordinator, registration=registrations[name], attended=True)

    rows, total = selectors.attendance_by_role(event)
    by_role = {row.role: (row.confirmed, row.waitlisted, row.attended) for row in rows}
    assert by_role == {
        ROLES.DISTRICT_ADMINISTRATOR: (1, 0, 1), ROLES.MAYOR: (2, 1, 1), ROLES.POLICE: (1, 0, 1),
        ROLES.ADMINISTRATION: (1, 0, 0), ROLES.OTHER: (0, 0, 0),
    }
    assert (total.confirmed, total.waitlisted, total.attended) == (5, 1, 3)


def test_the_coordinator_marks_attendance_on_the_attendee_list(world: World, login: Any) -> None:
    event = past_conference(world, [ROLES.MAYOR, ROLES.POLICE])
    registration = Registration.objects.filter(event=event).first()
    assert registration is not None
    browser = login(world.coordinator)
    list_url = reverse("events:attendee_list", args=[event.slug]) + "?role=mayor"
    response = browser.post(reverse("events:attendance", args=[event.slug, registration.pk]),
                            {"attended": "yes", "next": list_url})
    assert response.status_code == 302 and response["Location"] == list_url
    registration.refresh_from_db()
    assert registration.attended
    page = browser.get(reverse("events:attendee_list", args=[event.slug]))
    table = page.content.decode()
    assert "Teilnahme nach Funktion" in table and "Bürgermeisterin/Bürgermeister" in table


def test_attendance_cannot_be_recorded_before_the_event_day(world: World, event: Event) -> None:
    registration, _token = services.register(actor=None, event=event, channel="public_link", **person(1))
    with pytest.raises(ValidationError):
        services.mark_attendance(actor=world.coordinator, registration=registration, attended=True)
    registration.refresh_from_db()
    assert not registration.attended


def test_waitlisted_people_cannot_be_marked_as_attended(world: World) -> None:
    event = past_conference(world, [ROLES.MAYOR, ROLES.POLICE], capacity=1)
    waiting = Registration.objects.get(event=event, status="waitlisted")
    with pytest.raises(ValidationError) as refusal:
        services.mark_attendance(actor=world.coordinator, registration=waiting, attended=True)
    assert "attended" in refusal.value.message_dict


def test_others_cannot_mark_attendance(world: World, login: Any) -> None:
    event = past_conference(world, [ROLES.MAYOR])
    registration = Registration.objects.get(event=event)
    response = login(world.pirna_coordinator).post(
        reverse("events:attendance", args=[event.slug, registration.pk]), {"attended": "yes"})
    assert response.status_code == 404
    registration.refresh_from_db()
    assert not registration.attended


def test_registrations_of_past_events_need_a_date_before_the_event(world: World) -> None:
    event = make_event(world, slug="vorbei", starts_in=-dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refusal:
        services.register(actor=None, event=event, channel="office", **person(1))
    assert "event" in refusal.value.message_dict
    assert not Registration.objects.exists()


def test_the_attendee_list_needs_a_fixed_number_of_queries(world: World, login: Any,
                                                           django_assert_max_num_queries: Any) -> None:
    event = past_conference(world, [ROLES.MAYOR, ROLES.POLICE, ROLES.OTHER] * 40)
    browser = login(world.coordinator)
    browser.get(reverse("events:attendee_list", args=[event.slug]))  # warm up the session and permission caches
    with django_assert_max_num_queries(12):
        response = browser.get(reverse("events:attendee_list", args=[event.slug]))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 100
