"""Backup and restore of a whole instance: one archive with the database, every stored file and a manifest
(decision 0036, docs/deployment.md "Backup and restore").

The archive is a tar file (gzip-compressed when its name ends in .gz/.tgz, xz for .xz, plain for .tar):

    database/postgresql.dump   pg_dump's custom format (uncompressed: the tar compresses it), or
    database/sqlite3.db        a copy made through SQLite's online backup API
    files/<area>/<name>        every stored file, as stored (evidence stays encrypted)
    manifest.json              the last member: format, platform version, vendor, migrations, created-at,
                               and the SHA-256 and size of every other member

It never holds the encryption keys or SECRET_KEY: every part is searched for them before it is written
(a store placed where key files lie would otherwise carry them along), and the backup refuses if one is
found. The archive is written under a temporary name beside its target and renamed when complete, so a
half-written archive never looks like a backup. Only a complete backup is recorded (BackupRun).

The database comes first, the files after it: a file uploaded meanwhile is in the archive without its row
(an orphan the nightly sweep removes after a restore), never a row without its file, except for a file
deleted in that window (retention), which is meant to go anyway.

Restore wants an empty instance (no table, no stored file) unless told to replace it. It reads the whole
archive and checks every member against the manifest before it touches the database; the database is then
restored in one transaction (PostgreSQL: pg_restore --single-transaction) or moved into place in one rename
(SQLite), and the files written after it; if writing the files fails, the restored database and the files
written so far are removed again.

Messages of BackupError are German (translated when raised): the commands show them to the operator.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess  # pg_dump/pg_restore, found on PATH, arguments as a list
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import backup_storage
from kommunalschutz.foundation.core.models import BackupRun
from kommunalschutz.foundation.core.services import record_backup_run

FORMAT = "kommunalschutz-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PARTS = {"postgresql": "database/postgresql.dump", "sqlite": "database/sqlite3.db"}
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# libpq connection parameters Django's OPTIONS may carry; the rest (pool, isolation level …) are Django's own.
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "options", "connect_timeout",
                  "application_name", "target_session_attrs", "service", "passfile", "gssencmode")


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator (German)."""


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    vendor: str
    file_count: int
    run: BackupRun


@dataclass
class RestoreResult:
    vendor: str
    created_at: str
    platform_version: str
    file_count: int
    pending_migrations: list[str] = field(default_factory=list)


# --- secrets that must never be in an archive --------------------------------------------------------------

def _key_material() -> list[bytes]:
    """SECRET_KEY (and its fallbacks) and every field encryption key, as text and as raw key bytes."""
    texts = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", []),
             *getattr(settings, "FIELD_ENCRYPTION_KEYS", [])]
    needles: list[bytes] = []
    for text in texts:
        if not text:
            continue
        needles.append(str(text).encode())
        try:
            raw = base64.urlsafe_b64decode(str(text).encode())
        except (ValueError, TypeError):
            continue
        if len(raw) >= 16:  # a Fernet key: 16 bytes signing key + 16 bytes encryption key
            needles.extend({raw, raw[:16], raw[16:]} - {b""})
    return needles


class _KeyScanner:
    """Searches a stream in chunks for any key (with an overlap, so a key split between chunks is found)."""

    def __init__(self) -> None:
        self.needles = _key_material()
        self.overlap = max((len(n) for n in self.needles), default=1) - 1
        self.tail = b""
        self.found = False

    def feed(self, chunk: bytes) -> None:
        window = self.tail + chunk
        if any(needle in window for needle in self.needles):
            self.found = True
        self.tail = window[-self.overlap:] if self.overlap else b""


def contains_key_material(data: bytes) -> bool:
    scanner = _KeyScanner()
    scanner.feed(data)
    return scanner.found


# --- the archive -------------------------------------------------------------------------------------------

