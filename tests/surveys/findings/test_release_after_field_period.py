"""Releasing the final report is refused while its field period still runs (issue 12, item 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.findings import report
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.surveys.findings.report_data import surveyed_project

pytestmark = pytest.mark.django_db


def _ready(world: World, field_end: dt.date) -> SurveyProject:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=40)
    report.save_recommendations(actor=world.people["analyst"], project=project, text="Beleuchtung verbessern.")
    SurveyProject.objects.filter(pk=project.pk).update(field_end=field_end)
    project.refresh_from_db()
    return project


def test_release_is_refused_in_german_while_the_field_period_runs(world: World, login: Any) -> None:
    next_month = timezone.localdate() + dt.timedelta(days=31)
    project = _ready(world, next_month)
    client = login(world.people["analyst"])
    events = AuditEvent.objects.count()
    response = client.post(reverse("findings:release", args=[project.pk]), follow=True)
    html = response.content.decode()
    assert f"Die Feldphase läuft bis {next_month:%d.%m.%Y}" in html
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.ANALYSIS and project.reported_at is None
    assert AuditEvent.objects.count() == events  # nothing written


def test_release_on_the_last_day_of_the_field_period_is_allowed(world: World) -> None:
    project = _ready(world, timezone.localdate())
    released = report.release_report(actor=world.people["analyst"], project=project)
    assert released.status == SurveyProject.Status.REPORTED
    assert released.field_end is not None and released.field_end <= timezone.localdate(released.reported_at)
