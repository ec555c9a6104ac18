"""Forms of the officials' survey (the services check everything again and answer in German)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.surveys.officials.models import LISTED_ROLES, OfficialRole, ResponseText, Wave


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class WaveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reference_start = forms.DateField(label=_("Start of the reference period"), widget=DateInput())
    reference_end = forms.DateField(label=_("End of the reference period"), widget=DateInput(),
                                    help_text=_("KoMo asks about six months; a yearly wave covers twelve."))
    field_start = forms.DateField(label=_("Start of the field period"), widget=DateInput())
    field_end = forms.DateField(label=_("End of the field period"), widget=DateInput())
    cadence = forms.ChoiceField(label=_("Cadence"), choices=Wave.Cadence.choices)
    contractor = forms.ModelChoiceField(
        label=_("Analysis contractor"), required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ANALYSIS_CONTRACTOR).order_by("name"))


class MunicipalityChoiceForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities.order_by("name")


class ListUploadForm(MunicipalityChoiceForm):
    file = forms.FileField(label=_("List (CSV)"),
                           help_text=_("Columns Name, Rolle, Straße, PLZ, Ort; one official per line."))


class OpenLinkForm(MunicipalityChoiceForm):
    role = forms.ChoiceField(label=_("Group"), choices=[(role.value, role.label) for role in LISTED_ROLES])
    addressed = forms.IntegerField(label=_("Persons addressed"), min_value=1, max_value=5000,
                                   help_text=_("How many persons of this group the municipality sends the link to."))


class RoleForm(MunicipalityChoiceForm):
    role = forms.ChoiceField(label=_("Role"), choices=[(OfficialRole.MAYOR_FULL_TIME.value,
                                                        OfficialRole.MAYOR_FULL_TIME.label),
                                                       (OfficialRole.MAYOR_HONORARY.value,
                                                        OfficialRole.MAYOR_HONORARY.label)])


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        (ResponseText.Review.RELEASED.value, _("release")), (ResponseText.Review.WITHHELD.value, _("withhold"))])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Access code"), max_length=40,
        help_text=_("You find it in our letter, for example K7QX-M3PA-9TRD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}))
