"""Schemas of the measures API: what comes in, what goes out."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kommunalschutz.foundation.core.validators import PlausibleDate

# --- In ---------------------------------------------------------------------------------------------


class PartnerIn(Schema):
    name: str = Field(max_length=200)
    category: str = Field(description="coordination_office, zastex, expert_network, starke_stelle, hateaid, "
                                      "victim_counselling, reporting_office or other")
    description: str = Field("", max_length=5_000)
    scope: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=300)
    anonymous_possible: bool = False
    source_url: str = Field("", max_length=300)


class PartnerPatch(Schema):
    name: str | None = Field(None, max_length=200)
    category: str | None = None
    description: str | None = Field(None, max_length=5_000)
    scope: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=300)
    anonymous_possible: bool | None = None
    source_url: str | None = Field(None, max_length=300)
    is_active: bool | None = Field(None, description="false deactivates the partner (no longer listed)")


class MeasureIn(Schema):
    kind: str = Field(description="named_contact, agreed_measures, behaviour_advice, security_consultation, "
                                  "onsite_sensitisation, protection_request, register_block or referral")
    owner: int | None = Field(None, description="user id of the responsible person (on the case team)")
    due_on: PlausibleDate | None = Field(None, description="not in the past")
    description: str = Field("", max_length=20_000)
    partner: int | None = Field(None, description="id of an active partner; referrals only (and required there)")
    protection_kind: str = Field("", description="personal, property or both; protection requests only")
    agreed_with_official: bool = False


class MeasurePatch(Schema):
    status: str | None = Field(None, description="planned, in_progress, done (needs an outcome) or cancelled "
                                                 "(needs the reason as outcome)")
    outcome: str | None = Field(None, max_length=20_000)
    due_on: PlausibleDate | None = None
    owner: int | None = None
    agreed_with_official: bool | None = None
    description: str | None = Field(None, max_length=20_000)


class DecisionIn(Schema):
    decision: str = Field(description="granted, partly or refused")
    note: str = Field("", max_length=20_000, description="the reasons (required)")


# --- Out --------------------------------------------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str
    category: str
    description: str
    scope: str
    phone: str
    email: str
    website: str
    anonymous_possible: bool
    source_url: str
    is_active: bool


class MeasureOut(Schema):
    """For the case team every field is filled. For the reporter's side ``owner``, ``outcome``,
    ``decision_note`` and ``decided_by`` are null, and ``description`` is empty unless the measure was
    agreed with the official."""

    id: int
    case: int
    kind: str
    partner: int | None
    partner_name: str
    owner: int | None
    due_on: dt.date | None
    status: str
    overdue: bool
    outcome: str | None
    description: str
    agreed_with_official: bool
    protection_kind: str
    decision: str
    decision_note: str | None
    decided_by: int | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


