"""Forms of the alliance pages. They only collect input; the services check and write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.programme.models import AgreementSignatory, CooperationAgreement, Stage
from kommunalschutz.alliance.programme.selectors import NOT_CONTACTED
from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateField, DateInput
from kommunalschutz.foundation.registry.models import District, PoliceDirectorate


class RecordFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or AGS"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"autocomplete": "off"}))
    stage = forms.ChoiceField(
        label=_("Current stage"), required=False,
        choices=[("", _("All stages")), (NOT_CONTACTED, _("not contacted yet")), *Stage.choices],
    )
    district = forms.ModelChoiceField(label=_("District"), required=False, queryset=District.objects.none(),
                                      to_field_name="ags", empty_label=_("All districts"))

    def __init__(self, *args: Any, districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if districts is not None:
            field = self.fields["district"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = districts


class MembersForm(forms.Form):
    as_of = DateField(label=_("Members on"), widget=DateInput())


class TransitionForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"), choices=Stage.choices,
        help_text=_("“Member” needs a cooperation agreement in force: signing an agreement records it, and "
                    "terminating the agreement records “left”."),
    )
    date = DateField(label=_("Date"), widget=DateInput())
    acting_organisation = forms.ModelChoiceField(
        label=_("Acting organisation"), queryset=Organisation.objects.order_by(*german("name")),
        help_text=_("Who took this step, e.g. the coordination office or the municipality."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source_url = forms.URLField(label=_("Source (web address)"), required=False, max_length=300,
                                assume_scheme="https")


AGREEMENT_FORM_FIELDS = ["title", "police_directorate", "police_station", "coordination_office",
                         *CooperationAgreement.SECTIONS]


class AgreementForm(forms.Form):
    """The draft's fields (labels from the model); the signatories come in a formset beside it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(CooperationAgreement, fields=AGREEMENT_FORM_FIELDS))
        directorate = self.fields["police_directorate"]
        office = self.fields["coordination_office"]
        assert isinstance(directorate, forms.ModelChoiceField) and isinstance(office, forms.ModelChoiceField)
        directorate.queryset = PoliceDirectorate.objects.order_by(*german("name"))
        office.queryset = Organisation.objects.filter(kind=Organisation.Kind.COORDINATION_OFFICE).order_by(
            *german("name"))
        for name in CooperationAgreement.SECTIONS:
            self.fields[name].widget.attrs["rows"] = 4


class SignatoryForm(forms.Form):
    """One signatory; a row left without name and function is ignored (that is how a row is removed)."""

    party = forms.ChoiceField(label=_("Party"), choices=AgreementSignatory.Party.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    function = forms.CharField(label=_("Function"), required=False, max_length=200,
                               help_text=_("e.g. Lord Mayor, Head of Directorate"))
    signed_on = DateField(label=_("Signed on"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("name") and not cleaned.get("function"):
            self.add_error("function", _("Enter the signatory's function."))
        if cleaned.get("function") and not cleaned.get("name"):
            self.add_error("name", _("Enter the signatory's name."))
        return cleaned

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("name") or self.cleaned_data.get("function"))


SignatoryFormSet = forms.formset_factory(SignatoryForm, extra=0, max_num=12, validate_max=True)


def signatory_rows(formset: Any) -> list[dict[str, Any]]:
    return [dict(form.cleaned_data) for form in formset.forms if form.cleaned_data and not form.is_blank]


class SignForm(forms.Form):
    signed_on = DateField(label=_("Signed on"), widget=DateInput())
    document = forms.FileField(
        label=_("Signed agreement (PDF)"), required=False,
        help_text=_("Optional now, can be added later. PDF only."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    record_membership = forms.BooleanField(
        label=_("The municipality becomes a member on this date"), required=False, initial=True)


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Signed agreement (PDF)"), help_text=_("PDF only."),
                               widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))


class TerminateForm(forms.Form):
    terminated_on = DateField(label=_("Terminated on"), widget=DateInput())


class ReviewForm(forms.Form):
    due_on = DateField(label=_("Review date"), widget=DateInput())


class ReviewCompleteForm(forms.Form):
    completed_on = DateField(label=_("Reviewed on"), widget=DateInput(),
                                   initial=timezone.localdate)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 4}))
