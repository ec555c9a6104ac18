"""Forms of the sampling app: upload, column assignment, draw, undeliverable letters, confirmations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.surveys.sampling import register_format
from kommunalschutz.surveys.sampling.draw import MAX_SEED
from kommunalschutz.surveys.sampling.models import Sample


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Register extract (CSV file)"),
                           help_text=_("As the register program exports it: UTF-8 or Windows-1252, separated by "
                                       "; or , (the first line names the columns)."))


class MappingForm(forms.Form):
    """One select per target field, offering the file's columns."""

    def __init__(self, *args: Any, header: list[str], initial_mapping: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)"))] + [
            (str(index), f"{index + 1}: {name}") for index, name in enumerate(header)]
        labels = register_format.target_labels()
        for target, required in register_format.TARGETS:
            self.fields[target] = forms.ChoiceField(
                label=labels[target], choices=choices, required=False,
                initial=str(initial_mapping[target]) if target in initial_mapping else "",
                # A field of the register extract; "required" alone is a mandatory questionnaire question.
                help_text=pgettext_lazy("register column", "required") if required else _("optional"),
            )

    def mapping(self) -> dict[str, int]:
        return {target: int(value) for target, value in self.cleaned_data.items() if value != ""}


class DrawForm(forms.Form):
    method = forms.ChoiceField(label=_("Sampling method"), choices=Sample.Method.choices, widget=forms.RadioSelect,
                               initial=Sample.Method.STRATIFIED)
    size = forms.IntegerField(label=_("Sample size"), min_value=1, initial=1000)
    seed = forms.IntegerField(label=_("Random seed (optional)"), required=False, min_value=0, max_value=MAX_SEED,
                              help_text=_("Leave empty for a new random seed. Enter a recorded seed to repeat a draw "
                                          "exactly."))


class UndeliverableForm(forms.Form):
    number = forms.IntegerField(label=_("Number of the returned letter"), min_value=1,
                                widget=forms.NumberInput(attrs={"autofocus": True, "inputmode": "numeric"}))


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, delete this data now. This cannot be undone."))
