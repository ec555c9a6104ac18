"""The API's error answers, one schema of each name for every router (the OpenAPI document names them once)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
AMOUNT_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would also read a number ("0") as seconds since 1970."""
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("Input should be a date in the format YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("Input should be a date in the format YYYY-MM-DD")
    return value


# A date as the document says it (format "date"), nothing else.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
# An amount in euros with at most two decimal places, documented as the string the endpoint parses
# (django-ninja leaves the decimal's pattern out of the document, so any string looked valid).
EuroAmount = Annotated[Decimal, WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN,
                                                "examples": ["1250.00"]})]


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="messages per field name")


class RequestErrorItemOut(Schema):
    type: str
    loc: list[str | int] = Field(description="where: query, path or body, then the field")
    msg: str
    ctx: dict[str, object] | None = None


class RequestErrorOut(Schema):
    """422 from the API framework itself, before the endpoint runs: a parameter or body field does not match
    the schema (wrong type, too long, missing)."""

    detail: list[RequestErrorItemOut]
