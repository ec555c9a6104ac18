"""Uploads: every accepted type is kept, with the SHA-256 of the original bytes; refusals leave nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kommunalschutz.protection.cases.models import CaseEvent
from kommunalschutz.protection.evidence import services, store
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.files import StoredPath
from tests.protection.evidence.conftest import MARKER, SAMPLES, store_files, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_accepted_type_is_kept_encrypted_with_its_hash(world: Any, case: Any, evidence_root: StoredPath,
                                                             name: str) -> None:
    content, detected = SAMPLES[name]
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload(name), description="Beleg")

    item.refresh_from_db()
    assert item.kind == EvidenceItem.Kind.FILE
    assert item.content_type == detected
    assert item.original_name == name
    assert item.size == len(content)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    files = store_files(evidence_root)
    assert [path.name for path in files] == [item.stored_name]
    assert MARKER not in files[0].read_bytes()
    assert content not in files[0].read_bytes()
    assert store.read_original(item) == content
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EVIDENCE).count() == 1


def test_the_store_is_in_the_database_not_on_the_node(world: Any, case: Any, evidence_root: Any, settings: Any,
                                                     tmp_path: Path) -> None:
    """Decision 0034: no evidence on an app node's disk; the default backend keeps it in database rows."""
    from kommunalschutz.foundation.core.models import StoredFile

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    assert StoredFile.objects.filter(name=f"evidence/{item.stored_name}").exists()
    assert not (tmp_path / "evidence").exists()


def test_a_declared_content_type_is_not_trusted(world: Any, case: Any) -> None:
    item = services.add_file(case=case, actor=world.pirna_official,
                             upload=upload("mitschrift.txt", content_type="application/pdf"))
    assert item.content_type == "text/plain"


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


@pytest.mark.parametrize(("name", "content", "words"), [
    ("anzeige.pdf", MZ, "Windows program"),
    ("foto.jpg", MZ, "Windows program"),
    ("brief.pdf", ELF, "Linux program"),
    ("notiz.txt", b"#!/bin/sh\nrm -rf /\n", "script"),
    ("notiz.txt", HTML, "HTML page"),
    ("seite.html", HTML, "HTML page"),
    ("bild.svg", SVG, "SVG"),
    ("bild.png", SVG, "SVG"),
    ("foto.png", SAMPLES["foto.jpg"][0], "the file is JPEG"),
    ("brief.txt", SAMPLES["brief.pdf"][0], "the file is PDF"),
    ("mitschrift.eml", SAMPLES["mitschrift.txt"][0], "not an e-mail"),
    ("mitschrift", SAMPLES["mitschrift.txt"][0], "no extension"),
    ("daten.bin", b"\x00\x01\x02\x03binary", "not accepted"),
    ("leer.txt", b"", "empty"),
])
def test_refused_uploads_leave_no_row_and_no_file(world: Any, case: Any, evidence_root: StoredPath, english: Any,
                                                  name: str, content: bytes, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.add_file(case=case, actor=world.pirna_official, upload=upload(name, content))
    messages = caught.value.message_dict["file"]
    assert words.lower() in " ".join(messages).lower()
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.EVIDENCE).count() == 0


def test_an_oversized_file_is_refused(world: Any, case: Any, evidence_root: StoredPath, settings: Any,
                                      english: Any) -> None:
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.txt", b"a" * 101))
    assert "larger than" in caught.value.message_dict["file"][0]
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []
    item = services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.txt", b"a" * 100))
    assert item.size == 100


def test_a_closed_case_takes_no_evidence(world: Any, case: Any, evidence_root: StoredPath) -> None:
    case.status = "closed"
    case.save()
    with pytest.raises(ValidationError):
        services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []
