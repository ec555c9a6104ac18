"""Running long operations through the Huey queue with visible progress."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import TaskRunProgress
from kommunalschutz.foundation.core.verification import verify_audit_trail

logger = logging.getLogger(__name__)

# Only these operations may be started through run_operation; each is
# "module:function" and takes keyword arguments plus ``progress`` and ``actor_id``.
# Core's own are here; every other app adds its own with register_operation in AppConfig.ready.
OPERATIONS: dict[str, str] = {
    "core.audit_export": "kommunalschutz.foundation.core.services:export_audit_operation",
    "core.selftest": "kommunalschutz.foundation.core.services:selftest_operation",
}


# What each kind of operation is called where a person reads it (the audit trail, the task list).
OPERATION_LABELS: dict[str, str | Promise] = {
    "core.audit_export": pgettext_lazy("operation", "export of the audit trail"),
    "core.selftest": pgettext_lazy("operation", "self-test of the task worker"),
}


# Kinds that must not run a second time after their worker died mid-way (decision 0024): a lost run of
# these is marked failed at once. Every operation so far is safe to repeat: it writes its result in one
# transaction or as a file at the end, or (findings.results) keeps what it stored and does the rest.
NOT_REPEATABLE: set[str] = set()


def register_operation(kind: str, target: str, label: str | Promise | None = None, *,
                       repeatable: bool = True) -> None:
    """Allow an app's long operation (``"module:function"``) to be queued as ``kind``, called ``label``.

    ``repeatable=False`` for an operation that would leave something half-done if its worker is killed
    and it then runs again from the start; such a run is marked failed instead of being queued again."""
    if OPERATIONS.get(kind, target) != target:
        raise ValueError(f"The operation {kind!r} is already registered for {OPERATIONS[kind]!r}.")
    OPERATIONS[kind] = target
    if label is not None:
        OPERATION_LABELS[kind] = label
    if not repeatable:
        NOT_REPEATABLE.add(kind)


def operation_label(kind: str) -> str | None:
    """The readable name of a kind of operation, or None for a kind nobody registered a name for."""
    label = OPERATION_LABELS.get(kind)
    return None if label is None else str(label)


def resolve(kind: str) -> Any:
    module_name, _sep, function_name = OPERATIONS[kind].partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def heartbeat_interval() -> float:
    """Seconds between two heartbeats of a running task: a quarter of TASK_STALE_SECONDS, so one or two
    late beats (a busy database) do not make a living task look lost."""
    return max(0.5, settings.TASK_STALE_SECONDS / 4)


class Heartbeat:
    """Touches the run's ``heartbeat_at`` from a thread of its own while the operation works.

    A thread, not the progress updates: some steps (drawing charts, laying out a PDF) report nothing for
    a long time. The thread has its own database connection, so a beat is written (and committed) even
    while the operation is inside a long transaction on PostgreSQL; on SQLite it waits for the write lock
    like any writer. A beat goes only to the run while this worker still holds it (status running, the
    same attempt); after a failed beat (database away) the next one simply tries again."""

    def __init__(self, run_id: int, attempt: int) -> None:
        self.run_id = run_id
        self.attempt = attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(heartbeat_interval()):
                try:
                    TaskRun.objects.filter(pk=self.run_id, status=TaskRun.Status.RUNNING,
                                           attempts=self.attempt).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("Heartbeat of task %s not written", self.run_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def execute_operation(run_id: int) -> dict[str, Any]:
    """Run a queued TaskRun; the body of the queue task, kept plain so any Huey instance can carry it.

    The worker first takes the run (queued -> running, one more attempt, a first heartbeat) in one
    conditional UPDATE, so a message delivered twice runs it once. Every later write is conditional on
    still holding it: a run that was declared lost meanwhile (recover_stale_runs) is not overwritten."""
    claimed = TaskRun.objects.filter(pk=run_id, status=TaskRun.Status.QUEUED).update(
        status=TaskRun.Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now())
    if not claimed:
        logger.warning("Task %s is not waiting in the queue (taken, finished or removed); skipped", run_id)
        return {}
    run = TaskRun.objects.get(pk=run_id)
    held = TaskRun.objects.filter(pk=run_id, status=TaskRun.Status.RUNNING, attempts=run.attempts)
    beating = Heartbeat(run_id, run.attempts) if not settings.HUEY.get("immediate") else None
    try:
        if beating is not None:
            beating.__enter__()
        result = resolve(run.kind)(
            progress=TaskRunProgress(run_id, attempt=run.attempts), actor_id=run.requested_by_id,
            **run.result.get("arguments", {}))
    except Exception as exc:
        logger.exception("Task %s (%s) failed", run_id, run.kind)
        held.update(status=TaskRun.Status.FAILED, message=str(exc)[:500])
        raise
    finally:
        if beating is not None:
            beating.__exit__()
    stored = {"arguments": run.result.get("arguments", {}), "outcome": result or {}}
    if not held.update(status=TaskRun.Status.DONE, result=stored):
        logger.warning("Task %s finished after it was declared lost; its result is not recorded", run_id)
    return stored


# The queue task used by the platform; the storage (SQLite or Redis) comes from settings.HUEY.
run_operation = db_task()(execute_operation)


# A lost run is queued again at most this often before it is marked failed (decision 0024).
MAX_ATTEMPTS = 2
REQUEUED_MESSAGE = gettext_lazy("The background service was interrupted; the task is being started again …")
LOST_MESSAGE = gettext_lazy("The task was interrupted because the background service stopped. Nothing of it "
                            "was kept. Please start it again.")


def stale_runs(now: dt.datetime | None = None) -> QuerySet[TaskRun]:
    """Running tasks whose worker has sent no heartbeat for TASK_STALE_SECONDS."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.TASK_STALE_SECONDS)
    return TaskRun.objects.filter(status=TaskRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff))


