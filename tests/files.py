"""The platform's file storage as tests see it (decision 0034): a small path-like view of the stored names.

``StoredPath("evidence") / name`` names one stored file; ``read_bytes``/``write_bytes`` give and put the bytes
*as stored* (encrypted, through core.storage.read_raw and the raw backend), so a test can prove that no
plaintext reaches the backend and can tamper with a file the way someone with access to the database or the
bucket could.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterator

from django.core.files.base import ContentFile

from kommunalschutz.foundation.core import storage


class StoredPath:
    def __init__(self, name: str = "") -> None:
        self.full = name.strip("/")

    def __truediv__(self, part: str) -> StoredPath:
        return StoredPath(f"{self.full}/{part}" if self.full else part)

    def __repr__(self) -> str:
        return f"StoredPath({self.full!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoredPath) and other.full == self.full

    def __hash__(self) -> int:
        return hash(self.full)

    @property
    def name(self) -> str:
        return self.full.rsplit("/", 1)[-1]

    def exists(self) -> bool:
        return self.is_file() or any(True for _ in self.rglob("*"))

    def is_file(self) -> bool:
        return storage.backend().exists(self.full)

    def read_bytes(self) -> bytes:
        return storage.read_raw(self.full)

    def read_plain(self) -> bytes:
        """The file decrypted, as the platform reads it."""
        return storage.read_file(self.full)

    def write_bytes(self, data: bytes) -> None:
        """Put ``data`` into the backend as the stored bytes, whatever they are (a tampered file)."""
        storage.backend()._save(self.full, ContentFile(data))  # type: ignore[attr-defined]

    def unlink(self, missing_ok: bool = False) -> None:
        if not missing_ok and not self.is_file():
            raise FileNotFoundError(self.full)
        storage.backend().delete(self.full)

    def set_modified(self, when: dt.datetime) -> None:
        """Make the file look written at ``when`` (database backend)."""
        from kommunalschutz.foundation.core.models import StoredFile

        assert StoredFile.objects.filter(name=self.full).update(modified_at=when) == 1

    def rglob(self, pattern: str) -> Iterator[StoredPath]:
        prefix = f"{self.full}/" if self.full else ""
        for name in storage.iter_stored_names(prefix):
            if fnmatch.fnmatch(name.rsplit("/", 1)[-1], pattern):
                yield StoredPath(name)

    def iterdir(self) -> Iterator[StoredPath]:
        prefix = f"{self.full}/" if self.full else ""
        for name in storage.iter_stored_names(prefix):
            if "/" not in name[len(prefix):]:
                yield StoredPath(name)


def stored_files(root: StoredPath | None = None) -> list[StoredPath]:
    """Every stored file below ``root`` (all of them without)."""
    return list((root or StoredPath()).rglob("*"))
