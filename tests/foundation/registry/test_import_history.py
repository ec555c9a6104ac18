"""A newer edition updates rows in place and keeps the history of merged and renamed municipalities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import Municipality, MunicipalityNameChange
from kommunalschutz.foundation.registry.readers import RegistryImportError
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import DATA, JAHNATAL

OLDER = [DATA / "sachsen_gemeinden_2022-12-31.csv"]
OSTRAU, ZSCHAITZ_OTTEWIG, AMTSBERG, CHEMNITZ = "14522450", "14522620", "14521010", "14511000"
Kind = MunicipalityNameChange.Kind


@pytest.fixture
def upgraded(db: None) -> tuple[ImportResult, ImportResult, int]:
    """The 2022 state first, then the shipped 2025 edition; also the audit event count between them."""
    older = import_registry(actor=None, sources=OLDER)
    events = AuditEvent.objects.count()
    newer = import_registry(actor=None)
    return older, newer, events


def test_older_edition_holds_ostrau_and_zschaitz_ottewig(db: None) -> None:
    result = import_registry(actor=None, sources=OLDER)
    assert result.reference_date == dt.date(2022, 12, 31)
    assert result.municipalities == 419
    assert not Municipality.objects.filter(ags=JAHNATAL).exists()
    assert SiteState.load().registry_reference_date == dt.date(2022, 12, 31)


def test_newer_edition_dissolves_the_merged_municipalities_and_links_the_successor(
    upgraded: tuple[ImportResult, ImportResult, int],
) -> None:
    _older, newer, _events = upgraded
    assert (newer.municipalities, newer.population) == (418, 4_042_422)
    assert newer.dissolved == 2 and newer.created == 1
    jahnatal = Municipality.objects.get(ags=JAHNATAL)
    for ags in (OSTRAU, ZSCHAITZ_OTTEWIG):
        old = Municipality.objects.get(ags=ags)
        assert old.valid_until == dt.date(2022, 12, 31)
        assert old.successor == jahnatal
        merged = old.history.get()
        assert (merged.kind, merged.effective, merged.related, merged.related_ags) == (
            Kind.MERGED, dt.date(2023, 1, 1), jahnatal, JAHNATAL)
    formed = jahnatal.history.filter(kind=Kind.FORMED).order_by("related_ags")
    assert [(e.related.ags if e.related else None, e.related_ags) for e in formed] == [
        (OSTRAU, OSTRAU), (ZSCHAITZ_OTTEWIG, ZSCHAITZ_OTTEWIG)]
    assert set(jahnatal.predecessors.values_list("ags", flat=True)) == {OSTRAU, ZSCHAITZ_OTTEWIG}


def test_renamed_municipality_keeps_its_row_and_gets_a_rename_entry(
    upgraded: tuple[ImportResult, ImportResult, int],
) -> None:
    _older, newer, _events = upgraded
    amtsberg = Municipality.objects.get(ags=AMTSBERG)
    assert amtsberg.name == "Amtsberg"
    rename = amtsberg.history.get()
    assert (rename.kind, rename.old_name, rename.new_name, rename.effective) == (
        Kind.RENAMED, "Amtsberg im Erzgebirge", "Amtsberg", dt.date(2025, 11, 30))
    assert newer.renamed == 1


def test_changed_municipalities_get_update_events_naming_the_changed_fields(
    upgraded: tuple[ImportResult, ImportResult, int],
) -> None:
    _older, newer, events_before = upgraded
    events = list(AuditEvent.objects.order_by("id")[events_before:])
    imports = [e for e in events if e.action == AuditEvent.Action.IMPORT]
    assert len(imports) == 1
    assert imports[0].changes["reference_date"] == {"old": "2022-12-31", "new": "2025-11-30"}
    assert imports[0].changes["municipalities"] == {"old": 419, "new": 418}
    assert "1 created, 2 updated, 2 dissolved, 1 renamed" in imports[0].summary
    updates = {e.object_repr: e for e in events if e.action == AuditEvent.Action.UPDATE
               and e.object_type == "registry.municipality"}
    chemnitz = Municipality.objects.get(ags=CHEMNITZ)
    assert updates["Chemnitz, Stadt"].changed_fields == ["population", "population_female", "population_male"]
    assert updates["Chemnitz, Stadt"].changes["population"] == {"old": 246000, "new": chemnitz.population}
    assert updates["Amtsberg"].changed_fields == ["name"]
    assert set(updates["Ostrau"].changed_fields) == {"successor_id", "valid_until"}
    # Everything else was only moved to the new reference date, which the IMPORT event records.
    assert newer.updated == 2
    assert Municipality.objects.filter(valid_until__isnull=True).exclude(
        reference_date=dt.date(2025, 11, 30)).count() == 0


def test_history_survives_a_repeated_import_unchanged(upgraded: tuple[ImportResult, ImportResult, int]) -> None:
    history = list(MunicipalityNameChange.objects.order_by("id").values_list("municipality__ags", "kind"))
    again = import_registry(actor=None)
    assert not again.changed
    assert list(MunicipalityNameChange.objects.order_by("id").values_list("municipality__ags", "kind")) == history


def test_an_older_edition_is_refused_after_a_newer_one(upgraded: tuple[ImportResult, ImportResult, int]) -> None:
    with pytest.raises(RegistryImportError, match="älter als die Daten des Verzeichnisses"), \
            translation.override("de"):
        import_registry(actor=None, sources=OLDER)
    assert Municipality.objects.get(ags=AMTSBERG).name == "Amtsberg"
