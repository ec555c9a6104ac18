"""Bad input is refused with an error naming file, line and column, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from kommunalschutz.foundation.registry import importer
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import District, Municipality, MunicipalityNameChange, PoliceDirectorate
from kommunalschutz.foundation.registry.readers import RegistryImportError
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import DATA

SHIPPED = Path(importer.data_dir())


def _nothing_written() -> None:
    assert Municipality.objects.count() == 0
    assert District.objects.count() == 0
    assert PoliceDirectorate.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert SiteState.objects.filter(registry_reference_date__isnull=False).count() == 0


def _latin1_position(path: Path) -> tuple[int, int]:
    """Line and column of the first non-ASCII character, where the UTF-8 decoder must stop."""
    for number, line in enumerate(path.read_bytes().decode("latin-1").splitlines(), start=1):
        for column, char in enumerate(line, start=1):
            if ord(char) > 127:
                return number, column
    raise AssertionError("no non-ASCII character in the fixture")


@pytest.mark.parametrize(("fixture", "line", "column", "message"), [
    ("municipalities_semicolon.csv", 1, None, "falsches Trennzeichen: erwartet wird ',' zwischen den Spalten, die "
                                             "Kopfzeile ist aber durch ';' getrennt"),
    ("municipalities_missing_column.csv", 1, None, "fehlende Spalte(n): bevoelkerung"),
    ("municipalities_ags_seven_digits.csv", 4, "2 (ags)", "fehlerhafter AGS '1452102': erwartet werden 8 Ziffern"),
    ("municipalities_ags_wrong_state.csv", 4, "2 (ags)", "AGS 15521020 beginnt nicht mit dem Landesschlüssel 14"),
    ("municipalities_district_mismatch.csv", 4, "7 (kreis_ags)",
     "Kreisschlüssel '14522' passt nicht zum AGS 14521020 (dessen Kreisteil 14521 ist)"),
    ("gv100ad_malformed_ags.txt", 61, "11-18", "fehlerhafter AGS '1452X120': erwartet werden 8 Ziffern"),
])
def test_malformed_file_is_refused_with_its_position(
    db: None, fixture: str, line: int, column: str | None, message: str
) -> None:
    with pytest.raises(RegistryImportError) as caught, translation.override("de"):
        import_registry(actor=None, sources=[DATA / fixture])
    error = caught.value
    assert Path(error.file).name == fixture
    assert (error.line, error.column, error.message) == (line, column, message)
    assert str(error).startswith(f"{DATA / fixture}, Zeile {line}")
    _nothing_written()


@pytest.mark.parametrize("fixture", ["municipalities_latin1.csv", "contacts_latin1.csv"])
def test_latin1_file_where_utf8_is_expected_is_refused_at_the_first_bad_byte(db: None, fixture: str) -> None:
    line, column = _latin1_position(DATA / fixture)
    with pytest.raises(RegistryImportError) as caught, translation.override("de"):
        import_registry(actor=None, sources=[DATA / fixture])
    error = caught.value
    assert (Path(error.file).name, error.line, error.column) == (fixture, line, str(column))
    assert "kein gültiges utf-8" in error.message and "--encoding latin-1" in error.message
    _nothing_written()


def test_latin1_file_imports_when_its_encoding_is_named(db: None, tmp_path: Path) -> None:
    police = tmp_path / "police.csv"
    police.write_bytes("code,name,districts\npd-chemnitz,Polizeidirektion Chemnitz,14511 14521\n".encode("latin-1"))
    result = import_registry(actor=None, sources=[DATA / "municipalities_latin1.csv", police], encoding="latin-1",
                             boundaries=False)
    assert result.municipalities == 5
    assert Municipality.objects.get(ags="14521010").kind == "Kreisangehörige Gemeinde"


def test_unknown_file_kind_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(RegistryImportError, match="Art der Datei ist nicht erkennbar") as caught, \
            translation.override("de"):
        import_registry(actor=None, sources=[path])
    assert caught.value.line == 1
    _nothing_written()


def test_broken_geojson_names_line_and_column(db: None, tmp_path: Path) -> None:
    path = tmp_path / "boundaries.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [oops]}', encoding="utf-8")
    with pytest.raises(RegistryImportError) as caught:
        import_registry(actor=None, sources=[path])
    assert (caught.value.line, caught.value.column) == (2, "15")
    _nothing_written()


def test_police_directorate_file_with_a_foreign_district_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "police.csv"
    path.write_text("code,name,districts\npd-x,PD X,14628 09162\n", encoding="utf-8")
    with pytest.raises(RegistryImportError) as caught:
        import_registry(actor=None, sources=[path])
    assert (caught.value.line, caught.value.column) == (2, "3 (districts)")
    _nothing_written()


def _snapshot() -> dict[str, Any]:
    return {
        "municipalities": list(Municipality.objects.order_by("ags").values_list(
            "ags", "name", "population", "valid_until", "successor_id", "updated_at")),
        "districts": list(District.objects.order_by("ags").values_list("ags", "population", "updated_at")),
        "history": MunicipalityNameChange.objects.count(),
        "events": AuditEvent.objects.count(),
        "reference_date": SiteState.load().registry_reference_date,
    }


def test_failure_midway_leaves_the_previous_registry_untouched(
    saxony: ImportResult, monkeypatch: Any, tmp_path: Path
) -> None:
    """A changed edition fails after the municipalities were written: the transaction undoes all of it."""
    before = _snapshot()
    changed = tmp_path / "sachsen_gemeinden.csv"
    text = (SHIPPED / "sachsen_gemeinden_2025-11-30.csv").read_text(encoding="utf-8")
    changed.write_text(text.replace(",245618,120585,125033,", ",250000,122000,128000,"), encoding="utf-8")
    written: list[int] = []

    def fail(self: importer.Importer, *args: Any) -> None:
        written.append(Municipality.objects.get(ags="14511000").population)
        raise RegistryImportError("simulated failure", file="history")

    monkeypatch.setattr(importer.Importer, "_record_history", fail)
    with pytest.raises(RegistryImportError, match="simulated failure"):
        import_registry(actor=None, sources=[changed])

    assert written == [250000]  # the update had happened inside the transaction
    assert _snapshot() == before


def test_failure_midway_on_an_empty_registry_leaves_it_empty(db: None, monkeypatch: Any) -> None:
    def fail(self: importer.Importer, *args: Any) -> None:
        assert Municipality.objects.count() == 418  # written, and about to be undone
        raise RegistryImportError("simulated failure", file="history")

    monkeypatch.setattr(importer.Importer, "_record_history", fail)
    with pytest.raises(RegistryImportError, match="simulated failure"):
        import_registry(actor=None)
    _nothing_written()
