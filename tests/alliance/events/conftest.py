"""Events for the tests: dates relative to now, so the suite does not age."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event, Registration
from tests.conftest import World

IN_A_MONTH = dt.timedelta(days=30)


def make_event(world: World, *, slug: str = "netzwerktreffen-ost", capacity: int = 3, status: str = "published",
               starts_in: dt.timedelta = IN_A_MONTH, public_registration: bool = True, **extra: Any) -> Event:
    starts_at = (timezone.now() + starts_in).replace(microsecond=0)
    return services.create_event(
        actor=world.coordinator, title=extra.pop("title", "Netzwerktreffen Ost"), slug=slug,
        kind=extra.pop("kind", Event.Kind.NETWORK_MEETING), venue="Pirna, Rathaus", starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=6), capacity=capacity, public_registration=public_registration,
        status=status, **extra,
    )


def person(number: int, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_name": f"Vorname{number}", "last_name": f"Nachname{number}", "email": f"person{number}@example.org",
        "attendee_role": Registration.AttendeeRole.ADMINISTRATION, "organisation_name": f"Gemeinde {number}",
        "function": "Sachbearbeitung",
    }
    values.update(overrides)
    return values


def register_public(event: Event, number: int, **overrides: Any) -> tuple[Registration, str | None]:
    return services.register(actor=None, event=event, channel=Registration.Channel.PUBLIC_LINK, consent=True,
                             **person(number, **overrides))


@pytest.fixture
def event(world: World) -> Event:
    """A published network meeting in a month: 3 seats, public registration on."""
    return make_event(world)
