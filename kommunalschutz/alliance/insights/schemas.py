"""Schemas of the insights API: query parameters in, documents out (kept apart on purpose)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field

# --- In ---------------------------------------------------------------------------


class AsOfIn(Schema):
    as_of: str | None = Field(None, description="ISO date YYYY-MM-DD, not in the future; default: today",
                              examples=["2024-02-27"])


class SeriesIn(Schema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: str | None = Field(None, alias="from",
                                  description="ISO date; default: the start of the programme (6 Feb 2019)")
    date_to: str | None = Field(None, alias="to", description="ISO date, not in the future; default: today")
    interval: str | None = Field(None, description="only `month` (the last day of every month)")


# --- Out --------------------------------------------------------------------------


class FiguresOut(Schema):
    as_of: dt.date
    member_municipalities: int = Field(description="municipalities whose latest “member” step is not followed "
                                                   "by “left”")
    model_municipalities: int
    contacted_municipalities: int = Field(description="municipalities with any lifecycle step")
    cooperation_agreements: int = Field(description="signed and not terminated (municipalities and districts)")
    consultations: int = Field(description="since the start, not cancelled")
    coaching_processes: int = Field(description="since the start, not cancelled")
    municipalities_with_coaching: int
    prevention_councils: int = Field(description="founded or reactivated and not dissolved")
    security_analyses: int = Field(description="since the start, not cancelled")


class SeriesOut(Schema):
    start: dt.date = Field(description="the first day of the range (from)")
    end: dt.date = Field(description="the last day of the range (to)")
    interval: str
    points: list[FiguresOut] = Field(description="one point per month end, the last one on `end`")


class CouncilContactOut(Schema):
    name: str
    function: str
    email: str
    phone: str
    address: str


class CouncilMarkerOut(Schema):
    id: int
    name: str
    target: str = Field(description="AGS of the municipality (8 digits) or district (5 digits)")
    target_kind: str = Field(description="municipality or district")
    target_name: str
    establishment: str = Field(description="founded or reactivated")
    established_on: dt.date
    dissolved_on: dt.date | None
    contact: CouncilContactOut | None = Field(description="only when the council agreed to publish it")
    synthetic: bool


class MapTargetOut(Schema):
    name: str
    district: str
    district_name: str
    contacted: dt.date | None = Field(description="first lifecycle step")
    model: dt.date | None = Field(description="became a model municipality")
    member: list[tuple[dt.date, dt.date | None]] = Field(description="membership periods [start, end)")
    agreements: list[tuple[dt.date, dt.date | None]] = Field(
        description="cooperation agreements [signed, terminated)")
    coaching: dt.date | None = Field(description="start of the first coaching process")
    security_analysis: dt.date | None = Field(description="start of the first security analysis")
    councils: list[int]
    synthetic: bool = Field(description="at least one of the records behind it is demonstration data")


class MapLayerOut(Schema):
    as_of: dt.date | None
    blocks: list[str]
    municipalities: dict[str, MapTargetOut]
    districts: dict[str, MapTargetOut]
    councils: list[CouncilMarkerOut]