def recover_stale_runs(now: dt.datetime | None = None) -> list[TaskRun]:
    """Queue again (once, if the operation may be repeated) or mark failed every run whose worker is gone;
    returns the runs it changed. Run every minute by the worker and lazily by the pages showing a run."""
    return [run for run in stale_runs(now) if recover_run(run)]


def recover_if_stale(run: TaskRun) -> TaskRun:
    """The run as it should be shown: if its worker is gone, recovered first (the progress page never
    waits for a task nobody works on)."""
    if run.status == TaskRun.Status.RUNNING and stale_runs().filter(pk=run.pk).exists() and recover_run(run):
        run.refresh_from_db()
    return run


def recover_run(run: TaskRun) -> bool:
    """Take a lost run back from its dead worker: a compare-and-set on the lease the worker held (running,
    its attempt, its last heartbeat), so two detectors, or a worker that was only slow, never both win.
    False when the run changed meanwhile."""
    repeat = run.kind not in NOT_REPEATABLE and run.attempts < MAX_ATTEMPTS and run.kind in OPERATIONS
    with translation.override(settings.LANGUAGE_CODE):  # stored like the operations' own messages
        message = str(REQUEUED_MESSAGE if repeat else LOST_MESSAGE)
    with transaction.atomic():
        changed = TaskRun.objects.filter(
            pk=run.pk, status=TaskRun.Status.RUNNING, attempts=run.attempts, heartbeat_at=run.heartbeat_at,
        ).update(status=TaskRun.Status.QUEUED if repeat else TaskRun.Status.FAILED, message=message[:500],
                 done=0, total=0, heartbeat_at=None)
        if not changed:
            return False
        changes = {"status": {"old": TaskRun.Status.RUNNING.value,
                              "new": (TaskRun.Status.QUEUED if repeat else TaskRun.Status.FAILED).value}}
        if repeat:
            audit.record(actor=None, action=AuditEvent.Action.UPDATE, obj=run, changes=changes,
                         summary="queued again after its worker stopped")
        else:
            audit.record(actor=None, action=AuditEvent.Action.UPDATE, obj=run, changes=changes,
                         summary="failed: its worker stopped")
    if repeat:
        transaction.on_commit(lambda: run_operation(run.pk))
    return True


@db_periodic_task(crontab(minute="*"))
def recover_stale_tasks() -> int:
    """Every minute: runs whose worker stopped sending heartbeats are queued again once or marked failed."""
    return len(recover_stale_runs())


@db_periodic_task(crontab(hour="3", minute="15"))
def clear_expired_sessions() -> int:
    """Remove expired sessions nightly; the database backend never does it by itself."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@db_periodic_task(crontab(hour="2", minute="40"))
def verify_audit_trail_nightly() -> bool:
    """Walk the audit hash chain every night; the result appears on the audit trail page."""
    return verify_audit_trail(actor=None).intact
