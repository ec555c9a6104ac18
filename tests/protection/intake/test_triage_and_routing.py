"""Triage and routing: the responsible directorate, in-app and e-mail alarms, acknowledgement deadlines."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases import routing
from kommunalschutz.protection.cases.models import Case, CaseEvent, IncidentStatistic, Notification
from kommunalschutz.protection.intake import reporting

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _create(world: Any, data: dict[str, Any], capture: Any, **kwargs: Any) -> Case:
    with capture(execute=True):
        case = reporting.create_case(actor=kwargs.pop("actor", world.pirna_official), data=data,
                                     intake=kwargs.pop("intake", "self"), **kwargs)
    case.refresh_from_db()
    return case


def test_acute_case_alarms_the_responsible_police_by_mail_and_in_app(
        world: Any, report_data: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    case = _create(world, {**report_data, "threat_to_life": True}, django_capture_on_commit_callbacks,
                   affected_user=world.pirna_official)
    assert case.is_acute and case.police_directorate == world.dresden_pd
    assert [m.to for m in mail.outbox] == [[world.dresden_police.email]]
    message = mail.outbox[0]
    assert case.reference in message.subject and f"/faelle/{case.pk}/" in message.body
    assert report_data["description"] not in message.body and "Pirna" not in message.body
    notified = set(Notification.objects.filter(case=case).values_list("user__username", flat=True))
    assert notified == {"dresden_police", "coordinator"}
    assert all(case.reference in n.message and "Drohbrief" not in n.message
               for n in Notification.objects.filter(case=case))
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [CaseEvent.Kind.CREATED, CaseEvent.Kind.TRIAGED, CaseEvent.Kind.NOTIFIED]
    assert IncidentStatistic.objects.get(case=case).is_acute
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), action="create").exists()
    assert case.acknowledgement_due_at == case.reported_at + dt.timedelta(hours=1)


def test_danger_now_alone_is_acute(world: Any, report_data: dict[str, Any],
                                   django_capture_on_commit_callbacks: Any) -> None:
    case = _create(world, {**report_data, "danger_now": True}, django_capture_on_commit_callbacks)
    assert case.is_acute and len(mail.outbox) == 1


def test_non_acute_case_notifies_in_app_only(world: Any, report_data: dict[str, Any],
                                             django_capture_on_commit_callbacks: Any) -> None:
    case = _create(world, report_data, django_capture_on_commit_callbacks)
    assert not case.is_acute
    assert mail.outbox == []
    assert set(Notification.objects.filter(case=case).values_list("user__username", flat=True)) == {
        "dresden_police", "coordinator"}


def test_a_plauen_case_goes_to_zwickau_not_dresden(world: Any, report_data: dict[str, Any],
                                                   django_capture_on_commit_callbacks: Any) -> None:
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    zwickau_contact = UserFactory.create(username="zwickau_police")
    MembershipFactory.create(user=zwickau_contact, role="police_contact", organisation=OrganisationFactory.create(
        kind="police_directorate", name="PD Zwickau", police_directorate=world.zwickau_pd))
    case = _create(world, {**report_data, "municipality": world.plauen.pk, "danger_now": True,
                                  "affected_name": "Bürgermeister Plauen", "affected_contact": "03741 0000"},
                   django_capture_on_commit_callbacks, actor=world.plauen_coordinator, intake="on_behalf",
                   affected_user=None)
    assert case.police_directorate == world.zwickau_pd and case.district == world.vogtland
    assert [m.to for m in mail.outbox] == [[zwickau_contact.email]]
    assert not Notification.objects.filter(case=case, user=world.dresden_police).exists()


def test_inactive_police_contacts_get_nothing(world: Any, report_data: dict[str, Any],
                                              django_capture_on_commit_callbacks: Any) -> None:
    world.dresden_police.is_active = False
    world.dresden_police.save()
    _create(world, {**report_data, "danger_now": True}, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_no_notifications_when_not_asked(world: Any, report_data: dict[str, Any],
                                         django_capture_on_commit_callbacks: Any) -> None:
    case = _create(world, {**report_data, "danger_now": True}, django_capture_on_commit_callbacks,
                   notify_now=False, is_synthetic=True, reported_at=timezone.now())
    assert mail.outbox == [] and not Notification.objects.filter(case=case).exists()
    assert case.is_synthetic and IncidentStatistic.objects.get(case=case).is_synthetic


def test_working_days_skip_the_weekend() -> None:
    friday = dt.datetime(2026, 3, 6, 15, 30, tzinfo=BERLIN)
    assert routing.acknowledgement_due(friday, acute=False) == dt.datetime(2026, 3, 10, 15, 30, tzinfo=BERLIN)
    saturday = dt.datetime(2026, 3, 7, 9, 0, tzinfo=BERLIN)
    assert routing.acknowledgement_due(saturday, acute=False) == dt.datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN)


def test_working_days_skip_saxon_holidays() -> None:
    # Buß- und Bettag 2026 is Wednesday 18 November (a holiday only in Saxony).
    monday = dt.datetime(2026, 11, 16, 10, 0, tzinfo=BERLIN)
    assert routing.acknowledgement_due(monday, acute=False) == dt.datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN)
    # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    thursday = dt.datetime(2026, 4, 2, 8, 0, tzinfo=BERLIN)
    assert routing.acknowledgement_due(thursday, acute=False) == dt.datetime(2026, 4, 8, 8, 0, tzinfo=BERLIN)
    # Reformation Day 31 October 2025 is a Friday.
    thursday = dt.datetime(2025, 10, 30, 12, 0, tzinfo=BERLIN)
    assert routing.acknowledgement_due(thursday, acute=False) == dt.datetime(2025, 11, 4, 12, 0, tzinfo=BERLIN)


def test_saxon_holidays_are_computed() -> None:
    assert dt.date(2024, 11, 20) in routing.saxony_holidays(2024)
    assert dt.date(2025, 5, 29) in routing.saxony_holidays(2025)  # Ascension
    assert dt.date(2025, 6, 9) in routing.saxony_holidays(2025)  # Whit Monday
    assert routing.easter_sunday(2027) == dt.date(2027, 3, 28)
    assert dt.date(2026, 6, 4) not in routing.saxony_holidays(2026)  # Corpus Christi: not statewide


@override_settings(CASE_ACK_HOURS_ACUTE=3, CASE_ACK_WORKING_DAYS=1)
def test_deadlines_follow_the_settings() -> None:
    monday = dt.datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN)
    assert routing.acknowledgement_due(monday, acute=True) == monday + dt.timedelta(hours=3)
    assert routing.acknowledgement_due(monday, acute=False) == dt.datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)


def test_retriage_marks_acute_shortens_the_deadline_and_alarms(
        world: Any, report_data: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    case = _create(world, report_data, django_capture_on_commit_callbacks)
    old_due = case.acknowledgement_due_at
    assert routing.retriage(case=case, actor=world.coordinator) is False
    case.threat_to_life = True
    case.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert routing.retriage(case=case, actor=world.coordinator) is True
    case.refresh_from_db()
    assert old_due is not None and case.acknowledgement_due_at is not None
    assert case.is_acute and case.acknowledgement_due_at < old_due
    assert [m.to for m in mail.outbox] == [[world.dresden_police.email]]
    assert IncidentStatistic.objects.get(case=case).is_acute
    assert case.events.filter(kind=CaseEvent.Kind.TRIAGED).count() == 2
    assert routing.retriage(case=case, actor=world.coordinator) is False
