"""Form of the final report: the analyst's recommendations."""

from __future__ import annotations

from django import forms

from kommunalschutz.surveys.findings.report import RECOMMENDATIONS_MAX


class RecommendationsForm(forms.Form):
    recommendations = forms.CharField(
        label="Empfehlungen", required=False, max_length=RECOMMENDATIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 16, "aria-describedby": "id_recommendations_help"}),
        help_text="Absätze durch eine Leerzeile trennen. Der Text erscheint so im Abschlussbericht.",
    )