def _mode(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "gz"
    if name.endswith((".tar.xz", ".txz")):
        return "xz"
    if name.endswith(".tar"):
        return ""
    raise BackupError(_("The archive's name must end in .tar, .tar.gz, .tgz or .tar.xz: %(path)s") % {"path": path})


def default_archive_path(now: dt.datetime | None = None) -> Path:
    now = now or timezone.now()
    return Path(settings.VAR_DIR) / "backups" / f"kommunalschutz-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}.tar.gz"


def _writer(handle: IO[bytes], mode: str) -> tarfile.TarFile:
    if mode == "gz":
        return tarfile.open(fileobj=handle, mode="w:gz", format=tarfile.PAX_FORMAT)
    if mode == "xz":
        return tarfile.open(fileobj=handle, mode="w:xz", format=tarfile.PAX_FORMAT)
    return tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT)


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    return info


def _add_stream(archive: tarfile.TarFile, name: str, handle: IO[bytes], size: int, scanner: _KeyScanner) -> str:
    """Add ``size`` bytes from ``handle`` as member ``name``; the SHA-256 taken from the same bytes."""
    digest = hashlib.sha256()

    class _Reader(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = handle.read(len(buffer))
            digest.update(chunk)
            scanner.feed(chunk)
            buffer[:len(chunk)] = chunk
            return len(chunk)

    archive.addfile(_tarinfo(name, size), io.BufferedReader(_Reader(), CHUNK))
    return digest.hexdigest()


def _platform_version() -> str:
    # From the installed distribution: core may not import the package root (tests/test_architecture.py).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kommunalschutz")
    except PackageNotFoundError:
        return "unknown"


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _through_pgbouncer() -> bool:
    """Whether the PostgreSQL tools must go around PgBouncer; refused when the operator has not said where to.

    pg_dump and pg_restore set session parameters (search_path = ''): through a transaction pooler they would
    stay on a server connection that the platform's next request gets."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PGBOUNCER:
        return False
    if not settings.DATABASE_DIRECT_HOST:
        raise BackupError(_("The database connection goes through PgBouncer (DATABASE_PGBOUNCER). Backup and "
                            "restore need PostgreSQL itself: set DATABASE_DIRECT_HOST (and DATABASE_DIRECT_PORT) to "
                            "where PostgreSQL listens."))
    return True


def _pg_params() -> tuple[str, dict[str, str]]:
    """The libpq connection string of the default database and the environment with its password."""
    from psycopg.conninfo import make_conninfo

    settings_dict = connection.settings_dict
    params: dict[str, Any] = {"dbname": settings_dict.get("NAME") or "", "user": settings_dict.get("USER") or "",
                              "host": settings_dict.get("HOST") or "", "port": str(settings_dict.get("PORT") or "")}
    if _through_pgbouncer():
        params.update(host=settings.DATABASE_DIRECT_HOST, port=str(settings.DATABASE_DIRECT_PORT))
    for option in _LIBPQ_OPTIONS:
        if settings_dict.get("OPTIONS", {}).get(option):
            params[option] = str(settings_dict["OPTIONS"][option])
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])  # never on the command line (visible in ps)
    return make_conninfo(**{k: v for k, v in params.items() if v}), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(_("%(tool)s was not found: install PostgreSQL's client programs (Debian: "
                            "postgresql-client) in the major version of the server.") % {"tool": name})
    return found


def _run(command: list[str], env: dict[str, str]) -> str:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s")
                          % {"tool": Path(command[0]).name, "error": completed.stderr.strip()[-2000:]})
    return completed.stdout


def _dump_database(target: Path) -> dict[str, Any]:
    """Write a consistent copy of the default database to ``target``; what the manifest says about it."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        conninfo, env = _pg_params()
        pg_dump = _tool("pg_dump")
        # One snapshot for the whole dump (pg_dump's own transaction). Uncompressed: the archive compresses,
        # and the key search below can read it.
        _run([pg_dump, "--format=custom", "--compress=0", f"--file={target}", f"--dbname={conninfo}"], env)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        return {"vendor": "postgresql", "server_version": server,
                "tool": _run([pg_dump, "--version"], env).strip()}
    if connection.vendor == "sqlite":
        destination = sqlite3.connect(target)
        try:
            # pages=-1: in one step under one read transaction, so a consistent snapshot while the app writes.
            connection.connection.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            destination.close()
        return {"vendor": "sqlite", "server_version": sqlite3.sqlite_version, "tool": "sqlite3 backup API"}
    raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor})


