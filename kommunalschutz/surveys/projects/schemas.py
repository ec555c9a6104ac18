"""Schemas of the surveys API (read-only for now): projects and their questionnaires."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ProjectOut(Schema):
    id: int
    title: str
    year: int
    status: str = Field(description="preparation, sampling, field, analysis or reported")
    municipality_ags: str
    municipality_name: str
    contractor: str | None = Field(description="name of the analysis contractor")
    reference_date: dt.date
    minimum_age: int
    double_entry: bool
    field_start: dt.date | None
    field_end: dt.date | None
    security_analysis: int | None = Field(description="id of the alliance's security analysis engagement")
    is_synthetic: bool


class QuestionnaireSummaryOut(Schema):
    version: int
    title_de: str
    frozen_at: dt.datetime | None
    items: int


class ProjectDetailOut(ProjectOut):
    questionnaires: list[QuestionnaireSummaryOut]


class OptionOut(Schema):
    code: int
    de: str
    en: str


class FilterOut(Schema):
    item: str = Field(description="code of the earlier question the filter refers to")
    values: list[int] = Field(description="the answer codes of that question that make this one appear")


class ItemOut(Schema):
    position: int
    code: str = Field(description="variable name of the answers")
    block: str
    kind: str = Field(description="single, multiple, scale, number or text")
    text_de: str
    text_en: str
    options: list[OptionOut]
    allow_dont_use: bool = Field(description="scale: code 8 allowed")
    allow_dont_know: bool = Field(description="scale: code 9 allowed")
    allowed_values: list[int] | None = Field(description="every valid code (None: number or text)")
    minimum: int | None
    maximum: int | None
    required: bool
    show_if: FilterOut | None
    bank_key: str


class QuestionnaireOut(Schema):
    project: int
    version: int
    title_de: str
    title_en: str
    intro_de: str
    intro_en: str
    frozen_at: dt.datetime | None
    items: list[ItemOut]
