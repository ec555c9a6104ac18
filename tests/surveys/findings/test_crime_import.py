"""Importing the BKA's district crime table (PKS T01) in its original format, and refusing broken files."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.findings import crime
from kommunalschutz.surveys.findings.models import CrimeFigure
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db

FILE_2022 = crime.DATA_DIR / "PKS2022_KR-F-01-T01-Kreise-Faelle-HZ_csv.csv"
FILE_2020 = crime.DATA_DIR / "PKS2020_KR-F-01-T01-Kreise-Faelle-HZ_csv_modified.csv"
SAXON_DISTRICTS = {
    "14511": "Chemnitz", "14521": "Erzgebirgskreis", "14522": "Mittelsachsen", "14523": "Vogtlandkreis",
    "14524": "Zwickau", "14612": "Dresden", "14625": "Bautzen", "14626": "Görlitz", "14627": "Meißen",
    "14628": "Sächsische Schweiz-Osterzgebirge", "14713": "Leipzig", "14729": "Landkreis Leipzig",
    "14730": "Nordsachsen",
}


@pytest.fixture
def saxony() -> None:
    for ags, name in SAXON_DISTRICTS.items():
        DistrictFactory.create(ags=ags, name=name)


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").split("\r\n" if b"\r\n" in path.read_bytes()[:300] else "\n")


def variant(tmp_path: Path, lines: list[str], *, encoding: str = "latin-1", name: str = "broken.csv") -> Path:
    sep = "\r\n" if b"\r\n" in FILE_2022.read_bytes()[:300] else "\n"
    path = tmp_path / name
    path.write_bytes(sep.join(lines).encode(encoding))
    return path


def soe_line(lines: list[str], key: str = "------") -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(key + ";") and ";14628;" in line)


def test_2022_table_imports_saxony_with_thousands_commas(saxony: None) -> None:
    result = crime.load_file(FILE_2022, year=2022)

    assert len(result.districts) == 13
    assert CrimeFigure.objects.filter(year=2022).count() == 13 * 41
    total = CrimeFigure.objects.get(year=2022, district__ags="14628", key="------")
    # The file says "15,048" cases and a Häufigkeitszahl of "6,167" for Sächsische Schweiz-Osterzgebirge.
    assert (total.cases, total.rate, total.cleared) == (15048, 6167.0, 11012)
    assert total.offence == "Straftaten insgesamt"
    assert total.source == "PKS Bundeskriminalamt, 2022"
    burglary = CrimeFigure.objects.get(year=2022, district__ags="14628", key="435*00")
    assert burglary.offence.startswith("Wohnungseinbruchdiebstahl")
    # Leipzig city and the rural district of Leipzig share a name in the file; the key tells them apart.
    assert CrimeFigure.objects.get(year=2022, district__ags="14713", key="------").cases > \
        CrimeFigure.objects.get(year=2022, district__ags="14729", key="------").cases
    assert not CrimeFigure.objects.exclude(district__ags__startswith="14").exists()


def test_2020_table_with_extra_columns_imports(saxony: None) -> None:
    crime.load_file(FILE_2020, year=2020)

    assert CrimeFigure.objects.filter(year=2020).count() == 13 * 42
    dresden = CrimeFigure.objects.get(year=2020, district__ags="14612", key="------")
    assert (dresden.cases, dresden.rate) == (48929, 8788.0)


def test_import_is_idempotent_and_audited(saxony: None) -> None:
    first = crime.load_file(FILE_2022, year=2022)
    ids = set(CrimeFigure.objects.values_list("pk", flat=True))
    second = crime.load_file(FILE_2022, year=2022)

    assert first.created == 13 * 41 and not second.changed and second.unchanged == 13 * 41
    assert set(CrimeFigure.objects.values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.filter(object_type="findings.crimefigure", action="import").count() == 1


def test_reimport_updates_changed_and_removes_vanished_figures(saxony: None, tmp_path: Path) -> None:
    crime.load_file(FILE_2022, year=2022)
    lines = lines_of(FILE_2022)
    at = soe_line(lines)
    lines[at] = lines[at].replace(";15,048;", ";15,049;")
    graffiti = soe_line(lines, "899500")
    del lines[graffiti]

    result = crime.load_file(variant(tmp_path, lines), year=2022)

    assert (result.updated, result.deleted) == (1, 1)
    assert CrimeFigure.objects.get(year=2022, district__ags="14628", key="------").cases == 15049
    assert not CrimeFigure.objects.filter(year=2022, district__ags="14628", key="899500").exists()


def test_command_imports_a_file_and_the_bundled_tables(saxony: None) -> None:
    call_command("import_pks", str(FILE_2022), "--year", "2022")
    assert CrimeFigure.objects.filter(year=2022).count() == 13 * 41
    call_command("import_pks", "--bundled")
    assert set(CrimeFigure.objects.values_list("year", flat=True)) == {2020, 2022}


def test_command_needs_a_year(saxony: None) -> None:
    with pytest.raises(CommandError, match="--year"):
        call_command("import_pks", str(FILE_2022))


def test_seed_migration_loads_both_years_once_districts_exist(saxony: None) -> None:
    seed = importlib.import_module("kommunalschutz.surveys.findings.migrations.0003_seed_crime_figures").seed
    seed(apps, None)
    seed(apps, None)
    assert CrimeFigure.objects.filter(year=2020).count() == 13 * 42
    assert CrimeFigure.objects.filter(year=2022).count() == 13 * 41


def test_seed_migration_without_registry_writes_nothing() -> None:
    seed = importlib.import_module("kommunalschutz.surveys.findings.migrations.0003_seed_crime_figures").seed
    seed(apps, None)
    assert not CrimeFigure.objects.exists()


def test_missing_district_in_registry_is_refused(tmp_path: Path) -> None:
    DistrictFactory.create(ags="14628", name="Sächsische Schweiz-Osterzgebirge")
    with pytest.raises(crime.PksImportError, match=r"PKS2022.*Zeile \d+, Spalte 3: Der Kreis 14511 \(Chemnitz\)"):
        crime.load_file(FILE_2022, year=2022)
    assert not CrimeFigure.objects.exists()


def _refused(path: Path, message: str) -> None:
    CrimeFigure.objects.filter(year=2022).delete()
    crime.load_file(FILE_2020, year=2020)
    before = list(CrimeFigure.objects.order_by("pk").values_list("pk", "cases"))
    with pytest.raises(CommandError, match=message):
        call_command("import_pks", str(path), "--year", "2020")
    assert list(CrimeFigure.objects.order_by("pk").values_list("pk", "cases")) == before


def test_bad_number_is_refused_with_line_and_column(saxony: None, tmp_path: Path) -> None:
    lines = lines_of(FILE_2020)
    at = soe_line(lines)
    cells = lines[at].split(";")
    cells[5] = "15.048"
    lines[at] = ";".join(cells)
    _refused(variant(tmp_path, lines), rf"broken.csv, Zeile {at + 1}, Spalte 6 \(Anzahl erfasste Faelle\): "
                                        r"'15.048' ist keine ganze Zahl")


def test_missing_column_is_refused(saxony: None, tmp_path: Path) -> None:
    lines = [";".join(line.split(";")[:6] + line.split(";")[7:]) for line in lines_of(FILE_2020)]
    _refused(variant(tmp_path, lines), r"broken.csv, Zeile 1: Erwartet wurden die Spaltennummern")
    lines = lines_of(FILE_2020)
    lines[1] = lines[1].replace("Haeufigkeitszahl;", "")
    lines[0] = lines[0].replace(";18", "")  # a header without the column, numbers still plausible
    _refused(variant(tmp_path, lines), r"Zeile 1|Zeile 2, Spalte 7: Erwartet wurde die Spalte 'Haeufigkeitszahl'")


def test_short_data_line_is_refused(saxony: None, tmp_path: Path) -> None:
    lines = lines_of(FILE_2020)
    at = soe_line(lines, "674000")
    lines[at] = ";".join(lines[at].split(";")[:10])
    _refused(variant(tmp_path, lines), rf"Zeile {at + 1}, Spalte 11: Erwartet wurden 18 Spalten, gefunden: 10")


def test_utf8_file_is_refused(saxony: None, tmp_path: Path) -> None:
    path = variant(tmp_path, lines_of(FILE_2020), encoding="utf-8")
    _refused(path, r"broken.csv, Zeile \d+, Spalte \d+: Die Datei ist UTF-8-kodiert")


def test_utf16_file_is_refused(saxony: None, tmp_path: Path) -> None:
    path = variant(tmp_path, lines_of(FILE_2020)[:50], encoding="utf-16")
    _refused(path, r"broken.csv, Zeile 1: Die Datei enthält NUL-Bytes")


def test_duplicate_row_and_bad_keys_are_refused(saxony: None, tmp_path: Path) -> None:
    lines = lines_of(FILE_2020)
    at = soe_line(lines)
    _refused(variant(tmp_path, [*lines[: at + 1], lines[at], *lines[at + 1:]]),
             rf"Zeile {at + 2}, Spalte 1: Der Straftatenschlüssel ------ des Kreises 14628 kommt doppelt vor "
             rf"\(zuerst in Zeile {at + 1}\)")
    bad = list(lines)
    bad[at] = bad[at].replace(";14628;", ";14X28;")
    _refused(variant(tmp_path, bad), rf"Zeile {at + 1}, Spalte 3 \(Gemeindeschluessel\): '14X28'")


def test_file_without_saxony_is_refused(saxony: None, tmp_path: Path) -> None:
    lines = [line for line in lines_of(FILE_2020) if not line.split(";")[2:3] or
             not line.split(";")[2].startswith("14")]
    _refused(variant(tmp_path, lines), "keine Zeilen für die Kreise Sachsens")
