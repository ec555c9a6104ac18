"""Writes of a survey project: setting it up, its settings and crest, its status and the field period.

Every function is transactional and audited; bad input raises a ValidationError with German messages per
field and writes nothing. Permissions are checked by the callers (views, API) on the project. Every write
that changes one of the survey's milestones advances the alliance's analysis phases (progress.sync_phases)
in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, Organisation
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.projects.selectors import current_questionnaire

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
MIN_YEAR, MAX_YEAR = 2000, 2100

PROJECT_FIELDS = ("title", "year", "contractor", "reference_date", "minimum_age", "double_entry",
                  "security_analysis")


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
def create_project(*, actor: Actor, municipality: Any, title: str, year: int, reference_date: dt.date,
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
    sync_phases(actor=actor, project=project)
    return project


@transaction.atomic
def update_project(*, actor: Actor, project: SurveyProject, **changes: Any) -> SurveyProject:
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
    sync_phases(actor=actor, project=project)
    return project


def crest_type(content: bytes) -> str | None:
    """"image/png" or "image/jpeg" from the file's first bytes (its name and declared type count for nothing)."""
    for signature, content_type in CREST_SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


@transaction.atomic
def set_crest(*, actor: Actor, project: SurveyProject, content: bytes) -> SurveyProject:
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
def remove_crest(*, actor: Actor, project: SurveyProject) -> SurveyProject:
    before = audit.snapshot(project, ["crest", "crest_type"])
    project.crest, project.crest_type = None, ""
    project.save(update_fields=["crest", "crest_type"])
    audit.record_update(actor=actor, obj=project, before=before, summary=_("Crest removed"))
    return project


def release_error(project: SurveyProject, on: dt.date | None = None) -> str | None:
    """Why the project's report cannot be released on ``on`` (today), or None.

    A released report states the field period; it cannot state fieldwork that is still to come.
    """
    on = on or timezone.localdate()
    if project.field_end is not None and project.field_end > on:
        return _("The field period runs until %(end)s. The report can only be released once the field period "
                 "has ended.") % {"end": day(project.field_end)}
    return None


def _move(project: SurveyProject, status: str, errors: Errors) -> None:
    if status not in TRANSITIONS.get(project.status, frozenset()):
        add_error(errors, "__all__", _("A project in the status “%(current)s” cannot change to “%(new)s”.")
                  % {"current": project.get_status_display(), "new": dict(Status.choices).get(status, status)})


@transaction.atomic
def set_status(*, actor: Actor, project: SurveyProject, status: str) -> SurveyProject:
    """Move a project to another status along ``TRANSITIONS`` (other parts: sample drawn, report released)."""
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    errors: Errors = {}
    _move(project, status, errors)
    if not errors and status == Status.REPORTED:
        problem = release_error(project)
        if problem:
            add_error(errors, "__all__", problem)
    raise_if_errors(errors)
    before = audit.snapshot(project, ["status", "reported_at", "field_end"])
    if project.status == Status.FIELD and status == Status.ANALYSIS:
        # Leaving the field closes it today at the latest, as end_field_period does.
        today = timezone.localdate()
        project.field_end = min(project.field_end or today, today)
    project.status = status
    if status == Status.REPORTED:
        project.reported_at = timezone.now()
    project.save(update_fields=["status", "reported_at", "field_end"])
    audit.record_update(actor=actor, obj=project, before=before)
    sync_phases(actor=actor, project=project)
    return project


@transaction.atomic
def start_field_period(*, actor: Actor, project: SurveyProject, start: dt.date | None,
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
    sync_phases(actor=actor, project=project)
    return project


@transaction.atomic
def end_field_period(*, actor: Actor, project: SurveyProject, end: dt.date | None = None) -> SurveyProject:
    """Close the field period (``end`` defaults to today) and move the project to analysis.

    The end cannot lie in the future: closing the field period means that it is over (the planned end
    given when it started may be later; closing early replaces it). A report released afterwards can then
    never state fieldwork that is still to come.
    """
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    today = timezone.localdate()
    end = end or today
    errors: Errors = {}
    _move(project, Status.ANALYSIS, errors)
    if not errors and project.field_start is not None and end < project.field_start:
        add_error(errors, "end", _("The field period cannot end before it starts (%(start)s).")
                  % {"start": day(project.field_start)})
    if not errors and end > today:
        add_error(errors, "end", _("The end of the field period cannot lie in the future: close the field period "
                                   "when it is over (at the latest today, %(today)s).") % {"today": day(today)})
    raise_if_errors(errors)
    before = audit.snapshot(project, ["status", "field_end"])
    project.status, project.field_end = Status.ANALYSIS, end
    project.save(update_fields=["status", "field_end"])
    audit.record_update(actor=actor, obj=project, before=before, summary=_("Field period ended"))
    sync_phases(actor=actor, project=project)
    return project
