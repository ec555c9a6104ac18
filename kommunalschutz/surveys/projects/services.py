"""Writes of the surveys app: projects (settings, crest, field period, status) and the questionnaire builder.

Every function is transactional and audited; bad input raises a ValidationError with German messages per
field and writes nothing. A frozen questionnaire (in the field) refuses every change: make a new version
with ``new_version``. Permissions are checked by the callers (views, API) on the project.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects import item_bank, logic
from kommunalschutz.surveys.projects.models import Block, Item, Questionnaire, SurveyProject

Status = SurveyProject.Status

# Where a project may go from each status. Sampling moves PREPARATION -> SAMPLING, the field period
# SAMPLING/PREPARATION -> FIELD -> ANALYSIS, the findings' report release ANALYSIS -> REPORTED; a released
# report may be withdrawn back to analysis.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PREPARATION: frozenset({Status.SAMPLING, Status.FIELD}),
    Status.SAMPLING: frozenset({Status.PREPARATION, Status.FIELD}),
    Status.FIELD: frozenset({Status.ANALYSIS}),
    Status.ANALYSIS: frozenset({Status.REPORTED}),
    Status.REPORTED: frozenset({Status.ANALYSIS}),
}

CREST_MAX_BYTES = 2 * 1024 * 1024
CREST_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MIN_YEAR, MAX_YEAR = 2000, 2100

PROJECT_FIELDS = ("title", "year", "contractor", "reference_date", "minimum_age", "double_entry",
                  "security_analysis")
ITEM_FIELDS = ("block", "code", "kind", "text_de", "text_en", "options", "allow_dont_use", "allow_dont_know",
               "minimum", "maximum", "required", "show_if")


def _sync(actor: Any, project: SurveyProject) -> None:
    from kommunalschutz.surveys.projects.progress import sync_phases

    sync_phases(actor=actor, project=project)


# --- projects ------------------------------------------------------------------------------------


def _check_project(data: dict[str, Any], errors: Errors, *, municipality: Any, project: SurveyProject | None) -> None:
    if not str(data.get("title") or "").strip():
        add_error(errors, "title", _("Enter a title."))
    year = data.get("year")
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        add_error(errors, "year", _("Enter a survey year between %(low)s and %(high)s.")
                  % {"low": MIN_YEAR, "high": MAX_YEAR})
    if not isinstance(data.get("reference_date"), dt.date):
        add_error(errors, "reference_date", _("Enter the reference date for ages."))
    minimum_age = data.get("minimum_age")
    if not isinstance(minimum_age, int) or not 14 <= minimum_age <= 99:
        add_error(errors, "minimum_age", _("The minimum age must lie between 14 and 99."))
    contractor = data.get("contractor")
    if contractor is not None and (not isinstance(contractor, Organisation)
                                   or contractor.kind != Organisation.Kind.ANALYSIS_CONTRACTOR):
        add_error(errors, "contractor", _("Choose an organisation of the kind “analysis contractor”."))
    analysis = data.get("security_analysis")
    if analysis is not None:
        if analysis.engagement.municipality_id != municipality.pk:
            add_error(errors, "security_analysis",
                      _("The security analysis concerns another municipality than the survey."))
        linked = SurveyProject.objects.filter(security_analysis=analysis)
        if project is not None:
            linked = linked.exclude(pk=project.pk)
        if linked.exists():
            add_error(errors, "security_analysis",
                      _("This security analysis is already linked to another survey project."))


@transaction.atomic
def create_project(*, actor: Any, municipality: Any, title: str, year: int, reference_date: dt.date,
                   contractor: Organisation | None = None, minimum_age: int = 16, double_entry: bool = True,
                   security_analysis: Any = None) -> SurveyProject:
    data = {"title": title, "year": year, "reference_date": reference_date, "contractor": contractor,
            "minimum_age": minimum_age, "double_entry": double_entry, "security_analysis": security_analysis}
    errors: Errors = {}
    if municipality is None:
        add_error(errors, "municipality", _("Choose the municipality."))
    else:
        _check_project(data, errors, municipality=municipality, project=None)
    raise_if_errors(errors)
    project = SurveyProject.objects.create(municipality=municipality, created_by=actor,
                                           **{**data, "title": title.strip()})
    audit.record_create(actor=actor, obj=project)
    _sync(actor, project)
    return project


@transaction.atomic
def update_project(*, actor: Any, project: SurveyProject, **changes: Any) -> SurveyProject:
    """Change the settings (``PROJECT_FIELDS``); the municipality never changes."""
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"not a project setting: {sorted(unknown)}")
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    data = {name: getattr(project, name) for name in PROJECT_FIELDS} | changes
    errors: Errors = {}
    _check_project(data, errors, municipality=project.municipality, project=project)
    if project.status in (Status.ANALYSIS, Status.REPORTED) and "minimum_age" in changes \
            and changes["minimum_age"] != project.minimum_age:
        add_error(errors, "minimum_age", _("The minimum age cannot change once the field period has ended."))
    raise_if_errors(errors)
    before = audit.snapshot(project)
    for name, value in changes.items():
        setattr(project, name, value.strip() if name == "title" else value)
    project.save()
    audit.record_update(actor=actor, obj=project, before=before)
    _sync(actor, project)
    return project


def crest_type(content: bytes) -> str | None:
    """"image/png" or "image/jpeg" from the file's first bytes (its name and declared type count for nothing)."""
    for signature, content_type in CREST_SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


