"""Backup and restore (core.backup, decision 0036): an instance built through the services, backed up with
``kommunalschutz backup`` and restored with ``kommunalschutz restore`` into a fresh empty database and fresh
file locations, is identical: every table row by row (read from the database's own catalogue, so tables
without a model count too), the sequences and triggers, every stored file byte by byte; the case reads with
the same keys, the audit chain verifies, the data-version triggers and the figures' roll-up still work.

Runs on the database the suite runs on and, always, on SQLite with a file database. PostgreSQL targets are
databases of their own, created and dropped here; pg_dump/pg_restore are Debian's postgresql-client, which
.ci/run installs with psql.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from kommunalschutz.foundation.accounts.models import Organisation, Role
from kommunalschutz.foundation.core import backup, storage
from kommunalschutz.foundation.core.models import AuditEvent, BackupRun, DataVersion
from kommunalschutz.foundation.core.verification import verify_audit_trail
from tests.factories import (
    DistrictFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PoliceDirectorateFactory,
    UserFactory,
)
from tests.foundation.core.test_file_storage import _client as s3_client
from tests.foundation.core.test_file_storage import s3_emulator, use_new_bucket
from tests.german import english_in

__all__ = ["s3_emulator"]  # the emulator's fixture

pytestmark = pytest.mark.django_db(transaction=True)

SUITE_VENDOR = "postgresql" if "postgresql" in django_settings.DATABASES["default"]["ENGINE"] else "sqlite"
# The suite's own database, and SQLite with a file database always.
VENDORS = sorted({SUITE_VENDOR, "sqlite"})

DESCRIPTION = "Drohbrief im Briefkasten des Rathauses: „Wir wissen, wo Sie wohnen.“ BACKUP-MARKER-41c7"
EVIDENCE = b"%PDF-1.4\n% BACKUP-EVIDENCE-MARKER\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages" \
           b"/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
AGREEMENT_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
                b"trailer<</Root 1 0 R>>\n%%EOF\n"


# --- databases and file locations ---------------------------------------------------------------------------

@contextmanager
def use_database(settings_dict: dict[str, Any]) -> Iterator[None]:
    """Point the default alias at another database for the block (a new connection object)."""
    original = connections[DEFAULT_DB_ALIAS]
    original_settings = connections.settings[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = settings_dict
    replacement = connections.create_connection(DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = replacement
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        replacement.close()
        connections[DEFAULT_DB_ALIAS] = original
        connections.settings[DEFAULT_DB_ALIAS] = original_settings
        ContentType.objects.clear_cache()


def _sqlite_settings(path: Path) -> dict[str, Any]:
    base = dict(connections.settings[DEFAULT_DB_ALIAS])
    return {**base, "ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "USER": "", "PASSWORD": "",
            "HOST": "", "PORT": "", "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"}}


def _pg_admin(*statements: str) -> None:
    with connection._nodb_cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextmanager
def source_database(vendor: str, tmp_path: Path) -> Iterator[None]:
    """A migrated, empty database of ``vendor`` as the default alias (on SQLite a file database)."""
    if vendor == SUITE_VENDOR == "postgresql":
        yield  # the suite's own test database
        return
    path = tmp_path / "source.sqlite3"
    if SUITE_VENDOR == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)  # the migrated test database, schema and cache table
        finally:
            target.close()
        with use_database(_sqlite_settings(path)):
            yield
        return
    with use_database(_sqlite_settings(path)):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        yield


@contextmanager
def empty_target(vendor: str, tmp_path: Path) -> Iterator[None]:
    """A fresh empty database of ``vendor`` as the default alias (nothing migrated into it)."""
    if vendor == "sqlite":
        (tmp_path / "restored").mkdir(exist_ok=True)
        with use_database(_sqlite_settings(tmp_path / "restored" / "kommunalschutz.sqlite3")):
            yield
        return
    name = f"{connection.settings_dict['NAME']}_restore"
    quoted = connection.ops.quote_name(name)
    _pg_admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", f"CREATE DATABASE {quoted}")
    try:
        with use_database({**connections.settings[DEFAULT_DB_ALIAS], "NAME": name}):
            yield
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


@contextmanager
def file_locations(settings: Any, root: Path, kind: str = "database",
                   endpoint: str | None = None) -> Iterator[SimpleNamespace]:
    """Fresh file storage: the database's own rows (``database``, the default: they come and go with the
    database), or a fresh bucket in the S3 EMULATOR (``s3``: moto's server mode, tests/foundation/core/
    test_file_storage.py)."""
    if kind == "s3":
        assert endpoint is not None
        bucket = use_new_bucket(settings, endpoint, prefix="instanz")
        yield SimpleNamespace(kind=kind, endpoint=endpoint, bucket=bucket)
        return
    settings.FILE_STORAGE = "database"
    yield SimpleNamespace(kind=kind)


def stored_bytes(_locations: SimpleNamespace | None = None) -> dict[str, bytes]:
    """Every stored file's bytes as stored (encrypted), by name; nothing in a database without tables."""
    if django_settings.FILE_STORAGE == "database" and \
            "core_storedfile" not in connection.introspection.table_names():
        return {}
    return {name: storage.read_raw(name) for name in storage.iter_stored_names()}


