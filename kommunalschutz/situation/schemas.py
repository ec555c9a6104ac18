"""Schemas of the situation report API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class SituationCellOut(Schema):
    value: float | int | None = Field(description="null when suppressed or when the cell holds text only")
    display: str = Field(description="the cell as the report shows it (German number format, or the marker)")
    suppressed: bool


class SituationTableOut(Schema):
    key: str
    title: str
    row_heading: str
    columns: list[list[str]] = Field(description="[key, label] of every column")
    rows: list[SituationRowOut]
    column_totals: list[SituationCellOut | None] | None = None
    grand_total: SituationCellOut | None = None
    note: str
    suppressed_rule: bool = Field(description="true when counts below min_cell are suppressed in this table")


class SituationRowOut(Schema):
    key: str
    label: str
    cells: list[SituationCellOut | None]
    total: SituationCellOut | None = None


class SituationSectionOut(Schema):
    key: str = Field(description="alliance, protection, officials_survey, citizens_surveys")
    title: str
    state: str = Field(description="ready, or empty when there is nothing to report yet")
    intro: str
    sentences: list[str]
    tables: list[SituationTableOut]


class SituationReportSummaryOut(Schema):
    id: int
    title: str
    period_start: dt.date
    period_end: dt.date = Field(description="the as-of date of the figures")
    status: str = Field(description="draft or released")
    released_at: dt.datetime | None
    editions: list[str] = Field(description="the editions the caller may read (internal, public)")


class SituationReportOut(Schema):
    id: int
    title: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    status: str
    released_at: dt.datetime | None
    generated_at: dt.datetime | None
    edition: str
    min_cell: int = Field(description="counts from 1 to min_cell - 1 are suppressed where the table says so")
    press_text: str
    sections: list[SituationSectionOut]


SituationTableOut.model_rebuild()
