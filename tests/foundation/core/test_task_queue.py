"""A real task travels through a real Huey queue (SQLite file and Redis) to a real consumer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from huey import Huey, RedisHuey, SqliteHuey
from huey.exceptions import TaskException
from pytest_django import DjangoCaptureOnCommitCallbacks

from kommunalschutz.foundation.core import services
from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.core.tasks import execute_operation

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _closing(run_id: int) -> dict[str, Any]:
    """execute_operation as the consumer thread runs it, closing the thread's connection afterwards (what
    djhuey's db_task does in production); a connection left to the garbage collector may still be open when
    pytest drops the PostgreSQL test database."""
    try:
        return execute_operation(run_id)
    finally:
        connection.close()


def _run_through(queue: Huey) -> TaskRun:
    task = queue.task()(_closing)
    run = TaskRun.objects.create(kind="core.selftest", label="self test", result={"arguments": {"steps": 4}})
    consumer = queue.create_consumer(workers=1, worker_type="thread", periodic=False, check_worker_health=False)
    consumer.start()
    try:
        result = task(run.pk)
        outcome = result.get(blocking=True, timeout=20)
    finally:
        consumer.stop(graceful=True)
    assert outcome["outcome"] == {"steps": 4}
    run.refresh_from_db()
    return run


@pytest.fixture
def sqlite_queue(tmp_path: Path) -> Iterator[Huey]:
    yield SqliteHuey(name=f"test-{uuid.uuid4().hex}", filename=str(tmp_path / "queue.sqlite3"))


@pytest.fixture
def redis_queue() -> Iterator[Huey]:
    queue = RedisHuey(name=f"test-{uuid.uuid4().hex}", url=REDIS_URL)
    queue.storage.conn.ping()  # fail, not skip, when CI's Redis is missing
    yield queue
    queue.storage.flush_all()


@pytest.mark.django_db(transaction=True)
def test_task_runs_through_sqlite_queue_and_reports_progress(sqlite_queue: Huey) -> None:
    run = _run_through(sqlite_queue)
    assert run.status == TaskRun.Status.DONE
    assert (run.done, run.total, run.percent) == (4, 4, 100)


@pytest.mark.django_db(transaction=True)
def test_task_runs_through_redis_queue_and_reports_progress(redis_queue: Huey) -> None:
    run = _run_through(redis_queue)
    assert run.status == TaskRun.Status.DONE
    assert run.done == 4


@pytest.mark.django_db(transaction=True)
def test_failing_operation_marks_run_failed_with_message(sqlite_queue: Huey) -> None:
    task = sqlite_queue.task()(_closing)
    run = TaskRun.objects.create(kind="core.selftest", label="bad", result={"arguments": {"no_such_arg": 1}})
    consumer = sqlite_queue.create_consumer(workers=1, worker_type="thread", periodic=False,
                                            check_worker_health=False)
    consumer.start()
    try:
        # Wait on the queue's result, not by polling the row: SQLite's shared in-memory test
        # database locks whole tables, so reads here could make the worker's write fail.
        with pytest.raises(TaskException):
            task(run.pk).get(blocking=True, timeout=20)
    finally:
        consumer.stop(graceful=True)
    run.refresh_from_db()
    assert run.status == TaskRun.Status.FAILED
    assert "no_such_arg" in run.message


@pytest.mark.django_db
def test_start_operation_records_run_and_audit_and_runs_eagerly_in_tests(
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_operation(actor=None, kind="core.selftest", label="self test", arguments={"steps": 2})
    run.refresh_from_db()
    assert run.status == TaskRun.Status.DONE and run.done == 2
    from kommunalschutz.foundation.core.models import AuditEvent

    assert AuditEvent.objects.filter(object_type="core.taskrun", object_id=str(run.pk)).exists()


@pytest.mark.django_db
def test_unknown_operation_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(ValueError, match="Unknown operation"):
        services.start_operation(actor=None, kind="os.system", label="evil")
    assert not TaskRun.objects.exists()


@pytest.mark.django_db
def test_nightly_task_clears_expired_sessions_only() -> None:
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from kommunalschutz.foundation.core.tasks import clear_expired_sessions

    Session.objects.create(session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1))
    Session.objects.create(session_key="new", session_data="x", expire_date=timezone.now() + dt.timedelta(days=1))
    assert clear_expired_sessions.call_local() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
    # The scheduler finds it due at 03:15 and not at 03:16.
    # Huey's scheduler works with naive UTC datetimes.
    at_0315 = dt.datetime(2026, 11, 26, 3, 15)  # noqa: DTZ001
    at_0316 = dt.datetime(2026, 11, 26, 3, 16)  # noqa: DTZ001
    due = [task.name for task in HUEY.read_periodic(at_0315)]
    assert any(name.endswith("clear_expired_sessions") for name in due)
    later = [task.name for task in HUEY.read_periodic(at_0316)]
    assert not any(name.endswith("clear_expired_sessions") for name in later)
