"""Writes of the questionnaire builder: versions from the item bank, titles, questions, filters and order.

Every function is transactional and audited; bad input raises a ValidationError with German messages per
field and writes nothing. A frozen questionnaire (in the field) refuses every change: make a new version
with ``new_version``. Permissions are checked by the callers (views, API) on the project.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.surveys.projects import item_bank, logic
from kommunalschutz.surveys.projects.models import Block, Item, Questionnaire, SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ITEM_FIELDS = ("block", "code", "kind", "text_de", "text_en", "options", "allow_dont_use", "allow_dont_know",
               "minimum", "maximum", "required", "show_if")


def _refuse_frozen(questionnaire: Questionnaire) -> None:
    if questionnaire.is_frozen:
        assert questionnaire.frozen_at is not None
        raise ValidationError({"__all__": [_(
            "Version %(version)s of the questionnaire has been in use since %(date)s and can no longer be changed. "
            "Create a new version to make changes.") % {
            "version": questionnaire.version, "date": day(timezone.localdate(questionnaire.frozen_at))}]})


def _bank_fields(entry: item_bank.BankItem, project: SurveyProject) -> dict[str, Any]:
    fields = entry.item_fields()
    if entry.extra.get("localities"):
        municipality = project.municipality
        fields["options"] = item_bank.locality_options(municipality.locality_list, municipality.name)
    return fields


@transaction.atomic
def create_questionnaire_from_bank(*, actor: Actor, project: SurveyProject,
                                   keys: list[str] | None = None) -> Questionnaire:
    """A new version (draft) with the given bank entries in the given order; None = the standard questionnaire
    (every block), [] = an empty questionnaire to build by hand. A filtered entry needs the entry it
    depends on earlier in ``keys``."""
    keys = list(item_bank.STANDARD) if keys is None else list(keys)
    errors: Errors = {}
    seen: set[str] = set()
    for key in keys:
        entry = item_bank.BY_KEY.get(key)
        if entry is None:
            add_error(errors, "keys", _("The item bank has no question “%(key)s”.") % {"key": key})
        elif key in seen:
            add_error(errors, "keys", _("The question “%(key)s” is chosen twice.") % {"key": key})
        elif entry.show_if and entry.show_if[0] not in seen:
            add_error(errors, "keys", _("The question “%(key)s” is only asked after “%(source)s”; choose that one "
                                        "too, earlier.") % {"key": key, "source": entry.show_if[0]})
        seen.add(key)
    raise_if_errors(errors)
    project = SurveyProject.objects.select_for_update().select_related("municipality").get(pk=project.pk)
    version = (project.questionnaires.aggregate(v=Max("version"))["v"] or 0) + 1
    questionnaire = Questionnaire.objects.create(
        project=project, version=version,
        title_de=_default_title(project, "de"), title_en=_default_title(project, "en"),
        intro_de=_default_intro("de"), intro_en=_default_intro("en"),
    )
    Item.objects.bulk_create([
        Item(questionnaire=questionnaire, position=position, **_bank_fields(item_bank.BY_KEY[key], project))
        for position, key in enumerate(keys, start=1)
    ])
    audit.record_create(actor=actor, obj=questionnaire,
                        summary=_("%(count)s questions from the item bank") % {"count": len(keys)})
    sync_phases(actor=actor, project=project)
    return questionnaire


# A new questionnaire starts with the platform's title and introduction in German and English; they are
# stored in the questionnaire (title_de/_en, intro_de/_en), where the analyst can change them.


def _default_title(project: SurveyProject, language: str) -> str:
    with translation.override(language):
        return _("Safety in %(municipality)s: citizen survey %(year)s") % {
            "municipality": project.municipality.name, "year": project.year}


def _default_intro(language: str) -> str:
    with translation.override(language):
        return _("With this survey your municipality would like to learn how safe you feel and what bothers you "
                 "in your neighbourhood. Taking part is voluntary and your answers remain anonymous. Please tick "
                 "one answer per question unless stated otherwise.")


@transaction.atomic
def update_questionnaire(*, actor: Actor, questionnaire: Questionnaire, title_de: str, title_en: str = "",
                         intro_de: str = "", intro_en: str = "") -> Questionnaire:
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _refuse_frozen(questionnaire)
    errors: Errors = {}
    if not title_de.strip():
        add_error(errors, "title_de", _("Enter a German title."))
    raise_if_errors(errors)
    before = audit.snapshot(questionnaire)
    questionnaire.title_de, questionnaire.title_en = title_de.strip(), title_en.strip()
    questionnaire.intro_de, questionnaire.intro_en = intro_de.strip(), intro_en.strip()
    questionnaire.save()
    audit.record_update(actor=actor, obj=questionnaire, before=before)
    return questionnaire


def _clean_options(value: Any, errors: Errors) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        add_error(errors, "options", _("The answer options are not valid."))
        return []
    cleaned: list[dict[str, Any]] = []
    codes: set[int] = set()
    for number, option in enumerate(value, start=1):
        code = option.get("code") if isinstance(option, dict) else None
        label = str(option.get("de") or "").strip() if isinstance(option, dict) else ""
        if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code <= 99:
            add_error(errors, "options", _("Option %(number)s needs a whole-number code between 0 and 99.")
                      % {"number": number})
            continue
        if code in codes:
            add_error(errors, "options", _("The code %(code)s is used by more than one option.") % {"code": code})
        if not label:
            add_error(errors, "options", _("Option %(number)s (code %(code)s) needs a German label.")
                      % {"number": number, "code": code})
        codes.add(code)
        cleaned.append({"code": code, "de": label, "en": str(option.get("en") or "").strip()})
    return cleaned


def _clean_item(data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """Normalise and check one item's own fields (the filter is checked against its neighbours later)."""
    data = dict(data)
    kind = data.get("kind")
    if data.get("block") not in Block.values:
        add_error(errors, "block", _("Choose the block of the question."))
    if kind not in Item.Kind.values:
        add_error(errors, "kind", _("Choose the type of question."))
    data["code"] = str(data.get("code") or "").strip()
    if not CODE_PATTERN.match(data["code"]):
        add_error(errors, "code", _("The variable name must start with a lower-case letter and contain only "
                                    "lower-case letters, digits and underscores (at most 40 characters)."))
    data["text_de"] = str(data.get("text_de") or "").strip()
    data["text_en"] = str(data.get("text_en") or "").strip()
    if not data["text_de"]:
        add_error(errors, "text_de", _("Enter the question in German."))
    data["options"] = _clean_options(data.get("options"), errors)
    options = data["options"]
    if kind in (Item.Kind.SINGLE, Item.Kind.MULTIPLE) and len(options) < 2:
        add_error(errors, "options", _("A choice question needs at least two answer options."))
    if kind == Item.Kind.SCALE and sorted(o["code"] for o in options) != list(logic.SCALE_POINTS):
        add_error(errors, "options", _("A 5-point scale needs exactly five labels with the codes 1 to 5."))
    if kind in (Item.Kind.NUMBER, Item.Kind.TEXT) and options:
        add_error(errors, "options", _("Number and free-text questions have no answer options."))
    if kind != Item.Kind.SCALE:
        data["allow_dont_use"] = data["allow_dont_know"] = False
    if kind == Item.Kind.NUMBER:
        low, high = data.get("minimum"), data.get("maximum")
        if low is None or high is None:
            add_error(errors, "maximum", _("Enter the smallest and the largest allowed number."))
        elif low > high:
            add_error(errors, "maximum", _("The largest number must not be smaller than the smallest."))
    else:
        data["minimum"] = data["maximum"] = None
    show_if = data.get("show_if")
    if show_if and not (isinstance(show_if, dict) and show_if.get("item")):
        add_error(errors, "show_if", _("The filter is not valid."))
    data["show_if"] = show_if or None
    return data


