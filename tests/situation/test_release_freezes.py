"""Releasing freezes a report: later records do not change it, every change is refused in German, and the
release is audited with its as-of date."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.situation import services
from kommunalschutz.situation.models import SituationReport
from tests.conftest import World
from tests.factories import AgreementFactory
from tests.situation.conftest import MONTH, stat
from tests.situation.helpers import computed_report

PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_a_released_report_keeps_its_figures_when_the_records_change(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    report = services.update_press_text(actor=small_counts.coordinator, report=report, press_text="Heute: Zahlen.")
    released = services.release_report(actor=small_counts.coordinator, report=report)
    frozen = json.dumps([released.internal, released.public, released.press_text])
    for _ in range(6):
        stat(MONTH, channel="phone", district=small_counts.vogtland)
    AgreementFactory.create(municipality=small_counts.pirna, signed_on=dt.date(2024, 2, 1))
    again = SituationReport.objects.get(pk=report.pk)
    assert json.dumps([again.internal, again.public, again.press_text]) == frozen
    assert again.status == SituationReport.Status.RELEASED and again.released_by == small_counts.coordinator
    # A fresh computation of the same period does see the new records: the report is frozen, not the data.
    fresh = services.compute(again)
    assert json.dumps(fresh["internal"]) != json.dumps(again.internal)


def test_the_release_is_audited_with_its_as_of_date(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    services.release_report(actor=small_counts.coordinator, report=report)
    event = AuditEvent.objects.filter(object_type="situation.situationreport", object_id=str(report.pk)).latest("pk")
    assert event.actor_id == small_counts.coordinator.pk
    assert event.changes["status"] == {"old": "draft", "new": "released"}
    assert event.changes["period_end"] == {"old": "2024-12-31", "new": "2024-12-31"}
    assert event.changes["generated_at"]["new"] is not None
    assert AuditEvent.objects.filter(object_type="situation.situationreport", object_id=str(report.pk)).count() >= 3


def test_a_released_report_refuses_every_change_in_german(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    services.release_report(actor=small_counts.coordinator, report=report)
    before = AuditEvent.objects.count()
    for attempt in (lambda: services.update_press_text(actor=small_counts.coordinator, report=report, press_text="x"),
                    lambda: services.start_generation(actor=small_counts.coordinator, report=report),
                    lambda: services.release_report(actor=small_counts.coordinator, report=report),
                    lambda: services.store_figures(actor=None, report=report, computed={"internal": {}, "public": {}})):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert "ist freigegeben" in " ".join(refused.value.messages)
    assert AuditEvent.objects.count() == before


def test_a_report_without_figures_cannot_be_released(world: World) -> None:
    report = services.create_report(actor=world.coordinator, period_start=dt.date(2024, 1, 1),
                                    period_end=dt.date(2024, 3, 31), generate=False)
    with pytest.raises(ValidationError) as refused:
        services.release_report(actor=world.coordinator, report=report)
    assert "noch nicht berechnet" in " ".join(refused.value.messages)
    assert SituationReport.objects.get(pk=report.pk).status == SituationReport.Status.DRAFT
