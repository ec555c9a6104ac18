"""Schemas of the case statistics API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class StatisticsQueryIn(Schema):
    date_from: str | None = Field(None, alias="from", description="first month, YYYY-MM (default: six full "
                                  "years back)")
    date_to: str | None = Field(None, alias="to", description="last month, YYYY-MM (default: December of last year)")
    district: str | None = Field(None, description="district key (5-digit AGS) of the incident")
    directorate: str | None = Field(None, description="code of the responsible police directorate")
    without_synthetic: bool = Field(False, description="leave out synthetic demo data")


class CellOut(Schema):
    value: float | int | None = Field(description="null when suppressed or not applicable")
    suppressed: bool


class ColumnOut(Schema):
    key: str
    label: str


class RowOut(Schema):
    key: str
    label: str
    cells: list[CellOut]
    total: CellOut | None = None


class TableOut(Schema):
    key: str
    title: str
    row_heading: str
    additive: bool = Field(description="false when one case can count in several columns")
    note: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    column_totals: list[CellOut] | None = None
    grand_total: CellOut | None = None


class StatisticsOut(Schema):
    start: dt.date
    end: dt.date
    district: str | None
    directorate: str | None
    include_synthetic: bool
    min_cell: int = Field(description="counts from 1 to min_cell - 1 are suppressed")
    tables: list[TableOut]


class PoliceFigureOut(Schema):
    region: str = Field(description="the state's region code (SN Saxony, TH Thuringia) or DE Germany")
    year: int
    offence_group: str
    count: int
    status: str = Field(description="preliminary or final")
    as_of: dt.date
    source: str
    source_url: str
    note: str


