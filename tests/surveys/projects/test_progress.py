"""The alliance's analysis phases follow the survey's real progress (surveys.progress)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.alliance.engagements.analyses import create_security_analysis
from kommunalschutz.alliance.engagements.models import AnalysisPhase, SecurityAnalysis
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from tests.alliance.engagements.conftest import contact
from tests.conftest import World
from tests.survey_factories import (
    QuestionnaireFactory,
    ResponseFactory,
    SampleFactory,
    SampleMemberFactory,
    SurveyProjectFactory,
)

Phase = AnalysisPhase.Phase
pytestmark = pytest.mark.django_db


def _dates(analysis: SecurityAnalysis, phase: str) -> tuple[dt.date | None, dt.date | None]:
    row = AnalysisPhase.objects.get(analysis=analysis, phase=phase)
    return row.actual_start, row.actual_end


def _linked_project(world: World, started_on: dt.date) -> SurveyProject:
    coordinator = world.people["coordinator"]
    contact(world, municipality=world.pirna, on=started_on - dt.timedelta(days=400))
    analysis = create_security_analysis(actor=coordinator, title="Sicherheitsanalyse Pirna",
                                        started_on=started_on, municipality=world.pirna)
    return SurveyProjectFactory.create(municipality=world.pirna, security_analysis=analysis,
                                       created_at=timezone.make_aware(dt.datetime.combine(started_on, dt.time(12)))
                                       + dt.timedelta(days=3))


def test_a_project_without_an_analysis_changes_nothing(world: World) -> None:
    project = SurveyProjectFactory.create(municipality=world.pirna)
    assert sync_phases(actor=None, project=project) == 0


def test_phases_advance_with_the_survey_and_never_into_the_future(world: World) -> None:
    today = timezone.localdate()
    started = today - dt.timedelta(days=100)
    project = _linked_project(world, started)
    analysis = project.security_analysis
    assert analysis is not None

    assert sync_phases(actor=world.people["coordinator"], project=project) == 1
    assert _dates(analysis, Phase.KICK_OFF) == (started, started + dt.timedelta(days=3))
    assert _dates(analysis, Phase.REGISTER_EXTRACT) == (None, None)

    drawn = timezone.now() - dt.timedelta(days=80)
    sample = SampleFactory.create(project=project, drawn_at=drawn, letters_produced_at=drawn + dt.timedelta(days=10))
    QuestionnaireFactory.create(project=project, created_at=drawn - dt.timedelta(days=2))
    project.field_start = today - dt.timedelta(days=60)
    project.field_end = today + dt.timedelta(days=5)  # still running
    project.save()
    member = SampleMemberFactory.create(sample=sample)
    submitted = timezone.now() - dt.timedelta(days=50)
    ResponseFactory.create(member=member, submitted_at=submitted)

    sync_phases(actor=world.people["coordinator"], project=project)
    assert _dates(analysis, Phase.REGISTER_EXTRACT) == (timezone.localdate(drawn), timezone.localdate(drawn))
    assert _dates(analysis, Phase.QUESTIONNAIRE) == (
        timezone.localdate(drawn) - dt.timedelta(days=2), timezone.localdate(drawn) + dt.timedelta(days=10))
    # The field period has begun but not ended: a start, no end (never a date in the future).
    assert _dates(analysis, Phase.FIELDWORK) == (today - dt.timedelta(days=60), None)
    # The local date of the moment (not today minus 50 days: across a change of summer time the two differ
    # in the last hour of the day).
    assert _dates(analysis, Phase.RETURNS) == (timezone.localdate(submitted), None)
    assert _dates(analysis, Phase.ANALYSIS) == (None, None)
    # Each change went through the engagements service, which audits it.
    assert AuditEvent.objects.filter(object_type="engagements.analysisphase").count() >= 5

    # Nothing new happened: nothing is written again.
    assert sync_phases(actor=world.people["coordinator"], project=project) == 0


def test_dates_before_the_kick_off_are_clamped_and_hand_recorded_presentation_stays(world: World) -> None:
    today = timezone.localdate()
    started = today - dt.timedelta(days=30)
    project = _linked_project(world, started)
    analysis = project.security_analysis
    assert analysis is not None
    presentation = AnalysisPhase.objects.get(analysis=analysis, phase=Phase.PRESENTATION)
    presentation.actual_start = today
    presentation.save()
    # A questionnaire drafted before the engagement was recorded still counts from the kick-off.
    QuestionnaireFactory.create(project=project, created_at=timezone.now() - dt.timedelta(days=90))
    sync_phases(actor=None, project=project)
    assert _dates(analysis, Phase.QUESTIONNAIRE) == (started, None)
    assert _dates(analysis, Phase.PRESENTATION) == (today, None)


def test_the_engagement_page_links_the_survey_that_drives_its_phases(world: World, login: Any) -> None:
    from django.urls import reverse

    project = _linked_project(world, timezone.localdate() - dt.timedelta(days=10))
    assert project.security_analysis is not None
    engagement = project.security_analysis.engagement
    url = reverse("engagements:engagement_detail", args=[engagement.pk])
    page = login(world.people["pirna_coordinator"]).get(url).content.decode()
    assert reverse("surveys:detail", args=[project.pk]) in page
    assert "ergeben sich aus dem Fortschritt der verknüpften Befragung" in page
    # The police sees the engagement but not the survey project: it is named as linked, without a link.
    response = login(world.people["dresden_police"]).get(url)
    assert response.status_code == 200
    assert reverse("surveys:detail", args=[project.pk]) not in response.content.decode()
    assert "nur für das Projektteam sichtbar" in response.content.decode()