def _check_filters(items: list[Any], errors: Errors, *, field: str = "show_if") -> None:
    for index in range(len(items)):
        for message in logic.filter_problems(items, index):
            add_error(errors, field, f"{items[index].code}: {message}" if field == "__all__" else message)


def _items(questionnaire: Questionnaire) -> list[Item]:
    return list(questionnaire.items.order_by("position"))


@transaction.atomic
def add_item(*, actor: Actor, questionnaire: Questionnaire, **fields: Any) -> Item:
    """Append a custom question (``ITEM_FIELDS``) at the end of a draft questionnaire."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _refuse_frozen(questionnaire)
    errors: Errors = {}
    data = _clean_item({name: fields.get(name) for name in ITEM_FIELDS if name in fields}, errors)
    existing = _items(questionnaire)
    if any(other.code == data["code"] for other in existing):
        add_error(errors, "code", _("The variable name “%(code)s” is already used in this questionnaire.")
                  % {"code": data["code"]})
    if not errors:
        item = Item(questionnaire=questionnaire, position=(existing[-1].position + 1 if existing else 1), **data)
        for message in logic.filter_problems([*existing, item], len(existing)):
            add_error(errors, "show_if", message)
    raise_if_errors(errors)
    item.save()
    audit.record_create(actor=actor, obj=item)
    return item


@transaction.atomic
def add_bank_item(*, actor: Actor, questionnaire: Questionnaire, key: str) -> Item:
    """Append one entry of the item bank to a draft questionnaire."""
    entry = item_bank.BY_KEY.get(key)
    if entry is None:
        raise ValidationError({"key": [_("The item bank has no question “%(key)s”.") % {"key": key}]})
    project = SurveyProject.objects.select_related("municipality").get(pk=questionnaire.project_id)
    fields = _bank_fields(entry, project)
    fields.pop("bank_key")
    item = add_item(actor=actor, questionnaire=questionnaire, **fields)
    item.bank_key = key
    item.save(update_fields=["bank_key"])
    return item


@transaction.atomic
def update_item(*, actor: Actor, item: Item, **changes: Any) -> Item:
    """Change a question of a draft questionnaire (``ITEM_FIELDS``); filters that point to it must still fit."""
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"not an item field: {sorted(unknown)}")
    questionnaire = Questionnaire.objects.select_for_update().get(pk=item.questionnaire_id)
    _refuse_frozen(questionnaire)
    item = Item.objects.get(pk=item.pk)
    errors: Errors = {}
    data = _clean_item({name: getattr(item, name) for name in ITEM_FIELDS} | changes, errors)
    items = _items(questionnaire)
    if any(other.code == data["code"] and other.pk != item.pk for other in items):
        add_error(errors, "code", _("The variable name “%(code)s” is already used in this questionnaire.")
                  % {"code": data["code"]})
    if data["code"] != item.code and any((o.show_if or {}).get("item") == item.code for o in items):
        add_error(errors, "code", _("Other questions are filtered on this one; its variable name cannot change."))
    raise_if_errors(errors)
    before = audit.snapshot(item)
    for name, value in data.items():
        setattr(item, name, value)
    items = [item if other.pk == item.pk else other for other in items]
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    for message in logic.filter_problems(items, index):
        add_error(errors, "show_if", message)
    for other_index, other in enumerate(items):
        if other.pk != item.pk and (other.show_if or {}).get("item") == item.code:
            for message in logic.filter_problems(items, other_index):
                add_error(errors, "__all__", _("The filter of “%(code)s” no longer fits: %(problem)s")
                          % {"code": other.code, "problem": message})
    raise_if_errors(errors)
    item.save()
    audit.record_update(actor=actor, obj=item, before=before)
    return item


@transaction.atomic
def move_item(*, actor: Actor, item: Item, direction: str) -> Item:
    """Swap a question with its neighbour ("up" or "down"); refused if a filter would then point forward."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=item.questionnaire_id)
    _refuse_frozen(questionnaire)
    items = _items(questionnaire)
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(items):
        return items[index]
    reordered = list(items)
    reordered[index], reordered[other_index] = reordered[other_index], reordered[index]
    errors: Errors = {}
    _check_filters(reordered, errors, field="__all__")
    raise_if_errors(errors)
    first, second = items[index], items[other_index]
    before = audit.snapshot(first, ["position"])
    first_position, second_position = first.position, second.position
    # Positions are unique: park one question out of the way while swapping.
    parked = (items[-1].position + 1)
    Item.objects.filter(pk=first.pk).update(position=parked)
    Item.objects.filter(pk=second.pk).update(position=first_position)
    Item.objects.filter(pk=first.pk).update(position=second_position)
    first.refresh_from_db()
    audit.record_update(actor=actor, obj=first, before=before)
    return first


