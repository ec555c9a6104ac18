"""Importing the same data again changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import District, Municipality, MunicipalityNameChange
from kommunalschutz.foundation.registry.services import import_registry


def _state() -> tuple[Sequence[tuple[object, ...]], Sequence[tuple[object, ...]], int]:
    municipalities = list(Municipality.objects.order_by("ags").values_list(
        "ags", "name", "population", "updated_at", "valid_until", "successor_id", "phone", "boundary"))
    districts = list(District.objects.order_by("ags").values_list("ags", "population", "updated_at", "seat"))
    return municipalities, districts, MunicipalityNameChange.objects.count()


def test_reimport_of_the_same_data_writes_no_row_and_records_only_the_import(saxony: ImportResult) -> None:
    before = _state()
    events_before = AuditEvent.objects.count()

    again = import_registry(actor=None)

    assert _state() == before
    assert (again.created, again.updated, again.dissolved, again.renamed) == (0, 0, 0, 0)
    assert again.unchanged == 418
    assert not again.changed
    new_events = AuditEvent.objects.order_by("id")[events_before:]
    assert [event.action for event in new_events] == [AuditEvent.Action.IMPORT]
    assert new_events[0].changes["municipalities"] == {"old": 418, "new": 418}


def test_reimport_after_a_local_edit_restores_the_reference_value_and_audits_it(saxony: ImportResult) -> None:
    Municipality.objects.filter(ags="14628270").update(population=1)

    result = import_registry(actor=None)

    assert result.updated == 1
    pirna = Municipality.objects.get(ags="14628270")
    assert pirna.population == 40128
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(pirna.pk)).get()
    assert event.changed_fields == ["population"]
    assert event.changes["population"] == {"old": 1, "new": 40128}
