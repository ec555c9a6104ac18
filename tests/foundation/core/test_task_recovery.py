"""The lease of a background task (decision 0024), in process: what is stale, what is taken back, and that a
worker which was only slow cannot overwrite a run taken from it. The real kill -9 is in
test_task_worker_crash.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.core import tasks
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import TaskRunProgress
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _running(kind: str = "core.selftest", *, seconds_ago: float, attempts: int = 1, **fields: Any) -> TaskRun:
    fields.setdefault("heartbeat_at", timezone.now() - dt.timedelta(seconds=seconds_ago))
    return TaskRun.objects.create(kind=kind, label="Selbsttest", status=TaskRun.Status.RUNNING, attempts=attempts,
                                  result={"arguments": {"steps": 2}}, **fields)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What the recovery hands to the queue (held, not run)."""
    held: list[int] = []
    monkeypatch.setattr(tasks, "run_operation", held.append)
    return held


@pytest.fixture
def not_repeatable() -> Iterator[str]:
    tasks.register_operation("test.once", "kommunalschutz.foundation.core.services:selftest_operation",
                             repeatable=False)
    try:
        yield "test.once"
    finally:
        tasks.OPERATIONS.pop("test.once")
        tasks.NOT_REPEATABLE.discard("test.once")


def test_a_run_with_a_fresh_heartbeat_is_left_alone(settings: Any, queued: list[int],
                                                    django_capture_on_commit_callbacks: Any) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(seconds_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_stale_runs() == []
    assert TaskRun.objects.get(pk=run.pk).status == TaskRun.Status.RUNNING and queued == []


def test_a_lost_run_is_queued_again_once_then_failed(settings: Any, queued: list[int],
                                                     django_capture_on_commit_callbacks: Any) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(seconds_ago=61, done=1, total=2, message="step 1")
    with django_capture_on_commit_callbacks(execute=True):
        assert [r.pk for r in tasks.recover_stale_runs()] == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.heartbeat_at) == (TaskRun.Status.QUEUED, 0, 0, None)
    assert "erneut gestartet" in run.message and queued == [run.pk]

    # The second worker takes it (attempt 2) and dies too: now it fails, and nothing is queued.
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.RUNNING, attempts=2,
                                             heartbeat_at=timezone.now() - dt.timedelta(seconds=120))
    with django_capture_on_commit_callbacks(execute=True):
        assert len(tasks.recover_stale_runs()) == 1
    run.refresh_from_db()
    assert run.status == TaskRun.Status.FAILED and queued == [run.pk]
    assert run.message == ("Die Aufgabe wurde abgebrochen, weil der Hintergrunddienst angehalten wurde. "
                           "Von ihr wurde nichts gespeichert. Bitte starten Sie sie erneut.")
    events = AuditEvent.objects.filter(object_type="core.taskrun", object_id=str(run.pk)).order_by("id")
    assert [(e.actor_id, e.summary, e.changes["status"]["new"]) for e in events] == [
        (None, "queued again after its worker stopped", "queued"), (None, "failed: its worker stopped", "failed")]


def test_a_lost_run_of_an_operation_that_may_not_repeat_fails_at_once(settings: Any, queued: list[int],
                                                                      not_repeatable: str) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(not_repeatable, seconds_ago=300)
    tasks.recover_stale_runs()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.FAILED and "Bitte starten Sie sie erneut" in run.message
    assert queued == []


def test_a_run_without_any_heartbeat_counts_from_its_last_change(settings: Any) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(seconds_ago=0, heartbeat_at=None)
    assert not tasks.stale_runs().exists()
    TaskRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=61))
    assert list(tasks.stale_runs()) == [run]


def test_two_detectors_take_a_run_back_once(settings: Any, queued: list[int]) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(seconds_ago=100)
    seen_by_both = TaskRun.objects.get(pk=run.pk)
    assert tasks.recover_run(run) is True
    assert tasks.recover_run(seen_by_both) is False  # the lease it saw is gone
    assert AuditEvent.objects.filter(object_type="core.taskrun").count() == 1


def test_a_heartbeat_after_the_check_saved_the_run(settings: Any) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(seconds_ago=100)
    seen = TaskRun.objects.get(pk=run.pk)
    TaskRunProgress(run.pk, attempt=1).update(1, 2, "step 1")  # the worker was only slow
    assert tasks.recover_run(seen) is False
    assert TaskRun.objects.get(pk=run.pk).status == TaskRun.Status.RUNNING


def test_a_worker_whose_run_was_taken_back_writes_nothing(settings: Any, queued: list[int],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = TaskRun.objects.create(kind="core.selftest", label="Selbsttest", result={"arguments": {"steps": 2}})

    def slow_worker(*, progress: Any, actor_id: int | None, steps: int) -> dict[str, Any]:
        # While this worker hangs, its run is declared lost and handed to the queue again.
        TaskRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=100))
        assert tasks.recover_stale_runs() != []
        progress.update(1, steps, "late")
        return {"steps": steps}

    monkeypatch.setattr(tasks, "resolve", lambda kind: slow_worker)
    tasks.execute_operation(run.pk)
    run.refresh_from_db()
    assert run.status == TaskRun.Status.QUEUED and "outcome" not in run.result and run.done == 0


def test_a_message_delivered_twice_runs_the_operation_once() -> None:
    run = TaskRun.objects.create(kind="core.selftest", label="Selbsttest", result={"arguments": {"steps": 2}})
    assert tasks.execute_operation(run.pk)["outcome"] == {"steps": 2}
    assert tasks.execute_operation(run.pk) == {}
    run.refresh_from_db()
    assert run.status == TaskRun.Status.DONE and run.attempts == 1


def test_the_progress_page_shows_a_lost_run_as_failed_in_german(world: World, login: Any, settings: Any,
                                                                not_repeatable: str) -> None:
    settings.TASK_STALE_SECONDS = 60
    run = _running(not_repeatable, seconds_ago=300, requested_by=world.coordinator)
    page = login(world.coordinator).get(reverse("core:task_detail", args=[run.pk])).content.decode()
    assert "fehlgeschlagen" in page and "Bitte starten Sie sie erneut." in page
    assert "hx-get" not in page  # finished: no more polling


def test_the_worker_checks_every_minute() -> None:
    from huey.contrib.djhuey import HUEY

    # Huey's scheduler works with naive UTC datetimes.
    due = [task.name for task in HUEY.read_periodic(dt.datetime(2026, 12, 5, 21, 7))]  # noqa: DTZ001
    assert any(name.endswith("recover_stale_tasks") for name in due)
