"""Every council write leaves an audit event naming the actor."""

from __future__ import annotations

import datetime as dt

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World


def test_create_update_and_dissolve_are_audited(world: World) -> None:
    council = services.create_council(actor=world.pirna_coordinator, municipality=world.pirna, name="Rat",
                                      established_on=dt.date(2021, 1, 1), is_synthetic=True,
                                      source_url="https://example.org/rat")
    services.update_council(actor=world.pirna_coordinator, council=council, chair_name="Frau Vorsitz")
    services.dissolve_council(actor=world.coordinator, council=council, dissolved_on=dt.date(2023, 1, 1))
    events = list(AuditEvent.objects.filter(object_type="councils.preventioncouncil", object_id=str(council.pk))
                  .order_by("pk"))
    assert [(e.action, e.actor) for e in events] == [
        (AuditEvent.Action.CREATE, world.pirna_coordinator),
        (AuditEvent.Action.UPDATE, world.pirna_coordinator),
        (AuditEvent.Action.UPDATE, world.coordinator),
    ]
    assert events[1].changes == {"chair_name": {"old": "", "new": "Frau Vorsitz"}}
    assert events[2].changes == {"dissolved_on": {"old": None, "new": "2023-01-01"}}
    council.refresh_from_db()
    assert council.is_synthetic and not council.is_active


def test_district_council_is_possible_and_separate_from_its_municipalities(world: World) -> None:
    services.create_council(actor=world.coordinator, municipality=world.pirna, name="Rat Pirna",
                            established_on=dt.date(2021, 1, 1))
    district_council = services.create_council(actor=world.coordinator, district=world.soe, name="Kreisrat SOE",
                                               established_on=dt.date(2021, 1, 1))
    assert district_council.target == world.soe
    assert PreventionCouncil.objects.count() == 2
