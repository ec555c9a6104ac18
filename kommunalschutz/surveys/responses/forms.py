"""Forms of the responses app: the access code, one questionnaire page, and a keyed paper form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kommunalschutz.foundation.core.errors import Errors
from kommunalschutz.surveys.projects.logic import question_numbers
from kommunalschutz.surveys.projects.models import DONT_KNOW, DONT_USE, Item
from kommunalschutz.surveys.responses.validation import MAX_TEXT_LENGTH, describe_allowed, parse_keyed


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Access code"), max_length=40,
        help_text=gettext_lazy("You find it in our letter, for example K7QX-M3PA-9TRD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


def item_text(item: Item, language: str) -> str:
    return (item.text_en if language == "en" and item.text_en else item.text_de) or item.code


def _option_label(option: dict[str, Any], language: str) -> str:
    return str(option.get(language) or option.get("de") or option.get("code"))


def item_choices(item: Item, language: str) -> list[tuple[int, str]]:
    choices = [(int(option["code"]), _option_label(option, language)) for option in item.options or []]
    if item.kind == Item.Kind.SCALE:
        if item.allow_dont_use:
            choices.append((DONT_USE, _("I don't use this")))
        if item.allow_dont_know:
            choices.append((DONT_KNOW, _("Don't know")))
    return choices


class PageForm(forms.Form):
    """The questions of one page as form fields named by item code; every field is optional here
    (required questions are checked when the whole questionnaire is submitted)."""

    def __init__(self, *args: Any, items: list[Item], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            label = item_text(item, language)
            if item.kind in (Item.Kind.SINGLE, Item.Kind.SCALE):
                self.fields[item.code] = forms.TypedChoiceField(
                    label=label, required=False, coerce=int, empty_value=None,
                    choices=item_choices(item, language), widget=forms.RadioSelect)
            elif item.kind == Item.Kind.MULTIPLE:
                self.fields[item.code] = forms.TypedMultipleChoiceField(
                    label=label, required=False, coerce=int, choices=item_choices(item, language),
                    widget=forms.CheckboxSelectMultiple)
            elif item.kind == Item.Kind.NUMBER:
                self.fields[item.code] = forms.IntegerField(
                    label=label, required=False, min_value=item.minimum, max_value=item.maximum)
            else:
                self.fields[item.code] = forms.CharField(
                    label=label, required=False, max_length=MAX_TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))

    def answers(self) -> dict[str, Any]:
        return {item.code: self.cleaned_data.get(item.code) for item in self.items}


@dataclass
class Question:
    """One question as the page template draws it (a fieldset with a legend)."""

    item: Item
    number: str  # as the respondent reads it: 12, or 12a for a follow-up (logic.question_numbers)
    text: str
    kind: str
    name: str
    choices: list[dict[str, Any]] = field(default_factory=list)
    value: Any = None
    errors: list[str] = field(default_factory=list)
    condition: str = ""


def questions(form: PageForm, language: str, numbers: dict[str, str], saved: dict[str, Any]) -> list[Question]:
    """The page's questions with their choices, current values and errors, for the template."""
    result = []
    for item in form.items:
        bound = form[item.code]
        if form.is_bound:
            data: Any = form.data
            raw = data.getlist(item.code) if item.kind == Item.Kind.MULTIPLE else data.get(item.code)
        else:
            raw = saved.get(item.code)
        selected = {str(v) for v in raw} if isinstance(raw, list) else {str(raw)} if raw not in (None, "") else set()
        choices = [{"value": value, "label": label, "id": f"id_{item.code}_{index}", "checked": str(value) in selected}
                   for index, (value, label) in enumerate(item_choices(item, language))] if item.kind in (
            Item.Kind.SINGLE, Item.Kind.SCALE, Item.Kind.MULTIPLE) else []
        condition = ""
        if item.show_if:
            condition = _("Only if your answer to question %(number)s allows it.") % {
                "number": numbers.get(str(item.show_if.get("item")), "?")}
        result.append(Question(item=item, number=numbers.get(item.code, str(item.position)),
                               text=item_text(item, language), kind=item.kind,
                               name=item.code, choices=choices, value="" if raw is None else raw,
                               errors=[str(e) for e in bound.errors], condition=condition))
    return result


class PaperForm(forms.Form):
    """A keyed paper form: the letter number, then one text field per item (codes as typed)."""

    number = forms.IntegerField(label=gettext_lazy("No. (Lfd. Nr.)"), min_value=1,
                                widget=forms.NumberInput(attrs={"autofocus": True, "inputmode": "numeric"}))

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.numbers = question_numbers(items)
        for item in items:
            text_input = item.kind == Item.Kind.TEXT
            self.fields[f"i_{item.code}"] = forms.CharField(
                label=_("Question %(number)s") % {"number": self.numbers[item.code]}, required=False,
                max_length=MAX_TEXT_LENGTH + 100, strip=False,
                help_text=describe_allowed(item),
                widget=forms.TextInput(attrs={
                    "autocomplete": "off", "spellcheck": "false", "class": "entry-text" if text_input else "entry-code",
                    **({} if text_input else {"inputmode": "text"}),
                }))

    def keyed(self) -> tuple[dict[str, Any], Errors]:
        """The keyed answers by item code, and the entries that are not codes at all."""
        answers: dict[str, Any] = {}
        errors: Errors = {}
        for item in self.items:
            value, problem = parse_keyed(item, self.cleaned_data.get(f"i_{item.code}") or "",
                                         number=self.numbers[item.code])
            if problem:
                errors[item.code] = [problem]
            elif value is not None:
                answers[item.code] = value
        return answers, errors

    def add_item_errors(self, errors: dict[str, list[Any]]) -> None:
        """Service errors keyed by item code at the item's field."""
        for code, messages in errors.items():
            name = f"i_{code}" if f"i_{code}" in self.fields else (code if code in self.fields else None)
            for message in messages:
                self.add_error(name, message)


class ResolveForm(forms.Form):
    """One choice per differing item: the first or the second keying."""

    def __init__(self, *args: Any, differences: list[tuple[Item, str, str]], numbers: dict[str, str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.differences = differences
        for item, first, second in differences:
            self.fields[item.code] = forms.TypedChoiceField(
                label=_("Question %(number)s") % {"number": numbers.get(item.code, str(item.position))},
                coerce=int, widget=forms.RadioSelect,
                choices=[(1, _("1st keying: %(value)s") % {"value": first}),
                         (2, _("2nd keying: %(value)s") % {"value": second})])
