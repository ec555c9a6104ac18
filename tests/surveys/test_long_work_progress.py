"""Long work reports progress from a first meaningful state to done (decision 0024): the background task's
page says "wird vorbereitet …" before anything is counted, never "wartet 0 % - 0 / 0", and each of the
long operations (letters, final report, simulated answers) starts with a step in words and ends at its
total. Runs on SQLite and PostgreSQL alike (CI runs the suite on both)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from kommunalschutz.foundation.core import services as core_services
from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.core.progress import RecordingProgress, TaskRunProgress
from kommunalschutz.surveys.findings import report
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses import simulation
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling import draw, letters
from tests.conftest import World
from tests.survey_factories import SurveyProjectFactory
from tests.surveys.findings.report_data import surveyed_project
from tests.surveys.projects.test_demo_tools import _project as practice_project
from tests.surveys.sampling.conftest import person_rows, register_file

pytestmark = pytest.mark.django_db


def _steps(progress: RecordingProgress) -> None:
    """First a step in words, counts that never go back, and at the end done == total."""
    assert progress.updates, "no progress reported"
    first_done, _first_total, first_message = progress.updates[0]
    assert first_done == 0 and first_message.strip()
    done = [d for d, _t, _m in progress.updates]
    assert done == sorted(done)
    last_done, last_total, _message = progress.updates[-1]
    assert last_total > 0 and last_done == last_total


def test_a_queued_task_is_being_prepared_not_zero_of_zero(world: World, login: Any,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = core_services.start_operation(actor=world.coordinator, kind="core.selftest", label="Selbsttest",
                                            arguments={"steps": 3})
    client = login(world.coordinator)
    page = client.get(reverse("core:task_detail", args=[run.pk])).content.decode()
    assert "wird vorbereitet …" in page and "0 / 0" not in page and "wartet" not in page
    assert 'role="status"' in page and "hx-get" in page and "Aktuellen Stand anzeigen" in page
    listing = client.get(reverse("core:task_list")).content.decode()
    assert "wird vorbereitet …" in listing
    TaskRunProgress(run.pk).update(1, 3, "Schritt")
    partial = client.get(reverse("core:task_detail", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "33 %" in partial and "Schritt: 1 von 3" in partial and 'value="33"' in partial
    for callback in queued:
        callback()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.DONE and run.percent == 100
    finished = client.get(reverse("core:task_detail", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Fertig." in finished and "hx-get" not in finished


def test_task_run_progress_writes_every_new_step_at_once(world: World) -> None:
    run = TaskRun.objects.create(kind="core.selftest", label="x")
    progress = TaskRunProgress(run.pk, min_interval=3600)
    progress.update(0, 10, "eins")
    progress.update(1, 10, "eins")  # throttled: same step, too soon
    run.refresh_from_db()
    assert (run.done, run.message) == (0, "eins")
    progress.update(2, 10, "zwei")  # a new step is written at once
    run.refresh_from_db()
    assert (run.done, run.message) == (2, "zwei")


def test_letters_progress(world: World) -> None:
    project: SurveyProject = SurveyProjectFactory.create(
        municipality=world.pirna, contractor=world.analysis_contractor, reference_date=dt.date(2026, 1, 1),
        field_start=dt.date(2026, 3, 1), field_end=dt.date(2026, 4, 30))
    from kommunalschutz.surveys.sampling.register import import_register

    import_register(actor=world.coordinator, project=project, data=register_file(person_rows(40)),
                    file_name="register.csv")
    draw.draw_sample(actor=world.analyst, project=project, method="simple", size=12, seed=5)
    letters.send_letters(actor=world.analyst, project=project)
    progress = RecordingProgress()
    pdf = letters.letters_pdf(project, site_url="https://ks.example", progress=progress)
    assert pdf.startswith(b"%PDF")
    _steps(progress)
    assert progress.updates[0] == (0, 0, "Anschreiben werden vorbereitet (QR-Codes) …")
    assert (12, 13, "das PDF wird zusammengefügt") in progress.updates
    assert progress.updates[-1] == (13, 13, "das PDF ist fertig")


def test_report_progress_and_file(world: World) -> None:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    progress = RecordingProgress()
    outcome = report.render_report_operation(progress=progress, actor_id=world.analyst.pk, project_id=project.pk)
    _steps(progress)
    assert progress.updates[0][2] == "Schätzwerte, Vergleiche und Diagramme werden berechnet"
    with default_storage.open(outcome["file"], "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_simulation_progress(world: World) -> None:
    project = practice_project(world)
    progress = RecordingProgress()
    outcome = simulation.simulate_operation(progress=progress, actor_id=world.pirna_coordinator.pk,
                                            project_id=project.pk)
    assert progress.updates[0] == (0, 0, "die Antworten werden ausgelost …")
    _steps(progress)
    answered = Response.objects.filter(project=project, status="submitted").count()
    assert progress.updates[-1][:2] == (answered, answered)
    assert outcome["summary"].startswith("Simuliert:") and outcome["next_url"].endswith("#demo")
