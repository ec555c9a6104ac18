"""The rules of a measure, checked by the service: each refusal names its field and saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.measures import services
from kommunalschutz.protection.measures.models import Measure, Partner
from tests.conftest import World
from tests.protection.measures.conftest import tomorrow


def _refused(field: str, **kwargs: Any) -> None:
    measures, events = Measure.objects.count(), CaseEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.add_measure(**kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    assert (Measure.objects.count(), CaseEvent.objects.count()) == (measures, events)


def test_referral_needs_an_active_partner(world: World, pirna_case: Case, partners: dict[str, Partner]) -> None:
    base = {"actor": world.coordinator, "case": pirna_case, "owner": world.coordinator, "due_on": tomorrow()}
    _refused("partner", kind="referral", **base)
    Partner.objects.filter(pk=partners["hateaid"].pk).update(is_active=False)
    _refused("partner", kind="referral", partner=Partner.objects.get(pk=partners["hateaid"].pk), **base)
    measure = services.add_measure(kind="referral", partner=partners["starke_stelle"], **base)
    assert measure.partner == partners["starke_stelle"]


def test_partner_only_for_a_referral(world: World, pirna_case: Case, partners: dict[str, Partner]) -> None:
    _refused("partner", actor=world.coordinator, case=pirna_case, kind="behaviour_advice",
             partner=partners["zastex"], owner=world.coordinator, due_on=tomorrow())


def test_owner_must_be_on_the_case_team(world: World, pirna_case: Case) -> None:
    base = {"actor": world.coordinator, "case": pirna_case, "kind": "named_contact", "due_on": tomorrow()}
    _refused("owner", owner=world.plauen_coordinator, **base)
    _refused("owner", owner=world.pirna_official, **base)  # the reporter is not on the team
    _refused("owner", owner=None, **base)
    assert services.add_measure(owner=world.dresden_police, **base).owner == world.dresden_police


def test_due_date_required_and_not_in_the_past(world: World, pirna_case: Case) -> None:
    base = {"actor": world.coordinator, "case": pirna_case, "kind": "named_contact", "owner": world.coordinator}
    _refused("due_on", due_on=timezone.localdate() - dt.timedelta(days=1), **base)
    _refused("due_on", due_on=None, **base)
    assert services.add_measure(due_on=timezone.localdate(), **base).due_on == timezone.localdate()


def test_protection_kind_only_and_always_for_a_protection_request(world: World, pirna_case: Case) -> None:
    base = {"actor": world.coordinator, "case": pirna_case, "owner": world.coordinator, "due_on": tomorrow()}
    _refused("protection_kind", kind="protection_request", **base)
    _refused("protection_kind", kind="behaviour_advice", protection_kind="personal", **base)
    _refused("kind", kind="tea_party", **base)
    pirna_case.refresh_from_db()
    assert not pirna_case.lka_involved


def test_closed_case_takes_no_measures(world: World, pirna_case: Case) -> None:
    Case.objects.filter(pk=pirna_case.pk).update(status=Case.Status.CLOSED)
    _refused("__all__", actor=world.coordinator, case=pirna_case, kind="named_contact", owner=world.coordinator,
             due_on=tomorrow())


def test_done_needs_an_outcome_and_cancelled_a_reason(world: World, pirna_case: Case) -> None:
    measure = services.add_measure(actor=world.coordinator, case=pirna_case, kind="security_consultation",
                                   owner=world.dresden_police, due_on=tomorrow(), description="Termin im Rathaus")
    for status in ("done", "cancelled"):
        with pytest.raises(ValidationError) as caught:
            services.update_measure(actor=world.dresden_police, measure=measure, status=status, outcome="  ")
        assert "outcome" in caught.value.message_dict
        measure.refresh_from_db()
        assert measure.status == "planned"
    with pytest.raises(ValidationError) as caught:
        services.update_measure(actor=world.coordinator, measure=measure,
                                due_on=timezone.localdate() - dt.timedelta(days=3))
    assert "due_on" in caught.value.message_dict
    done = services.update_measure(actor=world.dresden_police, measure=measure, status="done",
                                   outcome="Beratung durchgeführt, Türspion empfohlen.")
    assert done.status == "done"
    assert AuditEvent.objects.filter(object_type="measures.measure", object_id=str(measure.pk),
                                     action=AuditEvent.Action.UPDATE).count() == 1
    assert CaseEvent.objects.filter(case=pirna_case, kind=CaseEvent.Kind.MEASURE).count() == 2
