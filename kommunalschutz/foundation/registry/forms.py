from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.registry.models import District
from kommunalschutz.foundation.registry.readers import STATE_NAMES


class MunicipalitySearchForm(forms.Form):
    q = forms.CharField(label=_("Name or AGS"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"autocomplete": "off"}))
    district = forms.ModelChoiceField(
        label=_("District"), required=False, queryset=District.objects.order_by(*german("name")), to_field_name="ags",
        empty_label=_("All districts"),
    )
    dissolved = forms.BooleanField(label=_("Include merged and dissolved municipalities"), required=False)


class ImportForm(forms.Form):
    land = forms.ChoiceField(label=_("State"), choices=[(key, f"{name} ({key})") for key, name in
                                                        sorted(STATE_NAMES.items())], initial="14",
                             help_text=_("Boundaries, contacts and police directorates exist for Saxony only."),
                             widget=forms.Select(attrs={"aria-describedby": "land-help"}))
    boundaries = forms.BooleanField(label=_("Import boundaries"), required=False, initial=True)
