"""The request guard: bad input is refused at the door with a German answer, never a server error.

* ``InputGuardMiddleware`` checks every posted form value and file name (control characters, NUL,
  oversized text: ``core.validators``), refuses a body that cannot be parsed, and, as the last line, turns a
  database ``DataError`` or a ``ValueError`` from input that slipped past the checks into a German 400.
* ``JSONParser`` is the API's parser: JSON only (415 otherwise), every string checked like a form value.
* ``install_api_handlers`` gives the API German answers for what django-ninja answers in English (422 in
  django-ninja's shape, a list of type/loc/msg, with German messages; 400 for a body that is not JSON; 401, 404, 429).

Decision 0017 (docs/decisions/0017-input-plausibility.md) says why the checks sit here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny

from kommunalschutz.foundation.core.validators import text_problem

logger = logging.getLogger("kommunalschutz.input")

API_PREFIX = "/api/"
JSON_TYPES = ("application/json",)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def is_json(request: HttpRequest) -> bool:
    content_type = (request.content_type or "").lower()
    return content_type in JSON_TYPES or (content_type.startswith("application/") and content_type.endswith("+json"))


def refusal(request: HttpRequest, reason: str, *, status: int = 400,
            errors: dict[str, list[str]] | None = None) -> HttpResponse:
    """The German answer to bad input: JSON on the API, the 400 page elsewhere."""
    if is_api(request):
        body: dict[str, Any] = {"detail": reason}
        if errors is not None:
            body["errors"] = errors
        return JsonResponse(body, status=status)
    return render(request, "400.html", {"reason": reason}, status=status)


def _posted_values(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(field, text) of every posted name, value and file name."""
    for name, values in request.POST.lists():
        yield name, name
        for value in values:
            yield name, value
    for name, files in request.FILES.lists():
        yield name, name
        for upload in files:
            yield name, upload.name or ""


V = TypeVar("V", bound=Callable[..., HttpResponse])

# A view whose form refuses control characters and oversized text at each field itself (and so keeps the
# person's other entries) carries this attribute; the guard then checks only that its body can be read.
CHECKS_ITS_OWN_INPUT = "checks_its_own_input"


def checks_its_own_input(view: V) -> V:
    """Mark a form view that validates every posted value itself (see CHECKS_ITS_OWN_INPUT)."""
    setattr(view, CHECKS_ITS_OWN_INPUT, True)
    return view


class InputGuardMiddleware:
    """Refuses posted form values no field accepts, and answers input errors that escaped a view with a 400.

    It stands after the CSRF middleware (reading ``request.POST`` before it would fix the upload handlers) and
    after authentication, so that it sees the same request the views see.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., HttpResponse], args: Any,
                     kwargs: Any) -> HttpResponse | None:
        if request.method not in WRITE_METHODS:
            return None
        return self.check(request, values=not getattr(view, CHECKS_ITS_OWN_INPUT, False))

    def check(self, request: HttpRequest, *, values: bool = True) -> HttpResponse | None:
        if is_api(request) and "Authorization" not in request.headers:
            return None  # the API answers 401 first where it needs a token; its public operations take JSON only
        try:
            if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                if not values:  # the view names each field's problem itself and keeps the entries in its form
                    request.POST  # noqa: B018 - read now, so that a body that cannot be parsed is answered here
                    return None
                for name, value in _posted_values(request):
                    problem = text_problem(value)
                    if problem:
                        return refusal(request, problem, errors={name or "__all__": [problem]})
        except (RequestDataTooBig, TooManyFieldsSent):
            return refusal(request, _("The request is too large. Nothing was saved."), status=413)
        except (MultiPartParserError, UnicodeDecodeError, SuspiciousOperation, BadRequest):
            return refusal(request, _("The form data could not be read. Nothing was saved."))
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The last line: input the checks did not catch reaches the database or a parser as a DataError or
        ValueError. The transaction was rolled back; the answer says so in German, and the log keeps the trace
        so that the missing check is added."""
        if isinstance(exception, DataError | ValueError | UnicodeError | OverflowError):
            logger.exception("Input reached %s unchecked: %s", request.path, type(exception).__name__)
            return refusal(request, _("The input could not be processed. Nothing was saved; please check the "
                                      "values you entered."))
        return None


