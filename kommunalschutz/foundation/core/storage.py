"""Every file the platform keeps at run time, behind one interface (decision 0034).

``default_storage`` is an :class:`EncryptedStorage`: it encrypts every file with FIELD_ENCRYPTION_KEYS before
the bytes reach the backend and decrypts on reading. The backend is chosen by the FILE_STORAGE setting:

- ``database`` (the default): :class:`DatabaseStorage` keeps the encrypted bytes in the database (rows of
  StoredFile and StoredFileChunk, at most CHUNK_BYTES each), so a standard installation needs no further
  component, files take part in the surrounding transaction and a database backup holds rows and files alike;
- ``s3``: django-storages' S3Storage on any S3-compatible object store (MinIO, Ceph, a cloud).

The stored ("raw") form of a file is ``MAGIC`` followed by one Fernet token per segment of at most
SEGMENT_BYTES plaintext, each on its own line. Each segment's plaintext starts with its position and a
"last segment" flag, so a reordered, cut or spliced file is refused like an altered one. Reading and writing
hold one segment in memory; larger files go through a temporary file (SPOOL_BYTES) on the node's disk only
while the request or task runs.

Backup and restore (and the multi-node test) work on the raw form: :func:`iter_stored_names`,
:func:`read_raw` and :func:`write_raw` copy files without ever decrypting them.
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from kommunalschutz.foundation.core.encryption import DecryptionError, decrypt_bytes, encrypt_bytes, rotate_token

MAGIC = b"KSF1\n"
SEGMENT_BYTES = 1 << 20  # plaintext per encrypted segment
CHUNK_BYTES = 1 << 20  # stored bytes per database row
SPOOL_BYTES = 8 << 20  # a file larger than this is decrypted into a temporary file, not into memory
_HEADER = struct.Struct(">IB")  # segment position, 1 on the last segment

BACKENDS = ("database", "s3")


# --- the database backend (stores bytes as they are given: EncryptedStorage encrypts before) -------------


class _DatabaseReader(File):  # type: ignore[type-arg]
    """A stored file's bytes, read one row at a time."""

    def __init__(self, name: str, file_id: int, size: int, count: int) -> None:
        self._file_id, self._count, self._next, self._buffer = file_id, count, 0, b""
        self._size = size
        super().__init__(None, name)
        self.mode = "rb"

    @property
    def size(self) -> int:
        return self._size

    def _fill(self) -> bool:
        from kommunalschutz.foundation.core.models import StoredFileChunk

        if self._next >= self._count:
            return False
        data = StoredFileChunk.objects.filter(file_id=self._file_id, index=self._next).values_list(
            "data", flat=True).first()
        if data is None:
            raise DecryptionError("a part of the stored file is missing")
        self._buffer += bytes(data)
        self._next += 1
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._fill():
                pass
            data, self._buffer = self._buffer, b""
            return data
        while len(self._buffer) < size and self._fill():
            pass
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        while True:
            data = self.read(chunk_size or CHUNK_BYTES)
            if not data:
                return
            yield data

    def close(self) -> None:
        self._buffer = b""

    def __bool__(self) -> bool:
        return True


@deconstructible
class DatabaseStorage(Storage):
    """Files as rows of the database (StoredFile with ordered StoredFileChunk rows of at most CHUNK_BYTES).

    A save runs in a savepoint of the surrounding transaction: if that rolls back, the file is gone too.
    """

    def _open(self, name: str, mode: str = "rb") -> File:  # type: ignore[type-arg]
        from kommunalschutz.foundation.core.models import StoredFile, StoredFileChunk

        if set(mode) - set("rb"):
            raise ValueError("stored files are opened for reading only")
        row = StoredFile.objects.filter(name=name).values("pk", "size").first()
        if row is None:
            raise FileNotFoundError(name)
        count = StoredFileChunk.objects.filter(file_id=row["pk"]).count()
        return _DatabaseReader(name, row["pk"], row["size"], count)

    def _save(self, name: str, content: Any) -> str:
        from kommunalschutz.foundation.core.models import StoredFile, StoredFileChunk

        now = timezone.now()
        with transaction.atomic():
            previous = StoredFile.objects.filter(name=name).values_list("created_at", flat=True).first()
            StoredFile.objects.filter(name=name).delete()
            row = StoredFile.objects.create(name=name, created_at=previous or now, modified_at=now)
            size = 0
            for index, piece in enumerate(_pieces(content, CHUNK_BYTES)):
                StoredFileChunk.objects.create(file=row, index=index, data=piece)
                size += len(piece)
            StoredFile.objects.filter(pk=row.pk).update(size=size)
        return name

    def delete(self, name: str) -> None:
        from kommunalschutz.foundation.core.models import StoredFile

        StoredFile.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        from kommunalschutz.foundation.core.models import StoredFile

        return StoredFile.objects.filter(name=name).exists()

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        directories: set[str] = set()
        files: list[str] = []
        for name in self.iter_names(prefix):
            rest = name[len(prefix):]
            if "/" in rest:
                directories.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(directories), files

    def iter_names(self, prefix: str = "") -> Iterator[str]:
        from kommunalschutz.foundation.core.models import StoredFile

        names = StoredFile.objects.order_by("name").values_list("name", flat=True)
        if prefix:
            names = names.filter(name__startswith=prefix)
        yield from names.iterator(chunk_size=1000)

    def size(self, name: str) -> int:
        from kommunalschutz.foundation.core.models import StoredFile

        size = StoredFile.objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def _time(self, name: str, field: str) -> datetime:
        from kommunalschutz.foundation.core.models import StoredFile

        value = StoredFile.objects.filter(name=name).values_list(field, flat=True).first()
        if value is None:
            raise FileNotFoundError(name)
        return cast(datetime, value)

    def get_modified_time(self, name: str) -> datetime:
        return self._time(name, "modified_at")

    def get_created_time(self, name: str) -> datetime:
        return self._time(name, "created_at")

    def get_accessed_time(self, name: str) -> datetime:
        return self._time(name, "modified_at")