@transaction.atomic
def set_crest(*, actor: Any, project: SurveyProject, content: bytes) -> SurveyProject:
    """Store the municipality's crest (PNG or JPEG, at most 2 MB) for the questionnaire, letters and report."""
    errors: Errors = {}
    content_type = crest_type(content)
    if not content:
        add_error(errors, "crest", _("The file is empty."))
    elif len(content) > CREST_MAX_BYTES:
        add_error(errors, "crest", _("The crest may be at most 2 MB large."))
    elif content_type is None:
        add_error(errors, "crest", _("The crest must be a PNG or JPEG image; this file is neither."))
    raise_if_errors(errors)
    assert content_type is not None
    before = audit.snapshot(project, ["crest", "crest_type"])
    project.crest, project.crest_type = content, content_type
    project.save(update_fields=["crest", "crest_type"])
    audit.record_update(actor=actor, obj=project, before=before, summary=_("Crest uploaded"))
    return project


@transaction.atomic
def remove_crest(*, actor: Any, project: SurveyProject) -> SurveyProject:
    before = audit.snapshot(project, ["crest", "crest_type"])
    project.crest, project.crest_type = None, ""
    project.save(update_fields=["crest", "crest_type"])
    audit.record_update(actor=actor, obj=project, before=before, summary=_("Crest removed"))
    return project


def _move(project: SurveyProject, status: str, errors: Errors) -> None:
    if status not in TRANSITIONS.get(project.status, frozenset()):
        add_error(errors, "__all__", _("A project in the status “%(current)s” cannot change to “%(new)s”.")
                  % {"current": project.get_status_display(), "new": dict(Status.choices).get(status, status)})


@transaction.atomic
def set_status(*, actor: Any, project: SurveyProject, status: str) -> SurveyProject:
    """Move a project to another status along ``TRANSITIONS`` (other parts: sample drawn, report released)."""
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    errors: Errors = {}
    _move(project, status, errors)
    raise_if_errors(errors)
    before = audit.snapshot(project, ["status", "reported_at"])
    project.status = status
    if status == Status.REPORTED:
        project.reported_at = timezone.now()
    project.save(update_fields=["status", "reported_at"])
    audit.record_update(actor=actor, obj=project, before=before)
    _sync(actor, project)
    return project


def current_questionnaire(project: SurveyProject) -> Questionnaire | None:
    """The newest version of the project's questionnaire."""
    return project.questionnaires.order_by("-version").first()


@transaction.atomic
def start_field_period(*, actor: Any, project: SurveyProject, start: dt.date | None,
                       end: dt.date | None) -> SurveyProject:
    """Open the field period: freezes the current questionnaire (it never changes again) and sets FIELD."""
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    errors: Errors = {}
    _move(project, Status.FIELD, errors)
    if start is None:
        add_error(errors, "start", _("Enter the start of the field period."))
    if end is None:
        add_error(errors, "end", _("Enter the end of the field period."))
    if start is not None and end is not None and end < start:
        add_error(errors, "end", _("The field period cannot end before it starts (%(start)s).") % {"start": day(start)})
    questionnaire = current_questionnaire(project)
    if questionnaire is None:
        add_error(errors, "__all__", _("Create the questionnaire before the field period starts."))
    elif not questionnaire.items.exists():
        add_error(errors, "__all__", _("The questionnaire has no questions yet."))
    raise_if_errors(errors)
    assert questionnaire is not None
    if not questionnaire.is_frozen:
        q_before = audit.snapshot(questionnaire, ["frozen_at"])
        questionnaire.frozen_at = timezone.now()
        questionnaire.save(update_fields=["frozen_at"])
        audit.record_update(actor=actor, obj=questionnaire, before=q_before, summary=_("Frozen for the field period"))
    before = audit.snapshot(project, ["status", "field_start", "field_end"])
    project.status, project.field_start, project.field_end = Status.FIELD, start, end
    project.save(update_fields=["status", "field_start", "field_end"])
    audit.record_update(actor=actor, obj=project, before=before, summary=_("Field period started"))
    _sync(actor, project)
    return project


