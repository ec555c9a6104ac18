"""The API's shared answers: one error schema for every router, 404 for outsiders, 422 per field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Status

from kommunalschutz.foundation.core.errors import messages_by_field
from kommunalschutz.foundation.core.schemas import ErrorOut, ValidationErrorOut

__all__ = ["ErrorOut", "ValidationErrorOut", "invalid", "not_found"]


def not_found(detail: str | None = None) -> Status[ErrorOut]:
    """404 for what does not exist and for what the caller may not see, alike."""
    return Status(404, ErrorOut(detail=detail or _("Not found.")))


def invalid(error: ValidationError | dict[str, list[str]], detail: str | None = None
            ) -> Status[ValidationErrorOut]:
    """422 with every message per field; the service wrote nothing."""
    errors = error if isinstance(error, dict) else messages_by_field(error)
    return Status(422, ValidationErrorOut(detail=detail or _("The input is not valid; see the messages per field."),
                                          errors=errors))
