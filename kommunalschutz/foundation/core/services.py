"""Write operations of the core app: task runs and the audit export (the chain's check: core.verification)."""

from __future__ import annotations

import csv
import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from kommunalschutz.foundation.core import audit, audit_display
from kommunalschutz.foundation.core.audit import AuditActor
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.core import tasks
from kommunalschutz.foundation.core.tasks import OPERATIONS, run_operation


def start_operation(*, actor: AuditActor, kind: str, label: str, arguments: dict[str, Any] | None = None) -> TaskRun:
    """Queue a long operation; the returned TaskRun shows its progress."""
    if kind not in OPERATIONS:
        raise ValueError(f"Unknown operation {kind!r}.")
    with transaction.atomic():
        run = TaskRun.objects.create(
            kind=kind, label=label, requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            result={"arguments": arguments or {}},
        )
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=run, summary=f"queued {kind}")
    # Enqueue only after commit so the worker always finds the row.
    transaction.on_commit(lambda: run_operation(run.pk))
    return run


# A lost run is queued again at most this often before it is marked failed (decision 0024).
MAX_ATTEMPTS = 2
REQUEUED_MESSAGE = gettext_lazy("The background service was interrupted; the task is being started again …")
LOST_MESSAGE = gettext_lazy("The task was interrupted because the background service stopped. Nothing of it "
                            "was kept. Please start it again.")


def stale_runs(now: dt.datetime | None = None) -> Any:
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
    repeat = run.kind not in tasks.NOT_REPEATABLE and run.attempts < MAX_ATTEMPTS and run.kind in OPERATIONS
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


def audit_export_header() -> list[str]:
    """The export's column names in the active language (German for people, the stored values at the end)."""
    return audit_display.export_header()


def audit_rows(queryset: Any) -> Any:
    """The export's rows: German sentence, labels and local time first, then the values as stored."""
    for event in queryset.iterator(chunk_size=2000):
        yield audit_display.export_row(event)


def export_audit_operation(*, progress: Progress, actor_id: int | None, since: str | None = None) -> dict[str, Any]:
    """Write the audit trail as CSV to the file store, row by row with progress (memory stays flat)."""
    import tempfile

    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.core.files.storage import default_storage

    requester = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    queryset = audit.visible_events(requester, AuditEvent.objects.order_by("id"))
    if since:
        queryset = queryset.filter(occurred_at__date__gte=since)
    total = queryset.count()
    progress.update(0, total, "export")
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as handle, \
            translation.override(settings.LANGUAGE_CODE):  # the worker has no request: the site's language
        writer = csv.writer(handle)
        writer.writerow(audit_export_header())
        for done, row in enumerate(audit_rows(queryset), start=1):
            writer.writerow(row)
            if done % 1000 == 0:
                progress.update(done, total, "export")
        handle.seek(0)
        name = default_storage.save(f"exports/audit-{timezone.now():%Y%m%d-%H%M%S}.csv", File(handle))
    progress.update(total, total, "export")
    return {"file": name, "rows": total}


def selftest_operation(*, progress: Progress, actor_id: int | None, steps: int = 3,
                       pause: float = 0) -> dict[str, Any]:
    """A harmless operation that proves the queue works end to end (used by tests and `check-deploy`);
    ``pause`` seconds before each step make it last (the worker crash test kills it mid-way)."""
    for step in range(1, steps + 1):
        time.sleep(max(0.0, min(float(pause), 60.0)))
        progress.update(step, steps, f"step {step}")
    return {"steps": steps}


def rotate_encryption_keys(*, actor: AuditActor, progress: Progress | None = None) -> dict[str, int]:
    """Re-encrypt every EncryptedTextField value and every registered encrypted store under the newest key.

    Each model is rewritten in its own transaction, row by row, so that memory stays
    flat; a crash midway leaves every value readable, because old keys stay valid
    until the operator removes them after a successful run.
    """
    from django.apps import apps

    from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS, EncryptedTextField

    progress = progress or Progress()
    counts: dict[str, int] = {}
    targets = [
        (model, [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)])
        for model in apps.get_models()
    ]
    targets = [(model, fields) for model, fields in targets if fields]
    total = sum(model._default_manager.count() for model, _fields in targets)
    done = 0
    for model, fields in targets:
        label = model._meta.label_lower
        with transaction.atomic():
            for row in model._default_manager.only("pk", *fields).iterator(chunk_size=500):
                # Reading decrypts with any key; writing encrypts with the newest one.
                model._default_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
                counts[label] = counts.get(label, 0) + 1
                done += 1
                progress.update(done, total, label)
    for name, hook in ROTATION_HOOKS.items():
        counts[name] = hook()
    progress.update(total, total, "done")
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, object_type="core.encryption",
                          summary="re-encrypted with the newest key", changes={})
    return counts

