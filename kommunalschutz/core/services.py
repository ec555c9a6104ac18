"""Write operations of the core app: task runs and the audit export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from kommunalschutz.core import audit
from kommunalschutz.core.models import AuditEvent, TaskRun
from kommunalschutz.core.progress import Progress
from kommunalschutz.core.tasks import OPERATIONS, run_operation

AUDIT_EXPORT_COLUMNS = [
    "id", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr", "changed_fields",
    "changes", "summary",
]


def start_operation(*, actor: Any, kind: str, label: str, arguments: dict[str, Any] | None = None) -> TaskRun:
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


def audit_rows(queryset: Any) -> Any:
    for event in queryset.iterator(chunk_size=2000):
        yield [
            event.pk, timezone.localtime(event.occurred_at).isoformat(), event.actor_label, event.action,
            event.object_type, event.object_id, event.object_repr, " ".join(event.changed_fields),
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True), event.summary,
        ]


def audit_csv(queryset: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_EXPORT_COLUMNS)
    writer.writerows(audit_rows(queryset))
    return buffer.getvalue()


def export_audit_operation(*, progress: Progress, actor_id: int | None, since: str | None = None) -> dict[str, Any]:
    """Write the audit trail as CSV into the task's result (for large exports run in the background)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    queryset = AuditEvent.objects.order_by("id")
    if since:
        queryset = queryset.filter(occurred_at__date__gte=since)
    total = queryset.count()
    progress.update(0, total, "export")
    content = audit_csv(queryset)
    progress.update(total, total, "export")
    name = default_storage.save(f"exports/audit-{timezone.now():%Y%m%d-%H%M%S}.csv", ContentFile(content.encode()))
    return {"file": name, "rows": total}


def selftest_operation(*, progress: Progress, actor_id: int | None, steps: int = 3) -> dict[str, Any]:
    """A harmless operation that proves the queue works end to end (used by tests and `check-deploy`)."""
    for step in range(1, steps + 1):
        progress.update(step, steps, f"step {step}")
    return {"steps": steps}
