"""Schemas of the alliance API: input and output kept apart on purpose."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kommunalschutz.foundation.core.schemas import IsoDate
from kommunalschutz.foundation.core.validators import PlausibleDate
from kommunalschutz.foundation.registry.schemas import PoliceDirectorateRefOut

AGS_PATTERN = r"^[0-9]{8}$"
DISTRICT_PATTERN = r"^[0-9]{5}$"

# --- In ---------------------------------------------------------------------------


class MembersQueryIn(Schema):
    as_of: IsoDate | None = Field(None, description="the date (YYYY-MM-DD); default today")


class TransitionIn(Schema):
    stage: str = Field(description="contacted, consulted, model, agreement_signed, member or left")
    date: PlausibleDate
    municipality: str | None = Field(None, pattern=AGS_PATTERN, description="AGS of the municipality")
    district: str | None = Field(None, pattern=DISTRICT_PATTERN, description="key of the district (instead)")
    acting_organisation: int = Field(description="id of the organisation that took the step")
    note: str = Field("", max_length=5000)
    source_url: str = Field("", max_length=300)


class SignatoryIn(Schema):
    party: str = Field(description="municipality, police or coordination_office")
    name: str = Field(max_length=200)
    function: str = Field(max_length=200)
    signed_on: PlausibleDate | None = None


class AgreementIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    municipality: str | None = Field(None, pattern=AGS_PATTERN)
    district: str | None = Field(None, pattern=DISTRICT_PATTERN)
    police_directorate: str = Field(description="code of the police directorate (registry code)")
    police_station: str = Field("", max_length=200)
    coordination_office: int | None = Field(None, description="organisation id; default: the programme's")
    background: str = ""
    goals_and_tasks: str = ""
    problem_inventory: str = ""
    partner_tasks: str = ""
    topics_and_measures: str = ""
    review_of_measures: str = ""
    signatories: list[SignatoryIn] = Field(default_factory=list, max_length=12)


# --- Out --------------------------------------------------------------------------


class AllianceOrganisationRefOut(Schema):
    id: int
    name: str


class MembershipTargetOut(Schema):
    kind: str = Field(description="municipality or district")
    ags: str
    name: str


class TransitionOut(Schema):
    id: int
    stage: str
    stage_label: str
    date: dt.date
    acting_organisation: AllianceOrganisationRefOut
    note: str
    is_synthetic: bool
    source_url: str


class LifecycleOut(Schema):
    target: MembershipTargetOut
    current_stage: str | None
    transitions: list[TransitionOut]


class AllianceMemberOut(Schema):
    ags: str
    name: str
    district: str


class MembersOut(Schema):
    as_of: dt.date
    count: int
    municipalities: list[AllianceMemberOut]


class SignatoryOut(Schema):
    party: str
    name: str
    function: str
    signed_on: dt.date | None


class ReviewOut(Schema):
    id: int
    due_on: dt.date
    completed_on: dt.date | None
    outcome: str
    reminder_sent_at: dt.datetime | None


class SignedDocumentOut(Schema):
    name: str
    size: int
    sha256: str
    url: str = Field(description="download address (web session with the right to read the agreement)")


class AgreementOut(Schema):
    id: int
    title: str
    status: str
    target: MembershipTargetOut
    police_directorate: PoliceDirectorateRefOut
    police_station: str
    coordination_office: AllianceOrganisationRefOut
    signed_on: dt.date | None
    terminated_on: dt.date | None
    is_synthetic: bool
    source_url: str
    signed_document: SignedDocumentOut | None


class AgreementDetailOut(AgreementOut):
    background: str
    goals_and_tasks: str
    problem_inventory: str
    partner_tasks: str
    topics_and_measures: str
    review_of_measures: str
    signatories: list[SignatoryOut]
    reviews: list[ReviewOut]
