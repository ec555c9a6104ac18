"""The API's shared answers: one error schema for every router, 404 for outsiders, 422 per field, and the
public lists cached by data version (decision 0027)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Schema, Status
from ninja.responses import NinjaJSONEncoder

from kommunalschutz.foundation.core.dataversion import versioned_response
from kommunalschutz.foundation.core.errors import messages_by_field
from kommunalschutz.foundation.core.schemas import ErrorOut, ValidationErrorOut

__all__ = ["ErrorOut", "ValidationErrorOut", "invalid", "not_found", "public_list", "schema_json", "uncached_list"]


def not_found(detail: str | None = None) -> Status[ErrorOut]:
    """404 for what does not exist and for what the caller may not see, alike."""
    return Status(404, ErrorOut(detail=detail or _("Not found.")))


def invalid(error: ValidationError | dict[str, list[str]], detail: str | None = None
            ) -> Status[ValidationErrorOut]:
    """422 with every message per field; the service wrote nothing."""
    errors = error if isinstance(error, dict) else messages_by_field(error)
    return Status(422, ValidationErrorOut(detail=detail or _("The input is not valid; see the messages per field."),
                                          errors=errors))


def schema_json(items: Iterable[Schema]) -> bytes:
    """A list of output schemas as JSON, byte for byte as django-ninja renders a ``list[...]`` answer
    (``model_dump()`` of each, its renderer's encoder and separators)."""
    return json.dumps([item.model_dump() for item in items], cls=NinjaJSONEncoder).encode()


def public_list(request: HttpRequest, scope: str, key: str, items: Callable[[], Iterable[Schema]], *,
                day: dt.date | None = None) -> HttpResponseBase:
    """A public list answer (the same for every caller) built once per data version of ``scope``, with an
    ETag and 304 for a client that holds it (core.dataversion). ``key`` names every parameter the list
    depends on besides the scope's tables; a list that depends on the day passes it as ``day`` too."""
    response: HttpResponseBase = versioned_response(request, scope, key, lambda: schema_json(items()), day=day)
    return response


def uncached_list(items: Iterable[Schema]) -> HttpResponse:
    """The same bytes without the cache, for an answer not worth keeping (e.g. an empty list for an
    unknown parameter, which random requests could otherwise crowd the cache with)."""
    return HttpResponse(schema_json(items), content_type="application/json; charset=utf-8")
