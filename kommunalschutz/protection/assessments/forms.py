"""Forms of the assessments app: a new assessment (eight ratings, level, rationale) and the second review.

The forms only collect; the services check (eight ratings, notes for present/partly, the rationale, the
re-assessment date) and their errors come back at the fields through add_service_errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.forms import DateField, DateInput
from kommunalschutz.foundation.core.validators import INCIDENT
from kommunalschutz.protection.assessments.models import BehaviourRating, Rating, ThreatAssessment, WarningBehaviour
from kommunalschutz.protection.assessments.services import field_name


class AssessmentForm(forms.Form):
    level = forms.ChoiceField(label=_("Level of concern (your judgement)"), choices=ThreatAssessment.Level.choices,
                              widget=forms.RadioSelect, required=False)
    route = forms.ChoiceField(label=_("Route of the case"), choices=ThreatAssessment.Route.choices,
                              widget=forms.RadioSelect, required=False)
    rationale = forms.CharField(
        label=_("Rationale for the level of concern"), required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why this level: which observations weigh most, what speaks against a higher or lower "
                    "level. At least one full sentence."),
    )
    next_review_on = DateField(
        label=_("Re-assess by"), required=False, widget=DateInput(),
        help_text=_("After today and within six months. Proposed: high 14 days, moderate 6 weeks, low 3 months."),
    )

    def __init__(self, *args: Any, previous: dict[str, BehaviourRating] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.previous = previous or {}
        for code in WarningBehaviour.values:
            self.fields[field_name(code, "rating")] = forms.ChoiceField(
                label=pgettext_lazy("warning behaviour", "Rating"), choices=Rating.choices, widget=forms.RadioSelect,
                required=False)
            self.fields[field_name(code, "evidence_notes")] = forms.CharField(
                label=_("Evidence notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required when present or partly present: what was observed, where it is documented."))
            self.fields[field_name(code, "observed_on")] = DateField(
                label=_("Observed on"), required=False, widget=DateInput(), kind=INCIDENT)

    def behaviours(self) -> list[dict[str, Any]]:
        """One entry per warning behaviour for the template: its fields and the previous rating."""
        rows: list[dict[str, Any]] = []
        for code in WarningBehaviour.values:
            rows.append({
                "code": code, "label": WarningBehaviour(code).label,
                "rating": self[field_name(code, "rating")],
                "evidence_notes": self[field_name(code, "evidence_notes")],
                "observed_on": self[field_name(code, "observed_on")],
                "previous": self.previous.get(code),
            })
        return rows

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "level": data.get("level") or "", "route": data.get("route") or "",
            "rationale": data.get("rationale") or "", "next_review_on": data.get("next_review_on"),
            "ratings": [
                {"behaviour": code, "rating": data.get(field_name(code, "rating")) or "",
                 "evidence_notes": data.get(field_name(code, "evidence_notes")) or "",
                 "observed_on": data.get(field_name(code, "observed_on"))}
                for code in WarningBehaviour.values
            ],
        }


def initial_from(previous: ThreatAssessment | None, ratings: dict[str, BehaviourRating],
                 default_review_on: Any) -> dict[str, Any]:
    """The form's starting values: the previous assessment's ratings, notes and dates, and a proposed date."""
    initial: dict[str, Any] = {"next_review_on": default_review_on}
    if previous is not None:
        initial.update(level=previous.level, route=previous.route)
    for code, rating in ratings.items():
        initial[field_name(code, "rating")] = rating.rating
        initial[field_name(code, "evidence_notes")] = rating.evidence_notes
        initial[field_name(code, "observed_on")] = rating.observed_on
    return initial


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision as second reviewer"), widget=forms.RadioSelect,
        choices=[("confirm", _("Confirm the high level of concern")),
                 ("reject", _("Do not confirm (the previous assessment stays in force)"))],
    )
    note = forms.CharField(label=_("Note of the second reviewer"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required if you do not confirm: explain why."))
