"""The figures are computed in the background with progress; the schedule makes one draft per quarter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.core.tasks import OPERATIONS
from kommunalschutz.situation import services, tasks
from kommunalschutz.situation.models import SituationReport
from tests.conftest import World


def test_a_new_report_is_computed_in_the_background_with_progress(world: World, login: Any,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/lagebericht/", {"period_start": "2024-01-01", "period_end": "2024-03-31"})
    assert response.status_code == 302
    report = SituationReport.objects.get()
    assert report.status == SituationReport.Status.DRAFT and report.is_generated
    assert report.generation_id is not None
    run = TaskRun.objects.get(pk=report.generation_id)
    assert run.kind == "situation.generate" and run.status == TaskRun.Status.DONE
    assert run.total == 8 and run.done == 8  # four sections, two editions
    assert run.requested_by == world.coordinator
    assert report.press_text.startswith("Heute sind es 0 Kommunen.")
    progress = client.get(f"/lagebericht/{report.pk}/fortschritt/")
    assert progress.status_code == 200 and "task-progress" in progress.content.decode()
    assert "situation.generate" in OPERATIONS


def test_the_quarterly_draft_is_made_once_for_the_last_completed_quarter(world: World) -> None:
    assert services.last_completed_quarter(dt.date(2025, 1, 1)) == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert services.last_completed_quarter(dt.date(2025, 5, 10)) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    first = services.create_quarterly_draft(today=dt.date(2025, 5, 10))
    assert first is not None
    assert (first.period_start, first.period_end, first.origin) == (
        dt.date(2025, 1, 1), dt.date(2025, 3, 31), SituationReport.Origin.QUARTERLY)
    assert first.title == "Lagebericht für das Quartal 1/2025"
    assert services.create_quarterly_draft(today=dt.date(2025, 6, 30)) is None
    assert SituationReport.objects.count() == 1
    # The schedule's task runs the same service for today's last completed quarter, once.
    made = tasks.quarterly_situation_draft.call_local()
    assert made is not None
    assert SituationReport.objects.get(pk=made).period_end == services.last_completed_quarter(
        timezone.localdate())[1]
    assert tasks.quarterly_situation_draft.call_local() is None
