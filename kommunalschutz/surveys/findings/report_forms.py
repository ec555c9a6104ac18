"""Form of the final report: the analyst's recommendations."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.surveys.findings.report import RECOMMENDATIONS_MAX


class RecommendationsForm(forms.Form):
    recommendations = forms.CharField(
        label=_("Recommendations"), required=False, max_length=RECOMMENDATIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 16, "aria-describedby": "id_recommendations_help"}),
        help_text=_("Separate paragraphs with a blank line. The text appears like this in the final report."),
    )
