"""The results page leads on to the discrepancy view and the final report: everyone who may see the
results gets the reading links; only the project team (findings.weight) gets recommendations and release,
and only until the report is released."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.surveys.findings import report
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.surveys.findings.report_data import surveyed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world: World) -> SurveyProject:
    return surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=30)


def links(project: SurveyProject) -> dict[str, str]:
    return {name: reverse(f"findings:{name}", args=[project.pk])
            for name in ("discrepancy", "report", "report_pdf", "recommendations", "release")}


def page(client: Any, project: SurveyProject) -> str:
    response = client.get(reverse("findings:overview", args=[project.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_hub_links_to_the_results(world: World, login: Any, project: SurveyProject) -> None:
    client = login(world.people["analyst"])
    response = client.get(reverse("surveys:detail", args=[project.pk]))
    assert f'href="{reverse("findings:overview", args=[project.pk])}"' in response.content.decode()


@pytest.mark.parametrize("persona", ["analyst", "pirna_coordinator"])
def test_project_team_gets_every_step(world: World, login: Any, project: SurveyProject, persona: str) -> None:
    html = page(login(world.people[persona]), project)
    urls = links(project)
    for name in ("discrepancy", "report", "report_pdf", "recommendations"):
        assert f'href="{urls[name]}"' in html, name
    assert f'action="{urls["release"]}"' in html
    assert "Empfehlungen schreiben" in html


def test_coordination_office_reads_but_does_not_edit(world: World, login: Any, project: SurveyProject) -> None:
    html = page(login(world.people["coordinator"]), project)
    urls = links(project)
    for name in ("discrepancy", "report", "report_pdf"):
        assert f'href="{urls[name]}"' in html, name
    assert urls["recommendations"] not in html and urls["release"] not in html


def test_after_release_only_reading_links_remain(world: World, login: Any, project: SurveyProject) -> None:
    analyst = world.people["analyst"]
    report.save_recommendations(actor=analyst, project=project, text="Mehr Licht am Bahnhof.")
    project.refresh_from_db()
    report.release_report(actor=analyst, project=project)
    html = page(login(analyst), project)
    urls = links(project)
    assert f'href="{urls["report_pdf"]}"' in html and "freigegeben am" in html
    assert urls["recommendations"] not in html and urls["release"] not in html


@pytest.mark.parametrize("persona", ["outsider", "plauen_coordinator", "pirna_official"])
def test_outsiders_see_no_overview(world: World, login: Any, project: SurveyProject, persona: str) -> None:
    client = login(world.people[persona])
    assert client.get(reverse("findings:overview", args=[project.pk])).status_code == 404
