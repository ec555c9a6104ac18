"""Service validation errors: collected per field, raised at once, and reported by the API per field."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.formats import date_format

# Field name -> messages; services collect every problem before raising ("__all__" for the rest).
Errors = dict[str, list[str]]


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def raise_if_errors(errors: Errors) -> None:
    """Raise the collected problems as one ValidationError, so a form or the API shows them all."""
    if errors:
        raise ValidationError(errors)


def day(value: dt.date) -> str:
    """A date as messages show it (d.m.Y)."""
    return date_format(value, "d.m.Y")


def messages_by_field(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}
