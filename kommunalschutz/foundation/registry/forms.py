from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.states import with_state
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
    """The web import serves the installation's own state (its package); the command line imports any state
    (``import-registry --land``) as reference data."""

    land = forms.ChoiceField(label=_("State"), widget=forms.Select(attrs={"aria-describedby": "land-help"}),
                             help_text=with_state(_(
                                 "The national municipality file with the boundaries, contacts and police "
                                 "structure of the state package for %(state)s. Other states can be imported "
                                 "on the command line (import-registry --land) as reference data.")))
    boundaries = forms.BooleanField(label=_("Import boundaries"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = states.current().key
        land = self.fields["land"]
        assert isinstance(land, forms.ChoiceField)
        land.choices = [(key, f"{STATE_NAMES[key]} ({key})")]
        land.initial = key
