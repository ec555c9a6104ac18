"""Every write updates the timeline, the audit trail and the statistical record; the first measure agreed
with the official moves the case to "measures agreed"."""

from __future__ import annotations

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent, IncidentStatistic
from kommunalschutz.protection.measures import services
from kommunalschutz.protection.measures.models import Partner, measure_bit, referral_bit
from tests.conftest import World
from tests.protection.measures.conftest import tomorrow


def test_statistic_masks_follow_the_measures(world: World, pirna_case: Case, partners: dict[str, Partner]) -> None:
    base = {"actor": world.coordinator, "case": pirna_case, "owner": world.coordinator, "due_on": tomorrow()}
    services.add_measure(kind="behaviour_advice", **base)
    referral = services.add_measure(kind="referral", partner=partners["hateaid"], **base)
    record = IncidentStatistic.objects.get(case=pirna_case)
    assert record.measure_mask == measure_bit("behaviour_advice") | measure_bit("referral")
    assert record.referral_mask == referral_bit("hateaid")
    services.update_measure(actor=world.coordinator, measure=referral, status="cancelled",
                            outcome="Die Betroffene möchte keine Beratung.")
    record.refresh_from_db()
    assert record.measure_mask == measure_bit("behaviour_advice") and record.referral_mask == 0


def test_first_agreed_measure_moves_the_case_on(world: World, pirna_case: Case) -> None:
    base = {"actor": world.coordinator, "case": pirna_case, "owner": world.coordinator, "due_on": tomorrow()}
    measure = services.add_measure(kind="named_contact", **base)
    pirna_case.refresh_from_db()
    assert pirna_case.status == Case.Status.ACKNOWLEDGED  # not agreed yet
    services.update_measure(actor=world.coordinator, measure=measure, agreed_with_official=True)
    pirna_case.refresh_from_db()
    assert pirna_case.status == Case.Status.MEASURES_AGREED
    assert CaseEvent.objects.filter(case=pirna_case, kind=CaseEvent.Kind.STATUS).count() == 1
    case_events = AuditEvent.objects.filter(object_type="cases.case", object_id=str(pirna_case.pk))
    assert any(e.changes.get("status") == {"old": "acknowledged", "new": "measures_agreed"} for e in case_events)
    # Later agreed measures leave the status alone (monitoring stays monitoring).
    Case.objects.filter(pk=pirna_case.pk).update(status=Case.Status.MONITORING)
    pirna_case.refresh_from_db()
    services.add_measure(kind="agreed_measures", agreed_with_official=True, **base)
    pirna_case.refresh_from_db()
    assert pirna_case.status == Case.Status.MONITORING


def test_new_case_is_not_moved_by_agreed_measures(world: World, pirna_case: Case) -> None:
    Case.objects.filter(pk=pirna_case.pk).update(status=Case.Status.NEW)
    pirna_case.refresh_from_db()
    services.add_measure(actor=world.coordinator, case=pirna_case, kind="behaviour_advice", owner=world.coordinator,
                         due_on=tomorrow(), agreed_with_official=True)
    pirna_case.refresh_from_db()
    assert pirna_case.status == Case.Status.NEW


def test_audit_masks_the_free_text(world: World, pirna_case: Case) -> None:
    measure = services.add_measure(actor=world.coordinator, case=pirna_case, kind="security_consultation",
                                   owner=world.coordinator, due_on=tomorrow(), description="Alarmanlage Wohnhaus")
    event = AuditEvent.objects.get(object_type="measures.measure", object_id=str(measure.pk))
    assert "Alarmanlage" not in str(event.changes) and "Alarmanlage" not in event.summary
    assert event.changes["description"]["new"] == "[secret]"
