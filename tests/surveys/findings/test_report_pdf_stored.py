"""The final report rendered once per weighting in the background and served from storage (decision 0024).

The weighting queues the results; once they are stored the system renders the report (no actor) under the
report key (results basis plus a fingerprint of everything else the PDF prints). The report's GET serves
that file at once while the key is current; a change (here: the recommendations) makes it stale and the
per-person background rendering takes over. Huey runs eagerly in tests; the files are real files."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.surveys.findings import report, services
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.surveys.findings.builders import surveyed_project

pytestmark = pytest.mark.django_db


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def project(world: World, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any) -> SurveyProject:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    report.save_recommendations(actor=world.analyst, project=project, text="Beleuchtung am Bahnhof verbessern.")
    with django_capture_on_commit_callbacks(execute=True):
        services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["age_group", "sex"])
    project.refresh_from_db()
    return project


def _report_runs() -> Any:
    return TaskRun.objects.filter(kind=report.REPORT_OPERATION)


def test_the_weighting_renders_the_report_once_as_the_system(project: SurveyProject) -> None:
    run = _report_runs().get()
    assert run.requested_by is None and run.status == TaskRun.Status.DONE
    outcome = run.result["outcome"]
    assert outcome["key"] == report.report_key(project)
    assert outcome["key"].startswith(f"{report.REPORT_VERSION}:v1:run:")
    assert "file" not in outcome and default_storage.exists(outcome["stored"])
    with default_storage.open(outcome["stored"], "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    # Asking again queues nothing: it is stored.
    assert report.start_stored_report(project) is None
    assert _report_runs().count() == 1


def test_the_report_is_served_from_storage_without_a_new_task(world: World, login: Any,
                                                              project: SurveyProject) -> None:
    stored = _report_runs().get().result["outcome"]["stored"]
    url = reverse("findings:report_pdf", args=[project.pk])
    for persona in ("analyst", "coordinator"):
        client = login(world.people[persona])
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        with default_storage.open(stored, "rb") as handle:
            assert _body(response) == handle.read()
        # A POST while the stored report is current queues nothing either.
        assert client.post(url).status_code == 302
    assert _report_runs().count() == 1


def test_changed_recommendations_make_the_stored_report_stale(world: World, login: Any, project: SurveyProject,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    key = report.report_key(project)
    client = login(world.analyst)
    response = client.post(reverse("findings:recommendations", args=[project.pk]),
                           {"recommendations": "Streifen des Gemeindlichen Vollzugsdienstes."})
    assert response.status_code == 302
    project.refresh_from_db()
    assert report.report_key(project) != key and report.stored_report_file(project) is None
    url = reverse("findings:report_pdf", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "Abschlussbericht als PDF erstellen" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    own = report.latest_report_task(world.analyst, project)
    assert own is not None and own.status == TaskRun.Status.DONE and own.requested_by == world.analyst
    assert "key" not in own.result["outcome"]  # a person's report is theirs, never served to others
    assert _report_runs().count() == 2
    body = client.get(url).content.decode()
    assert f'href="{reverse("core:task_download", args=[own.pk])}"' in body


def test_the_key_follows_release_and_weighting(world: World, project: SurveyProject,
                                               django_capture_on_commit_callbacks: Any) -> None:
    key = report.report_key(project)
    assert report.report_key(project) == key  # stable while nothing changes
    with django_capture_on_commit_callbacks(execute=True):
        services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["age_group"])
    project.refresh_from_db()
    assert report.report_key(project) != key
    # The new weighting rendered its own report; it is the one served now.
    assert _report_runs().count() == 2 and report.stored_report_file(project) is not None
    assert report.stored_report_task(project).result["arguments"]["key"] == report.report_key(project)


@pytest.mark.parametrize("persona", ["plauen_coordinator", "dresden_police", "outsider"])
def test_outsiders_get_404_for_the_stored_report(world: World, login: Any, project: SurveyProject,
                                                 persona: str) -> None:
    client = login(world.people[persona])
    url = reverse("findings:report_pdf", args=[project.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    run = _report_runs().get()
    assert client.get(reverse("core:task_download", args=[run.pk])).status_code == 404
    assert _report_runs().count() == 1
