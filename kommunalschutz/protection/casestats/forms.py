"""The filter of the case statistics: one form for the page, the exports and the API."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.protection.casestats import selectors
from kommunalschutz.protection.casestats.selectors import StatisticsFilter

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST = dt.date(2000, 1, 1)


def parse_month(value: str) -> dt.date | None:
    match = _MONTH.match(value.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return dt.date(year, month, 1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (the first day of that month); the browser shows a month picker."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "JJJJ-MM", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2024-03."), code="invalid")
        return month


class StatisticsFilterForm(forms.Form):
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("Until month"), required=False)
    district = forms.ChoiceField(label=_("District of the incident"), required=False)
    directorate = forms.ChoiceField(label=_("Responsible police directorate"), required=False)
    without_synthetic = forms.BooleanField(label=_("Leave out synthetic demo data"), required=False)

    def __init__(self, data: Any = None, *, today: dt.date | None = None) -> None:
        if data is not None:
            # the public parameter names are from/to (reserved words in Python)
            data = {"start": data.get("from", data.get("start", "")), "end": data.get("to", data.get("end", "")),
                    "district": data.get("district", ""), "directorate": data.get("directorate", ""),
                    "without_synthetic": data.get("without_synthetic", "")}
        super().__init__(data)
        self.today = today
        default_start, self.default_end = selectors.default_period(today)
        # the default must itself pass the checks of clean(): not before 2000, at most 30 years
        self.default_start = max(default_start, EARLIEST, dt.date(self.default_end.year - 30, 1, 1))
        self.fields["start"].widget.attrs["placeholder"] = self.default_start.strftime("%Y-%m")
        self.fields["end"].widget.attrs["placeholder"] = self.default_end.strftime("%Y-%m")
        district_field = cast(forms.ChoiceField, self.fields["district"])
        district_field.choices = [("", _("all districts"))] + [
            (d.ags, d.name) for d in selectors.districts_with_statistics()]
        directorate_field = cast(forms.ChoiceField, self.fields["directorate"])
        directorate_field.choices = [("", _("all police directorates"))] + [
            (p.code, p.name) for p in selectors.directorates()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("start") or self.default_start
        end = data.get("end") or self.default_end
        if "start" not in self.errors and "end" not in self.errors:
            if end < start:
                self.add_error("end", _("The end month lies before the start month."))
            elif start < EARLIEST:
                self.add_error("start", _("Statistics start in 2000."))
            elif (end.year - start.year) > 30:
                self.add_error("end", _("Choose a period of at most 30 years."))
        data["start"], data["end"] = start, end
        return data

    def statistics_filter(self) -> StatisticsFilter:
        """The filter of a valid form (call is_valid() first)."""
        from kommunalschutz.foundation.registry.models import District, PoliceDirectorate

        data = self.cleaned_data
        district_id = directorate_id = None
        if data.get("district"):
            district_id = District.objects.only("pk").get(ags=data["district"]).pk
        if data.get("directorate"):
            directorate_id = PoliceDirectorate.objects.only("pk").get(code=data["directorate"]).pk
        return StatisticsFilter(start=data["start"], end=data["end"], district_id=district_id,
                                directorate_id=directorate_id,
                                include_synthetic=not data.get("without_synthetic"))

    def query_params(self) -> dict[str, str]:
        """The filter as query parameters (for the export links)."""
        data = self.cleaned_data
        params = {"from": data["start"].strftime("%Y-%m"), "to": data["end"].strftime("%Y-%m")}
        for name in ("district", "directorate"):
            if data.get(name):
                params[name] = data[name]
        if data.get("without_synthetic"):
            params["without_synthetic"] = "on"
        return params

    def mark_errors(self) -> None:
        """Link every field with an error to its message (aria-describedby) for screen readers."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-describedby"] = f"id_{name}_error"
                attrs["aria-invalid"] = "true"

    def public_errors(self) -> dict[str, list[str]]:
        names = {"start": "from", "end": "to"}
        return {names.get(field, field): [str(m) for m in messages] for field, messages in self.errors.items()}
