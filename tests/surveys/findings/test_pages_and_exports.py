"""Results page, weighting page, exports and API: who may do what (404 for everyone else), and content."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from openpyxl import load_workbook

from kommunalschutz.surveys.findings import precompute, results, services
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.surveys.findings.builders import surveyed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world: World) -> SurveyProject:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor)
    services.run_weighting(actor=world.analyst, project=project, method="rake",
                           variables=["age_group", "sex", "locality"])
    precompute.compute(project)  # what the queued task does after the commit (the test never commits)
    return project


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("persona", ["outsider", "plauen_coordinator", "dresden_police", "coach", "pirna_official"])
def test_outsiders_get_404_everywhere(world: World, login: Any, project: SurveyProject, persona: str) -> None:
    client = login(world.people[persona])
    for url in (f"/auswertung/{project.pk}/", f"/auswertung/{project.pk}/gewichtung/",
                f"/auswertung/{project.pk}/schaetzungen.csv", f"/auswertung/{project.pk}/mikrodaten.csv"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/auswertung/{project.pk}/gewichtung/", {"method": "design"}).status_code == 404


def test_analyst_of_another_contractor_gets_404(world: World, login: Any) -> None:
    other = surveyed_project(municipality=world.pirna, respondents=20)  # no contractor
    assert login(world.analyst).get(f"/auswertung/{other.pk}/").status_code == 404


def test_coordination_office_sees_results_but_cannot_weight_or_export_microdata(world: World, login: Any,
                                                                                project: SurveyProject) -> None:
    client = login(world.coordinator)
    page = client.get(f"/auswertung/{project.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "safety_dark" in body and "Mikrodaten" not in body and "Gewichtung berechnen" not in body
    assert client.get(f"/auswertung/{project.pk}/schaetzungen.xlsx").status_code == 200
    assert client.get(f"/auswertung/{project.pk}/gewichtung/").status_code == 404
    assert client.post(f"/auswertung/{project.pk}/gewichtung/", {"method": "design", "trim_mode": "relative"}
                       ).status_code == 404
    assert client.get(f"/auswertung/{project.pk}/mikrodaten.csv").status_code == 404
    assert WeightingRun.objects.filter(project=project).count() == 1


def test_municipal_coordinator_weights_but_does_not_export_microdata(world: World, login: Any,
                                                                     project: SurveyProject) -> None:
    client = login(world.pirna_coordinator)
    response = client.post(f"/auswertung/{project.pk}/gewichtung/", {
        "method": "poststratify", "variables": ["age_group", "sex"], "trim_mode": "relative",
        "trim_lower": "0.5", "trim_upper": "2"})
    assert response.status_code == 302
    assert WeightingRun.objects.get(project=project, is_current=True).method == "poststratify"
    page = client.get(f"/auswertung/{project.pk}/gewichtung/")
    body = page.content.decode()
    assert "Kish" in body or "Designeffekt" in body
    assert 'role="img"' in body and "<table" in body
    assert client.get(f"/auswertung/{project.pk}/mikrodaten.csv").status_code == 404


def test_bad_weighting_input_shows_errors_and_writes_nothing(world: World, login: Any, project: SurveyProject) -> None:
    client = login(world.analyst)
    response = client.post(f"/auswertung/{project.pk}/gewichtung/", {
        "method": "rake", "variables": ["sex"], "trim_mode": "relative", "trim_lower": "3", "trim_upper": "1"})
    assert response.status_code == 422
    assert WeightingRun.objects.filter(project=project).count() == 1
    assert response.context["form"].errors["trim_upper"]


def test_results_page_hides_small_domain_cells(world: World, login: Any) -> None:
    small_project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor,
                                     respondents=30)
    precompute.compute(small_project)  # the design weights' results, as the page's button queues them
    client = login(world.analyst)
    page = client.get(f"/auswertung/{small_project.pk}/", {"domain": "age_group"})
    assert page.status_code == 200
    rows = results.project_results(small_project, by="age_group")
    small = [r for r in rows if r.n < 5]
    assert small and all(r.domain_variable for r in small)
    body = page.content.decode()
    assert body.count('class="num suppressed"') == len(small)
    assert "Altersgruppe" in body


def test_estimates_csv_and_xlsx_have_the_cli_columns_and_question_text(world: World, login: Any,
                                                                       project: SurveyProject) -> None:
    client = login(world.analyst)
    rows = _csv(client.get(f"/auswertung/{project.pk}/schaetzungen.csv", {"domain": "sex"}))
    header = rows[0]
    assert header[:4] == ["variable", "question", "domain_variable", "domain"]
    for column in ("estimate", "se", "ci_lower", "ci_upper", "n", "kind", "category"):
        assert column in header
    ours = results.project_results(project, by="sex")
    assert len(rows) - 1 == len(ours)
    first = dict(zip(header, rows[1], strict=True))
    assert first["variable"] == "safety_dark" and first["kind"] == "mean"
    assert float(first["estimate"]) == pytest.approx(ours[0].estimate, rel=1e-12)
    assert first["question"].startswith("Wie sicher")
    assert not any(r[0] == "remarks" for r in rows)  # free text is not estimated
    xlsx = client.get(f"/auswertung/{project.pk}/schaetzungen.xlsx", {"domain": "sex"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = list(sheet.values)
    assert list(values[0]) == header and len(values) == len(rows)
    assert values[1][7] == pytest.approx(ours[0].estimate, rel=1e-12)


def test_microdata_export_is_anonymised(world: World, login: Any, project: SurveyProject) -> None:
    response = login(world.analyst).get(f"/auswertung/{project.pk}/mikrodaten.csv")
    assert response.status_code == 200
    rows = _csv(response)
    header, data = rows[0], rows[1:]
    assert header[:4] == ["weight", "age_group", "sex", "locality"]
    assert "remarks" not in header and "number" not in header and "id" not in header
    assert {"protect_1", "protect_2", "protect_3", "safety_dark"} <= set(header)
    assert len(data) == project.responses.count()
    combos = Counter(tuple(r[1:4]) for r in data)
    assert min(combos.values()) >= 5
    run = WeightingRun.objects.get(project=project, is_current=True)
    assert sorted(float(r[0]) for r in data) == pytest.approx(sorted(run.weights.values()), abs=1e-6)
    assert "Zu dunkel" not in response.content.decode("utf-8-sig")


def test_microdata_of_fewer_than_five_responses_is_refused_and_nothing_is_audited(world: World, login: Any) -> None:
    from kommunalschutz.foundation.core.models import AuditEvent

    small = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=4)
    before = AuditEvent.objects.count()
    response = login(world.analyst).get(f"/auswertung/{small.pk}/mikrodaten.csv", follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].endswith(f"/auswertung/{small.pk}/")
    assert "Weniger als 5" in response.content.decode() or "weniger als 5" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_estimates_api(world: World, api: Any, project: SurveyProject) -> None:
    path = f"/surveys/projects/{project.pk}/estimates"
    response = api.get(world.coordinator, path, by="locality")
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "rake" and body["min_cell"] == 5
    first = body["estimates"][0]
    assert first["variable"] == "safety_dark" and first["domain_variable"] == ""
    assert first["estimate"] == pytest.approx(results.project_results(project)[0].estimate, rel=1e-12)
    assert any(e["domain_variable"] == "locality" for e in body["estimates"])
    for persona in ("outsider", "plauen_coordinator", "dresden_police"):
        assert api.get(world.people[persona], path).status_code == 404
    assert api.get(None, path).status_code == 401
    assert api.get(world.analyst, path, by="street").status_code == 422
