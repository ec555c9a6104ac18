"""The daily reminder of agreed review dates: e-mails the partners once per review, as a system action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from kommunalschutz.alliance.programme import agreements, reminders
from kommunalschutz.alliance.programme.tasks import send_agreement_review_reminders
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.programme.conftest import draft
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def signed(world: Any, settings: Any) -> Any:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AGREEMENT_REVIEW_REMINDER_DAYS = 14
    return agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=dt.date(2021, 6, 25))


def test_a_review_due_soon_is_reminded_once_to_both_coordinations(world: Any, signed: Any) -> None:
    today = timezone.localdate()
    due = agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today + dt.timedelta(days=10))
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today + dt.timedelta(days=30))
    assert reminders.send_review_reminders() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator@example.org", "pirna_coordinator@example.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert "Kooperationsvereinbarung Pirna, Stadt" in mail.outbox[0].subject
    assert f"/allianz/vereinbarungen/{signed.pk}/" in mail.outbox[0].body
    due.refresh_from_db()
    assert due.reminder_sent_at is not None
    event = AuditEvent.objects.get(object_type="alliance.agreementreview", action="update")
    assert event.actor is None and event.actor_label == "system"

    assert reminders.send_review_reminders() == 0
    assert len(mail.outbox) == 2


def test_the_daily_task_sends_the_reminders(world: Any, signed: Any) -> None:
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=timezone.localdate())
    send_agreement_review_reminders()
    assert len(mail.outbox) == 2


def test_completed_reviews_drafts_and_inactive_people_get_no_reminder(world: Any, signed: Any) -> None:
    today = timezone.localdate()
    done = agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today)
    agreements.complete_review(actor=world.coordinator, review=done, completed_on=today, outcome="erledigt")
    other = draft(world, title="Entwurf ohne Unterschrift")
    agreements.add_review(actor=world.coordinator, agreement=other, due_on=today)
    assert reminders.send_review_reminders() == 0
    assert mail.outbox == []

    world.pirna_coordinator.is_active = False
    world.pirna_coordinator.save()
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today)
    reminders.send_review_reminders()
    assert [m.to for m in mail.outbox] == [["coordinator@example.org"]]


def test_people_of_other_municipalities_are_not_reminded(world: Any, signed: Any) -> None:
    MembershipFactory.create(user=UserFactory.create(username="zweite"), organisation=world.pirna_org,
                             role="municipal_coordinator")
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=timezone.localdate())
    reminders.send_review_reminders()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coordinator@example.org", "pirna_coordinator@example.org", "zweite@example.org"]
