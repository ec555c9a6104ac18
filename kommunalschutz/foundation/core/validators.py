"""What any text or date a person enters must satisfy, for forms and the API alike (decision 0017).

Text: no NUL and no other control character (tab, line feed and carriage return are text), and no single
value above ``MAX_TEXT_LENGTH`` characters. Dates: within the plausible range of their kind; the default
range catches typing errors such as 0001-01-01 or 20224-01-01 that no person means.

The API takes them as annotated types (``SafeText``, ``PlausibleDate``, ``IncidentDateTime`` …); the forms as
the fields of ``core.forms``; the request guard of ``web.guard`` applies the text rules to every posted value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator

# C0 controls except tab, line feed and carriage return; DEL; the C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Far above any text a person types into one field (a long set of minutes is some 50,000 characters).
MAX_TEXT_LENGTH = 200_000


def text_problem(value: str) -> str | None:
    """The German message for a text that no field accepts, or None when the text is fine."""
    if "\x00" in value:
        return _("The text contains a null character (NUL); please remove it.")
    if CONTROL_CHARACTERS.search(value):
        return _("The text contains invisible control characters; please remove them.")
    if len(value) > MAX_TEXT_LENGTH:
        return _("The text is too long (at most %(limit)s characters).") % {"limit": f"{MAX_TEXT_LENGTH:,}"}
    return None


def validate_text(value: str) -> None:
    """Django validator: refuse control characters and oversized text."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_text")


def _safe_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


SafeText = Annotated[str, AfterValidator(_safe_text)]


# --- dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """A kind of date a person enters and the range in which it is plausible.

    ``earliest`` is a fixed day; ``past_years``, when set, moves the earliest day to that many years before
    today instead. ``future_days``/``future_years`` say how far after today it may lie (None: no future).
    """

    name: str
    earliest: dt.date = dt.date(1900, 1, 1)
    past_years: int | None = None
    future_days: int = 0
    future_years: int = 0

    def bounds(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        today = today or timezone.localdate()
        earliest = self.earliest
        if self.past_years is not None:
            earliest = _years_from(today, -self.past_years)
        latest = _years_from(today, self.future_years) + dt.timedelta(days=self.future_days)
        return earliest, latest

    def problem(self, value: dt.date | dt.datetime) -> str | None:
        day = timezone.localtime(value).date() if isinstance(value, dt.datetime) and timezone.is_aware(value) \
            else (value.date() if isinstance(value, dt.datetime) else value)
        earliest, latest = self.bounds()
        if earliest <= day <= latest:
            return None
        return _("The date %(date)s is not plausible: it must lie between %(earliest)s and %(latest)s.") % {
            "date": day.strftime("%d.%m.%Y"), "earliest": earliest.strftime("%d.%m.%Y"),
            "latest": latest.strftime("%d.%m.%Y")}


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# Any date without a narrower kind: from 1900 to ten years ahead (agreements, reviews, field periods, tasks).
GENERAL = DateRange("general", future_years=10)
# A date of birth: from 1900 to today.
BIRTH = DateRange("birth")
# An incident or anything observed: not before 1990 and not in the future (one day's grace for time zones).
INCIDENT = DateRange("incident", earliest=dt.date(1990, 1, 1), future_days=1)
# An event, a meeting, a session: within ten years before or after today.
EVENT = DateRange("event", past_years=10, future_years=10)


def validate_date(kind: DateRange) -> Any:
    """A Django validator for dates and datetimes of the given kind."""

    def validator(value: dt.date | dt.datetime) -> None:
        problem = kind.problem(value)
        if problem:
            raise ValidationError(problem, code="implausible_date")

    return validator


def _plausible(kind: DateRange) -> AfterValidator:
    def check(value: Any) -> Any:
        problem = kind.problem(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


@dataclass(frozen=True)
class _DocumentedRange:
    """States the plausible range in the OpenAPI document: the whole years inside it, as a pattern (JSON
    Schema has no minimum for dates), computed when the document is built, so a client or a contract fuzzer
    sends only dates that are accepted."""

    kind: DateRange

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core_schema)
        earliest, latest = self.kind.bounds()
        first = earliest.year if (earliest.month, earliest.day) == (1, 1) else earliest.year + 1
        last = latest.year if (latest.month, latest.day) == (12, 31) else latest.year - 1
        years = "|".join(str(year) for year in range(first, last + 1))
        day = "(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
        if schema.get("format") == "date-time":
            schema["pattern"] = f"^({years})-{day}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-]0[0-9]:00)$"
        else:
            schema["pattern"] = f"^({years})-{day}$"
        schema.pop("format", None)
        schema["description"] = f"{first}-01-01 to {last}-12-31 are always accepted"
        return schema


PlausibleDate = Annotated[dt.date, _plausible(GENERAL), _DocumentedRange(GENERAL)]
PlausibleDateTime = Annotated[dt.datetime, _plausible(GENERAL), _DocumentedRange(GENERAL)]
IncidentDate = Annotated[dt.date, _plausible(INCIDENT), _DocumentedRange(INCIDENT)]
IncidentDateTime = Annotated[dt.datetime, _plausible(INCIDENT), _DocumentedRange(INCIDENT)]
EventDate = Annotated[dt.date, _plausible(EVENT), _DocumentedRange(EVENT)]
EventDateTime = Annotated[dt.datetime, _plausible(EVENT), _DocumentedRange(EVENT)]
BirthDate = Annotated[dt.date, _plausible(BIRTH), _DocumentedRange(BIRTH)]
