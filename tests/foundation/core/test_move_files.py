"""`kommunalschutz move-files`: an older installation's files on disk move into the file storage (decision 0034),
checked by SHA-256, audited, idempotent; on both backends (the S3 one against moto's emulator, see
test_file_storage)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kommunalschutz.foundation.core import storage
from kommunalschutz.foundation.core.encryption import encrypt_bytes
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.evidence import store
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.conftest import World
from tests.factories import CaseFactory
from tests.foundation.core.test_file_storage import MARKER, backend, raw_in_backend, s3_emulator

__all__ = ["backend", "s3_emulator"]  # the fixtures, shared with test_file_storage

pytestmark = pytest.mark.django_db

ORIGINAL = b"Mitschrift des Anrufs. " + MARKER + b"\n"
LETTER = b"%PDF-1.4\n% Anschreiben an Frau Muster, Hauptstr. 1 " + MARKER + b"\n%%EOF\n"


@pytest.fixture
def old_install(world: World, tmp_path: Path, settings: Any) -> dict[str, Any]:
    """What an installation before 0034 left on its disk: plaintext files under VAR_DIR/files, Fernet
    tokens in EVIDENCE_ROOT (an original with its row, a waiting package)."""
    files, evidence = tmp_path / "files", tmp_path / "evidence"
    (files / "sampling" / "letters" / "7").mkdir(parents=True)
    (files / "sampling" / "letters" / "7" / "anschreiben-7.pdf").write_bytes(LETTER)
    (files / "exports").mkdir()
    (files / "exports" / "audit-20250101.csv").write_text("Nr.,Zeitpunkt\n1,heute\n", encoding="utf-8")
    (evidence / "packages").mkdir(parents=True)
    case = CaseFactory.create(municipality=world.pirna, reported_by=world.pirna_official)
    item = EvidenceItem.objects.create(
        case=case, kind=EvidenceItem.Kind.FILE, stored_name="a" * 32, original_name="anruf.txt",
        content_type="text/plain", size=len(ORIGINAL), sha256=hashlib.sha256(ORIGINAL).hexdigest())
    (evidence / item.stored_name).write_bytes(encrypt_bytes(ORIGINAL))
    (evidence / "packages" / ("b" * 32)).write_bytes(encrypt_bytes(b"PK-zip-des-Pakets"))
    settings.LEGACY_FILES_DIR, settings.EVIDENCE_ROOT = files, evidence
    return {"files": files, "evidence": evidence, "item": item}


def _run() -> str:
    out = io.StringIO()
    call_command("move_files", stdout=out)
    return out.getvalue()


def test_old_files_move_encrypted_and_checked(old_install: dict[str, Any], backend: str, settings: Any) -> None:
    output = _run()
    assert "Verschoben in den Dateispeicher" in output and ": 4 Datei(en)" in output
    assert store.read_original(old_install["item"]) == ORIGINAL
    assert storage.read_file("sampling/letters/7/anschreiben-7.pdf") == LETTER
    assert storage.read_file("exports/audit-20250101.csv").startswith(b"Nr.,")
    assert store.read_package("b" * 32, hashlib.sha256(b"PK-zip-des-Pakets").hexdigest()) == b"PK-zip-des-Pakets"
    raw = raw_in_backend(settings)
    assert len(raw) == 4 and all(MARKER not in data for data in raw.values())
    # Nothing is left on the disk, and the move is on the audit trail.
    assert [p for p in old_install["files"].rglob("*") if p.is_file()] == []
    assert [p for p in old_install["evidence"].rglob("*") if p.is_file()] == []
    event = AuditEvent.objects.get(object_type="core.storage")
    assert event.summary == "4 local file(s) moved into the file storage, 0 refused"

    # Again: nothing to do, nothing changed, nothing new on the trail.
    assert ": 0 Datei(en)" in _run()
    assert raw_in_backend(settings) == raw
    assert AuditEvent.objects.filter(object_type="core.storage").count() == 1


def test_a_second_run_after_an_interruption_finishes_the_move(old_install: dict[str, Any], backend: str) -> None:
    """A copy that reached the storage but whose local file remained (the run stopped) counts as there."""
    call_command("move_files", "--keep", stdout=io.StringIO())
    assert len([p for p in old_install["files"].rglob("*") if p.is_file()]) == 2
    output = _run()
    assert ": 0 Datei(en); bereits vorhanden: 4." in output
    assert [p for p in old_install["files"].rglob("*") if p.is_file()] == []


def test_altered_or_conflicting_files_stay_on_disk(old_install: dict[str, Any], backend: str) -> None:
    item = old_install["item"]
    (old_install["evidence"] / item.stored_name).write_bytes(encrypt_bytes(b"Andere Bytes."))  # hash differs
    (old_install["evidence"] / ("c" * 32)).write_bytes(b"kein Fernet-Token")
    storage.save_file("exports/audit-20250101.csv", b"anderer Inhalt", exact=True)  # name taken, other content
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="3 Datei"):
        call_command("move_files", stdout=out, stderr=err)
    assert "Nicht verschoben" in err.getvalue() and f"evidence/{item.stored_name}" in err.getvalue()
    assert (old_install["evidence"] / item.stored_name).exists()
    assert (old_install["files"] / "exports" / "audit-20250101.csv").exists()
    assert storage.read_file("exports/audit-20250101.csv") == b"anderer Inhalt"  # never overwritten
    assert not storage.files().exists(f"evidence/{item.stored_name}")
    assert storage.read_file("sampling/letters/7/anschreiben-7.pdf") == LETTER  # the rest moved
    assert AuditEvent.objects.get(object_type="core.storage").summary == \
        "2 local file(s) moved into the file storage, 3 refused"
