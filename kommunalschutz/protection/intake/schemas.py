"""Schemas of the intake API. Incident fields as in docs/protection/intake.md; categories are codes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema


class IncidentIn(Schema):
    description: str = Field("", description="What happened (required, at most 20,000 characters)")
    incident_types: list[str] = Field(default_factory=list, description="One or more type codes, e.g. threat, insult")
    occurred_at: dt.datetime | None = Field(None, description="Date and time of a single incident (not with a period)")
    period_start: dt.date | None = Field(None, description="Start of a period of repeated acts")
    period_end: dt.date | None = Field(None, description="End of the period (empty: still going on)")
    municipality_ags: str = Field("", description="Official municipality key (AGS) of a current municipality "
                                                  "of the installation's state")
    place: str = Field("", description="home, office, council_meeting, public_event, online, other")
    place_detail: str = ""
    channel: str = Field("", description="in_person, letter, email, phone, social_media, other")
    platform: str = Field("", description="Required for channel social_media")
    affected_role: str = Field("", description="mayor, district_administrator, council_member, honorary_official, "
                                               "staff, family_member")
    office_relation: str = ""
    perpetrator_kind: str = Field("unknown", description="unknown, individual, group")
    perpetrator_known_to_victim: str = Field("unknown", description="yes, no, unknown")
    perpetrator_details: str = ""
    complaint_filed: bool = False
    complaint_file_number: str = ""
    complaint_police_station: str = ""
    politically_motivated: str = Field("unknown", description="yes, no, unknown")
    urgency: str = Field("medium", description="low, medium, high")
    danger_now: bool = Field(False, description="The affected person is in danger now (marks the case acute)")
    threat_to_life: bool = Field(False, description="Life or limb has been threatened (marks the case acute)")


class AnonymousReportIn(IncidentIn):
    passphrase: str = Field(description="At least 10 characters; needed with the receipt to follow the report up")
    passphrase_repeat: str
    proof_challenge: str = Field("", description="Optional proof of work: a challenge from "
                                                 "GET /public/reports/challenge. Without a valid proof the "
                                                 "report counts against the client's limit.")
    proof_nonce: str = Field("", description="Optional: decimal digits with SHA-256(\"<challenge>:<nonce>\") "
                                             "beginning with the challenge's number of zero bits")


class ChallengeOut(Schema):
    challenge: str = Field(description="Signed, single-use, valid for expires_in seconds from this client only")
    bits: int = Field(description="Leading zero bits SHA-256(\"<challenge>:<nonce>\") must have")
    expires_in: int = Field(description="Seconds the challenge stays valid")


class ReportIn(IncidentIn):
    report_for: Literal["self", "on_behalf"] = "self"
    affected_name: str = Field("", description="Required on behalf of someone")
    affected_contact: str = Field("", description="Required on behalf of someone")


class ReceiptOut(Schema):
    receipt: str = Field(description="16 digits; shown once, keep it with the passphrase")


class LookupIn(Schema):
    receipt: str
    passphrase: str


class MessageIn(LookupIn):
    body: str


class ReporterMessageOut(Schema):
    id: int
    from_reporter: bool
    is_question: bool
    created_at: dt.datetime
    body: str


class LookupOut(Schema):
    status: str
    status_label: str
    is_acute: bool
    messages: list[ReporterMessageOut]


class MessageCreatedOut(Schema):
    id: int
    created_at: dt.datetime


class CaseCreatedOut(Schema):
    id: int
    reference: str
    is_acute: bool
    acknowledgement_due_at: dt.datetime | None


