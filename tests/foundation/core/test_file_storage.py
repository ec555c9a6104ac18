"""Every stored file goes through one encrypted storage, in the database or in an S3 bucket (decision 0034).

Each behaviour runs on both backends: ``database`` (the default) and ``s3``, against a local S3-protocol
server. That server is moto's server mode (``moto.server.ThreadedMotoServer``), an EMULATOR of the S3
protocol and a development dependency only, never part of the platform's runtime: a real MinIO or Ceph
cannot be fetched on these machines. It is started on a free loopback port for the test session and
stopped at its end; each test gets a bucket of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kommunalschutz.alliance.programme import agreements
from kommunalschutz.foundation.core import downloads, storage
from kommunalschutz.foundation.core.encryption import DecryptionError
from kommunalschutz.foundation.core.models import StoredFile, StoredFileChunk, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.core.services import export_audit_operation, rotate_encryption_keys
from kommunalschutz.protection.cases import retention
from kommunalschutz.protection.evidence import services as evidence_services
from kommunalschutz.protection.evidence import store
from tests.alliance.programme.conftest import draft
from tests.conftest import World
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

MARKER = b"KS-STORAGE-MARKER-3b8e01"
REGION = "eu-central-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_emulator() -> Iterator[str]:
    """moto's S3 EMULATOR in server mode on a free loopback port (a real HTTP server speaking S3)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="kommunalschutz",
                        aws_secret_access_key="test-secret-of-the-emulator")


def use_new_bucket(settings: Any, endpoint: str, *, prefix: str) -> str:
    """Point FILE_STORAGE at a fresh bucket of the emulator (under ``prefix``); its name."""
    bucket = f"ks-{uuid.uuid4().hex[:20]}"
    _client(endpoint).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.FILE_STORAGE = "s3"
    settings.FILE_STORAGE_S3_ENDPOINT_URL = endpoint
    settings.FILE_STORAGE_S3_BUCKET = bucket
    settings.FILE_STORAGE_S3_REGION = REGION
    settings.FILE_STORAGE_S3_ACCESS_KEY_ID = "kommunalschutz"
    settings.FILE_STORAGE_S3_SECRET_ACCESS_KEY = "test-secret-of-the-emulator"
    settings.FILE_STORAGE_S3_ADDRESSING_STYLE = "path"
    settings.FILE_STORAGE_S3_PREFIX = prefix
    return bucket


@pytest.fixture(params=["database", "s3"])
def backend(request: pytest.FixtureRequest, settings: Any) -> str:
    """The storage backend of the test; for ``s3`` a fresh bucket in the emulator."""
    kind = str(request.param)
    if kind == "s3":
        use_new_bucket(settings, request.getfixturevalue("s3_emulator"), prefix="instanz-1")
    else:
        settings.FILE_STORAGE = "database"
    return kind


def raw_in_backend(settings: Any) -> dict[str, bytes]:
    """Every stored file's bytes exactly as the backend holds them, read past the platform's code: the
    database's rows, or the bucket's objects through a separate S3 client."""
    if settings.FILE_STORAGE == "database":
        return {row.name: b"".join(bytes(chunk.data) for chunk in row.chunks.order_by("index"))
                for row in StoredFile.objects.all()}
    client = _client(settings.FILE_STORAGE_S3_ENDPOINT_URL)
    objects = client.list_objects_v2(Bucket=settings.FILE_STORAGE_S3_BUCKET).get("Contents", [])
    prefix = settings.FILE_STORAGE_S3_PREFIX + "/"
    assert all(item["Key"].startswith(prefix) for item in objects)
    return {item["Key"][len(prefix):]: client.get_object(Bucket=settings.FILE_STORAGE_S3_BUCKET,
                                                         Key=item["Key"])["Body"].read() for item in objects}


def _evidence(world: World, content: bytes, name: str = "mitschrift.txt") -> Any:
    case = CaseFactory.create(municipality=world.pirna, reported_by=world.pirna_official)
    return evidence_services.add_file(case=case, actor=world.pirna_official,
                                      upload=SimpleUploadedFile(name, content, content_type="text/plain"))


