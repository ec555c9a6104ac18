"""The anonymous path: receipt, digest storage, lookups refused for the right reasons, no address kept."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import hashers
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test import override_settings
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseMessage
from kommunalschutz.protection.intake import followup, reporting
from kommunalschutz.protection.intake import receipts as intake_receipts
from kommunalschutz.protection.intake.models import DeletedReceipt, ReporterAccess

PASS = "gruene Wiese am Elbufer"


def _submit(report_data: dict[str, Any], **changes: Any) -> tuple[Case, str]:
    return reporting.submit_anonymous(data={**report_data, **changes}, passphrase=PASS, passphrase_repeat=PASS)


def _all_text(exclude: tuple[str, ...] = ()) -> str:
    """Every text-like column of every table (all models) and the cache table, as one string."""
    parts: list[str] = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        for row in model.objects.values_list(*fields) if fields else []:  # type: ignore[attr-defined]  # type[Model] declares no `objects`
            parts.extend(str(value) for value in row if value is not None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM ks_cache")
        parts.extend(f"{key} {value}" for key, value in cursor.fetchall())
    return "\n".join(parts)


def test_receipt_is_16_digits_and_only_its_digest_is_stored(world: Any, report_data: dict[str, Any]) -> None:
    case, receipt = _submit(report_data)
    assert re.fullmatch(r"\d{16}", receipt)
    assert intake_receipts.format_receipt(receipt) == " ".join(receipt[i:i + 4] for i in (0, 4, 8, 12))
    access = ReporterAccess.objects.get(case=case)
    assert access.receipt_digest == intake_receipts.receipt_digest(receipt) != receipt
    assert PASS not in access.passphrase_hash and hashers.check_password(PASS, access.passphrase_hash)
    assert case.intake == "anonymous" and case.reported_by is None
    text = _all_text()
    assert receipt not in text and PASS not in text
    assert intake_receipts.format_receipt(receipt) not in text


def test_receipts_are_random_and_may_start_with_zero() -> None:
    receipts = {intake_receipts.new_receipt() for _ in range(2000)}
    assert len(receipts) == 2000
    assert any(r.startswith("0") for r in receipts)


def test_passphrase_rules_and_nothing_saved(world: Any, report_data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        reporting.submit_anonymous(data={**report_data, "description": ""}, passphrase="kurz", passphrase_repeat="k")
    assert set(caught.value.message_dict) == {"description", "passphrase", "passphrase_repeat"}
    assert Case.objects.count() == 0 and ReporterAccess.objects.count() == 0


def test_lookup_with_spaces_and_dashes_opens_the_case(world: Any, report_data: dict[str, Any]) -> None:
    case, receipt = _submit(report_data)
    typed = f" {receipt[:4]}-{receipt[4:8]} {receipt[8:12]}\u2013{receipt[12:]} "
    assert intake_receipts.open_anonymous_case(receipt=typed, passphrase=PASS) == case


def test_malformed_receipt_is_a_clear_field_error() -> None:
    with pytest.raises(ValidationError) as caught:
        intake_receipts.open_anonymous_case(receipt="1234 5678", passphrase=PASS)
    assert list(caught.value.message_dict) == ["receipt"]


def test_wrong_receipt_and_wrong_passphrase_give_the_same_answer(world: Any, report_data: dict[str, Any]) -> None:
    _case, receipt = _submit(report_data)
    other = f"{(int(receipt) + 1) % 10**16:016d}"
    with pytest.raises(intake_receipts.NotFound) as unknown:
        intake_receipts.open_anonymous_case(receipt=other, passphrase=PASS)
    with pytest.raises(intake_receipts.NotFound) as wrong:
        intake_receipts.open_anonymous_case(receipt=receipt, passphrase="falsche Passphrase")
    assert unknown.value.message == wrong.value.message


def test_an_unknown_receipt_still_checks_one_password(world: Any, report_data: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _case, receipt = _submit(report_data)
    checked: list[str] = []
    real = intake_receipts.check_password  # type: ignore[attr-defined]  # receipts' import of django's hasher

    def spy(password: str, encoded: str) -> bool:
        checked.append(encoded)
        return real(password, encoded)

    monkeypatch.setattr(intake_receipts, "check_password", spy)
    with pytest.raises(intake_receipts.NotFound):
        intake_receipts.open_anonymous_case(receipt="0000 0000 0000 0001", passphrase=PASS)
    assert checked == [intake_receipts._dummy_hash()]
    intake_receipts.open_anonymous_case(receipt=receipt, passphrase=PASS)
    assert len(checked) == 2 and checked[1] == ReporterAccess.objects.get().passphrase_hash


@override_settings(RECEIPT_LOCKOUT_ATTEMPTS=3, RECEIPT_LOCKOUT_MINUTES=30)
def test_failed_passphrases_lock_the_receipt(world: Any, report_data: dict[str, Any]) -> None:
    _case, receipt = _submit(report_data)
    for _attempt in range(2):
        with pytest.raises(intake_receipts.NotFound):
            intake_receipts.open_anonymous_case(receipt=receipt, passphrase="falsch falsch")
    with pytest.raises(intake_receipts.TooManyRequests) as locked:
        intake_receipts.open_anonymous_case(receipt=receipt, passphrase="falsch falsch")
    assert "30" in locked.value.message and locked.value.retry_after_seconds is not None
    assert locked.value.retry_after_seconds > 29 * 60
    access = ReporterAccess.objects.get()
    assert access.locked_until is not None and access.locked_until > timezone.now()
    # Even the right passphrase waits until the lock expires.
    with pytest.raises(intake_receipts.TooManyRequests):
        intake_receipts.open_anonymous_case(receipt=receipt, passphrase=PASS)
    access.locked_until = timezone.now() - dt.timedelta(seconds=1)
    access.save()
    intake_receipts.open_anonymous_case(receipt=receipt, passphrase=PASS)
    access.refresh_from_db()
    assert access.failed_attempts == 0 and access.locked_until is None


@override_settings(RECEIPT_LOCKOUT_ATTEMPTS=3)
def test_a_success_resets_the_failure_count(world: Any, report_data: dict[str, Any]) -> None:
    _case, receipt = _submit(report_data)
    for _round in range(3):
        for _attempt in range(2):
            with pytest.raises(intake_receipts.NotFound):
                intake_receipts.open_anonymous_case(receipt=receipt, passphrase="falsch falsch")
        intake_receipts.open_anonymous_case(receipt=receipt, passphrase=PASS)
    assert ReporterAccess.objects.get().locked_until is None


def test_deleted_case_tells_only_the_right_passphrase(world: Any, report_data: dict[str, Any]) -> None:
    case, receipt = _submit(report_data)
    intake_receipts.tombstone_receipt(case)
    case.delete()
    assert DeletedReceipt.objects.count() == 1 and ReporterAccess.objects.count() == 0
    with pytest.raises(intake_receipts.ReceiptDeleted):
        intake_receipts.open_anonymous_case(receipt=receipt, passphrase=PASS)
    with pytest.raises(intake_receipts.NotFound):
        intake_receipts.open_anonymous_case(receipt=receipt, passphrase="falsch falsch")
    assert AuditEvent.objects.filter(object_type="intake.reporteraccess", action="delete").exists()


def test_reporter_reply_and_read_marks(world: Any, report_data: dict[str, Any],
                                       django_capture_on_commit_callbacks: Any) -> None:
    case, _receipt = _submit(report_data)
    team = CaseMessage.objects.create(case=case, body="Können Sie den Brief fotografieren?", is_question=True)
    CaseMessage.objects.create(case=case, body="interne Notiz", internal=True)
    assert [m.body for m in followup.visible_messages(case)] == [team.body]
    assert followup.mark_read_by_reporter(case) == 1
    with pytest.raises(ValidationError):
        followup.reporter_reply(case=case, body="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = followup.reporter_reply(case=case, body="Ja, anbei.")
    assert message.from_reporter and message.author is None
    # The team (here: the coordinators of the intake queue and the directorate's police) is told by e-mail,
    # without the message itself.
    recipients = {address for sent in mail.outbox for address in sent.to}
    assert world.coordinator.email in recipients and world.dresden_police.email in recipients
    assert all("Ja, anbei" not in sent.body for sent in mail.outbox)
    event = case.events.filter(kind=CaseEvent.Kind.MESSAGE).get()
    assert event.by_reporter and event.actor is None
    assert case.notifications.filter(user=world.coordinator, message__contains="Nachricht").exists() or \
        case.notifications.filter(user=world.coordinator).count() >= 2


@pytest.mark.django_db(transaction=True)
def test_anonymous_pages_store_no_address_or_user_agent(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    address, agent = "203.0.113.77", "DistinctiveBrowser/9.9 (intake-test)"
    extra = {"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent, "HTTP_X_FORWARDED_FOR": address}
    form = {**report_data, "occurred_at": timezone.localtime(report_data["occurred_at"]).strftime("%Y-%m-%dT%H:%M"),
            "passphrase": PASS, "passphrase_repeat": PASS}
    page = client.get("/melden/anonym/", **extra)
    form["form_token"] = page.context["form_token"]
    response = client.post("/melden/anonym/", form, **extra)
    assert response.status_code == 302, response.content
    receipt = client.get(response["Location"], **extra).context["receipt"]
    client.post("/melden/anonym/nachverfolgen/", {"action": "open", "receipt": "0" * 16, "passphrase": "x" * 10},
                **extra)
    response = client.post("/melden/anonym/nachverfolgen/", {"action": "open", "receipt": receipt,
                                                             "passphrase": PASS}, **extra)
    assert response.status_code == 302
    token = client.get("/melden/anonym/nachverfolgen/", **extra).context["reply_token"]
    client.post("/melden/anonym/nachverfolgen/", {"action": "reply", "reply-body": "Noch etwas.",
                                                  "form_token": token}, **extra)
    client.post("/api/v1/public/reports", {**report_data, "occurred_at": report_data["occurred_at"].isoformat(),
                                           "municipality_ags": world.pirna.ags, "passphrase": PASS,
                                           "passphrase_repeat": PASS},
                content_type="application/json", **extra)
    assert Case.objects.count() == 2 and CaseMessage.objects.filter(from_reporter=True).count() == 1
    text = _all_text()
    assert address not in text and agent not in text and "DistinctiveBrowser" not in text
