"""The signed PDF: type- and size-checked, stored outside the web root with its hash, nothing left on refusal."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kommunalschutz.alliance.programme import agreements, selectors
from kommunalschutz.alliance.programme.models import CooperationAgreement
from tests.alliance.programme.conftest import PDF_BYTES, draft, stored_files
from tests.files import StoredPath

SIGNED_ON = dt.date(2021, 6, 25)
pytestmark = pytest.mark.usefixtures("english")


def _upload(content: bytes = PDF_BYTES, *, name: str = "KV Pirna unterschrieben.pdf",
            content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_stored_with_hash_size_and_original_name(world: Any, file_storage: StoredPath) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=SIGNED_ON,
                                          document=_upload())
    assert agreement.signed_document_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert agreement.signed_document_size == len(PDF_BYTES)
    assert agreement.signed_document_name == "KV Pirna unterschrieben.pdf"
    [stored] = stored_files(file_storage)
    assert stored.read_plain() == PDF_BYTES
    assert b"%PDF" not in stored.read_bytes()  # encrypted at rest
    assert "Pirna" not in stored.name  # stored under a random name, the original is metadata


@pytest.mark.parametrize(("upload", "message"), [
    (_upload(b"<html>not a pdf</html>"), "not a PDF"),
    (_upload(content_type="text/html"), "not a PDF"),
    (_upload(b"MZ\x90\x00", name="vertrag.pdf"), "not a PDF"),
])
def test_a_file_that_is_not_a_pdf_is_refused(world: Any, file_storage: StoredPath, upload: Any, message: str) -> None:
    agreement = draft(world)
    with pytest.raises(ValidationError) as caught:
        agreements.sign_agreement(actor=world.coordinator, agreement=agreement, signed_on=SIGNED_ON, document=upload)
    assert message in caught.value.message_dict["document"][0]
    agreement.refresh_from_db()
    assert agreement.status == "draft" and not agreement.signed_document
    assert selectors.timeline(world.pirna) == []
    assert stored_files(file_storage) == []


def test_a_file_over_the_limit_is_refused(world: Any, settings: Any, file_storage: StoredPath) -> None:
    settings.AGREEMENT_UPLOAD_MAX_BYTES = 1_000
    agreement = draft(world)
    with pytest.raises(ValidationError) as caught:
        agreements.sign_agreement(actor=world.coordinator, agreement=agreement, signed_on=SIGNED_ON,
                                  document=_upload(PDF_BYTES + b"0" * 1_000))
    assert "too large" in caught.value.message_dict["document"][0]
    assert CooperationAgreement.objects.get().status == "draft"
    assert stored_files(file_storage) == []


def test_a_refused_signing_leaves_no_file_behind(world: Any, file_storage: StoredPath) -> None:
    from kommunalschutz.alliance.programme.models import Stage
    from tests.alliance.programme.conftest import step

    step(world, Stage.CONSULTED, dt.date(2021, 7, 1))  # signing on 25 June would go backwards in time
    with pytest.raises(ValidationError):
        agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=SIGNED_ON,
                                  document=_upload())
    assert stored_files(file_storage) == []


def test_the_upload_form_shows_the_error_and_saves_nothing(world: Any, login: Any, file_storage: StoredPath) -> None:
    agreement = draft(world)
    response = login(world.coordinator).post(reverse("alliance:agreement_sign", args=[agreement.pk]), {
        "signed_on": "2021-06-25", "record_membership": "on", "document": _upload(b"GIF89a", name="scan.pdf")})
    assert response.status_code == 400
    assert "kein PDF-Dokument" in str(response.context["form"].errors["document"])  # the UI speaks German
    assert CooperationAgreement.objects.get().status == "draft"
    assert stored_files(file_storage) == []


def test_the_api_answers_422_for_a_file_that_is_not_a_pdf(world: Any, api: Any, file_storage: StoredPath) -> None:
    agreement = draft(world)
    response = api.post(world.coordinator, f"/alliance/agreements/{agreement.pk}/sign",
                        {"signed_on": "2021-06-25", "document": _upload(b"plain text", content_type="text/plain")},
                        multipart=True)
    assert response.status_code == 422, response.content
    assert "document" in response.json()["errors"]
    assert CooperationAgreement.objects.get().status == "draft" and stored_files(file_storage) == []


def test_the_api_answers_422_for_a_file_over_the_limit(world: Any, api: Any, settings: Any,
                                                        file_storage: StoredPath) -> None:
    settings.AGREEMENT_UPLOAD_MAX_BYTES = 100
    agreement = draft(world)
    response = api.post(world.coordinator, f"/alliance/agreements/{agreement.pk}/sign",
                        {"signed_on": "2021-06-25", "document": _upload(PDF_BYTES)}, multipart=True)
    assert response.status_code == 422
    assert "zu groß" in response.json()["errors"]["document"][0]
    assert stored_files(file_storage) == []


def test_the_api_signs_with_a_pdf(world: Any, api: Any) -> None:
    agreement = draft(world)
    response = api.post(world.coordinator, f"/alliance/agreements/{agreement.pk}/sign",
                        {"signed_on": "2021-06-25", "document": _upload()}, multipart=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "signed"
    assert body["signed_document"]["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()


def test_a_signed_pdf_can_be_added_later_and_replaces_the_old_file(
        world: Any, file_storage: StoredPath, django_capture_on_commit_callbacks: Any) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=SIGNED_ON)
    agreements.attach_signed_document(actor=world.coordinator, agreement=agreement, document=_upload())
    # The replaced file is removed once the new one is committed.
    with django_capture_on_commit_callbacks(execute=True):
        agreements.attach_signed_document(actor=world.coordinator, agreement=agreement,
                                          document=_upload(PDF_BYTES + b"%second"))
    [stored] = stored_files(file_storage)
    assert stored.read_plain().endswith(b"%second")
