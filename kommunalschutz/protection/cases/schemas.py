"""Schemas of the cases API: what comes in, what goes out (kept apart on purpose)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kommunalschutz.foundation.core.validators import PlausibleDate

# --- In ---------------------------------------------------------------------------


class CaseQueryIn(Schema):
    status: str | None = Field(None, description="only cases with this status")
    acute: bool = Field(False, description="only acute cases")
    mine: bool = Field(False, description="only cases the caller owns or is assigned to")
    unacknowledged: bool = Field(False, description="only cases not yet acknowledged")
    overdue: bool = Field(False, description="only cases whose acknowledgement is overdue")


class StatusIn(Schema):
    status: str = Field(description="acknowledged, assessment, measures_agreed or monitoring")


class CaseMessageIn(Schema):
    body: str = Field(max_length=10_000)
    kind: str = Field("message", description="case team: message, question or internal; the reporter: message only")


class TaskIn(Schema):
    title: str = Field(max_length=300)
    due_on: PlausibleDate | None = Field(None, description="not in the past")
    assignee: int | None = Field(None, description="user id of a member of the case team")


class LinkIn(Schema):
    other: str = Field(description="case number of the related case, e.g. 2026-000123")
    kind: str = Field(description="same_perpetrator, series, related or duplicate")


class TeamIn(Schema):
    user: int = Field(description="user id (coordinator, the responsible police contact, LKA protection officer)")
    function: str = Field("case_worker", description="case_worker, police_contact, protection_officer, "
                                                       "second_reviewer")
    owner: bool = Field(False, description="make this person the case owner instead of adding a member")
    remove: bool = Field(False, description="remove this person from the case team")


class CloseIn(Schema):
    reason: str = Field("", description="closing reason (required)")
    note: str = Field("", max_length=10_000)


class ReopenIn(Schema):
    reason: str = Field(max_length=10_000)


class IncidentPatchIn(Schema):
    """Only the fields given are changed; validated like an intake."""

    description: str | None = None
    incident_types: list[str] | None = None
    occurred_at: dt.datetime | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    municipality: str | None = Field(None, description="8-digit AGS")
    place: str | None = None
    place_detail: str | None = None
    channel: str | None = None
    platform: str | None = None
    affected_role: str | None = None
    affected_name: str | None = None
    affected_contact: str | None = None
    office_relation: str | None = None
    perpetrator_kind: str | None = None
    perpetrator_known_to_victim: str | None = None
    perpetrator_details: str | None = None
    complaint_filed: bool | None = None
    complaint_file_number: str | None = None
    complaint_police_station: str | None = None
    politically_motivated: str | None = None
    urgency: str | None = None
    danger_now: bool | None = None
    threat_to_life: bool | None = None


# --- Out --------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    reference: str
    reported_at: dt.datetime
    status: str
    is_acute: bool
    municipality: str | None = Field(None, description="AGS")
    municipality_name: str | None = None
    owner: str | None = Field(None, description="username of the case owner")
    acknowledgement_due_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    overdue: bool = False
    is_synthetic: bool = False


class IncidentOut(Schema):
    description: str
    incident_types: list[str]
    occurred_at: dt.datetime | None
    period_start: dt.date | None
    period_end: dt.date | None
    place: str
    place_detail: str
    channel: str
    platform: str
    affected_role: str
    affected_name: str
    affected_contact: str
    office_relation: str
    perpetrator_kind: str
    perpetrator_known_to_victim: str
    perpetrator_details: str
    complaint_filed: bool
    complaint_file_number: str
    complaint_police_station: str
    politically_motivated: str
    urgency: str
    danger_now: bool
    threat_to_life: bool


class MessageOut(Schema):
    id: int
    created_at: dt.datetime
    from_reporter: bool
    internal: bool
    is_question: bool
    author: str | None = Field(None, description="username (case team only)")
    body: str


class TaskOut(Schema):
    id: int
    title: str
    assignee: int | None
    due_on: dt.date
    done_at: dt.datetime | None
    overdue: bool


class TeamMemberOut(Schema):
    id: int
    user: int
    username: str
    function: str


class LinkOut(Schema):
    id: int
    kind: str
    other_id: int | None = Field(None, description="null when the caller cannot see the other case")
    other_reference: str | None = None


class CaseEventOut(Schema):
    at: dt.datetime
    kind: str
    summary: str
    actor: str | None = Field(None, description="username; null for the reporter or the system")
    by_reporter: bool


class CaseDetailOut(CaseOut):
    """The reporter gets the incident, the status and the messages that are not internal; the lists of the
    case team stay empty for them (``team_view`` false)."""

    team_view: bool
    intake: str
    closed_at: dt.datetime | None = None
    closing_reason: str = ""
    incident: IncidentOut
    messages: list[MessageOut]
    team: list[TeamMemberOut] = []
    tasks: list[TaskOut] = []
    links: list[LinkOut] = []
    events: list[CaseEventOut] = []


class NotificationOut(Schema):
    id: int
    created_at: dt.datetime
    message: str
    case: int | None
    url: str
    read_at: dt.datetime | None
