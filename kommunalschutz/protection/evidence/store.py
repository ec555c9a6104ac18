"""The encrypted evidence store: one file per uploaded original, named by a random id.

The store (settings.EVIDENCE_ROOT, mode 0700) holds the original bytes encrypted with FIELD_ENCRYPTION_KEYS
(Fernet); files are written atomically, read back checked against the SHA-256 taken at upload, rotated to
the newest key, removed with their case (a retention hook, see apps.py) and swept when orphaned.

Evidence packages made in the background (package.package_operation, decision 0024) wait for their download
in the store's ``packages`` folder (mode 0700), encrypted the same way; they are removed PACKAGE_RETENTION
after they were made, with their case, and rotated with the originals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.encryption import DecryptionError, decrypt_bytes, encrypt_bytes, rotate_token
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem


class EvidenceIntegrityError(Exception):
    """A stored original is missing, cannot be decrypted, or no longer matches its SHA-256."""


# --- the evidence store ----------------------------------------------------------------------------------


def _private_folder(root: Path) -> Path:
    """``root``, created with mode 0700 (only the platform's user may enter it)."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if (root.stat().st_mode & 0o777) != 0o700:
        root.chmod(0o700)
    return root


def _checked_name(stored_name: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise EvidenceIntegrityError("invalid stored name")
    return stored_name


def store_root() -> Path:
    """The evidence store, created with mode 0700 (only the platform's user may enter it)."""
    return _private_folder(Path(settings.EVIDENCE_ROOT))


def stored_path(stored_name: str) -> Path:
    return store_root() / _checked_name(stored_name)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def store(content: bytes) -> str:
    """Encrypt and write one original; returns its random stored name."""
    stored_name = secrets.token_hex(16)
    _write_atomically(stored_path(stored_name), encrypt_bytes(content))
    return stored_name


def read_original(item: EvidenceItem) -> bytes:
    """The original bytes of an item's file, decrypted and checked against the SHA-256 taken at upload."""
    if not item.stored_name:
        raise EvidenceIntegrityError(f"evidence {item.pk} has no file")
    try:
        token = stored_path(item.stored_name).read_bytes()
    except FileNotFoundError as exc:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} is missing") from exc
    try:
        content = decrypt_bytes(token)
    except DecryptionError as exc:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} was altered") from exc
    if hashlib.sha256(content).hexdigest() != item.sha256 or len(content) != item.size:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} does not match its SHA-256")
    return content


def rotate_store() -> int:
    """Re-encrypt every file of the evidence store (originals and waiting packages) under the newest key
    (registered in ROTATION_HOOKS)."""
    count = 0
    for path in [*sorted(store_root().iterdir()), *sorted(package_root().iterdir())]:
        if not path.is_file() or not re.fullmatch(r"[0-9a-f]{32}", path.name):
            continue
        _write_atomically(path, rotate_token(path.read_bytes()))
        count += 1
    return count


# --- evidence packages waiting for their download ---------------------------------------------------------

# How long a finished package waits for its download (then the nightly sweep removes it; a new one can
# be made at any time).
PACKAGE_RETENTION = dt.timedelta(hours=24)


def package_root() -> Path:
    """The folder of the waiting packages inside the store, mode 0700 like the store."""
    return _private_folder(store_root() / "packages")


def package_path(stored_name: str) -> Path:
    return package_root() / _checked_name(stored_name)


def store_package(content: bytes) -> str:
    """Encrypt and write a finished evidence package; returns its random stored name."""
    stored_name = secrets.token_hex(16)
    _write_atomically(package_path(stored_name), encrypt_bytes(content))
    return stored_name


def read_package(stored_name: str, sha256: str) -> bytes:
    """A waiting package's ZIP, decrypted and checked against the SHA-256 taken when it was made.
    FileNotFoundError once it has been removed; EvidenceIntegrityError if it was altered."""
    token = package_path(stored_name).read_bytes()
    try:
        content = decrypt_bytes(token)
    except DecryptionError as exc:
        raise EvidenceIntegrityError("the stored evidence package was altered") from exc
    if hashlib.sha256(content).hexdigest() != sha256:
        raise EvidenceIntegrityError("the stored evidence package does not match its SHA-256")
    return content


def remove_packages(stored_names: list[str]) -> int:
    removed = 0
    for stored_name in stored_names:
        try:
            package_path(stored_name).unlink()
        except (FileNotFoundError, EvidenceIntegrityError):
            continue
        removed += 1
    return removed


def remove_expired_packages(*, older_than: dt.timedelta = PACKAGE_RETENTION) -> int:
    """Remove the waiting packages made longer than ``older_than`` ago (downloaded or not)."""
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    for path in package_root().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def delete_case_files(case: Case) -> int:
    """Remove the encrypted files of a case from the store (retention; the rows go with the case).

    The files are removed once the surrounding transaction commits: if the deletion of the case rolls
    back, its evidence is still there. Returns how many files are removed.
    """
    names = list(EvidenceItem.objects.filter(case=case).exclude(stored_name="").values_list(
        "stored_name", flat=True))
    if names:
        audit.record(actor=None, action=AuditEvent.Action.DELETE, object_type="evidence.evidencefile",
                     object_id=case.pk, summary=f"{len(names)} evidence file(s) of case {case.reference} removed",
                     changes={})

    def unlink() -> None:
        for stored_name in names:
            try:
                stored_path(stored_name).unlink()
            except (FileNotFoundError, EvidenceIntegrityError):
                continue

    transaction.on_commit(unlink)
    return len(names)


def remove_orphan_files(*, older_than: dt.timedelta = dt.timedelta(hours=6)) -> int:
    """Remove store files no row refers to (left by a transaction that was rolled back after the write)."""
    known = set(EvidenceItem.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    for path in store_root().iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
