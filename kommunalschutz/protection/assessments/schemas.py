"""Schemas of the assessments API: what comes in, what goes out (kept apart on purpose).

Inputs are lenient on purpose (text and optional values): the service checks them and answers 422 with
the messages per field, the same messages the page shows.
"""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kommunalschutz.foundation.core.validators import IncidentDate, PlausibleDate

# --- In ---------------------------------------------------------------------------


class RatingIn(Schema):
    behaviour: str = Field("", description="pathway, fixation, identification, novel_aggression, energy_burst, "
                                       "leakage, last_resort or direct_threat")
    rating: str = Field("", description="present, partly, absent or unknown")
    evidence_notes: str = Field("", description="required when present or partly", max_length=20_000)
    observed_on: IncidentDate | None = Field(None, description="when it was observed (not in the future)")


class AssessmentIn(Schema):
    """A new assessment: all eight warning behaviours rated, the level of concern with a rationale."""

    level: str = Field("", description="low, moderate or high (the assessor's judgement, never computed)")
    route: str = Field("", description="police, health or both")
    rationale: str = Field("", description="why this level, at least one full sentence (30 characters)",
                           max_length=40_000)
    next_review_on: PlausibleDate | None = Field(None, description="re-assess by: after today, within six months")
    ratings: list[RatingIn] = Field(default_factory=list, description="exactly one entry per warning behaviour")


class ReviewIn(Schema):
    confirm: bool = Field(description="true: confirm the high level (in force); false: do not confirm")
    note: str = Field("", description="required when not confirming", max_length=20_000)


# --- Out --------------------------------------------------------------------------


class RatingOut(Schema):
    behaviour: str
    rating: str
    evidence_notes: str
    observed_on: dt.date | None


class PersonOut(Schema):
    id: int
    name: str


class AssessmentOut(Schema):
    id: int
    case: int
    level: str
    route: str
    rationale: str
    next_review_on: dt.date
    state: str = Field(description="awaiting_review, in_force, superseded or rejected")
    assessed_by: PersonOut | None
    assessed_at: dt.datetime
    reviewed_by: PersonOut | None
    reviewed_at: dt.datetime | None
    review_note: str
    ratings: list[RatingOut]


