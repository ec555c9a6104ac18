"""The results page reads estimates stored by a background task; it never estimates on view (decision 0024).

The weighting queues the computation when its transaction commits (Huey runs eagerly in tests); a new
weighting makes the stored results of the old one no longer current, and the page says so and shows the
computation's progress until the new ones are stored."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.core.progress import RecordingProgress
from kommunalschutz.surveys.findings import calibration, precompute, results, services, stored
from kommunalschutz.surveys.findings.models import StoredResults
from kommunalschutz.surveys.projects import estimation
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.surveys.findings.builders import surveyed_project

pytestmark = pytest.mark.django_db


def _weight(world: World, project: SurveyProject, capture: Any, *, execute: bool = True,
            variables: tuple[str, ...] = ("age_group", "sex")) -> None:
    with capture(execute=execute):
        services.run_weighting(actor=world.analyst, project=project, method="rake", variables=list(variables))


def _forbid_estimation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entry into the estimation fails the test: loading and calibrating the answers, the estimates
    per item, the survey estimators themselves and the key indicators."""
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("the results page estimated on view")

    for module, name in ((results, "load"), (results, "project_results"), (results, "item_rows"),
                         (results, "key_indicators"), (results, "current_key_indicators"),
                         (calibration, "rebuild"), (calibration, "make_design"),
                         (estimation, "svyprop"), (estimation, "svymean")):
        monkeypatch.setattr(module, name, refuse)


@pytest.fixture
def project(world: World, django_capture_on_commit_callbacks: Any) -> SurveyProject:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    _weight(world, project, django_capture_on_commit_callbacks)
    return project


def test_weighting_queues_the_computation_and_stores_every_split(world: World, project: SurveyProject) -> None:
    run = TaskRun.objects.get(kind=stored.RESULTS_OPERATION)
    assert run.status == TaskRun.Status.DONE and run.done == run.total > 0
    current = StoredResults.objects.filter(project=project)
    assert sorted(current.values_list("by", flat=True)) == ["", "age_group", "locality", "sex"]
    whole = current.get(by="")
    assert whole.rows and whole.charts and whole.indicators["trust_police"]["n"] > 0
    # The stored rows are the estimates themselves, not a rounded copy.
    live = results.project_results(project)
    assert stored.rows_of(whole) == live


def test_results_page_reads_the_stored_results_and_does_not_estimate(
        world: World, login: Any, project: SurveyProject, monkeypatch: pytest.MonkeyPatch,
        django_assert_max_num_queries: DjangoAssertNumQueries) -> None:
    client = login(world.analyst)
    expected = next(r for r in results.project_results(project) if r.kind == "proportion" and not r.suppressed)
    _forbid_estimation(monkeypatch)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("findings:overview", args=[project.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('role="img"') >= 5 and "Berechnet am" in body
    assert f"{expected.estimate * 100:.1f}".replace(".", ",") in body
    by_sex = client.get(reverse("findings:overview", args=[project.pk]), {"domain": "sex"}).content.decode()
    assert "Geschlecht" in by_sex and 'role="img"' in by_sex
    export = client.get(reverse("findings:export_estimates", args=[project.pk, "csv"]), {"domain": "sex"})
    assert export.status_code == 200


def test_a_new_weighting_shows_the_computation_until_its_results_are_stored(
        world: World, login: Any, project: SurveyProject, django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.coordinator)
    url = reverse("findings:overview", args=[project.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.run_weighting(actor=world.analyst, project=project, method="poststratify", variables=["sex"])
    waiting = client.get(url).content.decode()
    assert "werden im Hintergrund berechnet" in waiting and "Berechnet am" not in waiting
    assert "wird vorbereitet …" in waiting and "0 / 0" not in waiting and 'role="status"' in waiting
    assert "<progress" in waiting and 'value="' not in waiting.split("<progress", 1)[1].split(">", 1)[0]
    poll = client.get(reverse("findings:results_progress", args=[project.pk]), HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "wird vorbereitet" in poll.content.decode()
    assert "HX-Refresh" not in poll
    for callback in queued:  # the queue picks the task up
        callback()
    done = client.get(reverse("findings:results_progress", args=[project.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "Berechnet am" in page and "Nachschichtung" in page
    run = TaskRun.objects.filter(kind=stored.RESULTS_OPERATION).order_by("-pk").first()
    assert run is not None and run.status == TaskRun.Status.DONE and run.percent == 100


def test_without_a_weighting_the_design_results_are_computed_on_request(
        world: World, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=30)
    client = login(world.coordinator)
    url = reverse("findings:overview", args=[project.pk])
    before = client.get(url).content.decode()
    assert "noch nicht berechnet" in before and reverse("findings:compute_results", args=[project.pk]) in before
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("findings:compute_results", args=[project.pk])).status_code == 302
    after = client.get(url).content.decode()
    assert "Designgewichte" in after and 'role="img"' in after
    assert login(world.people["plauen_coordinator"]).post(
        reverse("findings:compute_results", args=[project.pk])).status_code == 404


def test_the_computation_reports_progress_from_a_first_meaningful_state_to_done(world: World) -> None:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=30)
    progress = RecordingProgress()
    assert precompute.compute(project, progress=progress) > 0
    first, last = progress.updates[0], progress.updates[-1]
    assert first == (0, 0, "die Antworten werden geladen …")
    assert last[0] == last[1] > 0
    assert [done for done, _total, _message in progress.updates] == sorted(d for d, _t, _m in progress.updates)
    assert any("Diagramme" in message for _d, _t, message in progress.updates)
    again = RecordingProgress()
    assert precompute.compute(project, progress=again) == 0  # stored already: nothing is computed twice
    assert again.updates[-1][0] == again.updates[-1][1]
