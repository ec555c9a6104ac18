"""Answer validation in one place: online pages, paper entry and record_response all call
:func:`validate_answers`, so a code that is refused on paper is refused online too.

Answers are a dict keyed by item code (responses.models). Errors are keyed by item code as well
(``core.errors.Errors``); each message names the question number as printed and shown online
(``surveys.logic.question_numbers``: 12, or 12a for a follow-up), which is what the person typing a paper
form or answering online sees.

Filters (``Item.show_if``): an item is visible when the answer to the item it names is one of the listed
values (for a multiple-choice item: when any chosen value is listed). Filters cascade: an item hidden by
its filter counts as unanswered for the items that depend on it. Both rules come from ``surveys.logic``
(shared with the builder and the questionnaire PDF).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.surveys.projects import logic
from kommunalschutz.surveys.projects.models import Item, Questionnaire

MAX_TEXT_LENGTH = 2000
DASH = "\u2013"  # ranges of codes: 1\u20135
_SEPARATORS = re.compile(r"[\s,;]+")


def visible_items(items: Iterable[Item], answers: Mapping[str, Any]) -> list[Item]:
    """The items asked given the answers, in questionnaire order (surveys.logic, the shared rule)."""
    return list(logic.visible_items(sorted(items, key=lambda i: i.position), answers))


def allowed_values(item: Item) -> list[int]:
    """The valid codes of a choice or scale item (empty for number and text items)."""
    return sorted(logic.allowed_values(item) or ())


def describe_allowed(item: Item) -> str:
    """The allowed input as a short hint: "1-5, 9" (with an en dash), "0-120" or "text"."""
    if item.kind == Item.Kind.NUMBER:
        low = "" if item.minimum is None else str(item.minimum)
        high = "" if item.maximum is None else str(item.maximum)
        return f"{low}{DASH}{high}" if (low or high) else _("a whole number")
    if item.kind == Item.Kind.TEXT:
        return _("text, at most %(count)d characters") % {"count": MAX_TEXT_LENGTH}
    values = allowed_values(item)
    parts: list[str] = []
    run: list[int] = []
    for value in [*values, 10**9]:
        if run and value == run[-1] + 1:
            run.append(value)
            continue
        if run:
            parts.append(f"{run[0]}{DASH}{run[-1]}" if len(run) > 2 else ", ".join(str(v) for v in run))
        run = [value]
    return ", ".join(parts)


def prune_hidden(items: Sequence[Item], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without those to items the filters now hide (online: skipped questions are dropped)."""
    shown = {item.code for item in visible_items(items, answers)}
    return {code: value for code, value in answers.items() if code in shown}


def parse_keyed(item: Item, raw: str, *, number: str | None = None) -> tuple[Any, str | None]:
    """What a typist keyed for one item as an answer value: (value, None), (None, None) when empty, or
    (None, message) when it is not even a code. Range checks are validate_answers' job. ``number``: the
    question's number as printed (default: its position)."""
    number = number or str(item.position)
    text = raw.strip()
    if not text:
        return None, None
    if item.kind == Item.Kind.TEXT:
        return text, None
    tokens = [token for token in _SEPARATORS.split(text) if token]
    if item.kind != Item.Kind.MULTIPLE and len(tokens) > 1:
        return None, _("Question %(number)s: only one code is allowed here (allowed: %(allowed)s).") % {
            "number": number, "allowed": describe_allowed(item)}
    values: list[int] = []
    for token in tokens:
        if not re.fullmatch(r"-?\d{1,9}", token):
            return None, _("Question %(number)s: “%(value)s” is not a number (allowed: %(allowed)s).") % {
                "number": number, "value": token[:20], "allowed": describe_allowed(item)}
        values.append(int(token))
    if item.kind == Item.Kind.MULTIPLE:
        return sorted(set(values)), None
    return values[0], None


def _check_value(item: Item, value: Any, number: str) -> str | None:
    """Why a value is no valid answer to an item (numbered ``number``), or None."""
    if item.kind == Item.Kind.TEXT:
        if not isinstance(value, str):
            return _("Question %(number)s: the answer must be text.") % {"number": number}
        if len(value) > MAX_TEXT_LENGTH:
            return _("Question %(number)s: the answer is longer than %(count)d characters.") % {
                "number": number, "count": MAX_TEXT_LENGTH}
        return None
    if item.kind == Item.Kind.MULTIPLE:
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            return _("Question %(number)s: the answer must be a list of codes.") % {"number": number}
        allowed = set(allowed_values(item))
        wrong = [v for v in value if v not in allowed]
        if wrong:
            return _("Question %(number)s: code %(value)s is not an answer option (allowed: %(allowed)s).") % {
                "number": number, "value": wrong[0], "allowed": describe_allowed(item)}
        if len(set(value)) != len(value):
            return _("Question %(number)s: a code is given twice.") % {"number": number}
        return None
    if type(value) is not int:
        return _("Question %(number)s: the answer must be a whole number.") % {"number": number}
    if item.kind == Item.Kind.NUMBER:
        if (item.minimum is not None and value < item.minimum) or (item.maximum is not None and value > item.maximum):
            return _("Question %(number)s: %(value)s is out of range (allowed: %(allowed)s).") % {
                "number": number, "value": value, "allowed": describe_allowed(item)}
        return None
    if value not in allowed_values(item):
        return _("Question %(number)s: code %(value)s is not an answer option (allowed: %(allowed)s).") % {
            "number": number, "value": value, "allowed": describe_allowed(item)}
    return None


def validate_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], *, partial: bool,
    items: Sequence[Item] | None = None,
) -> Errors:
    """Every problem with a set of answers, keyed by item code ("__all__" for unknown codes).

    Checked: known item codes, the value's type and range (codes among the options, numbers within
    minimum..maximum, text at most MAX_TEXT_LENGTH characters), no answer to an item the filters hide,
    and, unless ``partial``, an answer to every visible required item. ``items`` saves a query when the
    caller has them already.
    """
    errors: Errors = {}
    all_items = list(items) if items is not None else list(questionnaire.items.all())
    by_code = {item.code: item for item in all_items}
    ordered = sorted(all_items, key=lambda i: i.position)
    numbers = logic.question_numbers(ordered)
    if not isinstance(answers, Mapping):
        add_error(errors, "__all__", _("The answers are not in the expected form."))
        return errors
    unknown = sorted(code for code in answers if code not in by_code)
    if unknown:
        add_error(errors, "__all__", _("Unknown questions: %(codes)s.") % {"codes": ", ".join(unknown[:10])})
    for code, value in answers.items():
        if code in by_code:
            problem = _check_value(by_code[code], value, numbers[code])
            if problem:
                add_error(errors, code, problem)
    shown = {item.code for item in visible_items(all_items, answers)}
    for item in ordered:
        if item.code in answers and item.code not in shown and item.code not in errors:
            add_error(errors, item.code, _(
                "Question %(number)s must stay empty: the answers before it skip it.") % {
                "number": numbers[item.code]})
        elif not partial and item.required and item.code in shown and item.code not in answers:
            add_error(errors, item.code, _("Question %(number)s needs an answer.") % {
                "number": numbers[item.code]})
    return errors
