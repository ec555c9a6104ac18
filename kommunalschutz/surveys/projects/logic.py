"""Filters (skip logic) and valid answer codes of questionnaire items: pure functions, no database.

The online questionnaire, paper entry, the questionnaire PDF and the builder's validation all use these,
so "which question is asked" and "which code is valid" mean the same everywhere.

Answers are a mapping ``{item code: value}``: an int for single, scale and number items, a list of ints
for multiple choice, a string for free text; a missing key or ``None`` means "not answered".

A filter (``Item.show_if``) is ``{"item": "<code of an earlier single or scale item>", "values": [codes]}``:
the item is asked only if that earlier item was asked and answered with one of ``values``. A filter on a
question that was itself skipped is not met, so chains of filters behave as on paper ("weiter mit ...").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from kommunalschutz.surveys.projects.models import DONT_KNOW, DONT_USE, Item

SCALE_POINTS = (1, 2, 3, 4, 5)


class ItemLike(Protocol):
    """What the functions here read of an item (a saved Item, or an unsaved one in validation)."""

    code: str
    kind: str
    options: Any
    allow_dont_use: bool
    allow_dont_know: bool
    show_if: Any


def option_codes(item: ItemLike) -> list[int]:
    return [int(option["code"]) for option in (item.options or []) if isinstance(option, dict) and "code" in option]


def allowed_values(item: ItemLike) -> set[int] | None:
    """The valid codes of an item: its option codes (single, multiple: each element), the scale points
    1..5 plus 8 ("don't use") and 9 ("don't know") where the item allows them; None for number items
    (check ``minimum``/``maximum``) and free text (any text)."""
    if item.kind in (Item.Kind.SINGLE, Item.Kind.MULTIPLE):
        return set(option_codes(item))
    if item.kind == Item.Kind.SCALE:
        codes = set(SCALE_POINTS)
        if item.allow_dont_use:
            codes.add(DONT_USE)
        if item.allow_dont_know:
            codes.add(DONT_KNOW)
        return codes
    return None


def _answered_with(answers: Mapping[str, Any], code: str, values: Iterable[Any]) -> bool:
    value = answers.get(code)
    if value is None or isinstance(value, bool):
        return False
    wanted = {int(v) for v in values}
    if isinstance(value, list | tuple):
        return any(isinstance(v, int) and v in wanted for v in value)
    try:
        return int(value) in wanted
    except (TypeError, ValueError):
        return False


def visible_items(questionnaire_items: Sequence[Any], answers: Mapping[str, Any]) -> list[Any]:
    """The items that are asked, in order, given the answers so far.

    ``questionnaire_items`` in questionnaire order (``questionnaire.items.all()``). An item without a filter
    is always asked; an item with a filter only if the item it points to was asked and answered with one
    of the filter's values. Answers to items that are not asked are ignored (they must stay empty).
    """
    asked: list[Any] = []
    asked_codes: set[str] = set()
    for item in questionnaire_items:
        condition = item.show_if
        if condition:
            source = str(condition.get("item", ""))
            if source not in asked_codes or not _answered_with(answers, source, condition.get("values", [])):
                continue
        asked.append(item)
        asked_codes.add(item.code)
    return asked


def filter_problems(items: Sequence[ItemLike], index: int) -> list[str]:
    """What is wrong with the filter of ``items[index]`` (German messages; empty if fine or no filter).

    The filter must point to an EARLIER single-choice or scale item of the same questionnaire and name
    codes that item allows (not itself, not a later item, not an unknown code).
    """
    from django.utils.translation import gettext as _

    item = items[index]
    condition = item.show_if
    if not condition:
        return []
    if not isinstance(condition, dict) or not isinstance(condition.get("values"), list):
        return [_("The filter is not valid.")]
    source = str(condition.get("item", ""))
    values = condition["values"]
    if source == item.code:
        return [_("A question cannot be filtered on itself.")]
    earlier = {other.code: other for other in items[:index]}
    if source not in earlier:
        if any(other.code == source for other in items[index + 1:]):
            return [_("The filter refers to the later question “%(code)s”; a filter may only refer to an "
                      "earlier question.") % {"code": source}]
        return [_("The filter refers to the unknown question “%(code)s”.") % {"code": source}]
    target = earlier[source]
    if target.kind not in (Item.Kind.SINGLE, Item.Kind.SCALE):
        return [_("A filter may only refer to a single-choice question or a scale, not to “%(code)s”.")
                % {"code": source}]
    if not values:
        return [_("Choose at least one answer of “%(code)s” for the filter.") % {"code": source}]
    allowed = allowed_values(target) or set()
    unknown = [v for v in values if not isinstance(v, int) or isinstance(v, bool) or v not in allowed]
    if unknown:
        return [_("The question “%(code)s” has no answer with the code(s) %(values)s.")
                % {"code": source, "values": ", ".join(str(v) for v in unknown)}]
    return []


def skip_target(items: Sequence[Any], index: int) -> Any | None:
    """For a paper form: the first item after ``items[index]`` that does not depend on its answer
    (directly or through a chain of filters) - "weiter mit Frage N". None if the filtered ones run to the end."""
    source = items[index].code
    dependent = {source}
    for item in items[index + 1:]:
        condition = item.show_if
        if condition and str(condition.get("item", "")) in dependent:
            dependent.add(item.code)
            continue
        return item
    return None


def question_numbers(questionnaire_items: Sequence[Any]) -> dict[str, str]:
    """The number of each question as respondents see it, by item code; items in questionnaire order.

    Questions every respondent is asked are numbered 1, 2, 3 … without gaps. A filtered question (a follow-up
    shown only after certain answers) carries the number of the question before it and a letter: 12a, 12b.
    So a respondent whose answers hide the follow-ups still reads 12, 13, 14, and the online questionnaire,
    the paper form, paper entry and every error message use the same numbers.
    """
    numbers: dict[str, str] = {}
    number = 0
    follow_ups = 0
    for item in questionnaire_items:
        if item.show_if and number:
            follow_ups += 1
            numbers[item.code] = f"{number}{_letters(follow_ups)}"
        else:
            number += 1
            follow_ups = 0
            numbers[item.code] = str(number)
    return numbers


def _letters(count: int) -> str:
    """a … z, then aa, ab … (a question with more than 26 follow-ups is unlikely, but still numbered)."""
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
