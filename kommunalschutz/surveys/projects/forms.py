"""Forms of the surveys app: project settings, crest, field period, questionnaire builder.

The forms only parse input; the rules (what is a valid filter, scale, variable name) live in services.py.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.forms import DateField, DateInput
from kommunalschutz.surveys.projects import item_bank, selectors
from kommunalschutz.surveys.projects.models import Block, Item, SurveyProject

MAX_OPTIONS = 10


class AnalysisChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        engagement = obj.engagement
        return f"{engagement.title} ({engagement.municipality.name if engagement.municipality_id else '-'})"


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    year = forms.IntegerField(label=_("Survey year"))
    contractor = forms.ModelChoiceField(label=_("Analysis contractor"), queryset=selectors.contractors(),
                                        required=False, empty_label=_("(none yet)"))
    reference_date = DateField(label=_("Reference date for ages"), widget=DateInput,
                                     help_text=_("Ages (and the age groups of the sample) are counted on this day."))
    minimum_age = forms.IntegerField(label=_("Minimum age"), initial=16)
    double_entry = forms.BooleanField(label=_("Double-entry check for paper questionnaires"), required=False,
                                      initial=True,
                                      help_text=_("Every returned paper form is keyed twice by different people "
                                                  "and the two entries are compared."))
    security_analysis = AnalysisChoiceField(label=_("Security analysis of the alliance"), required=False,
                                            queryset=selectors.linkable_analyses(), empty_label=_("(not linked)"))

    def __init__(self, *args: Any, municipality: Any = None, project: SurveyProject | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["security_analysis"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.linkable_analyses(municipality, project)


class ProjectCreateForm(ProjectForm):
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    field_order = ["title", "municipality", "year"]

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities
        if municipalities.count() == 1:
            field.initial = municipalities.first()
        # Offer the unlinked analyses of every municipality the user may survey; the service checks the match.
        analyses = self.fields["security_analysis"]
        assert isinstance(analyses, forms.ModelChoiceField)
        analyses.queryset = selectors.linkable_analyses().filter(engagement__municipality__in=municipalities)


class CrestForm(forms.Form):
    crest = forms.FileField(label=_("Crest (PNG or JPEG, at most 2 MB)"))


class FieldPeriodForm(forms.Form):
    start = DateField(label=_("Start of the field period"), widget=DateInput)
    end = DateField(label=_("End of the field period"), widget=DateInput)


class FieldEndForm(forms.Form):
    end = DateField(label=_("Last day of the field period"), widget=DateInput)


class QuestionnaireForm(forms.Form):
    title_de = forms.CharField(label=_("Title (German)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    intro_de = forms.CharField(label=_("Introduction (German)"), widget=forms.Textarea(attrs={"rows": 3}),
                               required=False)
    intro_en = forms.CharField(label=_("Introduction (English)"), widget=forms.Textarea(attrs={"rows": 3}),
                               required=False)


class NewQuestionnaireForm(forms.Form):
    """Start a questionnaire: the standard one, chosen blocks of the bank, or an empty one."""

    START_CHOICES = (("standard", _("The standard questionnaire (all blocks)")),
                     ("blocks", _("Only the blocks chosen below")), ("empty", _("An empty questionnaire")))
    start = forms.ChoiceField(label=_("Start with"), choices=START_CHOICES, widget=forms.RadioSelect,
                              initial="standard")
    blocks = forms.MultipleChoiceField(label=_("Blocks"), choices=Block.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)

    def bank_keys(self) -> list[str] | None:
        start = self.cleaned_data["start"]
        if start == "standard":
            return None
        if start == "empty":
            return []
        blocks = set(self.cleaned_data["blocks"])
        return [key for key in item_bank.STANDARD if item_bank.BY_KEY[key].block in blocks]


class BankItemForm(forms.Form):
    key = forms.ChoiceField(label=_("Question from the item bank"), choices=())

    def __init__(self, *args: Any, used: set[str] = frozenset(), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(label), [(entry.key, f"{entry.key}: {entry.de}") for entry in entries if entry.key not in used])
            for _value, label, entries in item_bank.by_block()
        ]


class ItemForm(forms.Form):
    """A custom question. Options are rows of code / German label / English label; the filter names an
    earlier question and the codes (comma-separated) that make this one appear."""

    block = forms.ChoiceField(label=_("Block"), choices=Block.choices)
    code = forms.CharField(label=_("Variable name"), max_length=40,
                           help_text=_("Lower-case letters, digits and underscores, e.g. safety_market."))
    kind = forms.ChoiceField(label=_("Type of question"), choices=Item.Kind.choices)
    text_de = forms.CharField(label=_("Question (German)"), widget=forms.Textarea(attrs={"rows": 2}))
    text_en = forms.CharField(label=_("Question (English)"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    allow_dont_use = forms.BooleanField(label=_("Scale: offer “don't use” (code 8)"), required=False)
    allow_dont_know = forms.BooleanField(label=_("Scale: offer “don't know” (code 9)"), required=False)
    minimum = forms.IntegerField(label=_("Number: smallest value"), required=False)
    maximum = forms.IntegerField(label=_("Number: largest value"), required=False)
    required = forms.BooleanField(label=_("Answer required online"), required=False)
    filter_item = forms.ChoiceField(label=_("Filter: ask only if the earlier question …"), required=False,
                                    choices=())
    filter_values = forms.CharField(label=_("… was answered with one of the codes"), required=False,
                                    help_text=_("Comma-separated, e.g. 1 or 1, 2."))

    def __init__(self, *args: Any, sources: list[Item] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["filter_item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("(no filter: always ask)"))] + [
            (item.code, f"{item.code}: {item.text_de[:70]}") for item in (sources or [])
            if item.kind in (Item.Kind.SINGLE, Item.Kind.SCALE)
        ]
        for number in range(MAX_OPTIONS):
            self.fields[f"option_{number}_code"] = forms.IntegerField(
                label=_("Option %(number)s: code") % {"number": number + 1}, required=False)
            self.fields[f"option_{number}_de"] = forms.CharField(
                label=_("Option %(number)s: German label") % {"number": number + 1}, required=False, max_length=200)
            self.fields[f"option_{number}_en"] = forms.CharField(
                label=_("Option %(number)s: English label") % {"number": number + 1}, required=False, max_length=200)

    def option_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"option_{n}_code"], self[f"option_{n}_de"], self[f"option_{n}_en"]) for n in range(MAX_OPTIONS)]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("block", "code", "kind", "text_de", "text_en")]

    def clean_filter_values(self) -> list[int]:
        raw = self.cleaned_data.get("filter_values") or ""
        values: list[int] = []
        for part in raw.replace(";", ",").split(","):
            if part.strip():
                try:
                    values.append(int(part.strip()))
                except ValueError:
                    raise forms.ValidationError(_("Enter whole-number codes separated by commas.")) from None
        return values

    def item_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        options = []
        for number in range(MAX_OPTIONS):
            code, de, en = (data.get(f"option_{number}_{part}") for part in ("code", "de", "en"))
            if code is None and not de and not en:
                continue
            options.append({"code": code, "de": de or "", "en": en or ""})
        show_if = ({"item": data["filter_item"], "values": data.get("filter_values") or []}
                   if data.get("filter_item") else None)
        return {
            "block": data["block"], "code": data["code"], "kind": data["kind"], "text_de": data["text_de"],
            "text_en": data.get("text_en", ""), "options": options, "allow_dont_use": data["allow_dont_use"],
            "allow_dont_know": data["allow_dont_know"], "minimum": data.get("minimum"),
            "maximum": data.get("maximum"), "required": data["required"], "show_if": show_if,
        }

    @staticmethod
    def initial_for(item: Item) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(item, name) for name in (
            "block", "code", "kind", "text_de", "text_en", "allow_dont_use", "allow_dont_know", "minimum",
            "maximum", "required")}
        for number, option in enumerate(item.options[:MAX_OPTIONS]):
            initial.update({f"option_{number}_code": option.get("code"), f"option_{number}_de": option.get("de", ""),
                            f"option_{number}_en": option.get("en", "")})
        if item.show_if:
            initial["filter_item"] = item.show_if.get("item", "")
            initial["filter_values"] = ", ".join(str(v) for v in item.show_if.get("values", []))
        return initial
