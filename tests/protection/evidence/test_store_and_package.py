"""The evidence store and the evidence package: encrypted at rest, tamper-evident, hashes unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.services import rotate_encryption_keys
from kommunalschutz.foundation.core.storage import rotate_stored_files
from kommunalschutz.protection.cases.models import CaseEvent
from kommunalschutz.protection.evidence import package, services, store
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.files import StoredPath
from tests.protection.evidence.conftest import MARKER, SAMPLES, store_files, upload

pytestmark = pytest.mark.django_db


def _online(case: Any, actor: Any, **extra: Any) -> EvidenceItem:
    now = timezone.now()
    data = {"url": "https://social.example/post/4711", "platform": "Telegram", "account_name": "@wutbuerger",
            "profile_url": "https://social.example/wutbuerger", "posted_at": now - dt.timedelta(days=2),
            "captured_at": now - dt.timedelta(days=1), "content_text": "Wir wissen, wo du wohnst.",
            "context": "Antwort auf einen Beitrag der Stadt.", "description": "Drohung im Kanal"}
    data.update(extra)
    return services.add_online_content(case=case, actor=actor, data=data,
                                       upload=upload("bildschirmfoto.png"))


def test_the_store_never_holds_plaintext(world: Any, case: Any, evidence_root: StoredPath) -> None:
    for name in SAMPLES:
        services.add_file(case=case, actor=world.pirna_official, upload=upload(name))
    _online(case, world.coordinator)
    files = store_files(evidence_root)
    assert len(files) == len(SAMPLES) + 1
    for path in files:
        assert MARKER not in path.read_bytes()


def test_a_tampered_store_file_is_detected(world: Any, case: Any, evidence_root: StoredPath) -> None:
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    path = evidence_root / item.stored_name
    token = bytearray(path.read_bytes())
    token[len(token) // 2] ^= 0x01
    path.write_bytes(bytes(token))
    with pytest.raises(store.EvidenceIntegrityError):
        store.read_original(item)


def test_a_replaced_store_file_is_detected_by_its_hash(world: Any, case: Any, evidence_root: StoredPath) -> None:
    """Someone with the key re-encrypts other bytes: the SHA-256 taken at upload no longer matches."""
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload("mitschrift.txt"))
    from kommunalschutz.foundation.core import storage

    storage.save_file(store.original_name(item.stored_name), b"Harmlose Mitschrift.\n", exact=True)
    with pytest.raises(store.EvidenceIntegrityError):
        store.read_original(item)
    (evidence_root / item.stored_name).unlink()
    with pytest.raises(store.EvidenceIntegrityError):
        store.read_original(item)


def test_rotation_moves_the_store_to_the_new_key(world: Any, case: Any, evidence_root: StoredPath,
                                                 settings: Any) -> None:
    assert ROTATION_HOOKS["stored files"] is rotate_stored_files
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload("foto.jpg"))
    before = (evidence_root / item.stored_name).read_bytes()
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        counts = rotate_encryption_keys(actor=world.administrator)
    assert counts["stored files"] == 1
    after = (evidence_root / item.stored_name).read_bytes()
    assert after != before
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert store.read_original(EvidenceItem.objects.get(pk=item.pk)) == SAMPLES["foto.jpg"][0]
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]), pytest.raises(store.EvidenceIntegrityError):
        store.read_original(item)
    assert [path.name for path in store_files(evidence_root)] == [item.stored_name]  # no temporary files left


def test_delete_case_files_removes_the_files_of_one_case(world: Any, case: Any, evidence_root: StoredPath,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    from tests.factories import CaseFactory

    other = CaseFactory.create(municipality=world.pirna, reported_by=world.pirna_official)
    services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    _online(case, world.pirna_official)
    kept = services.add_file(case=other, actor=world.pirna_official, upload=upload("foto.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        assert store.delete_case_files(case) == 2
        # Until the deletion commits, the files stay: a rolled-back retention run loses nothing.
        assert len(store_files(evidence_root)) == 3
    assert [path.name for path in store_files(evidence_root)] == [kept.stored_name]
    case.delete()
    assert EvidenceItem.objects.count() == 1
    assert store.read_original(kept) == SAMPLES["foto.jpg"][0]


def test_the_package_holds_the_unaltered_originals(world: Any, case: Any) -> None:
    uploaded = {}
    for name in SAMPLES:
        item = services.add_file(case=case, actor=world.pirna_official, upload=upload(name), description=name)
        uploaded[item.pk] = SAMPLES[name][0]
    online = _online(case, world.coordinator)
    uploaded[online.pk] = SAMPLES["bildschirmfoto.png"][0]
    services.add_online_content(case=case, actor=world.coordinator, data={
        "url": "http://forum.example/t/1", "platform": "Forum", "posted_at": timezone.now() - dt.timedelta(hours=3),
        "captured_at": timezone.now(), "content_text": "Text ohne Bildschirmfoto"})
    events_before = CaseEvent.objects.filter(case=case).count()

    filename, content = package.build_package(case=case, actor=world.dresden_police)

    assert filename.startswith(f"beweismittel-{case.reference}-") and filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    assert {"manifest.json", "zusammenfassung.pdf", "SHA256SUMS"} <= set(names)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case_number"] == case.reference
    assert manifest["platform"] and manifest["platform_version"]
    assert dt.datetime.fromisoformat(manifest["created_at"]).utcoffset() is not None
    items = manifest["items"]
    assert [entry["number"] for entry in items] == list(range(1, len(SAMPLES) + 3))
    rows = list(EvidenceItem.objects.filter(case=case).order_by("created_at", "pk"))
    sums = {name: digest for digest, name in (line.split("  ", 1)
                                              for line in archive.read("SHA256SUMS").decode().splitlines())}
    for row, entry in zip(rows, items, strict=True):
        if not row.stored_name:
            assert entry["file_in_package"] is None
            assert entry["online"]["url"] == "http://forum.example/t/1"
            continue
        data = archive.read(entry["file_in_package"])
        assert entry["file_in_package"].startswith(f"originale/{entry['number']:02d}_")
        assert data == uploaded[row.pk]
        digest = hashlib.sha256(data).hexdigest()
        assert digest == entry["sha256"] == row.sha256 == sums[entry["file_in_package"]]
        assert entry["size"] == len(data)
        assert entry["original_name"] == row.original_name
        assert entry["detected_type"] == row.content_type
        assert entry["uploaded_by"] == world.pirna_official.get_full_name() or row.pk == online.pk
    assert sums["manifest.json"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
    online_entry = next(entry for entry in items if entry.get("online") and entry["file_in_package"])
    assert online_entry["online"]["platform"] == "Telegram"
    assert online_entry["online"]["account_name"] == "@wutbuerger"
    for key in ("posted_at", "captured_at"):
        assert dt.datetime.fromisoformat(online_entry["online"][key]).utcoffset() is not None

    pdf = PdfReader(io.BytesIO(archive.read("zusammenfassung.pdf")))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert case.reference in text
    assert "sha256sum" in text
    for row in rows:
        if row.sha256:
            assert row.sha256 in text.replace(" ", "")

    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk),
                                     summary__startswith="evidence package").count() == 1


def test_the_package_refuses_a_tampered_original(world: Any, case: Any, evidence_root: StoredPath) -> None:
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    (evidence_root / item.stored_name).write_bytes(b"garbage")
    events = CaseEvent.objects.count()
    with pytest.raises(store.EvidenceIntegrityError):
        package.build_package(case=case, actor=world.coordinator)
    assert CaseEvent.objects.count() == events


def test_reporter_additions_are_marked(world: Any, case: Any) -> None:
    item = services.add_file(case=case, actor=None, upload=upload("brief.pdf"), by_reporter=True)
    assert item.by_reporter and item.created_by is None
    _name, content = package.build_package(case=case, actor=world.coordinator)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))
    assert manifest["items"][0]["uploaded_by"] == "reporter"
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EVIDENCE, by_reporter=True).count() == 1


def test_orphan_files_are_removed_after_a_grace_period(world: Any, case: Any, evidence_root: StoredPath) -> None:
    from kommunalschutz.protection.evidence.tasks import remove_orphan_evidence_files

    kept = services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    fresh = evidence_root / ("a" * 32)
    old = evidence_root / ("b" * 32)
    fresh.write_bytes(b"token")
    old.write_bytes(b"token")
    week_ago = timezone.now() - dt.timedelta(days=7)
    old.set_modified(week_ago)
    (evidence_root / kept.stored_name).set_modified(week_ago)
    assert remove_orphan_evidence_files.call_local() == 1
    assert sorted(path.name for path in store_files(evidence_root)) == sorted([kept.stored_name, fresh.name])