def _pieces(content: Any, size: int) -> Iterator[bytes]:
    """``content`` (a Django File or a binary stream) in pieces of at most ``size`` bytes."""
    if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
        content.seek(0)
    while True:
        data = content.read(size)
        if not data:
            return
        if isinstance(data, str):
            data = data.encode("utf-8")
        yield data


# --- the encrypted storage every part of the platform uses ----------------------------------------------


def s3_options() -> dict[str, Any]:
    """django-storages' S3Storage options from the FILE_STORAGE_S3_* settings."""
    options: dict[str, Any] = {
        "bucket_name": settings.FILE_STORAGE_S3_BUCKET,
        "endpoint_url": settings.FILE_STORAGE_S3_ENDPOINT_URL or None,
        "region_name": settings.FILE_STORAGE_S3_REGION or None,
        "access_key": settings.FILE_STORAGE_S3_ACCESS_KEY_ID or None,
        "secret_key": settings.FILE_STORAGE_S3_SECRET_ACCESS_KEY or None,
        "addressing_style": settings.FILE_STORAGE_S3_ADDRESSING_STYLE,
        "location": settings.FILE_STORAGE_S3_PREFIX,
        "file_overwrite": False,  # a name is given once (get_available_name adds a suffix)
        "default_acl": None,
        "querystring_auth": True,
    }
    return options


@lru_cache(maxsize=4)
def _backend(kind: str, options: tuple[tuple[str, Any], ...]) -> Storage:
    if kind == "database":
        return DatabaseStorage()
    if kind == "s3":
        from storages.backends.s3 import S3Storage

        return cast(Storage, S3Storage(**dict(options)))
    raise ValueError(f"unknown FILE_STORAGE {kind!r}")


def backend() -> Storage:
    """The configured raw backend (bytes as stored: encrypted)."""
    kind = settings.FILE_STORAGE
    return _backend(kind, tuple(sorted(s3_options().items())) if kind == "s3" else ())


def _segments(content: Any) -> Iterator[bytes]:
    """The raw form of ``content``: MAGIC, then one encrypted segment per line."""
    yield MAGIC
    pending: bytes | None = None
    index = 0
    for piece in _pieces(content, SEGMENT_BYTES):
        if pending is not None:
            yield encrypt_bytes(_HEADER.pack(index, 0) + pending) + b"\n"
            index += 1
        pending = piece
    yield encrypt_bytes(_HEADER.pack(index, 1) + (pending or b"")) + b"\n"


def _lines(raw: IO[bytes] | File) -> Iterator[bytes]:  # type: ignore[type-arg]
    buffer = b""
    while True:
        data = raw.read(CHUNK_BYTES)
        if not data:
            break
        buffer += data
        *complete, buffer = buffer.split(b"\n")
        yield from complete
    if buffer:
        yield buffer


def _tokens(raw: IO[bytes] | File) -> Iterator[bytes]:  # type: ignore[type-arg]
    """The segment tokens of a raw file (DecryptionError if it is not in the stored form)."""
    lines = _lines(raw)
    if next(lines, None) != MAGIC.rstrip(b"\n"):
        raise DecryptionError("not a stored file")
    yield from lines


def _plaintext(raw: IO[bytes] | File) -> Iterator[bytes]:  # type: ignore[type-arg]
    """The decrypted pieces of a raw file; DecryptionError when a segment was altered, moved or cut off."""
    expected, last = 0, False
    for token in _tokens(raw):
        if last:
            raise DecryptionError("the stored file goes on after its last segment")
        data = decrypt_bytes(token)
        index, flag = _HEADER.unpack_from(data)
        if index != expected:
            raise DecryptionError("the segments of the stored file are out of order")
        expected, last = expected + 1, bool(flag)
        yield data[_HEADER.size:]
    if not last:
        raise DecryptionError("the stored file was cut off")


