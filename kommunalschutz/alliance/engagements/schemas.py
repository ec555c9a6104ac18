"""Schemas of the engagements API: what comes in and what goes out (kept apart on purpose)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from kommunalschutz.foundation.core.schemas import EuroAmount
from kommunalschutz.foundation.core.validators import PlausibleDate

MUNICIPALITY_AGS = r"^[0-9]{8}$"
DISTRICT_AGS = r"^[0-9]{5}$"

# --- In ---------------------------------------------------------------------------------------------


class EngagementQueryIn(Schema):
    offer: str | None = Field(None, max_length=50, description="offer code, e.g. beratung")
    status: str | None = Field(None, max_length=20, description="planned, active, completed or cancelled")
    municipality: str | None = Field(None, pattern=MUNICIPALITY_AGS, description="8-digit AGS")
    district: str | None = Field(None, pattern=DISTRICT_AGS,
                                 description="5-digit district key (its own and its municipalities' engagements)")
    year: int | None = Field(None, ge=2000, le=2100, description="year of started_on")
    overdue: bool = Field(False, description="only security analyses with an overdue phase")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class TargetIn(Schema):
    municipality: str | None = Field(None, pattern=MUNICIPALITY_AGS, description="8-digit AGS of the municipality")
    district: str | None = Field(None, pattern=DISTRICT_AGS, description="5-digit key; instead of a municipality")


class ConsultationIn(TargetIn):
    offer: str | None = Field(None, max_length=50,
                              description="offer code of kind consultation; default: the catalogue's first")
    title: str = Field(max_length=200)
    started_on: PlausibleDate = Field(description="the day of the consultation")
    ended_on: PlausibleDate | None = None
    status: str = Field("completed", max_length=20)
    topics: str = Field(max_length=10_000)
    participating_organisations: list[int] = Field(default_factory=list, description="organisation ids")
    other_participants: str = Field("", max_length=10_000)
    outcome: str = Field("", max_length=10_000)
    notes: str = Field("", max_length=10_000)


class FundingApplicationIn(TargetIn):
    offer: str | None = Field(None, max_length=50, description="offer code of kind funding; default: the first")
    title: str = Field("", max_length=200, description="defaults to the project title")
    status: str = Field("active", max_length=20)
    funding_year: int = Field(ge=2000, le=2100)
    project_title: str = Field(max_length=300)
    total_costs: EuroAmount = Field(max_digits=12, decimal_places=2, description="eligible costs in EUR")
    requested_amount: EuroAmount = Field(max_digits=12, decimal_places=2)
    in_kind_contribution: EuroAmount = Field(Decimal(0), max_digits=12, decimal_places=2,
                                          description="the part of the own share given in kind")
    submitted_on: PlausibleDate = Field(description="between 31 Aug and 15 Oct of the year before the funding year")
    prior_consultation: int | None = Field(None, description="engagement id of a consultation of the same "
                                                             "municipality or district, on or before submission")
    problem_description: str = Field("", max_length=20_000)
    cause_analysis: str = Field("", max_length=20_000)
    goals: str = Field("", max_length=20_000)
    measures: str = Field("", max_length=20_000)
    concept_and_implementation: str = Field("", max_length=20_000)
    effect_check: str = Field("", max_length=20_000)
    conclusions: str = Field("", max_length=20_000)
    notes: str = Field("", max_length=10_000)


class OfferTypeIn(Schema):
    code: str = Field(max_length=50, description="lower-case letters, digits and hyphens; unique")
    name: str = Field(max_length=200, description="unique")
    kind: str = Field("general", description="consultation, coaching, security_analysis, funding or general")
    description: str = Field("", max_length=5_000)
    active: bool = True
    position: int = Field(100, ge=0, le=1000)


# --- Out --------------------------------------------------------------------------------------------


class OfferTypeOut(Schema):
    code: str
    name: str
    kind: str
    description: str
    active: bool
    position: int


class EngagementTargetOut(Schema):
    type: str = Field(description="municipality or district")
    ags: str
    name: str


class EngagementOut(Schema):
    id: int
    offer: str = Field(description="offer code")
    offer_name: str
    kind: str
    title: str
    status: str
    target: EngagementTargetOut
    started_on: dt.date
    ended_on: dt.date | None
    owner: str | None
    is_synthetic: bool
    has_overdue_phase: bool = False


class EngagementPageOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[EngagementOut]


class FollowUpTaskOut(Schema):
    title: str
    assignee: str
    due_on: dt.date
    completed_on: dt.date | None
    overdue: bool


class ConsultationOut(Schema):
    topics: str
    participating_organisations: list[str]
    other_participants: str
    outcome: str
    tasks: list[FollowUpTaskOut]


class SessionOut(Schema):
    held_on: dt.date
    duration_minutes: int
    topics: str


class EvaluationOut(Schema):
    condition: str
    fulfilment: str
    comment: str


class CoachingOut(Schema):
    coach: str
    needs: list[str]
    goals: str
    sessions: list[SessionOut]
    closed_on: dt.date | None
    evaluation_summary: str
    evaluations: list[EvaluationOut]


class PhaseOut(Schema):
    phase: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    overdue: bool


class AnalysisOut(Schema):
    contractor: str | None
    sample_size: int | None
    phases: list[PhaseOut]


class FundingOut(Schema):
    funding_year: int
    project_title: str
    total_costs: Decimal
    requested_amount: Decimal
    own_share: Decimal
    funding_rate_percent: Decimal
    in_kind_contribution: Decimal
    submitted_on: dt.date
    prior_consultation: int = Field(description="engagement id of the prior consultation")
    beccaria_steps: dict[str, str]
    decision: str
    decided_on: dt.date | None
    approved_amount: Decimal | None
    report_submitted_on: dt.date | None


class EngagementDetailOut(EngagementOut):
    notes: str
    consultation: ConsultationOut | None = None
    coaching: CoachingOut | None = None
    security_analysis: AnalysisOut | None = None
    funding: FundingOut | None = None