@transaction.atomic
def delete_item(*, actor: Actor, item: Item) -> None:
    questionnaire = Questionnaire.objects.select_for_update().get(pk=item.questionnaire_id)
    _refuse_frozen(questionnaire)
    dependants = [o.code for o in _items(questionnaire) if (o.show_if or {}).get("item") == item.code]
    if dependants:
        raise ValidationError({"__all__": [_(
            "The questions %(codes)s are filtered on “%(code)s”; remove or change their filters first.")
            % {"codes": ", ".join(dependants), "code": item.code}]})
    audit.record_delete(actor=actor, obj=item)
    item.delete()


@transaction.atomic
def new_version(*, actor: Actor, questionnaire: Questionnaire) -> Questionnaire:
    """Copy a questionnaire (typically a frozen one) as a new draft version n+1 of its project."""
    project = SurveyProject.objects.select_for_update().get(pk=questionnaire.project_id)
    version = (project.questionnaires.aggregate(v=Max("version"))["v"] or 0) + 1
    copy = Questionnaire.objects.create(
        project=project, version=version, title_de=questionnaire.title_de, title_en=questionnaire.title_en,
        intro_de=questionnaire.intro_de, intro_en=questionnaire.intro_en,
    )
    Item.objects.bulk_create([
        Item(questionnaire=copy, position=item.position, bank_key=item.bank_key,
             **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in _items(questionnaire)
    ])
    audit.record_create(actor=actor, obj=copy, summary=_("Copy of version %(version)s")
                        % {"version": questionnaire.version})
    return copy
