"""Where the stored files are, for backup and restore: the ONE adapter between the archive and file storage.

Every file the platform keeps is in one storage (core.storage, decision 0034), encrypted with
FIELD_ENCRYPTION_KEYS before it reaches the backend. With ``FILE_STORAGE=database`` (the default) the files
are rows of the database and come with its dump: nothing is listed here, and rows and files are consistent
by construction. With ``s3`` the bucket's objects are copied into the archive as stored (still encrypted),
and written back as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings

from kommunalschutz.foundation.core import storage

# The areas, each a prefix in the archive: files/<area>/<name>.
DEFAULT_AREA = "storage"
AREAS = (DEFAULT_AREA,)


@dataclass(frozen=True)
class StoredFile:
    """One stored file: its area and its name inside it (a relative POSIX path)."""

    area: str
    name: str

    def read(self) -> bytes:
        """The file's raw bytes as stored (encrypted)."""
        return storage.read_raw(self.name)


def _outside_database() -> bool:
    return bool(settings.FILE_STORAGE != "database")


def stored_files() -> Iterator[StoredFile]:
    """Every file the platform keeps outside the database, in a stable order (none with the database backend)."""
    if not _outside_database():
        return
    for name in storage.iter_stored_names():
        yield StoredFile(DEFAULT_AREA, name)


def safe_name(name: str) -> bool:
    """A relative path that stays inside its area (no absolute path, no "..", nothing hidden at the top)."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name \
        and all(part not in {"", "."} for part in path.parts)


def restore_stored_file(area: str, name: str, content: bytes) -> None:
    """Write one file back under its name with the same stored bytes."""
    if area not in AREAS or not safe_name(name):
        raise ValueError(f"not a stored file: {area}/{name}")
    storage.write_raw(name, content)


def remove_stored_file(area: str, name: str) -> None:
    """Remove a file written by :func:`restore_stored_file` (a restore that failed later takes it back)."""
    if area not in AREAS or not safe_name(name):
        return
    storage.backend().delete(name)


def any_stored_files() -> bool:
    """True if the target's object store already holds a file (restore wants an empty instance). With the
    database backend the files are rows, and the database's own emptiness check covers them."""
    return next(iter(stored_files()), None) is not None


def describe_locations() -> dict[str, str]:
    """Where the files live, for the manifest and the command's output (no secrets: a bucket name at most)."""
    if not _outside_database():
        return {DEFAULT_AREA: "database"}
    bucket = settings.FILE_STORAGE_S3_BUCKET
    prefix = settings.FILE_STORAGE_S3_PREFIX
    return {DEFAULT_AREA: f"s3://{bucket}/{prefix}".rstrip("/")}
