"""How a questionnaire reads, numbered and with its filter instructions, in German or English.

The builder's preview and the printable PDF both render from ``numbered_items``, so the paper form carries
exactly the questions, answer options and filter instructions of the online version ("Falls Sie „nein“
angekreuzt haben, weiter mit Frage 23").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kommunalschutz.surveys.projects import logic
from kommunalschutz.surveys.projects.models import DONT_KNOW, DONT_USE, Item

# The fixed lines of a questionnaire (extra answer options, filter instructions, notes) are the platform's
# words: they come from the catalogue, rendered in the questionnaire's language (translation.override), not
# in the language of the person who looks at it.


def _extra_label(code: int) -> str:
    if code == DONT_USE:
        return pgettext("answer option", "don't use / never there")
    return pgettext("answer option", "don't know")


@dataclass
class NumberedItem:
    number: int  # 1, 2, 3 … in questionnaire order (the builder's moves)
    item: Item
    label: str  # the number respondents read: 12, or 12a for a follow-up (logic.question_numbers)
    text: str
    options: list[tuple[int, str]] = field(default_factory=list)  # scale points and extra codes included
    notes: list[str] = field(default_factory=list)  # "only answer if", number range, multiple choice
    skip: str = ""  # the instruction after the answers


def text_of(item: Item, lang: str) -> str:
    return (item.text_en or item.text_de) if lang == "en" else item.text_de


def options_of(item: Any, lang: str) -> list[tuple[int, str]]:
    """(code, label) in print order: the options, then "don't use" and "don't know" where a scale allows them."""
    options = [(int(o["code"]), str((o.get("en") or o.get("de")) if lang == "en" else o.get("de", "")))
               for o in (item.options or [])]
    if item.kind == Item.Kind.SCALE:
        with translation.override("en" if lang == "en" else "de"):
            if item.allow_dont_use:
                options.append((DONT_USE, _extra_label(DONT_USE)))
            if item.allow_dont_know:
                options.append((DONT_KNOW, _extra_label(DONT_KNOW)))
    return options


def _labels(item: Any, codes: set[int], lang: str) -> str:
    """The answer options, quoted and joined with "or", in the active language (the questionnaire's)."""
    quoted = [pgettext("quoted answer option", "“%(label)s”") % {"label": label}
              for code, label in options_of(item, lang) if code in codes]
    joined = quoted[0] if quoted else ""
    for label in quoted[1:]:
        joined = pgettext("joined answer options", "%(labels)s or %(label)s") % {"labels": joined, "label": label}
    return joined


def numbered_items(items: list[Item], lang: str = "de") -> list[NumberedItem]:
    lang = "en" if lang == "en" else "de"
    with translation.override(lang):
        return _numbered_items(items, lang)


def _numbered_items(items: list[Item], lang: str) -> list[NumberedItem]:
    shown_numbers = logic.question_numbers(items)
    numbered = [NumberedItem(number=n, item=item, label=shown_numbers[item.code], text=text_of(item, lang),
                             options=options_of(item, lang))
                for n, item in enumerate(items, start=1)]
    by_code = {entry.item.code: entry for entry in numbered}
    for index, entry in enumerate(numbered):
        item = entry.item
        if item.show_if and item.show_if.get("item") in by_code:
            source = by_code[item.show_if["item"]]
            entry.notes.append(_("Only answer if you ticked %(labels)s in question %(number)s.") % {
                "number": source.label, "labels": _labels(source.item, set(item.show_if.get("values", [])), lang)})
        if item.kind == Item.Kind.MULTIPLE:
            entry.notes.append(_("Tick all that apply."))
        if item.kind == Item.Kind.NUMBER and item.minimum is not None and item.maximum is not None:
            entry.notes.append(_("Please enter a number from %(low)s to %(high)s.") % {
                "low": item.minimum, "high": item.maximum})
        # Paper needs the jump only when the very next question depends on this one.
        following = items[index + 1] if index + 1 < len(items) else None
        if following is None or (following.show_if or {}).get("item") != item.code:
            continue
        continuing: set[int] = set()
        for other in items[index + 1:]:
            if (other.show_if or {}).get("item") == item.code:
                continuing |= {int(v) for v in other.show_if.get("values", [])}  # type: ignore[union-attr]
        skipping = {code for code, _label in entry.options} - continuing
        if not skipping:
            continue
        target = logic.skip_target(items, index)
        labels = _labels(item, skipping, lang)
        entry.skip = (_("If you ticked %(labels)s, please continue with question %(number)s.") % {
                          "labels": labels, "number": by_code[target.code].label} if target is not None
                      else _("If you ticked %(labels)s, you have reached the end of the questionnaire.") % {
                          "labels": labels})
    return numbered
