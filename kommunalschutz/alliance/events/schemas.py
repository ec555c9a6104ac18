"""Schemas of the events API: registration input, event and registration documents out (kept apart)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field, WithJsonSchema, field_validator

from kommunalschutz.alliance.events.models import Event, Registration

# Both enumerations are called Status, and the OpenAPI document names an enumeration's component by its class
# name: documented inline instead, so neither replaces the other (docs/decisions/0018-unique-schema-names.md).
EventStatus = Annotated[Event.Status, WithJsonSchema({"type": "string", "enum": list(Event.Status.values)})]
RegistrationStatus = Annotated[Registration.Status,
                               WithJsonSchema({"type": "string", "enum": list(Registration.Status.values)})]

# --- In ---------------------------------------------------------------------------


class RegistrationIn(Schema):
    """An invited user registers themselves; names default to the account's, the e-mail is the account's."""

    first_name: str | None = Field(None, max_length=100, description="default: the account's first name")
    last_name: str | None = Field(None, max_length=100, description="default: the account's last name")
    organisation_name: str = Field("", max_length=200)
    function: str = Field("", max_length=200, description="shown on the name badge")
    attendee_role: Registration.AttendeeRole = Field(description="in which capacity the person attends")
    consent: bool = Field(description="must be true: consent to the processing of the data for the event",
                          json_schema_extra={"const": True})

    @field_validator("consent")
    @classmethod
    def consent_given(cls, value: bool) -> bool:
        if not value:
            raise ValueError("consent to the processing of the data is required")
        return value


# --- Out --------------------------------------------------------------------------


class EventOut(Schema):
    slug: str
    title: str
    kind: Event.Kind
    status: EventStatus
    description: str
    venue: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    seats_taken: int = Field(description="confirmed registrations")
    registration_closes_at: dt.datetime | None
    registration_open: bool
    organiser: str | None
    is_synthetic: bool


class RegistrationOut(Schema):
    id: int
    event: str = Field(description="the event's slug")
    first_name: str
    last_name: str
    email: str
    organisation_name: str
    function: str
    attendee_role: Registration.AttendeeRole
    channel: Registration.Channel
    status: RegistrationStatus = Field(description="confirmed, waitlisted (event full) or cancelled")
    registered_at: dt.datetime
    attended: bool
    is_synthetic: bool


class FieldErrorOut(Schema):
    type: str
    loc: list[str]
    msg: str


class FieldErrorListOut(Schema):
    """The events router's 422: one entry per message, located like ninja's own validation errors
    (not foundation.web.api.ValidationErrorOut, whose messages are grouped by field)."""

    detail: list[FieldErrorOut]
