"""The acute alarm e-mail is owed in the intake's transaction: a process that dies after the commit and
before the sending leaves it to the task worker, which sends it once (cases.routing.send_pending_alarms)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from django.utils import timezone

from kommunalschutz.protection.cases import routing
from kommunalschutz.protection.cases.models import Case, PendingAlarm
from kommunalschutz.protection.intake import reporting


def _acute(world: Any, report_data: dict[str, Any]) -> Case:
    return reporting.create_case(actor=world.pirna_official, data={**report_data, "threat_to_life": True},
                                 intake="self", affected_user=world.pirna_official)


def test_an_alarm_owed_by_a_dead_process_is_sent_once_by_the_task_worker(
        world: Any, report_data: dict[str, Any]) -> None:
    # The commit's callbacks never run here: as if the web worker was killed right after the commit.
    case = _acute(world, report_data)
    assert mail.outbox == []
    owed = PendingAlarm.objects.get(case=case)
    assert owed.recipient == world.dresden_police and owed.sent_at is None
    # Within the first minute the process that wrote it is still expected to send it.
    assert routing.send_pending_alarms(now=owed.created_at + dt.timedelta(seconds=30)) == 0
    later = timezone.now() + dt.timedelta(minutes=2)
    assert routing.send_pending_alarms(now=later) == 1
    assert [m.to for m in mail.outbox] == [[world.dresden_police.email]]
    assert case.reference in mail.outbox[0].subject and "AKUT" in mail.outbox[0].subject
    assert report_data["description"] not in mail.outbox[0].body
    assert routing.send_pending_alarms(now=later) == 0
    assert len(mail.outbox) == 1


def test_the_alarm_sent_after_the_commit_is_not_sent_again(
        world: Any, report_data: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = _acute(world, report_data)
    assert len(mail.outbox) == 1
    assert PendingAlarm.objects.get(case=case).sent_at is not None
    assert routing.send_pending_alarms(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert len(mail.outbox) == 1


def test_a_failed_sending_stays_owed_and_is_tried_again(
        world: Any, report_data: dict[str, Any], settings: Any) -> None:
    case = _acute(world, report_data)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    later = timezone.now() + dt.timedelta(minutes=2)
    assert routing.send_pending_alarms(now=later) == 0
    assert PendingAlarm.objects.get(case=case).sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert routing.send_pending_alarms(now=later) == 1
    assert len(mail.outbox) == 1

