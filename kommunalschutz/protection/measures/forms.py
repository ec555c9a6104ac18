"""Forms of the measures app. The services check the data; the forms offer only sensible choices
(active partners, people on the case team) and show the services' errors at their fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateField, DateInput
from kommunalschutz.foundation.core.states import with_state
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.services import team_users
from kommunalschutz.protection.measures.models import Measure, MeasureKind, Partner


class PartnerForm(forms.ModelForm):  # type: ignore[type-arg]
    website = forms.URLField(label=_("website"), max_length=300, required=False, assume_scheme="https")
    source_url = forms.URLField(label=_("source"), max_length=300, required=False, assume_scheme="https",
                                help_text=_("Where the details were published (for checking them later)."))

    class Meta:
        model = Partner
        fields = ("name", "category", "description", "scope", "phone", "email", "website", "anonymous_possible",
                  "source_url")
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "scope": with_state(_("For example: %(state)s, bundesweit.")),
        }

    def validate_unique(self) -> None:  # the service reports duplicates at the name field
        return None


class _UserChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


def _team_queryset(case: Case) -> Any:
    return User.objects.filter(pk__in=[user.pk for user in team_users(case)]).order_by(
        *german("last_name", "first_name"), "username")


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    partner = forms.ModelChoiceField(
        label=_("Counselling partner"), queryset=Partner.objects.none(), required=False,
        help_text=_("Only for a referral to counselling."))
    protection_kind = forms.ChoiceField(
        label=_("Protection requested"), required=False,
        choices=[("", "—"), *Measure.ProtectionKind.choices],
        help_text=_("Only for a request for personal or property protection to the LKA."))
    owner = _UserChoice(label=_("Responsible (case team)"), queryset=User.objects.none())
    due_on = DateField(label=_("Due on"), widget=DateInput())
    description = forms.CharField(label=_("Description of the measure"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    agreed_with_official = forms.BooleanField(
        label=_("Agreed with the official"), required=False,
        help_text=_("Only measures agreed with the official show their description to the reporter."))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = Partner.objects.filter(is_active=True).order_by("category", *german("name"))
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _team_queryset(case)  # type: ignore[attr-defined]


class MeasureUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Measure status"), choices=Measure.Status.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required to mark the measure as done; for a cancelled measure, the reason."))
    owner = _UserChoice(label=_("Responsible (case team)"), queryset=User.objects.none())
    due_on = DateField(label=_("Due on"), widget=DateInput())
    description = forms.CharField(label=_("Description of the measure"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    agreed_with_official = forms.BooleanField(label=_("Agreed with the official"), required=False)

    def __init__(self, *args: Any, measure: Measure, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "status": measure.status, "outcome": measure.outcome, "owner": measure.owner_id,
            "due_on": measure.due_on, "description": measure.description,
            "agreed_with_official": measure.agreed_with_official,
        })
        super().__init__(*args, **kwargs)
        queryset = _team_queryset(measure.case)
        if measure.owner_id:  # a former team member stays selectable as the current owner
            queryset = User.objects.filter(pk__in=[*queryset.values_list("pk", flat=True), measure.owner_id])
        self.fields["owner"].queryset = queryset  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision of the LKA"), widget=forms.RadioSelect,
        choices=[(Measure.Decision.GRANTED, Measure.Decision.GRANTED.label),
                 (Measure.Decision.PARTLY, Measure.Decision.PARTLY.label),
                 (Measure.Decision.REFUSED, Measure.Decision.REFUSED.label)])
    note = forms.CharField(label=_("Reasons of the decision"), widget=forms.Textarea(attrs={"rows": 5}),
                           required=False)
