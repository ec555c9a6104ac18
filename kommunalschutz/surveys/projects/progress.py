"""The alliance's security analysis follows the survey's real progress (issue 5, item 9).

A security analysis engagement (engagements.SecurityAnalysis) has the phases of DOMAIN.md §2.4, each
with planned and actual dates. When it is linked to a survey project, the actual dates are no longer
typed in by hand for the phases the survey can tell; they are derived from what has happened:

| phase | actual start | actual end |
|---|---|---|
| kick-off | the engagement's start | the survey project was set up |
| register extract and sample | first register extract uploaded | the sample was drawn |
| questionnaire and cover letter | first questionnaire created | letters produced |
| mailing, online option, reminders | field period start (once reached) | field period end (once passed) |
| returns and data entry | first response submitted | first weighting run |
| analysis | first weighting run | final report released |
| final report | final report released | final report released |
| public presentation | (by hand: not a survey event) | (by hand) |

Dates never lie in the future and never before the kick-off. The survey only advances phases: a date
it cannot tell yet leaves what was recorded by hand as it is. Every service that changes one of these
events calls ``sync_phases`` inside its transaction; only phases whose dates change are written (and
audited, by engagements.services).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import Min
from django.utils import timezone

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.surveys.projects.models import SurveyProject


def _date(value: dt.datetime | dt.date | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _first(model: str, field: str, **filters: Any) -> dt.date | None:
    """The earliest ``field`` of a model's rows (None if the app or rows do not exist)."""
    try:
        Model = apps.get_model(model)
    except LookupError:
        return None
    return _date(Model.objects.filter(**filters).aggregate(first=Min(field))["first"])


def milestones(project: SurveyProject) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """(actual start, actual end) per analysis phase, from the project's records."""
    from kommunalschutz.alliance.engagements.models import AnalysisPhase

    Phase = AnalysisPhase.Phase
    today = timezone.localdate()
    sample = getattr(project, "sample", None)  # the reverse one-to-one raises an AttributeError if absent
    extract_start = _first("sampling.RegisterExtract", "uploaded_at", project=project)
    drawn = _date(sample.drawn_at) if sample else None
    letters = _date(sample.letters_produced_at) if sample else None
    questionnaire_start = _first("surveys.Questionnaire", "created_at", project=project)
    first_response = _first("responses.Response", "submitted_at", project=project, status="submitted")
    first_weighting = _first("findings.WeightingRun", "created_at", project=project)
    reported = _date(project.reported_at)
    field_start = project.field_start if project.field_start and project.field_start <= today else None
    field_end = project.field_end if field_start and project.field_end and project.field_end < today else None
    kick_off_end = _date(project.created_at)
    analysis = project.security_analysis
    return {
        Phase.KICK_OFF: (analysis.engagement.started_on if analysis else None, kick_off_end),
        Phase.REGISTER_EXTRACT: (extract_start or drawn, drawn),
        Phase.QUESTIONNAIRE: (questionnaire_start, letters if questionnaire_start else None),
        Phase.FIELDWORK: (field_start, field_end),
        Phase.RETURNS: (first_response, first_weighting if first_response else None),
        Phase.ANALYSIS: (first_weighting, reported if first_weighting else None),
        Phase.FINAL_REPORT: (reported, reported),
    }


def sync_phases(*, actor: Actor, project: SurveyProject) -> int:
    """Write the derived actual dates into the linked analysis's phases; returns how many changed."""
    from kommunalschutz.alliance.engagements.analyses import record_phase_dates

    analysis = project.security_analysis
    if analysis is None:
        return 0
    today = timezone.localdate()
    kick_off = analysis.engagement.started_on
    changed = 0
    derived = milestones(project)
    for phase in analysis.phases.all():
        if phase.phase not in derived:
            continue  # the public presentation stays a matter of record by hand
        start, end = derived[phase.phase]
        # The survey advances phases; it never erases dates recorded by hand before the link existed.
        start = phase.actual_start if start is None else min(max(start, kick_off), today)
        end = phase.actual_end if end is None or start is None else min(max(end, start), today)
        if (phase.actual_start, phase.actual_end) == (start, end):
            continue
        record_phase_dates(actor=actor, phase=phase, actual_start=start, actual_end=end)
        changed += 1
    return changed