@transaction.atomic
def end_field_period(*, actor: Any, project: SurveyProject, end: dt.date | None = None) -> SurveyProject:
    """Close the field period (``end`` defaults to today) and move the project to analysis."""
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    end = end or timezone.localdate()
    errors: Errors = {}
    _move(project, Status.ANALYSIS, errors)
    if not errors and project.field_start is not None and end < project.field_start:
        add_error(errors, "end", _("The field period cannot end before it starts (%(start)s).")
                  % {"start": day(project.field_start)})
    raise_if_errors(errors)
    before = audit.snapshot(project, ["status", "field_end"])
    project.status, project.field_end = Status.ANALYSIS, end
    project.save(update_fields=["status", "field_end"])
    audit.record_update(actor=actor, obj=project, before=before, summary=_("Field period ended"))
    _sync(actor, project)
    return project


# --- questionnaires ------------------------------------------------------------------------------


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
def create_questionnaire_from_bank(*, actor: Any, project: SurveyProject,
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
        title_de=_de_title(project), title_en=f"Safety in {project.municipality.name}: citizen survey {project.year}",
        intro_de=INTRO_DE, intro_en=INTRO_EN,
    )
    Item.objects.bulk_create([
        Item(questionnaire=questionnaire, position=position, **_bank_fields(item_bank.BY_KEY[key], project))
        for position, key in enumerate(keys, start=1)
    ])
    audit.record_create(actor=actor, obj=questionnaire,
                        summary=_("%(count)s questions from the item bank") % {"count": len(keys)})
    _sync(actor, project)
    return questionnaire


def _de_title(project: SurveyProject) -> str:
    return f"Sicherheit in {project.municipality.name}: Bürgerbefragung {project.year}"


INTRO_DE = ("Mit dieser Befragung möchte Ihre Gemeinde erfahren, wie sicher Sie sich fühlen und was Sie in Ihrer "
            "Wohngegend stört. Die Teilnahme ist freiwillig, Ihre Angaben bleiben anonym. Bitte kreuzen Sie je "
            "Frage die zutreffende Antwort an, sofern nicht anders angegeben.")
INTRO_EN = ("With this survey your municipality would like to learn how safe you feel and what bothers you in your "
            "neighbourhood. Taking part is voluntary and your answers remain anonymous. Please tick one answer per "
            "question unless stated otherwise.")


@transaction.atomic
def update_questionnaire(*, actor: Any, questionnaire: Questionnaire, title_de: str, title_en: str = "",
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
def add_item(*, actor: Any, questionnaire: Questionnaire, **fields: Any) -> Item:
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
def add_bank_item(*, actor: Any, questionnaire: Questionnaire, key: str) -> Item:
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
def update_item(*, actor: Any, item: Item, **changes: Any) -> Item:
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
def move_item(*, actor: Any, item: Item, direction: str) -> Item:
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
def delete_item(*, actor: Any, item: Item) -> None:
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
def new_version(*, actor: Any, questionnaire: Questionnaire) -> Questionnaire:
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


# --- demo tools (synthetic projects only) ----------------------------------------------------------


def simulate_demo_answers(*, actor: Any, project: SurveyProject) -> dict[str, int]:
    """Let the synthetic population of a demo project answer its letters (see surveys.demo_data).

    Only for synthetic projects in the field whose letters went out; real projects are refused. Every
    answer goes through responses.services.record_response (validated, audited) like any other.
    """
    from kommunalschutz.demo.surveys import simulate_answers

    errors: Errors = {}
    sample = getattr(project, "sample", None)
    if not project.is_synthetic:
        add_error(errors, "__all__", _("Answers can be simulated only for synthetic demo projects."))
    elif project.status != Status.FIELD:
        add_error(errors, "__all__", _("Answers can be simulated only while the survey is in the field."))
    elif sample is None or sample.letters_produced_at is None:
        add_error(errors, "__all__", _("Send the cover letters before simulating answers."))
    raise_if_errors(errors)
    with transaction.atomic():
        counts = simulate_answers(actor=actor, project=project, seed=project.pk)
        audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=project,
                     summary="demo: simulated answers " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts
