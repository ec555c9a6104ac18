"""Online hate: the import forms (pasted list, export file, screenshots), the column dialog and the decision.

The forms only collect input; the checks that matter (encodings, columns, times, addresses, duplicates,
labels) are the services' and importing's, whose errors land at the fields or in the check report.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.forms import DateTimeField
from kommunalschutz.foundation.core.validators import INCIDENT
from kommunalschutz.protection.evidence.forms import DateTimeInput
from kommunalschutz.protection.onlinehate import importing
from kommunalschutz.protection.onlinehate.models import LegalCategory, Task1, Task2

SCREENSHOT_ROWS = 5


class ThreadForm(forms.Form):
    """What holds for the whole thread: where it is and when it was captured."""

    platform = forms.CharField(label=_("Online platform"), max_length=100,
                               help_text=_("For example Facebook, Instagram, X, Telegram, TikTok, a website."))
    url = forms.CharField(label=_("Address (URL) of the post or thread"), max_length=2000,
                          widget=forms.URLInput(attrs={"inputmode": "url"}),
                          help_text=_("Used for every comment that has no address of its own."))
    captured_at = DateTimeField(label=_("Captured on (date and time)"), widget=DateTimeInput(), kind=INCIDENT,
                                required=False, help_text=_("When you saved the comments; empty means now."))


class PasteForm(ThreadForm):
    posted_at = DateTimeField(
        label=_("Posted on, for lines without a time of their own"), widget=DateTimeInput(), kind=INCIDENT,
        required=False, help_text=_('The absolute time of posting, not "2 hours ago".'))
    text = forms.CharField(
        label=_("The comments, one per line"), max_length=2_000_000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_("Each line is one comment. Copied from a spreadsheet, a line may hold author, time and "
                    "text separated by tabs (or author and text)."))

    prefix = "paste"


class ExportForm(ThreadForm):
    file = forms.FileField(label=_("Export of the comment thread (CSV or JSON)"), allow_empty_file=True,
                           help_text=_("CSV with a header line (UTF-8 or Windows-1252, separated by semicolon, "
                                       "comma or tab) or JSON (a list of comments)."))

    prefix = "export"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].required = False
        self.fields["platform"].required = False
        self.fields["platform"].help_text = _("Used for every comment whose row names no platform.")


class ScreenshotsForm(forms.Form):
    platform = forms.CharField(label=_("Online platform"), max_length=100)
    captured_at = DateTimeField(label=_("Captured on (date and time)"), widget=DateTimeInput(), kind=INCIDENT,
                                required=False, help_text=_("When you took the screenshots; empty means now."))

    prefix = "shots"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, SCREENSHOT_ROWS + 1):
            self.fields[f"file_{number}"] = forms.FileField(
                label=_("Screenshot %(number)s") % {"number": number}, required=False, allow_empty_file=True)
            self.fields[f"text_{number}"] = forms.CharField(
                label=_("Text of the comment in screenshot %(number)s") % {"number": number}, required=False,
                max_length=20_000, widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"author_{number}"] = forms.CharField(
                label=_("Author of comment %(number)s") % {"number": number}, required=False, max_length=300)
            self.fields[f"posted_at_{number}"] = DateTimeField(
                label=_("Posted on (comment %(number)s)") % {"number": number}, widget=DateTimeInput(),
                kind=INCIDENT, required=False)
            self.fields[f"url_{number}"] = forms.CharField(
                label=_("Address (URL) of comment %(number)s") % {"number": number}, required=False,
                max_length=2000, widget=forms.URLInput(attrs={"inputmode": "url"}))

    def rows(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [{"file": data.get(f"file_{n}"), "text": data.get(f"text_{n}", ""),
                 "author": data.get(f"author_{n}", ""), "posted_at": data.get(f"posted_at_{n}"),
                 "url": data.get(f"url_{n}", "")} for n in range(1, SCREENSHOT_ROWS + 1)]

    def row_fields(self) -> list[list[Any]]:
        return [[self[f"{name}_{n}"] for name in ("file", "text", "author", "posted_at", "url")]
                for n in range(1, SCREENSHOT_ROWS + 1)]


class MappingForm(forms.Form):
    """The column dialog: one choice of column per target field."""

    def __init__(self, *args: Any, header: list[str], initial_mapping: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = importing.target_labels()
        choices = [("", pgettext_lazy("column dialog", "(not in the file)"))] + [
            (str(index), name or _("Column %(number)s") % {"number": index + 1}) for index, name in enumerate(header)]
        for target, required in importing.TARGETS:
            self.fields[target] = forms.ChoiceField(
                label=labels.get(target, target), choices=choices, required=required,
                initial=str(initial_mapping[target]) if target in initial_mapping else "")

    def mapping(self) -> dict[str, int]:
        return {target: int(value) for target, value in self.cleaned_data.items() if value not in ("", None)}


class DecisionForm(forms.Form):
    task1 = forms.ChoiceField(label=_("Offensive?"), choices=Task1.choices, widget=forms.RadioSelect)
    task2 = forms.ChoiceField(label=_("Kind of offence"), required=False,
                              choices=[("", "\N{EN DASH}"),
                                       *[(v, label) for v, label in Task2.choices if v != Task2.OTHER]])
    legal_category = forms.ChoiceField(label=_("Legal category (your assessment)"), required=False,
                                       choices=[("", "\N{EN DASH}"), *LegalCategory.choices])
