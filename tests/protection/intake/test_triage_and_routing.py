"""Triage and routing: the responsible directorate, in-app and e-mail alarms, acknowledgement deadlines."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone

from kommunalschutz.foundation.core import states
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
    assert dt.date(2024, 11, 20) in states.public_holidays(2024)  # Buß- und Bettag
    assert dt.date(2025, 5, 29) in states.public_holidays(2025)  # Ascension
    assert dt.date(2025, 6, 9) in states.public_holidays(2025)  # Whit Monday
    assert states.easter_sunday(2027) == dt.date(2027, 3, 28)
    assert dt.date(2026, 6, 4) not in states.public_holidays(2026)  # Corpus Christi: not statewide
    assert dt.date(2026, 9, 20) not in states.public_holidays(2026)  # Thuringia's Weltkindertag


def test_the_holidays_come_from_the_state_package(settings: Any) -> None:
    settings.STATE_PACKAGE = "th"
    holidays = states.public_holidays(2027)
    assert dt.date(2027, 9, 20) in holidays  # Weltkindertag, Thuringia only
    assert dt.date(2027, 11, 17) not in holidays  # Buß- und Bettag, Saxony only
    assert dt.date(2027, 10, 31) in holidays and dt.date(2027, 3, 26) in holidays  # Reformation, Good Friday
    # Monday 20 September 2027 is a holiday in Thuringia: two working days from Friday end on Wednesday.
    friday = dt.datetime(2027, 9, 17, 9, 0, tzinfo=BERLIN)
    assert routing.acknowledgement_due(friday, acute=False) == dt.datetime(2027, 9, 22, 9, 0, tzinfo=BERLIN)
    settings.STATE_PACKAGE = "sn"
    assert routing.acknowledgement_due(friday, acute=False) == dt.datetime(2027, 9, 21, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("rules", [[], ["13-01"], ["02-30"], ["easter+x"], ["Buß- und Bettag"], "01-01"])
def test_a_package_with_a_bad_holiday_rule_is_refused(tmp_path: Path, rules: Any) -> None:
    manifest = json.loads((states.shipped()["th"] / states.MANIFEST).read_text(encoding="utf-8"))
    folder = tmp_path / "package"
    shutil.copytree(states.shipped()["th"], folder)
    manifest["public_holidays"] = rules
    (folder / states.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"public_holidays|public holiday"):
        states.read_package(folder)


def test_a_package_without_holidays_has_the_nationwide_ones(tmp_path: Path) -> None:
    folder = tmp_path / "package"
    shutil.copytree(states.shipped()["th"], folder)
    manifest = json.loads((folder / states.MANIFEST).read_text(encoding="utf-8"))
    del manifest["public_holidays"]
    (folder / states.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    rules = states.read_package(folder).public_holidays
    assert states.holidays_by_rules(rules, 2026) == {
        dt.date(2026, 1, 1), dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 5, 1), dt.date(2026, 5, 14),
        dt.date(2026, 5, 25), dt.date(2026, 10, 3), dt.date(2026, 12, 25), dt.date(2026, 12, 26)}


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