# --- the API ---------------------------------------------------------------------------------------


class UnsupportedMediaType(Exception):
    pass


class RejectedText(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key)
            yield from _strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


# A number the databases can store at all (64-bit); larger ones overflowed SQLite's INTEGER with a 500.
LARGEST_INTEGER = 2**63 - 1


def _integers(value: Any, path: str) -> Iterator[tuple[str, int]]:
    if isinstance(value, int) and not isinstance(value, bool):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _integers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _integers(item, f"{path}.{index}" if path else str(index))


class JSONParser(Parser):
    """JSON bodies only; every string in them (keys too) checked like a form value.

    A JSON body sent as text/plain (which any web page can make a browser send without asking) is refused
    with 415. django-ninja wraps what this raises in a 400; ``install_api_handlers`` turns it into German.
    """

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        if not is_json(request):
            raise UnsupportedMediaType(request.content_type)
        data = json.loads(request.body)
        errors: dict[str, list[str]] = {}
        if not isinstance(data, dict):
            raise RejectedText({"__all__": [_("The body must be a JSON object ({…}).")]})
        for path, number in _integers(data, ""):
            if not -LARGEST_INTEGER <= number <= LARGEST_INTEGER:
                errors.setdefault(path or "__all__", []).append(_("The number is outside the allowed range."))
        for path, text in _strings(data, ""):
            problem = text_problem(text)
            if problem:
                errors.setdefault(path or "__all__", []).append(problem)
        if errors:
            raise RejectedText(errors)
        return data


# pydantic's error types -> German message (the rest: "This value is not valid.")
def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_type", "string_unicode"}:
        return _("Enter a text.")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"}:
        return _("Enter a number.")
    if kind in {"bool_type", "bool_parsing"}:
        return _("Enter true or false.")
    if kind.startswith("date") or kind.startswith("datetime") or kind.startswith("time"):
        return _("Enter a valid date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM).")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Enter a list.")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("Enter an object.")
    if kind in {"string_too_long", "too_long"}:
        return _("The value is too long.")
    if kind in {"string_too_short", "too_short"}:
        return _("The value is too short.")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return _("The number is outside the allowed range.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of the allowed values.")
    if kind == "string_pattern_mismatch":
        return _("The value does not have the expected format.")
    if kind == "extra_forbidden":
        return _("This field is not known.")
    return _("This value is not valid.")


def german_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """django-ninja's 422 items (type, loc, msg) with the message in German; the input is not echoed."""
    return [{"type": error.get("type", ""), "loc": list(error.get("loc") or []), "msg": _message(error)}
            for error in errors]


def install_api_handlers(api: NinjaAPI) -> None:
    """German answers for the errors django-ninja answers itself (in English)."""

    # (django-ninja types a handler's exception as the class or an instance; these get instances.)
    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": german_errors(exc.errors)}, status=422)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, UnsupportedMediaType):
            return api.create_response(request, {"detail": _(
                "The API accepts only JSON: send the body with Content-Type: application/json.")}, status=415)
        if isinstance(cause, RejectedText):
            return api.create_response(request, {"detail": [
                {"type": "invalid_text", "loc": ["body", *path.split(".")], "msg": message}
                for path, messages in cause.errors.items() for message in messages]}, status=422)
        if isinstance(cause, ValueError | UnicodeError):  # json.JSONDecodeError is a ValueError
            return api.create_response(request, {"detail": _("The body is not valid JSON.")}, status=400)
        if isinstance(exc, Throttled):
            detail = _("Too many requests. Please wait a moment and try again.")
        elif isinstance(exc, AuthenticationError):
            detail = _("Authentication required: send a valid API token.")
        elif exc.status_code == 405:
            detail = _("This method is not allowed here.")
        else:
            detail = str(exc)
        response = api.create_response(request, {"detail": detail}, status=exc.status_code)
        if isinstance(exc, Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    from django.http import Http404

    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