# --- what the database holds --------------------------------------------------------------------------------

def _value(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def snapshot() -> dict[str, Any]:
    """Every table's rows (from the catalogue, model or not), sequences, triggers and functions."""
    quote = connection.ops.quote_name
    result: dict[str, Any] = {}
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        if connection.vendor == "sqlite":
            names.append("sqlite_sequence")
        for name in names:
            cursor.execute(f"SELECT * FROM {quote(name)}")  # noqa: S608  (names from the catalogue)
            result[f"table:{name}"] = sorted((tuple(_value(v) for v in row) for row in cursor.fetchall()), key=repr)
        if connection.vendor == "sqlite":
            cursor.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'index', "
                           "'view') ORDER BY type, name")
            result["schema"] = cursor.fetchall()
        else:
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
                           "ORDER BY 1")
            result["sequences"] = cursor.fetchall()
            cursor.execute("SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c "
                           "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 1, 2")
            result["triggers"] = cursor.fetchall()
            cursor.execute("SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON "
                           "n.oid = p.pronamespace WHERE n.nspname = current_schema() ORDER BY 1, 2")
            result["functions"] = cursor.fetchall()
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")
            result["indexes"] = cursor.fetchall()
    return result


def model_tables() -> set[str]:
    return {f"table:{model._meta.db_table}" for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy}


# --- data through the services -------------------------------------------------------------------------------

