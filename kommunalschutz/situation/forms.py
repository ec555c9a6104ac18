"""The forms of the situation report: a new report's period, and the press release block."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.forms import DateField, DateInput

DATE_ERRORS = {"invalid": _("Enter a date in the form YYYY-MM-DD."),
               "required": _("Please enter a date.")}


class ReportForm(forms.Form):
    period_start = DateField(label=_("First day of the period"), input_formats=["%Y-%m-%d"], widget=DateInput(),
                             error_messages=DATE_ERRORS)
    period_end = DateField(label=_("Last day of the period (the figures' as-of date)"), input_formats=["%Y-%m-%d"],
                           widget=DateInput(), error_messages=DATE_ERRORS)
    title = forms.CharField(label=_("Title (optional)"), required=False, max_length=200)


class PressForm(forms.Form):
    press_text = forms.CharField(label=_("Press release"), widget=forms.Textarea(attrs={"rows": 8}),
                                 max_length=20_000, error_messages={"required": _("Please enter the text of the "
                                                                                  "press release.")})
