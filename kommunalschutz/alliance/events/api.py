"""The events part of the REST API (mounted under /api/v1/).

Reading published events needs no token. Registering takes a bearer token of an invited user;
the attendee list one of the coordination office. Everyone else gets 404, as in the web pages.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from kommunalschutz.alliance.events import selectors, services
from kommunalschutz.alliance.events.models import Event, Registration
from kommunalschutz.alliance.events.schemas import (
    EventOut,
    FieldErrorListOut,
    FieldErrorOut,
    RegistrationIn,
    RegistrationOut,
)
from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.web.api import ErrorOut, not_found
from kommunalschutz.foundation.web.pages import request_user

router = Router(tags=["events"])

# This router has always answered 404 with this detail, untranslated.
NOT_FOUND = "No such event."


def _event_out(event: Event) -> EventOut:
    return EventOut(
        slug=event.slug, title=event.title, kind=Event.Kind(event.kind), status=Event.Status(event.status),
        description=event.description, venue=event.venue, starts_at=event.starts_at, ends_at=event.ends_at,
        capacity=event.capacity, seats_taken=event.confirmed_count,  # type: ignore[attr-defined]
        registration_closes_at=event.registration_closes_at,
        registration_open=services.registration_window_error(event) is None,
        organiser=event.organiser.name if event.organiser else None, is_synthetic=event.is_synthetic,
    )


def _registration_out(registration: Registration, event: Event) -> RegistrationOut:
    return RegistrationOut(
        id=registration.pk, event=event.slug, first_name=registration.first_name,
        last_name=registration.last_name, email=registration.email,
        organisation_name=registration.organisation_name, function=registration.function,
        attendee_role=Registration.AttendeeRole(registration.attendee_role),
        channel=Registration.Channel(registration.channel), status=Registration.Status(registration.status),
        registered_at=registration.registered_at, attended=registration.attended,
        is_synthetic=registration.is_synthetic,
    )


def _field_errors(error: ValidationError) -> FieldErrorListOut:
    """A service's ValidationError in the shape of django-ninja's own 422 answers."""
    items: list[FieldErrorOut] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in ValidationError(errors).messages:
                items.append(FieldErrorOut(type="value_error", loc=["body", "payload", field], msg=message))
    else:
        items = [FieldErrorOut(type="value_error", loc=["body", "payload"], msg=m) for m in error.messages]
    return FieldErrorListOut(detail=items)


@router.get("/events", response=list[EventOut], summary="Published events (no token needed)")
def list_events(request: HttpRequest) -> list[EventOut]:
    """Published events and those cancelled after publication, soonest first."""
    events = selectors.with_seat_counts(selectors.visible_events(AnonymousUser())).order_by("starts_at", "pk")
    return [_event_out(event) for event in events]


@router.get("/events/{slug}", response={200: EventOut, 404: ErrorOut}, summary="One published event")
def get_event(request: HttpRequest, slug: str) -> Status[EventOut] | Status[ErrorOut]:
    event = selectors.event_for(AnonymousUser(), slug)
    if event is None:
        return not_found(NOT_FOUND)
    return Status(200, _event_out(event))


@router.post("/events/{slug}/registrations", auth=token_auth,
             response={201: RegistrationOut, 404: ErrorOut, 422: FieldErrorListOut},
             summary="Register myself for an event I am invited to")
def create_registration(
    request: HttpRequest, slug: str, payload: RegistrationIn,
) -> Status[RegistrationOut] | Status[ErrorOut] | Status[FieldErrorListOut]:
    """Confirmed while seats are free; when the event is full the answer is still 201, with status
    "waitlisted". Closed registration, a second registration and bad input give 422 naming the field."""
    user = request_user(request)
    event = selectors.event_for(user, slug)
    if event is None or not user.has_perm("events.register") or not selectors.is_invited(user, event):
        return not_found(NOT_FOUND)
    try:
        registration, _token = services.register(
            actor=user, event=event, user=user, channel=Registration.Channel.INVITATION, consent=payload.consent,
            first_name=payload.first_name if payload.first_name is not None else user.first_name,
            last_name=payload.last_name if payload.last_name is not None else user.last_name,
            email=user.email, organisation_name=payload.organisation_name, function=payload.function,
            attendee_role=payload.attendee_role.value, site_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, _registration_out(registration, event))


@router.get("/events/{slug}/registrations", auth=token_auth,
            response={200: list[RegistrationOut], 404: ErrorOut},
            summary="The registrations of an event (coordination office)")
def list_registrations(request: HttpRequest, slug: str) -> Status[list[RegistrationOut]] | Status[ErrorOut]:
    """Every registration including the cancelled ones, in the order they came in."""
    user = request.user
    event = selectors.event_for(user, slug) if user.has_perm("events.manage_events") else None
    if event is None:
        return not_found(NOT_FOUND)
    registrations = Registration.objects.filter(event=event).order_by("registered_at", "pk")
    return Status(200, [_registration_out(r, event) for r in registrations])
