"""Running long operations through the Huey queue with visible progress."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kommunalschutz.foundation.core.models import TaskRun
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


def register_operation(kind: str, target: str, label: str | Promise | None = None) -> None:
    """Allow an app's long operation (``"module:function"``) to be queued as ``kind``, called ``label``."""
    if OPERATIONS.get(kind, target) != target:
        raise ValueError(f"The operation {kind!r} is already registered for {OPERATIONS[kind]!r}.")
    OPERATIONS[kind] = target
    if label is not None:
        OPERATION_LABELS[kind] = label


def operation_label(kind: str) -> str | None:
    """The readable name of a kind of operation, or None for a kind nobody registered a name for."""
    label = OPERATION_LABELS.get(kind)
    return None if label is None else str(label)


def resolve(kind: str) -> Any:
    module_name, _sep, function_name = OPERATIONS[kind].partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def execute_operation(run_id: int) -> dict[str, Any]:
    """Run a queued TaskRun; the body of the queue task, kept plain so any Huey instance can carry it."""
    run = TaskRun.objects.get(pk=run_id)
    TaskRun.objects.filter(pk=run_id).update(status=TaskRun.Status.RUNNING)
    try:
        result = resolve(run.kind)(
            progress=TaskRunProgress(run_id), actor_id=run.requested_by_id, **run.result.get("arguments", {})
        )
    except Exception as exc:
        logger.exception("Task %s (%s) failed", run_id, run.kind)
        TaskRun.objects.filter(pk=run_id).update(status=TaskRun.Status.FAILED, message=str(exc)[:500])
        raise
    stored = {"arguments": run.result.get("arguments", {}), "outcome": result or {}}
    TaskRun.objects.filter(pk=run_id).update(status=TaskRun.Status.DONE, result=stored)
    return stored


# The queue task used by the platform; the storage (SQLite or Redis) comes from settings.HUEY.
run_operation = db_task()(execute_operation)


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
