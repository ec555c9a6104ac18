"""A released report never states fieldwork still to come: the field period closes at the latest today (issue 12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.surveys.projects import lifecycle
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.survey_factories import ItemFactory, QuestionnaireFactory
from tests.surveys.projects.test_projects import pirna_project

pytestmark = pytest.mark.django_db
Status = SurveyProject.Status


def _in_the_field(world: World, *, planned_end: dt.date) -> SurveyProject:
    project = pirna_project(world)
    questionnaire = QuestionnaireFactory.create(project=project, version=1)
    ItemFactory.create(questionnaire=questionnaire, code="safety_dark")
    start = timezone.localdate() - dt.timedelta(days=20)
    return lifecycle.start_field_period(actor=world.analyst, project=project, start=start, end=planned_end)


def test_closing_the_field_period_in_the_future_is_refused_in_german(world: World, login: Any) -> None:
    today = timezone.localdate()
    project = _in_the_field(world, planned_end=today + dt.timedelta(days=30))
    client = login(world.analyst)
    # The form proposes today, not the planned end that still lies ahead.
    page = client.get(reverse("surveys:detail", args=[project.pk])).content.decode()
    assert f'value="{today.isoformat()}"' in page
    tomorrow = today + dt.timedelta(days=1)
    response = client.post(reverse("surveys:field_end", args=[project.pk]), {"end": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "Das Ende der Feldphase kann nicht in der Zukunft liegen" in response.content.decode()
    project.refresh_from_db()
    assert project.status == Status.FIELD and project.field_end == today + dt.timedelta(days=30)
    with pytest.raises(ValidationError) as refused:
        lifecycle.end_field_period(actor=world.analyst, project=project, end=tomorrow)
    assert "end" in refused.value.message_dict


def test_closing_early_replaces_the_planned_end(world: World) -> None:
    today = timezone.localdate()
    project = _in_the_field(world, planned_end=today + dt.timedelta(days=30))
    project = lifecycle.end_field_period(actor=world.analyst, project=project)
    assert project.status == Status.ANALYSIS and project.field_end == today
    assert lifecycle.release_error(project) is None


def test_moving_on_from_the_field_by_status_closes_the_field_period_today(world: World) -> None:
    today = timezone.localdate()
    project = _in_the_field(world, planned_end=today + dt.timedelta(days=30))
    project = lifecycle.set_status(actor=world.analyst, project=project, status=Status.ANALYSIS)
    project.refresh_from_db()
    assert project.field_end == today


def test_a_report_cannot_be_released_before_its_field_period_has_ended(world: World) -> None:
    today = timezone.localdate()
    project = _in_the_field(world, planned_end=today + dt.timedelta(days=30))
    # As an older installation could have left it: in analysis, the field period ending next month.
    SurveyProject.objects.filter(pk=project.pk).update(status=Status.ANALYSIS)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        lifecycle.set_status(actor=world.analyst, project=project, status=Status.REPORTED)
    assert "Die Feldphase läuft bis" in refused.value.messages[0]
    project.refresh_from_db()
    assert project.status == Status.ANALYSIS and project.reported_at is None
