"""Post/redirect/get on the intake forms: a reload never files again, the same form token is refused once
used, and the receipt is shown once from the session (encrypted there) and then gone."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kommunalschutz.protection.cases.models import Case, CaseMessage
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.intake import formtokens, reporting
from tests.protection.intake.anonymous import PASS, row_counts


def _anonymous_form(client: Any, report_data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    token = client.get("/melden/anonym/").context["form_token"]
    return {**report_data, "occurred_at": timezone.localtime(report_data["occurred_at"]).strftime("%Y-%m-%dT%H:%M"),
            "passphrase": PASS, "passphrase_repeat": PASS, "form_token": token, **changes}


def test_reloading_the_receipt_page_files_nothing_and_shows_a_note(world: Any, client: Any,
                                                                   report_data: dict[str, Any]) -> None:
    posted = client.post("/melden/anonym/", _anonymous_form(client, report_data))
    assert posted.status_code == 302
    first = client.get(posted["Location"])
    receipt = first.context["receipt"]
    assert len(receipt.replace(" ", "")) == 16 and receipt in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    counts = row_counts()
    reload = client.get(posted["Location"])
    page = reload.content.decode()
    assert reload.status_code == 200 and not reload.context["receipt"]
    assert "bereits angezeigt" in page and receipt not in page
    assert row_counts() == counts and Case.objects.count() == 1


def test_the_receipt_waits_encrypted_in_the_session(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    posted = client.post("/melden/anonym/", _anonymous_form(client, report_data))
    stored = client.session["intake_receipt_once"]
    receipt = client.get(posted["Location"]).context["receipt"].replace(" ", "")
    assert receipt not in str(stored) and set(stored) == {"receipt", "acute"}
    assert "intake_receipt_once" not in client.session


def test_posting_the_same_form_token_twice_is_refused(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    form = _anonymous_form(client, report_data)
    assert client.post("/melden/anonym/", form).status_code == 302
    counts = row_counts()
    again = client.post("/melden/anonym/", form)
    assert again.status_code == 409
    assert "bereits gesendet" in again.content.decode()
    assert row_counts() == counts and Case.objects.count() == 1
    # The refused page carries a fresh token: a deliberate second report goes through.
    fresh = {**form, "form_token": again.context["form_token"]}
    assert client.post("/melden/anonym/", fresh).status_code == 302
    assert Case.objects.count() == 2


def test_a_forged_expired_or_missing_token_writes_nothing(world: Any, client: Any, report_data: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    form = _anonymous_form(client, report_data)
    counts = row_counts()
    for token in (form["form_token"][:-2] + "xx", "", formtokens.issue("report")):  # forged, none, another form's
        response = client.post("/melden/anonym/", {**form, "form_token": token})
        assert response.status_code == 400 and "abgelaufen" in response.content.decode()
        # The entries stay in the form; only the passphrases must be typed again.
        assert response.context["form"]["description"].value() == report_data["description"]
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - formtokens.TOKEN_MAX_AGE_SECONDS - 1)  # type: ignore[attr-defined]
    old = formtokens.issue("anonymous_report")
    monkeypatch.setattr(signing.time, "time", real)  # type: ignore[attr-defined]
    assert client.post("/melden/anonym/", {**form, "form_token": old}).status_code == 400
    assert row_counts() == counts
    # Issuing tokens stores nothing: no session for a visitor who only reads the form.
    client.cookies.clear()
    client.get("/melden/anonym/")
    assert row_counts() == counts and settings.SESSION_COOKIE_NAME not in client.cookies


def test_logged_in_report_form_is_sent_once(world: Any, login: Any, report_data: dict[str, Any]) -> None:
    client = login(world.pirna_official)
    token = client.get("/melden/").context["form_token"]
    form = {**report_data, "occurred_at": timezone.localtime(report_data["occurred_at"]).strftime("%Y-%m-%dT%H:%M"),
            "form_token": token}
    assert client.post("/melden/", form).status_code == 302
    counts = row_counts()
    again = client.post("/melden/", form)
    assert again.status_code == 409 and "bereits gesendet" in again.content.decode()
    assert row_counts() == counts and Case.objects.count() == 1


def test_a_reporter_message_is_sent_once(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    url = "/melden/anonym/nachverfolgen/"
    assert client.post(url, {"action": "open", "receipt": receipt, "passphrase": PASS}).status_code == 302
    token = client.get(url).context["reply_token"]
    sent = client.post(url, {"action": "reply", "reply-body": "Der Brief kam am Montag.", "form_token": token})
    assert sent.status_code == 302 and "gesendet=1" in sent["Location"]
    again = client.post(url, {"action": "reply", "reply-body": "Der Brief kam am Montag.", "form_token": token})
    assert again.status_code == 409 and "bereits gesendet" in again.content.decode()
    assert CaseMessage.objects.filter(case=case, from_reporter=True).count() == 1


def test_reporter_evidence_is_stored_once(world: Any, client: Any, report_data: dict[str, Any],
                                          settings: Any) -> None:
    case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    url = "/melden/anonym/nachverfolgen/"
    assert client.post(url, {"action": "open", "receipt": receipt, "passphrase": PASS}).status_code == 302
    token = client.get(url).context["evidence_token"]

    def upload() -> Any:
        letter = SimpleUploadedFile("brief.txt", b"Wir wissen, wo Sie wohnen.", content_type="text/plain")
        return client.post(url, {"action": "file", "form_token": token, "file-file": letter,
                                 "file-description": "Der Brief"})

    sent = upload()
    assert sent.status_code == 302 and "beweis=1" in sent["Location"]
    again = upload()
    assert again.status_code == 409 and "bereits gesendet" in again.content.decode()
    assert EvidenceItem.objects.filter(case=case).count() == 1
