"""Date inputs of the figures, the series and the map; the API validates with the same forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.insights.figures import month_ends
from kommunalschutz.foundation.core.forms import DateField, DateInput

# A series longer than this many months is refused: a century of month ends is plenty.
MAX_SERIES_POINTS = 1200


def _not_in_future(value: dt.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(
            {field: _("The date lies in the future; the figures exist up to today.")}, code="future")


class AsOfForm(forms.Form):
    """``as_of`` (ISO date, optional: today); a future date is refused."""

    as_of = DateField(label=_("As of"), required=False, input_formats=["%Y-%m-%d"], widget=DateInput(),
                            error_messages={"invalid": _("Enter a date in the form YYYY-MM-DD.")})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _not_in_future(cleaned.get("as_of"), "as_of")
        return cleaned

    def date(self) -> dt.date:
        """The valid date, or today."""
        value = self.cleaned_data.get("as_of") if self.is_bound and self.is_valid() else None
        return value or timezone.localdate()


class SeriesForm(forms.Form):
    """``from`` and ``to`` (ISO dates), ``interval`` (month). ``from`` defaults to the programme start."""

    date_from = DateField(label=_("From"), required=False, input_formats=["%Y-%m-%d"],
                                error_messages={"invalid": _("Enter a date in the form YYYY-MM-DD.")})
    date_to = DateField(label=_("To"), required=False, input_formats=["%Y-%m-%d"],
                              error_messages={"invalid": _("Enter a date in the form YYYY-MM-DD.")})
    interval = forms.ChoiceField(label=_("Interval"), required=False, choices=[("month", _("month"))])

    # Query strings name them "from" and "to" (a Python keyword): map them on the way in and out.
    FIELD_NAMES = {"date_from": "from", "date_to": "to", "interval": "interval"}

    def __init__(self, data: Any = None, *, default_from: dt.date | None = None) -> None:
        if data is not None:
            data = {field: data.get(name) for field, name in self.FIELD_NAMES.items() if data.get(name) is not None}
        super().__init__(data)
        self.default_from = default_from

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        today = timezone.localdate()
        _not_in_future(cleaned.get("date_to"), "date_to")
        _not_in_future(cleaned.get("date_from"), "date_from")
        start = cleaned.get("date_from") or self.default_from or today
        end = cleaned.get("date_to") or today
        if end < start:
            raise forms.ValidationError({
                "date_to": _("A date range that ends before it starts: “to” lies before “from”."),
                "date_from": _("A date range that ends before it starts: “from” lies after “to”."),
            }, code="reversed")
        if len(month_ends(start, end)) > MAX_SERIES_POINTS:
            raise forms.ValidationError(
                {"date_from": _("The range is too long: at most %(count)s months.") % {"count": MAX_SERIES_POINTS}},
                code="too_long")
        cleaned["start"], cleaned["end"] = start, end
        cleaned["interval"] = cleaned.get("interval") or "month"
        return cleaned

    def public_errors(self) -> dict[str, list[str]]:
        """Errors keyed by the query parameter names the client used."""
        return {self.FIELD_NAMES.get(field, field): [str(message) for message in messages]
                for field, messages in self.errors.items()}
