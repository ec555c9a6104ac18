"""The API's error answers, one schema of each name for every router (the OpenAPI document names them once)."""

from __future__ import annotations

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="messages per field name")
