"""History is kept (nothing is edited in place); reminders of re-assessments go out once, in the app and by
e-mail, without personal data; overdue re-assessments show on the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from kommunalschutz.protection.assessments import services, tasks
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.cases.models import Case, Notification
from tests.conftest import World
from tests.protection.assessments.conftest import ratings

pytestmark = pytest.mark.django_db


def test_a_reassessment_is_a_new_row_and_the_old_one_is_unchanged(world: World, case: Case, record: Any,
                                                                   login: Any) -> None:
    first = record("low", rationale="Erste Einschätzung: bisher nur eine einzelne beleidigende E-Mail.")
    first_ratings = {r.behaviour: (r.rating, r.evidence_notes) for r in first.ratings.all()}
    second = record("moderate", rationale="Zweite Einschätzung: weitere Schreiben mit steigender Frequenz.",
                    ratings=ratings(direct_threat="present", energy_burst="partly"), route="both")
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.rationale.startswith("Erste Einschätzung")
    assert first.level == "low"
    assert {r.behaviour: (r.rating, r.evidence_notes) for r in first.ratings.all()} == first_ratings
    assert ThreatAssessment.objects.filter(case=case).count() == 2
    page = login(world.coordinator).get(f"/gefaehrdungsbewertung/fall/{case.pk}/").content.decode()
    assert "Erste Einschätzung" in page and "Zweite Einschätzung" in page
    # The changes to the previous assessment are named in words: level, route and the changed behaviour.
    assert "energy burst" in page or "Energieschub" in page
    assert page.count("rating-changed") == 1


def _due(record: Any, days: int) -> ThreatAssessment:
    assessment: ThreatAssessment = record("moderate", next_review_on=timezone.localdate() + dt.timedelta(days=days))
    return assessment


def test_reminders_are_sent_once_in_the_app_and_by_email(world: World, case: Case, record: Any) -> None:
    assessment = _due(record, 10)
    Notification.objects.all().delete()
    today = timezone.localdate()
    assert services.send_reassessment_reminders(today) == 0
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + dt.timedelta(days=7)):
        day = timezone.localdate()
        assert services.send_reassessment_reminders() == 1
        assessment.refresh_from_db()
        assert assessment.reminder_sent_on == day
        recipients = sorted(address for message in mail.outbox for address in message.to)
        assert recipients == sorted([world.coordinator.email, world.dresden_police.email])
        message = mail.outbox[0]
        assert case.reference in message.subject
        assert assessment.next_review_on.strftime("%d.%m.%Y") in message.body
        assert f"/gefaehrdungsbewertung/fall/{case.pk}/" in message.body
        for secret in ("Erika", "Drohbrief", "Bürgermeisterin", "Beleg zu"):
            assert secret not in message.body and secret not in message.subject
        notes = Notification.objects.filter(case=case)
        assert {n.user for n in notes} == {world.coordinator, world.dresden_police}
        assert all(case.reference in n.message and "Erika" not in n.message for n in notes)
        # Sent once: the next run, and the runs on the following days, send nothing more.
        assert services.send_reassessment_reminders() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=12)):
        assert tasks.send_reassessment_reminders.call_local() == 0
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(case=case).count() == 2


def test_the_periodic_task_reminds_overdue_assessments_and_skips_superseded_and_closed(
        world: World, case: Case, record: Any) -> None:
    old = _due(record, 2)
    ThreatAssessment.objects.filter(pk=old.pk).update(next_review_on=timezone.localdate() - dt.timedelta(days=5))
    with time_machine.travel(timezone.now()):
        assert tasks.send_reassessment_reminders.call_local() == 1
    old.refresh_from_db()
    assert old.reminder_sent_on == timezone.localdate()
    mail.outbox.clear()
    # A superseded assessment is not reminded; neither is one of a closed case.
    newer = _due(record, 1)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert services.send_reassessment_reminders() == 0
    Case.objects.filter(pk=case.pk).update(status=Case.Status.MONITORING)
    assert services.send_reassessment_reminders() == 1
    newer.refresh_from_db()
    assert newer.reminder_sent_on is not None
    old.refresh_from_db()
    assert old.state == ThreatAssessment.State.SUPERSEDED


def test_high_awaiting_review_is_not_reminded(world: World, record: Any) -> None:
    _due(record, 5)
    high = record("high", next_review_on=timezone.localdate() + dt.timedelta(days=1))
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        assert services.send_reassessment_reminders() == 1
    high.refresh_from_db()
    assert high.reminder_sent_on is None


def test_overdue_reassessments_are_listed_on_the_page(world: World, case: Case, record: Any, login: Any) -> None:
    assessment = _due(record, 3)
    client = login(world.coordinator)
    url = f"/gefaehrdungsbewertung/fall/{case.pk}/"
    assert 'id="overdue-reassessments"' not in client.get(url).content.decode()
    # The due date passes (moved back in the database: a session does not survive days of travel).
    past = timezone.localdate() - dt.timedelta(days=1)
    ThreatAssessment.objects.filter(pk=assessment.pk).update(next_review_on=past)
    page = client.get(url).content.decode()
    assert 'id="overdue-reassessments"' in page
    assert past.strftime("%d.%m.%Y") in page
