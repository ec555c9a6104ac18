"""The evidence store: one file per uploaded original, named by a random id, in the platform's file storage.

The originals are kept as ``evidence/<id>`` in core.storage (encrypted with FIELD_ENCRYPTION_KEYS, in the
database or the S3 bucket, decision 0034), read back checked against the SHA-256 taken at upload, rotated with
every other stored file (core.storage.rotate_stored_files), removed with their case (a retention hook, see
apps.py) and swept when orphaned.

Evidence packages made in the background (package.package_operation, decision 0024) wait for their download
as ``evidence/packages/<id>``, encrypted the same way; they are removed PACKAGE_RETENTION after they were
made, and with their case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from kommunalschutz.foundation.core import audit, storage
from kommunalschutz.foundation.core.encryption import DecryptionError
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem


class EvidenceIntegrityError(Exception):
    """A stored original is missing, cannot be decrypted, or no longer matches its SHA-256."""


ORIGINALS = "evidence/"
PACKAGES = "evidence/packages/"


def _checked_name(stored_name: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise EvidenceIntegrityError("invalid stored name")
    return stored_name


def original_name(stored_name: str) -> str:
    """The name of an original in the file storage."""
    return ORIGINALS + _checked_name(stored_name)


def package_name(stored_name: str) -> str:
    """The name of a waiting package in the file storage."""
    return PACKAGES + _checked_name(stored_name)


def store(content: bytes) -> str:
    """Encrypt and store one original; returns its random stored name. On the database backend the file is
    part of the surrounding transaction."""
    stored_name = secrets.token_hex(16)
    storage.save_file(original_name(stored_name), content, exact=True)
    return stored_name


def discard(stored_name: str) -> None:
    """Remove one original (a refused upload, a removed item)."""
    try:
        storage.delete_file(original_name(stored_name))
    except EvidenceIntegrityError:
        return


def read_original(item: EvidenceItem) -> bytes:
    """The original bytes of an item's file, decrypted and checked against the SHA-256 taken at upload."""
    if not item.stored_name:
        raise EvidenceIntegrityError(f"evidence {item.pk} has no file")
    try:
        content = storage.read_file(original_name(item.stored_name))
    except FileNotFoundError as exc:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} is missing") from exc
    except DecryptionError as exc:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} was altered") from exc
    if hashlib.sha256(content).hexdigest() != item.sha256 or len(content) != item.size:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} does not match its SHA-256")
    return content


def read_stored(stored_name: str, sha256: str) -> bytes:
    """An original kept by another app (register_stored_names), decrypted and checked against ``sha256``."""
    try:
        content = storage.read_file(original_name(stored_name))
    except (FileNotFoundError, DecryptionError) as exc:
        raise EvidenceIntegrityError("a stored original is missing or was altered") from exc
    if hashlib.sha256(content).hexdigest() != sha256:
        raise EvidenceIntegrityError("a stored original does not match its SHA-256")
    return content


# --- evidence packages waiting for their download ---------------------------------------------------------

# How long a finished package waits for its download (then the nightly sweep removes it; a new one can
# be made at any time).
PACKAGE_RETENTION = dt.timedelta(hours=24)


def store_package(content: bytes) -> str:
    """Encrypt and store a finished evidence package; returns its random stored name."""
    stored_name = secrets.token_hex(16)
    storage.save_file(package_name(stored_name), content, exact=True)
    return stored_name


def read_package(stored_name: str, sha256: str) -> bytes:
    """A waiting package's ZIP, decrypted and checked against the SHA-256 taken when it was made.
    FileNotFoundError once it has been removed; EvidenceIntegrityError if it was altered."""
    try:
        content = storage.read_file(package_name(stored_name))
    except DecryptionError as exc:
        raise EvidenceIntegrityError("the stored evidence package was altered") from exc
    if hashlib.sha256(content).hexdigest() != sha256:
        raise EvidenceIntegrityError("the stored evidence package does not match its SHA-256")
    return content


def remove_packages(stored_names: list[str]) -> int:
    removed = 0
    for stored_name in stored_names:
        try:
            name = package_name(stored_name)
        except EvidenceIntegrityError:
            continue
        if storage.files().exists(name):
            storage.delete_file(name)
            removed += 1
    return removed


def _stored_in(prefix: str) -> list[str]:
    """The names (without ``prefix``) of the files directly in ``prefix``."""
    try:
        return storage.files().listdir(prefix)[1]
    except FileNotFoundError:
        return []


def remove_expired_packages(*, older_than: dt.timedelta = PACKAGE_RETENTION) -> int:
    """Remove the waiting packages made longer than ``older_than`` ago (downloaded or not)."""
    cutoff = timezone.now() - older_than
    removed = 0
    for name in _stored_in(PACKAGES):
        if storage.files().get_modified_time(PACKAGES + name) < cutoff:
            storage.delete_file(PACKAGES + name)
            removed += 1
    return removed


def delete_case_files(case: Case) -> int:
    """Remove the encrypted files of a case from the file storage (retention; the rows go with the case).

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
            discard(stored_name)

    transaction.on_commit(unlink)
    return len(names)


# Other apps that keep originals in this store name them here (the online-hate import keeps the uploaded
# export of a comment thread, decision 0043), so that the sweep below leaves them alone.
_other_holders: dict[str, Callable[[], Iterable[str]]] = {}


def register_stored_names(name: str, names: Callable[[], Iterable[str]]) -> None:
    """Tell the orphan sweep that ``names()`` lists stored originals that rows of another app refer to."""
    _other_holders[name] = names


def remove_orphan_files(*, older_than: dt.timedelta = dt.timedelta(hours=6)) -> int:
    """Remove store files no row refers to (left by a transaction that was rolled back after the write)."""
    known = set(EvidenceItem.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    for names in _other_holders.values():
        known.update(names())
    cutoff = timezone.now() - older_than
    removed = 0
    for name in _stored_in(ORIGINALS):
        if name not in known and storage.files().get_modified_time(ORIGINALS + name) < cutoff:
            storage.delete_file(ORIGINALS + name)
            removed += 1
    return removed
