"""Retention: cases closed more than CASE_RETENTION_MONTHS ago are deleted; the anonymous statistical
record stays (anonymised), an audit entry without personal data is written, a younger closed case
and open cases stay."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases import messaging, retention, services, workflow
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseMessage, IncidentStatistic, Notification
from kommunalschutz.protection.evidence import services as evidence_services
from tests.conftest import World
from tests.files import StoredPath
from tests.protection.cases.conftest import make_case

BERLIN = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture
def evidence_root() -> StoredPath:
    return StoredPath("evidence")


def _closed_case(world: World, when: dt.datetime, **fields: Any) -> Case:
    with time_machine.travel(when, tick=False):
        values: dict[str, Any] = {"municipality": world.pirna, "reported_by": world.pirna_official,
                                  "owner": world.coordinator, "status": "acknowledged",
                                  "acknowledged_at": timezone.now(), **fields}
        case = make_case(**values)
        messaging.post_message(actor=world.coordinator, case=case, body="Wir kümmern uns.")
        evidence_services.add_file(case=case, actor=world.coordinator,
                                   upload=SimpleUploadedFile("brief.txt", b"Wir wissen, wo Sie wohnen.",
                                                             content_type="text/plain"))
        services.notify([world.coordinator], case, f"Fall {case.reference}")
        return workflow.close_case(actor=world.coordinator, case=case, reason="resolved", note="erledigt")


@override_settings(CASE_RETENTION_MONTHS=24)
def test_old_closed_cases_are_deleted_and_the_statistic_stays(world: World, evidence_root: StoredPath,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    old = _closed_case(world, dt.datetime(2023, 3, 10, 12, 0, tzinfo=BERLIN), reported_at=dt.datetime(
        2023, 2, 20, 9, 0, tzinfo=BERLIN))
    young = _closed_case(world, dt.datetime(2024, 6, 1, 12, 0, tzinfo=BERLIN))
    running = make_case(municipality=world.pirna, status="monitoring", owner=world.coordinator)
    old_pk, old_reference = old.pk, old.reference
    statistic_pk = old.statistic.pk

    assert len([p for p in evidence_root.iterdir() if p.is_file()]) == 2
    with time_machine.travel(dt.datetime(2025, 3, 9, 12, 0, tzinfo=BERLIN), tick=False):
        assert retention.apply_retention() == 0  # one day short of 24 months
    with time_machine.travel(dt.datetime(2025, 3, 11, 4, 0, tzinfo=BERLIN), tick=False):
        assert retention.apply_retention(dry_run=True) == 1
        assert Case.objects.filter(pk=old_pk).exists()
        with django_capture_on_commit_callbacks(execute=True):  # files go when the deletion commits
            assert retention.apply_retention() == 1
        assert retention.apply_retention() == 0  # idempotent

    assert not Case.objects.filter(pk=old_pk).exists()
    assert len([p for p in evidence_root.iterdir() if p.is_file()]) == 1  # only the young case's file
    assert not CaseMessage.objects.filter(case_id=old_pk).exists()
    assert not CaseEvent.objects.filter(case_id=old_pk).exists()
    assert not Notification.objects.filter(case_id=old_pk).exists()
    assert set(Case.objects.values_list("pk", flat=True)) == {young.pk, running.pk}

    statistic = IncidentStatistic.objects.get(pk=statistic_pk)
    assert statistic.case_id is None and statistic.anonymised and statistic.is_closed
    assert statistic.reported_on == dt.date(2023, 2, 1)  # coarsened to the month
    assert statistic.closing_reason == "resolved"

    entry = AuditEvent.objects.get(object_type="cases.case", object_id=str(old_pk), action="delete")
    assert entry.summary == "deleted after the retention period"
    assert entry.actor is None and old_reference == entry.object_repr
    assert "Wir kümmern" not in str(entry.changes) and "erledigt" not in str(entry.changes)


@override_settings(CASE_RETENTION_MONTHS=1)
def test_the_setting_and_the_command(world: World) -> None:
    case = _closed_case(world, timezone.now() - dt.timedelta(days=45))
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "1 " in out.getvalue() and Case.objects.filter(pk=case.pk).exists()
    call_command("apply_retention", stdout=out)
    assert not Case.objects.filter(pk=case.pk).exists()


def test_the_receipt_is_tombstoned(world: World) -> None:
    """An anonymous case's receipt becomes a tombstone, so its holder learns the case was deleted."""
    from kommunalschutz.protection.intake.models import DeletedReceipt, ReporterAccess

    case = _closed_case(world, timezone.now() - dt.timedelta(days=800), intake="anonymous", reported_by=None)
    ReporterAccess.objects.create(case=case, receipt_digest="d" * 64, passphrase_hash="argon2$fake")
    retention.apply_retention()
    assert not Case.objects.filter(pk=case.pk).exists()
    assert DeletedReceipt.objects.filter(receipt_digest="d" * 64).exists()
    assert not ReporterAccess.objects.exists()


def test_the_nightly_task_runs_the_service(world: World) -> None:
    from kommunalschutz.protection.cases.tasks import apply_retention

    case = _closed_case(world, timezone.now() - dt.timedelta(days=800))
    assert apply_retention.call_local() == 1
    assert not Case.objects.filter(pk=case.pk).exists()
