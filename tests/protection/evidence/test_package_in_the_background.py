"""The evidence package is put together in the background (decision 0024): button -> progress page ->
download. Content and hashes as build_package makes them, encrypted at rest while it waits, removed after
PACKAGE_RETENTION or with its case, every creation and download on the audit trail, and nobody but the
person who asked (while they may export the case's evidence) gets the file."""

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
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.services import rotate_encryption_keys
from kommunalschutz.protection.cases.models import CaseEvent
from kommunalschutz.protection.evidence import package, services, store
from tests.files import StoredPath
from tests.protection.evidence.conftest import SAMPLES, upload

pytestmark = pytest.mark.django_db

REFUSED = ["pirna_coordinator", "plauen_coordinator", "lka_officer", "coach", "analyst", "auditor",
           "administrator", "outsider"]


@pytest.fixture
def items(world: Any, case: Any) -> list[Any]:
    return [services.add_file(case=case, actor=world.pirna_official, upload=upload(name), description=name)
            for name in ("mitschrift.txt", "brief.pdf")]


def _made(client: Any, case: Any, capture: Any) -> TaskRun:
    with capture(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(reverse("evidence:evidence_package", args=[case.pk])).status_code == 302
    run = TaskRun.objects.filter(kind=package.PACKAGE_OPERATION).latest("pk")
    assert run.status == TaskRun.Status.DONE, run.message
    return run


def test_button_progress_page_download_with_the_same_content_and_hashes(
        world: Any, case: Any, items: list[Any], login: Any, evidence_root: StoredPath,
        django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.coordinator)
    url = reverse("evidence:evidence_package", args=[case.pk])
    first = client.get(url).content.decode()
    assert "Beweismittelpaket zusammenstellen (ZIP)" in first
    events_before = CaseEvent.objects.filter(case=case).count()
    run = _made(client, case, django_capture_on_commit_callbacks)
    assert run.requested_by == world.coordinator and run.done == run.total == package.PACKAGE_STEPS
    download = reverse("evidence:evidence_package_download", args=[case.pk, run.pk])
    page = client.get(url).content.decode()
    assert f'href="{download}"' in page and 'role="status"' in page and "100" in page
    # Made as the person who asked: in the case's history and on the audit trail as before.
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    made = AuditEvent.objects.get(object_type="cases.case", object_id=str(case.pk),
                                  summary="evidence package: 2 items")
    assert made.actor == world.coordinator

    # Waiting encrypted: no ZIP, no original and no manifest readable on disk.
    outcome = run.result["outcome"]
    stored = (evidence_root / "packages" / outcome["package"]).read_bytes()
    assert not stored.startswith(b"PK") and b"manifest" not in stored
    for name in ("mitschrift.txt", "brief.pdf"):
        assert SAMPLES[name][0][:40] not in stored

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert outcome["filename"] in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(response.content).hexdigest() == outcome["sha256"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    sums = {name: digest for digest, name in (line.split("  ", 1)
                                              for line in archive.read("SHA256SUMS").decode().splitlines())}
    for item, entry in zip(items, manifest["items"], strict=True):
        data = archive.read(entry["file_in_package"])
        assert data == SAMPLES[item.original_name][0]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == item.sha256 == sums[entry["file_in_package"]]
    assert manifest["created_by"] == world.coordinator.get_full_name()
    assert sums["manifest.json"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
    # Who downloaded what: every download is recorded.
    client.get(download)
    downloaded = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk),
                                           summary__startswith="evidence package downloaded:")
    assert downloaded.count() == 2
    assert {event.actor for event in downloaded} == {world.coordinator}
    assert downloaded.first() is not None and outcome["sha256"] in downloaded.first().summary  # type: ignore[union-attr]
    assert outcome["filename"] in downloaded.first().summary  # type: ignore[union-attr]


def test_the_page_says_being_prepared_before_the_worker_starts(world: Any, case: Any, items: list[Any],
                                                               login: Any) -> None:
    client = login(world.coordinator)
    url = reverse("evidence:evidence_package", args=[case.pk])
    assert client.post(url).status_code == 302  # queued; the test transaction never commits
    page = client.get(url).content.decode()
    assert "wird vorbereitet …" in page and "<progress" in page
    assert 'action="' + url + '"' not in page  # no second button while one is under way
    client.post(url)
    assert TaskRun.objects.filter(kind=package.PACKAGE_OPERATION).count() == 1
    polled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<div id="task-progress-') and f'hx-get="{url}"' in polled


@pytest.mark.parametrize("persona", REFUSED)
def test_nobody_else_starts_or_downloads(world: Any, case: Any, items: list[Any], login: Any, persona: str,
                                         django_capture_on_commit_callbacks: Any) -> None:
    run = _made(login(world.coordinator), case, django_capture_on_commit_callbacks)
    client = login(getattr(world, persona))
    url = reverse("evidence:evidence_package", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert client.get(reverse("evidence:evidence_package_download", args=[case.pk, run.pk])).status_code == 404
    assert client.get(reverse("core:task_download", args=[run.pk])).status_code == 404
    assert TaskRun.objects.filter(kind=package.PACKAGE_OPERATION).count() == 1
    assert not AuditEvent.objects.filter(summary__startswith="evidence package downloaded:").exists()


def test_a_colleague_of_the_case_team_does_not_get_someone_elses_package(
        world: Any, case: Any, items: list[Any], login: Any, django_capture_on_commit_callbacks: Any) -> None:
    run = _made(login(world.coordinator), case, django_capture_on_commit_callbacks)
    police = login(world.dresden_police)  # may export this case's evidence, but did not ask for this package
    assert police.get(reverse("evidence:evidence_package", args=[case.pk])).status_code == 200
    assert police.get(reverse("evidence:evidence_package_download", args=[case.pk, run.pk])).status_code == 404
    # The task's number under another case is no way round: the case in the address must match.
    other = type(case).objects.exclude(pk=case.pk).first()
    if other is not None:
        assert login(world.coordinator).get(
            reverse("evidence:evidence_package_download", args=[other.pk, run.pk])).status_code == 404
    # Core's generic task download never serves the package (its outcome names no "file").
    assert login(world.coordinator).get(reverse("core:task_download", args=[run.pk])).status_code == 404


def test_the_requester_loses_the_download_with_access_to_the_case(
        world: Any, case: Any, items: list[Any], login: Any, django_capture_on_commit_callbacks: Any) -> None:
    run = _made(login(world.coordinator), case, django_capture_on_commit_callbacks)
    type(case).objects.filter(pk=case.pk).update(owner=None)  # the coordinator is no longer on the case
    client = login(world.coordinator)
    assert client.get(reverse("evidence:case_evidence", args=[case.pk])).status_code == 404
    assert client.get(reverse("evidence:evidence_package_download", args=[case.pk, run.pk])).status_code == 404


def test_retention_removes_the_waiting_package(world: Any, case: Any, items: list[Any], login: Any,
                                               evidence_root: StoredPath,
                                               django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.coordinator)
    run = _made(client, case, django_capture_on_commit_callbacks)
    path = evidence_root / "packages" / run.result["outcome"]["package"]
    assert store.remove_expired_packages() == 0 and path.exists()  # within PACKAGE_RETENTION
    assert dt.timedelta(hours=24) == store.PACKAGE_RETENTION
    assert store.remove_expired_packages(older_than=dt.timedelta(0)) == 1
    assert not path.exists()
    response = client.get(reverse("evidence:evidence_package_download", args=[case.pk, run.pk]), follow=True)
    assert "nach 24 Stunden entfernt" in response.content.decode()
    assert not AuditEvent.objects.filter(summary__startswith="evidence package downloaded:").exists()


def test_the_package_goes_with_its_case(world: Any, case: Any, items: list[Any], login: Any, evidence_root: StoredPath,
                                        django_capture_on_commit_callbacks: Any) -> None:
    from kommunalschutz.protection.cases import hooks

    run = _made(login(world.coordinator), case, django_capture_on_commit_callbacks)
    path = evidence_root / "packages" / run.result["outcome"]["package"]
    with django_capture_on_commit_callbacks(execute=True):
        hooks.before_case_deletion(case)
        assert path.exists()  # removed only once the deletion commits
    assert not path.exists()


def test_an_altered_package_is_not_handed_out(world: Any, case: Any, items: list[Any], login: Any,
                                              evidence_root: StoredPath,
                                              django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.coordinator)
    run = _made(client, case, django_capture_on_commit_callbacks)
    path = evidence_root / "packages" / run.result["outcome"]["package"]
    path.write_bytes(b"altered")
    response = client.get(reverse("evidence:evidence_package_download", args=[case.pk, run.pk]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(summary__startswith="evidence package downloaded:").exists()


def test_key_rotation_covers_the_waiting_packages(world: Any, case: Any, items: list[Any], login: Any,
                                                  evidence_root: StoredPath, settings: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.coordinator)
    run = _made(client, case, django_capture_on_commit_callbacks)
    outcome = run.result["outcome"]
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        counts = rotate_encryption_keys(actor=world.administrator)
    assert counts["stored files"] == len(items) + 1
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert hashlib.sha256(store.read_package(outcome["package"], outcome["sha256"])).hexdigest() \
            == outcome["sha256"]
