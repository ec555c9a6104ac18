"""Schemas of the councils API: what comes in, what goes out (kept apart on purpose)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kommunalschutz.foundation.core.validators import EventDate, PlausibleDate

# --- In ---------------------------------------------------------------------------


class CouncilIn(Schema):
    """A new council: give exactly one of ``municipality`` (8-digit AGS) and ``district`` (5-digit key)."""

    name: str = Field(max_length=200)
    established_on: PlausibleDate = Field(description="founded or reactivated on (not in the future)")
    municipality: str | None = Field(None, description="8-digit AGS of the municipality")
    district: str | None = Field(None, description="5-digit key of the district")
    establishment: str = Field("founded", description="founded or reactivated")
    chair_name: str = Field("", max_length=200)
    chair_function: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=200)
    contact_function: str = Field("", max_length=200)
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=50)
    contact_address: str = Field("", max_length=300)
    contact_is_public: bool = Field(False, description="consent to show the contact on the public map")


class MeetingIn(Schema):
    council: int | None = Field(None, description="id of the prevention council (required)")
    title: str = Field("", max_length=200)
    held_on: EventDate
    location: str = Field("", max_length=200)
    agenda: str = Field("", max_length=20_000)


class CouncilQueryIn(Schema):
    active: bool | None = Field(None, description="only running (true) or only dissolved (false) councils")


# --- Out --------------------------------------------------------------------------


class CouncilTargetOut(Schema):
    kind: str = Field(description="municipality or district")
    ags: str
    name: str


class CouncilContactDetailOut(Schema):
    name: str
    function: str
    email: str
    phone: str
    address: str
    is_public: bool


class CouncilOut(Schema):
    id: int
    name: str
    target: CouncilTargetOut
    establishment: str
    established_on: dt.date
    dissolved_on: dt.date | None
    chair_name: str
    chair_function: str
    contact: CouncilContactDetailOut
    active_members: int
    meetings: int
    last_meeting_on: dt.date | None
    is_synthetic: bool
    source_url: str


class CouncilMemberOut(Schema):
    id: int
    organisation_name: str
    organisation_id: int | None
    person_name: str
    function: str
    joined_on: dt.date | None
    left_on: dt.date | None


class MeetingOut(Schema):
    id: int
    council: int
    title: str
    held_on: dt.date
    location: str
    agenda: str
    is_synthetic: bool


class WorkingGroupOut(Schema):
    id: int
    name: str
    topic: str
    lead: str
    members: list[int]


class CouncilProjectOut(Schema):
    id: int
    title: str
    status: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    actual_start: dt.date | None
    actual_end: dt.date | None


class CouncilDetailOut(CouncilOut):
    members: list[CouncilMemberOut]
    meeting_list: list[MeetingOut]
    working_groups: list[WorkingGroupOut]
    projects: list[CouncilProjectOut]


class PublicContactOut(Schema):
    """Only what the council agreed to publish (contact_is_public), for the public map."""

    id: int
    council_name: str
    target: CouncilTargetOut
    established_on: dt.date
    establishment: str
    contact_name: str
    contact_function: str
    contact_email: str
    contact_phone: str
    contact_address: str
    is_synthetic: bool

