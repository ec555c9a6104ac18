"""Write operations of the core app: task runs and the audit export (the chain's check: core.verification)."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from kommunalschutz.foundation.core import audit, audit_display
from kommunalschutz.foundation.core.audit import AuditActor
from kommunalschutz.foundation.core.models import AuditEvent, BackupRun, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.core.tasks import OPERATIONS, run_operation
from kommunalschutz.foundation.core.tasks import recover_if_stale as recover_if_stale
from kommunalschutz.foundation.core.tasks import recover_stale_runs as recover_stale_runs


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


def audit_export_header() -> list[str]:
    """The export's column names in the active language (German for people, the stored values at the end)."""
    return audit_display.export_header()


def audit_rows(queryset: Any) -> Any:
    """The export's rows: German sentence, labels and local time first, then the values as stored."""
    yield from audit_display.export_rows(queryset.iterator(chunk_size=audit_display.EXPORT_BATCH))


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


def record_backup_run(*, started_at: dt.datetime, finished_at: dt.datetime, archive_name: str, size: int,
                      sha256: str, vendor: str, file_count: int) -> BackupRun:
    """Record a complete backup, audited (monitoring reads the newest: :func:`last_successful_backup`)."""
    with transaction.atomic():
        run = BackupRun.objects.create(started_at=started_at, finished_at=finished_at, archive_name=archive_name,
                                       size=size, sha256=sha256, vendor=vendor, file_count=file_count)
        audit.record(actor=None, action=AuditEvent.Action.CREATE, obj=run,
                     summary=f"backup written: {Path(archive_name).name}, {size} bytes")
    return run
