"""Forms of the findings: the weighting and the domain of the results page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.surveys.findings.models import WeightingRun

VARIABLE_CHOICES = (("age_group", _("age group")), ("sex", _("sex")), ("locality", _("locality")))


class WeightingForm(forms.Form):
    method = forms.ChoiceField(label=_("Weighting method"), choices=WeightingRun.Method.choices,
                               widget=forms.RadioSelect, initial=WeightingRun.Method.RAKE)
    variables = forms.MultipleChoiceField(
        label=_("Calibrate on"), choices=VARIABLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        initial=["age_group", "sex", "locality"],
        help_text=_("Post-stratification uses the cells of the chosen variables, raking their margins."))
    collapse = forms.BooleanField(
        label=_("Merge thin categories (fewer than 5 respondents)"), required=False,
        help_text=_("Sex \"diverse\" joins the larger sex, an age group its neighbour, small localities "
                    "become \"other localities\"."))
    trim_mode = forms.ChoiceField(
        label=_("Trimming bounds are"), widget=forms.RadioSelect, initial="relative",
        choices=(("relative", _("multiples of the mean weight")), ("absolute", _("absolute weights"))))
    trim_lower = forms.FloatField(label=_("Lower trimming bound"), required=False, min_value=0)
    trim_upper = forms.FloatField(label=_("Upper trimming bound"), required=False, min_value=0,
                                  help_text=_("Leave both empty for no trimming, e.g. 0.3 and 3.5."))


class DomainForm(forms.Form):
    domain = forms.ChoiceField(label=_("Show results for"), required=False, choices=(
        ("", _("the whole municipality")), ("locality", _("each locality")), ("age_group", _("each age group")),
        ("sex", _("each sex"))))
