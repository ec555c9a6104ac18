"""Where the stored files are, for backup and restore: the ONE adapter between the archive and file storage.

Today the platform keeps files in two places: Django's default storage (generated PDFs, letters, exports,
signed agreements; ``STORAGES["default"]``, a folder under VAR_DIR) and the encrypted evidence store
(``EVIDENCE_ROOT``, with its ``packages`` folder). Both hold bytes as stored: evidence stays encrypted
with FIELD_ENCRYPTION_KEYS in the archive, and is written back as it was.

When files move behind one storage interface (issue 15, item 1), only this module changes: list what that
interface holds, read its raw bytes, write them back. The archive and the commands do not know where
files live. (A backend that keeps files inside the database needs nothing here: they come with the dump.)

Core must not import an app (tests/test_architecture.py), so the evidence store is read through its
setting, not through ``protection.evidence.store``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage

# The areas, each a prefix in the archive: files/<area>/<name>.
DEFAULT_AREA = "storage"
EVIDENCE_AREA = "evidence"
AREAS = (DEFAULT_AREA, EVIDENCE_AREA)

# The evidence store's atomic writes leave ".<name>.<hex>.tmp" only while they run, or after a crash.
_TEMPORARY = re.compile(r"^\..*\.tmp$")


@dataclass(frozen=True)
class StoredFile:
    """One stored file: its area and its name inside it (a relative POSIX path)."""

    area: str
    name: str

    def read(self) -> bytes:
        """The file's raw bytes as stored (encrypted where the store encrypts)."""
        if self.area == DEFAULT_AREA:
            with default_storage.open(self.name, "rb") as handle:
                data: bytes = handle.read()
                return data
        return (_evidence_root() / self.name).read_bytes()


def _evidence_root() -> Path:
    return Path(settings.EVIDENCE_ROOT)


def _default_names(folder: str = "") -> Iterator[str]:
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        if not _TEMPORARY.match(name):
            yield f"{folder}{name}"
    for directory in sorted(directories):
        yield from _default_names(f"{folder}{directory}/")


def _evidence_names() -> Iterator[str]:
    root = _evidence_root()
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not _TEMPORARY.match(path.name):
            yield path.relative_to(root).as_posix()


def stored_files() -> Iterator[StoredFile]:
    """Every file the platform keeps outside the database, in a stable order."""
    for name in _default_names():
        yield StoredFile(DEFAULT_AREA, name)
    for name in _evidence_names():
        yield StoredFile(EVIDENCE_AREA, name)


def safe_name(name: str) -> bool:
    """A relative path that stays inside its area (no absolute path, no "..", nothing hidden at the top)."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name \
        and all(part not in {"", "."} for part in path.parts)


def restore_stored_file(area: str, name: str, content: bytes) -> None:
    """Write one file back where it was stored, with the same name and bytes (atomically)."""
    if area not in AREAS or not safe_name(name):
        raise ValueError(f"not a stored file: {area}/{name}")
    if area == DEFAULT_AREA:
        from django.core.files.base import ContentFile

        if default_storage.exists(name):
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # the storage chose another name: the rows would not find the file
            default_storage.delete(saved)
            raise ValueError(f"the storage renamed {name} to {saved}")
        return
    root = _evidence_root()
    path = root / name
    # The store's folders are private to the platform's user (mode 0700), as protection.evidence.store makes them.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = path.parent
    while True:
        folder.chmod(0o700)
        if folder == root:
            break
        folder = folder.parent
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_stored_file(area: str, name: str) -> None:
    """Remove a file written by :func:`restore_stored_file` (a restore that failed later takes it back)."""
    if area not in AREAS or not safe_name(name):
        return
    if area == DEFAULT_AREA:
        default_storage.delete(name)
    else:
        (_evidence_root() / name).unlink(missing_ok=True)


def any_stored_files() -> bool:
    """True if the target instance already holds a stored file (restore wants an empty instance)."""
    return next(iter(stored_files()), None) is not None


def describe_locations() -> dict[str, str]:
    """Where each area lives, for the manifest and the command's output (no secrets: paths or bucket names)."""
    location = getattr(default_storage, "location", "") or type(default_storage).__name__
    return {DEFAULT_AREA: str(location), EVIDENCE_AREA: str(_evidence_root())}