class _Spool:
    """A binary temporary file that stays in memory up to SPOOL_BYTES."""

    @staticmethod
    def new() -> IO[bytes]:
        return cast(IO[bytes], tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b"))


@deconstructible
class EncryptedStorage(Storage):
    """The platform's file storage: every file encrypted with FIELD_ENCRYPTION_KEYS, kept in the backend
    FILE_STORAGE names. Names are unique: a taken name gets a random suffix (Django's get_available_name)."""

    @property
    def raw(self) -> Storage:
        return backend()

    def _open(self, name: str, mode: str = "rb") -> File:  # type: ignore[type-arg]
        if set(mode) - set("rb"):
            raise ValueError("stored files are opened for reading only")
        spool = _Spool.new()
        with _open_raw(name) as raw:
            for piece in _plaintext(raw):
                spool.write(piece)
        spool.seek(0)
        return File(spool, name)

    def _save(self, name: str, content: Any) -> str:
        spool = _Spool.new()
        for piece in _segments(content):
            spool.write(piece)
        spool.seek(0)
        try:
            return cast(str, self.raw._save(name, File(spool, name)))  # type: ignore[attr-defined]
        finally:
            spool.close()

    def delete(self, name: str) -> None:
        self.raw.delete(name)

    def exists(self, name: str) -> bool:
        return self.raw.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.raw.listdir(path)

    def size(self, name: str) -> int:
        """The plaintext size (decrypts the file once, counting)."""
        with _open_raw(name) as raw:
            return sum(len(piece) for piece in _plaintext(raw))

    def get_modified_time(self, name: str) -> datetime:
        return self.raw.get_modified_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.raw.get_created_time(name)

    def get_accessed_time(self, name: str) -> datetime:
        return self.raw.get_accessed_time(name)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("stored files are served by the platform's views only")


def _open_raw(name: str) -> File:  # type: ignore[type-arg]
    raw = backend()
    if not raw.exists(name):
        raise FileNotFoundError(name)
    return raw.open(name, "rb")


# --- the small interface for services, backup and restore ------------------------------------------------


def files() -> EncryptedStorage:
    """The platform's storage (the default storage)."""
    return cast(EncryptedStorage, default_storage)


def save_file(name: str, content: bytes | IO[bytes], *, exact: bool = False) -> str:
    """Store ``content`` encrypted under ``name`` (with ``exact``, the name itself, replacing a file of that
    name; otherwise a free name derived from it); returns the stored name."""
    data = ContentFile(content) if isinstance(content, bytes) else File(content)
    if exact:
        return files()._save(name, data)
    return files().save(name, data)


def read_file(name: str) -> bytes:
    """A stored file's plaintext. FileNotFoundError when missing, DecryptionError when altered."""
    with _open_raw(name) as raw:
        return b"".join(_plaintext(raw))


def delete_file(name: str) -> None:
    files().delete(name)


def iter_stored_names(prefix: str = "") -> Iterator[str]:
    """The name of every stored file (below ``prefix``), in either backend."""
    raw = backend()
    if isinstance(raw, DatabaseStorage):
        yield from raw.iter_names(prefix)
        return
    yield from _walk(raw, prefix.rstrip("/"))


def _walk(raw: Storage, path: str) -> Iterator[str]:
    directories, names = raw.listdir(path)
    base = f"{path}/" if path else ""
    for name in sorted(names):
        yield base + name
    for directory in sorted(directories):
        yield from _walk(raw, base + directory)


def read_raw(name: str) -> bytes:
    """A stored file's bytes as stored (encrypted): for backups. FileNotFoundError when missing."""
    with _open_raw(name) as raw:
        return cast(bytes, raw.read())


def write_raw(name: str, data: bytes | Iterable[bytes]) -> None:
    """Put a file's stored (encrypted) bytes back under ``name``, replacing what is there: for restores.
    Refuses bytes that are not in the stored form."""
    spool = _Spool.new()
    for piece in [data] if isinstance(data, bytes) else data:
        spool.write(piece)
    spool.seek(0)
    if spool.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("not a stored file")
    spool.seek(0)
    try:
        backend()._save(name, File(spool, name))  # type: ignore[attr-defined]
    finally:
        spool.close()


def sha256_of(name: str) -> str:
    """The SHA-256 of a stored file's plaintext (decrypted piece by piece)."""
    digest = hashlib.sha256()
    with _open_raw(name) as raw:
        for piece in _plaintext(raw):
            digest.update(piece)
    return digest.hexdigest()


def rotate_stored_files() -> int:
    """Re-encrypt every stored file under the newest key of FIELD_ENCRYPTION_KEYS, in whichever backend
    (registered in ROTATION_HOOKS). A file is rewritten whole or not at all; old keys stay valid until the
    operator removes them after a successful run."""
    count = 0
    for name in list(iter_stored_names()):
        spool = _Spool.new()
        with _open_raw(name) as raw:
            spool.write(MAGIC)
            for token in _tokens(raw):
                spool.write(rotate_token(token) + b"\n")
        spool.seek(0)
        try:
            backend()._save(name, File(spool, name))  # type: ignore[attr-defined]
        finally:
            spool.close()
        count += 1
    return count