# --- each kind of file, through the app's own services -----------------------------------------------------


def test_each_kind_of_file_round_trips_and_is_never_plaintext_in_the_backend(
        world: World, backend: str, settings: Any, login: Any) -> None:
    text = b"Drohanruf, Mitschrift. " + MARKER + b"\n"
    item = _evidence(world, text)
    pdf = b"%PDF-1.4\n% " + MARKER + b"\n%%EOF\n"
    agreement = agreements.sign_agreement(
        actor=world.coordinator, agreement=draft(world), signed_on=dt.date(2025, 3, 1),
        document=SimpleUploadedFile("KV Pirna.pdf", pdf, content_type="application/pdf"))
    export = export_audit_operation(progress=Progress(), actor_id=world.administrator.pk)
    made = downloads.stored_pdf(progress=Progress(), html=f"<p>{MARKER.decode()}</p>", directory="tests",
                                stem="bericht")

    # Read back through the platform.
    assert store.read_original(item) == text
    response = login(world.coordinator).get(reverse("alliance:agreement_document", args=[agreement.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    assert storage.read_file(export["file"]).decode("utf-8").startswith("Nr.,")
    assert storage.read_file(made["stored"]).startswith(b"%PDF")
    assert made["bytes"] == storage.files().size(made["stored"])

    # Read past the platform: ciphertext only.
    raw = raw_in_backend(settings)
    assert set(raw) == {f"evidence/{item.stored_name}", agreement.signed_document.name, export["file"],
                        made["stored"]}
    assert set(raw) == set(storage.iter_stored_names())
    for name, content in raw.items():
        assert content.startswith(storage.MAGIC), name
        assert MARKER not in content and b"%PDF" not in content and b"Nr.," not in content, name
        assert storage.read_raw(name) == content


def test_names_are_unique(world: World, backend: str) -> None:
    first = storage.save_file("exports/liste.csv", b"eins")
    second = storage.save_file("exports/liste.csv", b"zwei")
    assert first == "exports/liste.csv" and second != first and second.startswith("exports/liste")
    assert (storage.read_file(first), storage.read_file(second)) == (b"eins", b"zwei")
    directories, names = storage.files().listdir("exports")
    assert directories == [] and sorted(names) == sorted(name.split("/")[1] for name in (first, second))


def test_a_large_file_round_trips_in_segments(world: World, backend: str, settings: Any) -> None:
    """A 20 MB evidence file (the upload limit): stored in 1 MiB segments, read back byte for byte."""
    content = b"%PDF-1.7\n" + os.urandom(settings.EVIDENCE_UPLOAD_MAX_BYTES - 9)
    case = CaseFactory.create(municipality=world.pirna, reported_by=world.pirna_official)
    item = evidence_services.add_file(case=case, actor=world.pirna_official,
                                      upload=SimpleUploadedFile("scan.pdf", content, content_type="application/pdf"))
    assert store.read_original(item) == content
    name = store.original_name(item.stored_name)
    assert storage.sha256_of(name) == hashlib.sha256(content).hexdigest() == item.sha256
    if backend == "database":
        sizes = list(StoredFileChunk.objects.filter(file__name=name).values_list("index", flat=True))
        assert len(sizes) > 20 and sizes == list(range(len(sizes)))
        assert all(len(bytes(data)) <= storage.CHUNK_BYTES for data in
                   StoredFileChunk.objects.filter(file__name=name).values_list("data", flat=True))


def test_an_altered_cut_or_reordered_file_is_refused(world: World, backend: str) -> None:
    content = os.urandom(storage.SEGMENT_BYTES * 2 + 10)
    storage.save_file("probe/original", content, exact=True)
    raw = storage.read_raw("probe/original")
    lines = raw.split(b"\n")
    assert len(lines) == 5 and lines[-1] == b""  # magic, three segments, end
    for altered in (
            b"\n".join([lines[0], lines[1], lines[2], b""]),  # the last segment cut off
            b"\n".join([lines[0], lines[2], lines[1], lines[3], b""]),  # two segments swapped
            raw[:60] + bytes([raw[60] ^ 1]) + raw[61:],  # one byte flipped
            b"\n".join([lines[0], lines[1], lines[2], lines[3], lines[1], b""])):  # a segment appended
        storage.write_raw("probe/altered", altered)
        with pytest.raises(DecryptionError):
            storage.read_file("probe/altered")
    with pytest.raises(DecryptionError):
        storage.write_raw("probe/plain", b"not a stored file")
    assert storage.read_file("probe/original") == content


def test_key_rotation_reencrypts_every_stored_file_and_the_old_key_can_go(
        world: World, backend: str, settings: Any) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    text = b"Brief mit Anschrift. " + MARKER
    item = _evidence(world, text)
    export = export_audit_operation(progress=Progress(), actor_id=world.administrator.pk)
    before = raw_in_backend(settings)
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        counts = rotate_encryption_keys(actor=world.administrator)
    assert counts["stored files"] == 2
    after = raw_in_backend(settings)
    assert set(after) == set(before) and all(after[name] != before[name] for name in before)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key dropped
        assert store.read_original(item) == text
        assert storage.read_file(export["file"]).startswith(b"Nr.,")
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]), pytest.raises(store.EvidenceIntegrityError):
        store.read_original(item)


def test_deleting_a_case_deletes_its_files(world: World, backend: str, settings: Any,
                                          django_capture_on_commit_callbacks: Any) -> None:
    item = _evidence(world, b"Beweis des einen Falls.")
    kept = _evidence(world, b"Beweis eines anderen Falls.")
    assert len(raw_in_backend(settings)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        retention.delete_case_after_retention(item.case)
    assert set(raw_in_backend(settings)) == {f"evidence/{kept.stored_name}"}
    assert store.read_original(kept) == b"Beweis eines anderen Falls."


def test_a_missing_file_is_a_german_404_not_an_error(world: World, backend: str, login: Any,
                                                    django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:audit_export_start"))
    run = TaskRun.objects.get(kind="core.audit_export")
    assert client.get(reverse("core:task_download", args=[run.pk])).status_code == 200
    storage.delete_file(run.result["outcome"]["file"])
    response = client.get(reverse("core:task_download", args=[run.pk]))
    assert response.status_code == 404 and "Seite nicht gefunden" in response.content.decode()

    agreement = agreements.sign_agreement(
        actor=world.coordinator, agreement=draft(world), signed_on=dt.date(2025, 3, 1),
        document=SimpleUploadedFile("KV.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"))
    storage.delete_file(agreement.signed_document.name)
    response = login(world.coordinator).get(reverse("alliance:agreement_document", args=[agreement.pk]))
    assert response.status_code == 404 and "Seite nicht gefunden" in response.content.decode()

    item = _evidence(world, b"Verschwunden.")
    storage.delete_file(store.original_name(item.stored_name))
    response = login(world.coordinator).get(reverse("evidence:download_original", args=[item.pk]), follow=True)
    assert response.status_code == 200 and "Prüfsumme" in response.content.decode()


def test_raw_copies_move_files_between_backends_unchanged(world: World, backend: str, settings: Any) -> None:
    """What a backup does: enumerate, read the stored bytes, write them elsewhere, read them with the keys."""
    item = _evidence(world, b"Sicherung. " + MARKER)
    export = export_audit_operation(progress=Progress(), actor_id=world.administrator.pk)
    copied = {name: storage.read_raw(name) for name in storage.iter_stored_names()}
    for name in list(copied):
        storage.delete_file(name)
    assert list(storage.iter_stored_names()) == []
    for name, data in copied.items():
        storage.write_raw(name, data)
    assert raw_in_backend(settings) == copied
    assert store.read_original(item) == b"Sicherung. " + MARKER
    assert storage.read_file(export["file"]).startswith(b"Nr.,")


def test_a_database_file_goes_with_a_rolled_back_transaction(world: World) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        storage.save_file("probe/rolled-back", b"weg", exact=True)
        assert storage.files().exists("probe/rolled-back")
        raise RuntimeError
    assert not storage.files().exists("probe/rolled-back")
    assert not StoredFile.objects.exists()
