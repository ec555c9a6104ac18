"""Schemas of the registry API: query parameters in, documents out (kept apart on purpose)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

# --- In ---------------------------------------------------------------------------


class MunicipalityQueryIn(Schema):
    q: str = Field("", max_length=100, description="part of the name (case-insensitive) or an AGS prefix")
    district: str | None = Field(None, pattern=r"^[0-9]{5}$", description="5-digit district key")
    land: str | None = Field(None, pattern=r"^[0-9]{2}$", description="2-digit state key (AGS prefix)")
    include_dissolved: bool = Field(False, description="include municipalities that were merged or dissolved")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class StateQueryIn(Schema):
    land: str | None = Field(None, pattern=r"^[0-9]{2}$", description="2-digit state key (AGS prefix)")


class CompactQueryIn(StateQueryIn):
    level: int = Field(0, ge=0, le=2, description="0: all of Germany (zoom < 8), 1: a Land (zoom 8-9), "
                       "2: unsimplified (zoom 10 and closer)")


# --- Out --------------------------------------------------------------------------


class DistrictRefOut(Schema):
    ags: str = Field(description="5-digit district key")
    name: str


class PoliceDirectorateRefOut(Schema):
    code: str
    name: str


class MunicipalityRefOut(Schema):
    ags: str
    name: str


class MunicipalityOut(Schema):
    ags: str = Field(description="8-digit official municipality key (AGS), a string with leading zeros")
    name: str
    district: DistrictRefOut
    population: int
    kind: str
    valid_until: dt.date | None = Field(description="last day of existence; null for current municipalities")


class MunicipalityPageOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[MunicipalityOut]


class ContactOut(Schema):
    office_title: str
    street: str
    postcode: str
    city: str
    phone: str
    fax: str
    email: str
    website: str
    as_of: dt.date | None


class HistoryOut(Schema):
    kind: str
    effective: dt.date
    old_name: str
    new_name: str
    related_ags: str
    note: str


class MunicipalityDetailOut(Schema):
    ags: str
    ars: str
    name: str
    land: str
    kind: str
    district: DistrictRefOut
    police_directorate: PoliceDirectorateRefOut | None
    association_ars: str
    association_name: str
    association_type: str
    population: int
    population_male: int
    population_female: int
    area_km2: float
    postcode: str
    multiple_postcodes: bool
    reference_date: dt.date
    valid_until: dt.date | None
    successor: MunicipalityRefOut | None
    predecessors: list[MunicipalityRefOut]
    contact: ContactOut
    localities: list[str]
    history: list[HistoryOut]


class DistrictOut(Schema):
    ags: str
    name: str
    kind: str
    seat: str
    land: str
    population: int
    area_km2: float
    municipality_count: int
    police_directorate: PoliceDirectorateRefOut | None
    reference_date: dt.date