def build_instance() -> SimpleNamespace:
    """A case with an encrypted description and an evidence file, a signed agreement with its PDF, audit entries."""
    from kommunalschutz.alliance.programme import agreements
    from kommunalschutz.protection.evidence.services import add_file
    from kommunalschutz.protection.intake import reporting

    directorate = PoliceDirectorateFactory.create(code="pd-dresden", name="Polizeidirektion Dresden")
    district = DistrictFactory.create(ags="14628", name="Sächsische Schweiz-Osterzgebirge",
                                      police_directorate=directorate)
    pirna = MunicipalityFactory.create(ags="14628270", name="Pirna, Stadt", district=district, population=39_000)
    office = OrganisationFactory.create(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle")
    town = OrganisationFactory.create(kind=Organisation.Kind.MUNICIPALITY, name="Stadt Pirna", municipality=pirna)
    coordinator = UserFactory.create(username="coordinator")
    MembershipFactory.create(user=coordinator, organisation=office, role=Role.COORDINATOR)
    official = UserFactory.create(username="pirna_official")
    MembershipFactory.create(user=official, organisation=town, role=Role.OFFICIAL)

    case = reporting.create_case(actor=official, intake="self", affected_user=official, data={
        "description": DESCRIPTION, "incident_types": ["threat"],
        "occurred_at": timezone.now() - dt.timedelta(days=1), "municipality": pirna.pk, "place": "office",
        "channel": "letter", "affected_role": "mayor", "politically_motivated": "yes", "urgency": "medium"})
    item = add_file(case=case, actor=official, upload=SimpleUploadedFile("brief.pdf", EVIDENCE, "application/pdf"),
                    description="Der Brief")
    agreement = agreements.create_agreement(
        actor=coordinator, municipality=pirna, title="Kooperationsvereinbarung Pirna", police_directorate=directorate,
        coordination_office=office, background="Hintergrund.", goals_and_tasks="Ziele und Aufgaben.",
        signatories=[{"party": "municipality", "name": "Tim Lochner", "function": "Oberbürgermeister"}])
    agreement = agreements.sign_agreement(
        actor=coordinator, agreement=agreement, signed_on=dt.date(2021, 6, 25),
        document=SimpleUploadedFile("kv.pdf", AGREEMENT_PDF, content_type="application/pdf"))
    verify_audit_trail(actor=None)  # seals every row, as the nightly check does
    return SimpleNamespace(case_reference=case.reference, evidence_pk=item.pk, agreement_pk=agreement.pk,
                           document=agreement.signed_document.name)


# --- the round trip --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["database", "s3"])
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_restored_instance_is_identical_to_the_backed_up_one(vendor: str, kind: str, tmp_path: Path,
                                                               settings: Any, request: pytest.FixtureRequest) -> None:
    from kommunalschutz.alliance.insights import rollup
    from kommunalschutz.protection.cases.models import Case
    from kommunalschutz.protection.evidence.models import EvidenceItem
    from kommunalschutz.protection.evidence.store import read_original

    archive = tmp_path / "backup.tar.gz"
    endpoint = request.getfixturevalue("s3_emulator") if kind == "s3" else None
    with file_locations(settings, tmp_path / "source", kind, endpoint) as source_files, \
            source_database(vendor, tmp_path):
        built = build_instance()
        before = snapshot()
        files_before = stored_bytes(source_files)
        assert storage.read_file(built.document) == AGREEMENT_PDF
        out = io.StringIO()
        call_command("backup", "--output", str(archive), stdout=out)
        assert "Sicherung geschrieben" in out.getvalue(), out.getvalue()
        run = BackupRun.objects.get()
        assert (run.vendor, run.size, run.archive_name) == (vendor, archive.stat().st_size, str(archive))
        assert backup.last_successful_backup() == run
        assert AuditEvent.objects.filter(object_type="core.backuprun", object_id=str(run.pk)).exists()

    # The instance holds what the test claims: every model's table is compared, and the important ones have rows.
    assert model_tables() <= set(before)
    for table in ("cases_case", "evidence_evidenceitem", "alliance_cooperationagreement", "core_auditevent",
                  "core_auditseal", "core_dataversion", "django_migrations"):
        assert before[f"table:{table}"], table
    assert len(files_before) == 2  # the evidence original and the signed agreement
    for data in files_before.values():  # stored encrypted, in either backend
        assert EVIDENCE not in data and AGREEMENT_PDF not in data
    members = dict(backup.archive_members(archive))
    # With the database backend the files are rows of the dump; with S3 each object is a part of its own.
    assert any(name.startswith("files/") for name in members) == (kind == "s3")

    with file_locations(settings, tmp_path / "target", kind, endpoint) as target_files, \
            empty_target(vendor, tmp_path):
        assert backup.database_is_empty() and not stored_bytes(target_files)
        out = io.StringIO()
        call_command("restore", str(archive), stdout=out)
        assert "Wiederhergestellt" in out.getvalue(), out.getvalue()
        after = snapshot()
        assert set(after) == set(before)
        for key in before:
            assert after[key] == before[key], f"{key} differs after the restore"
        assert stored_bytes(target_files) == files_before

        # Readable with the same keys: the case's text and the evidence's original bytes.
        case = Case.objects.get(reference=built.case_reference)
        assert case.description == DESCRIPTION
        assert read_original(EvidenceItem.objects.get(pk=built.evidence_pk)) == EVIDENCE
        with default_storage.open(built.document, "rb") as handle:
            assert handle.read() == AGREEMENT_PDF

        # The audit chain verifies, its append-only guard holds, and the triggers and roll-ups still work.
        assert verify_audit_trail(actor=None).intact
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        assert "unversehrt" in out.getvalue()
        token = DataVersion.objects.get(scope="registry").token
        MunicipalityFactory.create(ags="14628999", name="Neustadt", district=case.district)
        assert DataVersion.objects.get(scope="registry").token != token
        assert rollup.check() == []
        with pytest.raises(Exception), connection.cursor() as cursor:  # noqa: B017  (the trigger's refusal)
            cursor.execute("UPDATE core_auditevent SET summary = 'geändert'")
        assert not AuditEvent.objects.filter(summary="geändert").exists()
        connections.close_all()


# --- refusals -------------------------------------------------------------------------------------------------

@pytest.fixture
def archive(tmp_path: Path, settings: Any, s3_emulator: str) -> Path:
    """An uncompressed backup of an instance with a case and its evidence (on the suite's database), its
    files in the S3 emulator, so that the archive has file parts of its own."""
    path = tmp_path / "backup.tar"
    with file_locations(settings, tmp_path / "source", "s3", s3_emulator), source_database(SUITE_VENDOR, tmp_path):
        build_instance()
        call_command("backup", "--output", str(path), stdout=io.StringIO())
    return path


def _refusal(*args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    message = str(refused.value)
    assert not english_in(message), message
    return message


def _damaged_copy(archive: Path, target: Path, member_name: str) -> Path:
    """The archive with one byte of one member changed (the tar itself stays readable)."""
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmember(member_name)
        offset = member.offset_data + member.size // 2
    data[offset] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("damage", ["database", "file", "truncated", "foreign", "not an archive"])
def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(
        damage: str, archive: Path, tmp_path: Path, settings: Any) -> None:
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    bad = tmp_path / "bad.tar"
    if damage == "database":
        _damaged_copy(archive, bad, backup.DATABASE_PARTS[SUITE_VENDOR])
    elif damage == "file":
        _damaged_copy(archive, bad, next(name for name in names if name.startswith("files/")))
    elif damage == "truncated":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "foreign":
        with tarfile.open(bad, "w") as tar:
            data = b"irgendwelche Daten"
            info = tarfile.TarInfo("daten.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    else:
        bad.write_bytes(b"Dies ist kein Archiv.\n" * 100)
    with file_locations(settings, tmp_path / "target") as target_files, empty_target(SUITE_VENDOR, tmp_path):
        message = _refusal("restore", str(bad))
        assert message.startswith("Es wurde nichts wiederhergestellt")
        expected = {"database": "SHA-256", "file": "SHA-256", "truncated": "beschädigt",
                    "foreign": "kein Backup von Kommunalschutz", "not an archive": "kein lesbares Archiv"}[damage]
        assert expected in message, message
        assert backup.database_is_empty()
        assert not stored_bytes(target_files)


def test_restore_into_a_database_that_is_not_empty_is_refused(archive: Path, tmp_path: Path, settings: Any) -> None:
    with file_locations(settings, tmp_path / "target") as target_files:
        counts = AuditEvent.objects.count()
        message = _refusal("restore", str(archive))
        assert "Die Zieldatenbank ist nicht leer" in message and "--replace" in message
        assert AuditEvent.objects.count() == counts
        assert not stored_bytes(target_files)


def test_restore_into_a_file_storage_that_is_not_empty_is_refused(archive: Path, tmp_path: Path, settings: Any,
                                                                  s3_emulator: str) -> None:
    with file_locations(settings, tmp_path / "target", "s3", s3_emulator), empty_target(SUITE_VENDOR, tmp_path):
        storage.save_file("alt.pdf", b"%PDF alt")
        message = _refusal("restore", str(archive))
        assert "Der Ziel-Dateispeicher ist nicht leer" in message
        assert backup.database_is_empty()


# --- keys -------------------------------------------------------------------------------------------------------

def test_the_archive_holds_no_key_material(archive: Path) -> None:
    keys = [django_settings.SECRET_KEY.encode(), *(key.encode() for key in django_settings.FIELD_ENCRYPTION_KEYS)]
    assert keys and backup._key_material()
    members = dict(backup.archive_members(archive))
    assert backup.MANIFEST in members and backup.DATABASE_PARTS[SUITE_VENDOR] in members
    assert any(name.startswith("files/storage/evidence/") for name in members)
    everything = archive.read_bytes() + b"".join(members.values())
    for needle in backup._key_material():
        assert needle not in everything


def test_a_key_in_the_file_storage_stops_the_backup(tmp_path: Path, settings: Any, s3_emulator: str) -> None:
    with file_locations(settings, tmp_path / "source", "s3", s3_emulator) as locations:
        # An operator's note dropped into the bucket past the platform (so not encrypted), holding a key.
        key = django_settings.FIELD_ENCRYPTION_KEYS[0]
        s3_client(s3_emulator).put_object(Bucket=locations.bucket, Key="instanz/notiz.txt",
                                          Body=f"FIELD_ENCRYPTION_KEYS={key}\n".encode())
        output = tmp_path / "backups" / "backup.tar.gz"
        message = _refusal("backup", "--output", str(output))
        assert "Es wurde keine Sicherung geschrieben" in message and "Schlüssel" in message
        assert not output.parent.exists() or not any(output.parent.iterdir())  # no archive, no partial file
        assert not BackupRun.objects.exists()


def test_replace_overwrites_a_target_that_is_not_empty(archive: Path, tmp_path: Path, settings: Any,
                                                       s3_emulator: str) -> None:
    with file_locations(settings, tmp_path / "target", "s3", s3_emulator) as target_files, \
            empty_target(SUITE_VENDOR, tmp_path):
        call_command("restore", str(archive), stdout=io.StringIO())
        restored = snapshot()
        files = stored_bytes(target_files)
        # Work happens in the target after the first restore: a new row and a new file.
        MunicipalityFactory.create(ags="14628998", name="Altstadt",
                                   district=apps.get_model("registry", "District").objects.get())
        storage.save_file("neu.pdf", b"%PDF neu")
        assert "Die Zieldatenbank ist nicht leer" in _refusal("restore", str(archive))
        call_command("restore", str(archive), "--replace", stdout=io.StringIO())
        assert snapshot() == restored
        # the database is replaced; the bucket keeps the newer file beside the restored ones
        assert {name: data for name, data in stored_bytes(target_files).items() if name != "neu.pdf"} == files
        connections.close_all()


if SUITE_VENDOR == "postgresql":

    def test_backup_and_restore_refuse_to_run_through_pgbouncer_without_a_direct_host(
            archive: Path, tmp_path: Path, settings: Any) -> None:
        """pg_dump's session settings (search_path = '') would stay on a pooled server connection."""
        settings.DATABASE_PGBOUNCER = True
        settings.DATABASE_DIRECT_HOST = ""
        runs = BackupRun.objects.count()
        output = tmp_path / "backups" / "backup.tar.gz"
        for command in (("backup", "--output", str(output)), ("restore", str(archive))):
            message = _refusal(*command)
            assert "PgBouncer" in message and "DATABASE_DIRECT_HOST" in message
        assert not output.exists()
        assert BackupRun.objects.count() == runs

    def test_a_restore_as_the_owner_role_gives_the_runtime_role_its_privileges(
            archive: Path, tmp_path: Path, settings: Any) -> None:
        """Production restores as the owner role (MIGRATION_DATABASE_URL): the tables become the owner's, and
        the runtime role gets what `grant-runtime-privileges` gives, only INSERT and SELECT on the trail."""
        from kommunalschutz.foundation.core.dbroles import APPEND_ONLY_TABLES, FORBIDDEN

        suffix = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        owner, runtime = f"ks_owner_{suffix}", f"ks_runtime_{suffix}"
        name = f"{connection.settings_dict['NAME']}_owned"
        quoted = connection.ops.quote_name(name)
        _pg_admin(f'CREATE ROLE "{owner}" LOGIN', f'CREATE ROLE "{runtime}" NOLOGIN',
                  f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", f'CREATE DATABASE {quoted} OWNER "{owner}"')
        settings.DATABASE_RUNTIME_ROLE = runtime
        try:
            with file_locations(settings, tmp_path / "target"), \
                    use_database({**connections.settings[DEFAULT_DB_ALIAS], "NAME": name, "USER": owner,
                                  "PASSWORD": ""}):
                call_command("restore", str(archive), stdout=io.StringIO())
                with connection.cursor() as cursor:
                    cursor.execute("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n "
                                   "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'")
                    assert cursor.fetchall() == [(owner,)]
                    cursor.execute("SELECT has_table_privilege(%s, 'core_auditevent', 'UPDATE'), "
                                   "has_table_privilege(%s, 'core_auditevent', 'INSERT'), "
                                   "has_table_privilege(%s, 'cases_case', 'UPDATE')", [runtime] * 3)
                    assert cursor.fetchone() == (False, True, True)
                    for table in APPEND_ONLY_TABLES:
                        for privilege in FORBIDDEN:
                            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [runtime, table, privilege])
                            assert cursor.fetchone() == (False,), (table, privilege)
                assert verify_audit_trail(actor=None).intact
                connections.close_all()
        finally:
            _pg_admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", f'DROP ROLE IF EXISTS "{runtime}"',
                      f'DROP ROLE IF EXISTS "{owner}"')
