"""Write operations of the core app: task runs and the audit export (the chain's check: core.verification)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from dataclasses import dataclass, field
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



@dataclass
class MoveReport:
    """What `kommunalschutz move-files` did: stored names by outcome."""

    moved: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # already in the storage with the same SHA-256
    refused: list[str] = field(default_factory=list)  # kept on disk: differs from the stored file or its hash


def _local_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.name.startswith("."))


def move_local_files(*, actor: AuditActor, files_dir: Path, evidence_dir: Path, keep: bool = False) -> MoveReport:
    """Move the files an installation kept on its disk before decision 0034 into the configured storage.

    ``files_dir`` (formerly the default storage, VAR_DIR/files) holds plaintext files under their stored
    names; ``evidence_dir`` (formerly EVIDENCE_ROOT) holds evidence originals and, in ``packages/``, waiting
    packages, each a Fernet token of FIELD_ENCRYPTION_KEYS. Each file is stored encrypted under the same
    name (evidence as ``evidence/<id>`` and ``evidence/packages/<id>``), read back and compared by SHA-256
    before the local copy is removed (``keep`` leaves it). An evidence original must match the SHA-256 taken
    at its upload. Running it again moves what is left and changes nothing else (idempotent); a name already
    stored with other content is refused, never overwritten. The run is recorded in the audit trail.
    """
    import hashlib

    from kommunalschutz.foundation.core import storage
    from kommunalschutz.foundation.core.encryption import DecryptionError, decrypt_bytes

    expected = _evidence_hashes()
    report = MoveReport()
    sources: list[tuple[Path, str, bool]] = [
        (path, path.relative_to(files_dir).as_posix(), False) for path in _local_files(files_dir)]
    for path in _local_files(evidence_dir):
        relative = path.relative_to(evidence_dir).as_posix()
        if re.fullmatch(r"(packages/)?[0-9a-f]{32}", relative):
            sources.append((path, f"evidence/{relative}", True))
    for path, name, encrypted in sources:
        content = path.read_bytes()
        if encrypted:
            try:
                content = decrypt_bytes(content)
            except DecryptionError:
                report.refused.append(name)
                continue
        digest = hashlib.sha256(content).hexdigest()
        if digest != expected.get(name, digest):
            report.refused.append(name)
            continue
        if storage.files().exists(name):
            if storage.sha256_of(name) != digest:
                report.refused.append(name)
                continue
            report.present.append(name)
        else:
            storage.save_file(name, content, exact=True)
            if storage.sha256_of(name) != digest:  # pragma: no cover - a backend that lost the bytes
                raise RuntimeError(f"{name}: the stored copy does not match")
            report.moved.append(name)
        if not keep:
            path.unlink()
    if report.moved or report.refused:
        audit.record(actor=actor, action=AuditEvent.Action.OTHER, object_type="core.storage",
                     summary=f"{len(report.moved)} local file(s) moved into the file storage, "
                             f"{len(report.refused)} refused", changes={})
    return report


def _evidence_hashes() -> dict[str, str]:
    """The SHA-256 taken at upload of every evidence original, by its stored name."""
    from django.apps import apps

    if not apps.is_installed("kommunalschutz.protection.evidence"):
        return {}
    item = apps.get_model("evidence", "EvidenceItem")
    return {f"evidence/{name}": sha for name, sha in
            item.objects.exclude(stored_name="").values_list("stored_name", "sha256")}
