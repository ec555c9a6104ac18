"""Who sees and handles evidence, on the pages and in the API: the reporter and the case team; everyone
else gets 404. Downloads are attachments that are never sniffed or rendered."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.protection.evidence import package, services
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.files import StoredPath
from tests.protection.evidence.conftest import SAMPLES, store_files, upload

pytestmark = pytest.mark.django_db

ALLOWED = ["pirna_official", "coordinator", "dresden_police"]  # reporter, owner, responsible police
REFUSED = ["pirna_coordinator", "plauen_coordinator", "lka_officer", "coach", "analyst", "auditor",
           "administrator", "outsider"]


@pytest.fixture
def item(world: Any, case: Any) -> EvidenceItem:
    return services.add_file(case=case, actor=world.pirna_official, upload=upload("mitschrift.txt"),
                             description="Mitschrift des Anrufs")


@pytest.mark.parametrize("persona", ALLOWED)
def test_reporter_and_team_see_the_evidence_page(world: Any, case: Any, item: Any, login: Any, persona: str) -> None:
    response = login(getattr(world, persona)).get(reverse("evidence:case_evidence", args=[case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert item.sha256 in page
    assert "mitschrift.txt" in page
    assert reverse("evidence:download_original", args=[item.pk]) in page
    assert reverse("evidence:evidence_package", args=[case.pk]) in page
    assert 'name="form" value="online"' in page


@pytest.mark.parametrize("persona", REFUSED)
def test_everyone_else_gets_404_on_every_page(world: Any, case: Any, item: Any, login: Any, persona: str,
                                              evidence_root: StoredPath) -> None:
    client = login(getattr(world, persona))
    assert client.get(reverse("evidence:case_evidence", args=[case.pk])).status_code == 404
    assert client.get(reverse("evidence:download_original", args=[item.pk])).status_code == 404
    assert client.post(reverse("evidence:evidence_package", args=[case.pk])).status_code == 404
    assert client.get(reverse("evidence:evidence_package", args=[case.pk])).status_code == 404
    response = client.post(reverse("evidence:case_evidence", args=[case.pk]),
                           {"form": "file", "file-file": upload("brief.pdf")})
    assert response.status_code == 404
    assert EvidenceItem.objects.count() == 1
    assert len(store_files(evidence_root)) == 1


def test_anonymous_visitors_are_sent_to_login(client: Any, case: Any, item: Any) -> None:
    response = client.get(reverse("evidence:case_evidence", args=[case.pk]))
    assert response.status_code == 302


def test_the_reporter_uploads_through_the_page(world: Any, case: Any, login: Any) -> None:
    client = login(world.pirna_official)
    url = reverse("evidence:case_evidence", args=[case.pk])
    response = client.post(url, {"form": "file", "file-file": upload("foto.jpg"), "file-description": "Graffiti"})
    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    assert item.description == "Graffiti"
    assert item.sha256 == hashlib.sha256(SAMPLES["foto.jpg"][0]).hexdigest()


def test_a_mislabelled_upload_on_the_page_shows_the_reason(world: Any, case: Any, login: Any,
                                                           evidence_root: StoredPath, english: Any) -> None:
    client = login(world.coordinator)
    response = client.post(reverse("evidence:case_evidence", args=[case.pk]),
                           {"form": "file", "file-file": upload("anzeige.pdf", b"MZ\x90\x00program")})
    assert response.status_code == 400
    assert "Windows-Programm" in response.content.decode()  # the page speaks German
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []


def test_online_content_through_the_page(world: Any, case: Any, login: Any) -> None:
    client = login(world.dresden_police)
    url = reverse("evidence:case_evidence", args=[case.pk])
    data = {"form": "online", "online-url": "https://t.example/c/5", "online-platform": "Telegram",
            "online-posted_at": "2024-11-04T22:13", "online-captured_at": "2024-11-05T08:02",
            "online-content_text": "<script>alert('x')</script> Drohung"}
    assert client.post(url, data).status_code == 302
    item = EvidenceItem.objects.get()
    assert item.kind == "online" and item.platform == "Telegram"
    page = client.get(url).content.decode()
    assert "<script>alert('x')</script>" not in page  # shown inert
    assert "&lt;script&gt;" in page
    data["online-captured_at"] = "2024-11-04T20:00"
    response = client.post(url, data)
    assert response.status_code == 400
    assert EvidenceItem.objects.count() == 1


def test_downloads_are_attachments_with_the_original_bytes(world: Any, case: Any, item: Any, login: Any) -> None:
    pdf = services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"))
    client = login(world.dresden_police)
    response = client.get(reverse("evidence:download_original", args=[item.pk]))
    assert response.status_code == 200
    assert response.content == SAMPLES["mitschrift.txt"][0]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    response = client.get(reverse("evidence:download_original", args=[pdf.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == SAMPLES["brief.pdf"][0]


def test_a_tampered_file_is_not_handed_out(world: Any, case: Any, item: Any, login: Any,
                                           evidence_root: StoredPath, django_capture_on_commit_callbacks: Any) -> None:
    (evidence_root / item.stored_name).write_bytes(b"altered")
    client = login(world.coordinator)
    response = client.get(reverse("evidence:download_original", args=[item.pk]))
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(reverse("evidence:evidence_package", args=[case.pk])).status_code == 302
    run = package.latest_package_task(world.coordinator, case)
    assert run is not None and run.status == "failed"
    assert "daher wurde kein Beweismittelpaket erstellt" in client.get(
        reverse("evidence:evidence_package", args=[case.pk])).content.decode()


def test_the_package_button_downloads_the_zip(world: Any, case: Any, item: Any, login: Any,
                                              django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.pirna_official)
    page = client.get(reverse("evidence:case_evidence", args=[case.pk])).content.decode()
    assert f'action="{reverse("evidence:evidence_package", args=[case.pk])}"' in page
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(reverse("evidence:evidence_package", args=[case.pk])).status_code == 302
    run = package.latest_package_task(world.pirna_official, case)
    assert run is not None and run.status == "done"
    response = client.get(reverse("evidence:evidence_package_download", args=[case.pk, run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert archive.read(manifest["items"][0]["file_in_package"]) == SAMPLES["mitschrift.txt"][0]


# --- API -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_api_for_reporter_and_team(world: Any, case: Any, item: Any, api: Any, persona: str) -> None:
    user = getattr(world, persona)
    listed = api.get(user, f"/cases/{case.pk}/evidence")
    assert listed.status_code == 200
    assert [(row["number"], row["sha256"]) for row in listed.json()] == [(1, item.sha256)]
    original = api.get(user, f"/evidence/{item.pk}/original")
    assert original.status_code == 200
    assert original.content == SAMPLES["mitschrift.txt"][0]
    assert original["X-Content-Type-Options"] == "nosniff"
    assert original["Content-Disposition"].startswith("attachment;")
    package = api.get(user, f"/cases/{case.pk}/evidence-package")
    assert package.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(package.content)).testzip() is None


@pytest.mark.parametrize("persona", REFUSED)
def test_api_gives_404_to_everyone_else(world: Any, case: Any, item: Any, api: Any, persona: str,
                                        evidence_root: StoredPath) -> None:
    user = getattr(world, persona)
    assert api.get(user, f"/cases/{case.pk}/evidence").status_code == 404
    assert api.get(user, f"/evidence/{item.pk}/original").status_code == 404
    assert api.get(user, f"/cases/{case.pk}/evidence-package").status_code == 404
    assert api.post(user, f"/cases/{case.pk}/evidence/files", {"file": upload("brief.pdf")},
                    multipart=True).status_code == 404
    assert api.post(user, f"/cases/{case.pk}/evidence/online", {"url": "https://x.example/1", "platform": "X",
                    "posted_at": "2024-11-04T22:13:00+01:00", "captured_at": "2024-11-05T08:02:00+01:00",
                    "content_text": "x"}).status_code == 404
    assert EvidenceItem.objects.count() == 1
    assert len(store_files(evidence_root)) == 1


def test_api_without_token_is_refused(client: Any, case: Any, item: Any) -> None:
    assert client.get(f"/api/v1/cases/{case.pk}/evidence").status_code == 401
    assert client.get(f"/api/v1/evidence/{item.pk}/original").status_code == 401


def test_api_upload_and_online_record(world: Any, case: Any, api: Any) -> None:
    response = api.post(world.pirna_official, f"/cases/{case.pk}/evidence/files",
                        {"file": upload("drohmail.eml"), "description": "Mail"}, multipart=True)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "message/rfc822"
    assert body["sha256"] == hashlib.sha256(SAMPLES["drohmail.eml"][0]).hexdigest()
    assert body["number"] == 1
    response = api.post(world.coordinator, f"/cases/{case.pk}/evidence/online", {
        "url": "https://x.example/status/9", "platform": "X", "account_name": "@anon",
        "posted_at": "2024-11-04T22:13:00+01:00", "captured_at": "2024-11-05T08:02:00+01:00",
        "content_text": "Wir finden dich."})
    assert response.status_code == 201, response.content
    assert response.json()["online"]["account_name"] == "@anon"
    assert response.json()["number"] == 2


def test_api_bad_uploads_give_422_per_field(world: Any, case: Any, api: Any, evidence_root: StoredPath,
                                            english: Any) -> None:
    response = api.post(world.pirna_official, f"/cases/{case.pk}/evidence/files",
                        {"file": upload("anzeige.pdf", b"\x7fELF\x02\x01")}, multipart=True)
    assert response.status_code == 422
    assert "Linux-Programm" in response.json()["errors"]["file"][0]
    response = api.post(world.pirna_official, f"/cases/{case.pk}/evidence/files", {"description": "ohne"},
                        multipart=True)
    assert response.status_code == 422
    assert "file" in response.json()["errors"]
    response = api.post(world.pirna_official, f"/cases/{case.pk}/evidence/online", {
        "url": "javascript:alert(1)", "platform": "X", "posted_at": "2024-11-05T08:00:00+01:00",
        "captured_at": "2099-01-01T00:00:00+01:00", "content_text": "x"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"url", "captured_at"}
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []
