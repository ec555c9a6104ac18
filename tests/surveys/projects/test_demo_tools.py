"""Demo tools of synthetic survey projects: the register file to upload, simulated answers (issue 5, item 10)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling.synthetic import HEADER
from tests.conftest import World
from tests.survey_factories import (
    ItemFactory,
    QuestionnaireFactory,
    SampleFactory,
    SampleMemberFactory,
    SurveyProjectFactory,
)

pytestmark = pytest.mark.django_db
AGE_GROUPS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def _project(world: World, *, synthetic: bool = True, status: str = "field") -> SurveyProject:
    project: SurveyProject = SurveyProjectFactory.create(
        municipality=world.pirna, contractor=world.analysis_contractor, is_synthetic=synthetic, status=status)
    questionnaire = QuestionnaireFactory.create(project=project, frozen_at=timezone.now())
    ItemFactory.create(questionnaire=questionnaire, code="safety_dark")
    ItemFactory.create(questionnaire=questionnaire, code="victim_burglary", block="victimisation", kind="single",
                       allow_dont_know=False, options=[{"code": 1, "de": "ja"}, {"code": 2, "de": "nein"}])
    sample = SampleFactory.create(project=project, size=60, letters_produced_at=timezone.now())
    for number in range(1, 61):
        SampleMemberFactory.create(sample=sample, number=number, age_group=AGE_GROUPS[number % 7],
                                   sex="w" if number % 2 else "m", letter_sent_at=timezone.localdate())
    return project


def test_the_analyst_downloads_the_synthetic_register_in_the_municipalities_format(world: World, login: Any) -> None:
    project = _project(world)
    response = login(world.people["analyst"]).get(reverse("surveys:demo_register", args=[project.pk]))
    assert response.status_code == 200
    text = response.content.decode("cp1252")
    lines = text.splitlines()
    assert lines[0] == ";".join(HEADER)
    assert len(lines) == world.pirna.population + 1
    assert "ü" in text or "ä" in text or "ö" in text  # umlauts survive in Windows-1252


@pytest.mark.parametrize("persona", ["coordinator", "plauen_coordinator", "dresden_police", "outsider", "auditor"])
def test_demo_tools_are_not_found_for_those_without_access_to_personal_data(world: World, login: Any,
                                                                           persona: str) -> None:
    project = _project(world)
    client = login(world.people[persona])
    assert client.get(reverse("surveys:demo_register", args=[project.pk])).status_code == 404
    assert client.post(reverse("surveys:demo_simulate", args=[project.pk])).status_code == 404
    assert not Response.objects.exists()


def test_real_projects_have_no_demo_tools(world: World, login: Any) -> None:
    project = _project(world, synthetic=False)
    client = login(world.people["pirna_coordinator"])
    assert client.get(reverse("surveys:demo_register", args=[project.pk])).status_code == 404
    assert client.post(reverse("surveys:demo_simulate", args=[project.pk])).status_code == 404
    assert "demo-heading" not in client.get(reverse("surveys:detail", args=[project.pk])).content.decode()


def test_simulated_answers_go_through_the_response_service(world: World, login: Any,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    project = _project(world)
    client = login(world.people["pirna_coordinator"])
    page = client.get(reverse("surveys:detail", args=[project.pk])).content.decode()
    assert "Antworten der übrigen Angeschriebenen simulieren" in page
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs the task (Huey is eager in tests)
        started = client.post(reverse("surveys:demo_simulate", args=[project.pk]))
    assert started.status_code == 302 and "/aufgaben/" in started["Location"]
    response = client.get(started["Location"])
    assert "Simuliert" in response.content.decode()
    answered = Response.objects.filter(project=project, status="submitted")
    assert 5 < answered.count() < 60
    # Filters and codes are respected: every answer is a valid code of its item.
    for row in answered:
        assert set(row.answers) <= {"safety_dark", "victim_burglary"}
        assert row.answers.get("safety_dark", 1) in {1, 2, 3, 4, 5, 8, 9}
    assert project.sample.members.filter(status__in=["online", "post"]).count() == answered.count()
    # A second round finds no letters waiting for an answer beyond the silent ones: nobody answers twice.
    client.post(reverse("surveys:demo_simulate", args=[project.pk]))
    assert Response.objects.filter(project=project).count() >= answered.count()
    assert Response.objects.values("member").distinct().count() == Response.objects.count()


def test_simulation_is_refused_outside_the_field_period(world: World, login: Any) -> None:
    project = _project(world, status="analysis")
    response = login(world.people["analyst"]).post(reverse("surveys:demo_simulate", args=[project.pk]), follow=True)
    assert "nur während der Feldphase" in response.content.decode()
    assert not Response.objects.exists()