def _write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(*, output: Path | None = None) -> BackupResult:
    """Write one archive of the instance (see the module docstring) and record it."""
    started = timezone.now()
    output = Path(output) if output is not None else default_archive_path(started)
    _through_pgbouncer()  # refused before anything is written
    mode = _mode(output)
    if output.exists() and not output.is_file():
        raise BackupError(_("%(path)s exists and is not a file.") % {"path": output})
    file_count = 0
    with tempfile.TemporaryDirectory(prefix="kommunalschutz-backup-") as staging:
        dump = Path(staging) / "database"
        database = _dump_database(dump)
        parts: list[dict[str, Any]] = []

        def write(handle: IO[bytes]) -> None:
            nonlocal file_count
            with _writer(handle, mode) as archive:
                name = DATABASE_PARTS[database["vendor"]]
                scanner = _KeyScanner()
                size = dump.stat().st_size
                with dump.open("rb") as source:
                    sha = _add_stream(archive, name, source, size, scanner)
                if scanner.found:
                    raise BackupError(_("The database contains key material (SECRET_KEY or an encryption key); "
                                        "no backup was written."))
                parts.append({"path": name, "kind": "database", "sha256": sha, "size": size})
                for stored in backup_storage.stored_files():
                    content = stored.read()
                    if contains_key_material(content):
                        raise BackupError(_("The stored file %(name)s contains key material (SECRET_KEY or an "
                                            "encryption key); no backup was written. Keep keys outside the "
                                            "file storage.") % {"name": f"{stored.area}/{stored.name}"})
                    member = f"{FILES_PREFIX}{stored.area}/{stored.name}"
                    archive.addfile(_tarinfo(member, len(content)), io.BytesIO(content))
                    parts.append({"path": member, "kind": "file", "area": stored.area, "name": stored.name,
                                  "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)})
                    file_count += 1
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION,
                    "created_at": started.astimezone(dt.UTC).isoformat(),
                    "platform_version": _platform_version(),
                    "database": database, "migrations": _migrations(),
                    "locations": backup_storage.describe_locations(),
                    "parts": parts,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                archive.addfile(_tarinfo(MANIFEST, len(data)), io.BytesIO(data))

        _write_atomically(output, write)
    size = output.stat().st_size
    sha256 = _sha256_of(output)
    run = record_backup_run(started_at=started, finished_at=timezone.now(), archive_name=str(output), size=size,
                            sha256=sha256, vendor=database["vendor"], file_count=file_count)
    return BackupResult(path=output, size=size, sha256=sha256, vendor=database["vendor"], file_count=file_count,
                        run=run)


def last_successful_backup() -> BackupRun | None:
    return BackupRun.objects.order_by("-finished_at", "-id").first()


# --- restore -------------------------------------------------------------------------------------------------

def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BackupError(_("The archive %(path)s does not exist.") % {"path": path})
    try:
        return tarfile.open(path, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(_("%(path)s is not a readable archive: the file is damaged or of another kind.")
                          % {"path": path}) from exc


def _foreign(path: Path) -> BackupError:
    return BackupError(_("%(path)s is not a backup of Kommunalschutz (no valid manifest).") % {"path": path})


def read_manifest(path: Path) -> dict[str, Any]:
    """The archive's manifest, checked for format; BackupError for a damaged or foreign archive."""
    try:
        with _open(path) as archive:
            try:
                member = archive.getmember(MANIFEST)
            except KeyError as exc:
                raise _foreign(path) from exc
            if not member.isfile() or member.size > MANIFEST_MAX_BYTES:
                raise _foreign(path)
            handle = archive.extractfile(member)
            manifest = json.loads(handle.read()) if handle is not None else None
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise BackupError(_("%(path)s is not a readable archive: the file is damaged or of another kind.")
                          % {"path": path}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("parts"), list):
        raise _foreign(path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("The archive has format version %(version)s; this platform reads version %(ours)s.")
                          % {"version": manifest.get("format_version"), "ours": FORMAT_VERSION})
    return manifest


def _expected_parts(manifest: dict[str, Any], vendor: str) -> dict[str, dict[str, Any]]:
    expected: dict[str, dict[str, Any]] = {}
    for part in manifest["parts"]:
        if not isinstance(part, dict) or not isinstance(part.get("path"), str) or part["path"] in expected \
                or not isinstance(part.get("sha256"), str) or not isinstance(part.get("size"), int):
            raise BackupError(_("The archive's manifest is damaged."))
        if part.get("kind") == "file":
            area, name = part.get("area"), part.get("name")
            if area not in backup_storage.AREAS or not isinstance(name, str) or not backup_storage.safe_name(name) \
                    or part["path"] != f"{FILES_PREFIX}{area}/{name}":
                raise BackupError(_("The archive's manifest is damaged."))
        elif part.get("kind") != "database" or part["path"] != DATABASE_PARTS.get(vendor):
            raise BackupError(_("The archive's manifest is damaged."))
        expected[part["path"]] = part
    if DATABASE_PARTS[vendor] not in expected:
        raise BackupError(_("The archive's manifest is damaged."))
    return expected


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    """Refuses an archive whose migrations this code does not know; returns the ones it would still apply."""
    recorded = manifest.get("migrations")
    if not isinstance(recorded, dict):
        raise BackupError(_("The archive's manifest is damaged."))
    archived = {(app, name) for app, names in recorded.items() for name in names}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    unknown = sorted(archived - known)
    if unknown:
        raise BackupError(_("The archive comes from a newer version of the platform (unknown migrations: "
                            "%(names)s). Install that version first, then restore.")
                          % {"names": ", ".join(f"{app}.{name}" for app, name in unknown[:5])})
    return sorted(f"{app}.{name}" for app, name in known - archived)


def database_is_empty() -> bool:
    connection.ensure_connection()
    return not connection.introspection.table_names()


def _verify_and_stage(path: Path, expected: dict[str, dict[str, Any]], staging: Path) -> dict[str, Path]:
    """Read every member once: refuse anything unexpected, stage each part, check its size and SHA-256."""
    staged: dict[str, Path] = {}
    damaged = _("The archive is damaged: %(part)s does not match the SHA-256 in its manifest.")
    try:
        with _open(path) as archive:
            for member in archive:
                if member.name == MANIFEST:
                    continue
                part = expected.get(member.name)
                if part is None or not member.isfile() or member.name in staged:
                    raise BackupError(_("The archive holds %(name)s, which its manifest does not list.")
                                      % {"name": member.name})
                target = staging / f"part-{len(staged):06d}"
                digest = hashlib.sha256()
                size = 0
                source = archive.extractfile(member)
                if source is None:
                    raise BackupError(damaged % {"part": member.name})
                with target.open("wb") as handle:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        handle.write(chunk)
                if size != part["size"] or digest.hexdigest() != part["sha256"]:
                    raise BackupError(damaged % {"part": member.name})
                staged[member.name] = target
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(_("%(path)s is not a readable archive: the file is damaged or of another kind.")
                          % {"path": path}) from exc
    missing = sorted(set(expected) - set(staged))
    if missing:
        raise BackupError(_("The archive is incomplete: %(part)s is missing.") % {"part": missing[0]})
    return staged


def _clear_postgresql() -> None:
    """Drop every table, view, sequence and function of the current schema (restore --replace)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT format('DROP VIEW IF EXISTS %I.%I CASCADE', schemaname, viewname) FROM pg_views "
                       "WHERE schemaname = current_schema()")
        statements = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', schemaname, tablename) FROM pg_tables "
                       "WHERE schemaname = current_schema()")
        statements += [row[0] for row in cursor.fetchall()]
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', sequence_schema, sequence_name) "
                       "FROM information_schema.sequences WHERE sequence_schema = current_schema()")
        for (statement,) in cursor.fetchall():
            cursor.execute(statement)
        cursor.execute("SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure) FROM pg_proc p "
                       "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
                       "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')")
        for (statement,) in cursor.fetchall():
            cursor.execute(statement)


def _sqlite_path() -> Path:
    name = connection.settings_dict["NAME"]
    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        raise BackupError(_("Restore needs a SQLite database file, not an in-memory database."))
    return Path(name)


def _remove_sqlite(path: Path) -> None:
    connections.close_all()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _restore_database(vendor: str, dump: Path, *, replace: bool) -> None:
    if vendor == "postgresql":
        if replace:
            _clear_postgresql()
        conninfo, env = _pg_params()
        # Objects belong to the role that restores (the owner role); privileges are given below, as after migrate.
        _run([_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
              f"--dbname={conninfo}", str(dump)], env)
        from kommunalschutz.foundation.core.dbroles import grant_runtime_privileges

        role = settings.DATABASE_RUNTIME_ROLE
        if role and role != connection.settings_dict.get("USER"):
            grant_runtime_privileges(connection, role)
        return
    path = _sqlite_path()
    # The SHA-256 proved these are the bytes the backup wrote; the header proves they are a SQLite file
    # (an integrity check would need the functions Django registers on its connections, e.g. REGEXP).
    with dump.open("rb") as handle:
        ok = handle.read(16) == b"SQLite format 3\x00"
    if not ok:
        raise BackupError(_("The archive's SQLite database is damaged."))
    _remove_sqlite(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.restore")
    shutil.copyfile(dump, temporary)
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _undo_database(vendor: str) -> None:
    if vendor == "postgresql":
        _clear_postgresql()
    else:
        _remove_sqlite(_sqlite_path())


def restore_backup(path: Path, *, replace: bool = False) -> RestoreResult:
    """Rebuild this (empty) instance from an archive; see the module docstring."""
    path = Path(path)
    manifest = read_manifest(path)
    connection.ensure_connection()
    _through_pgbouncer()  # refused before anything is written
    vendor = connection.vendor
    database = manifest.get("database")
    archived_vendor = database.get("vendor") if isinstance(database, dict) else None
    if archived_vendor not in DATABASE_PARTS:
        raise BackupError(_("The archive's manifest is damaged."))
    if archived_vendor != vendor:
        raise BackupError(_("The archive holds a %(archived)s database; this instance uses %(vendor)s.")
                          % {"archived": archived_vendor, "vendor": vendor})
    expected = _expected_parts(manifest, vendor)
    pending = _check_migrations(manifest)
    if not replace:
        if not database_is_empty():
            raise BackupError(_("The target database is not empty. Restore into an empty database, or replace "
                                "its whole content with --replace."))
        if backup_storage.any_stored_files():
            raise BackupError(_("The target file storage is not empty. Restore into an empty storage, or "
                                "replace its content with --replace."))
    with tempfile.TemporaryDirectory(prefix="kommunalschutz-restore-") as staging:
        staged = _verify_and_stage(path, expected, Path(staging))
        _restore_database(vendor, staged[DATABASE_PARTS[vendor]], replace=replace)
        written: list[tuple[str, str]] = []
        files = [part for part in expected.values() if part["kind"] == "file"]
        try:
            for part in files:
                backup_storage.restore_stored_file(part["area"], part["name"], staged[part["path"]].read_bytes())
                written.append((part["area"], part["name"]))
        except BaseException:
            for area, name in written:
                backup_storage.remove_stored_file(area, name)
            _undo_database(vendor)
            raise
    connections.close_all()
    return RestoreResult(vendor=vendor, created_at=str(manifest.get("created_at", "")),
                         platform_version=str(manifest.get("platform_version", "")), file_count=len(files),
                         pending_migrations=pending)


def archive_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every member of an archive with its bytes (for checks and tests)."""
    with _open(path) as archive:
        for member in archive:
            handle = archive.extractfile(member)
            if handle is not None:
                yield member.name, handle.read()
