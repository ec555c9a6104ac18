"""Register files as municipalities export them: encodings, separators, quoting, and every kind of bad row.

Each bad file gives a report with line numbers and imports nothing (all or nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from pytest_django import Settings

from kommunalschutz.foundation.core.encryption import decrypt_bytes
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling.models import PopulationCell, RegisterChunk, RegisterExtract
from kommunalschutz.surveys.sampling.register import Data, RegisterInvalid, import_register
from tests.conftest import World
from tests.surveys.sampling.conftest import FERNET_TOKEN, HEADER, person_rows, register_file

pytestmark = pytest.mark.django_db


def _import(world: World, project: SurveyProject, data: Data, **kwargs: Any) -> RegisterExtract:
    return import_register(actor=world.analyst, project=project, data=data, file_name="auszug.csv", **kwargs)


def _invalid(world: World, project: SurveyProject, data: Data, **kwargs: Any) -> dict[str, Any]:
    counts = (RegisterExtract.objects.count(), RegisterChunk.objects.count(), PopulationCell.objects.count())
    with pytest.raises(RegisterInvalid) as caught:
        _import(world, project, data, **kwargs)
    assert (RegisterExtract.objects.count(), RegisterChunk.objects.count(),
            PopulationCell.objects.count()) == counts, "nothing may be written"
    return caught.value.report


@pytest.mark.parametrize(("encoding", "bom", "delimiter", "expected"), [
    ("utf-8", False, ";", "utf-8"),
    ("utf-8", True, ";", "utf-8"),
    ("utf-8", True, ",", "utf-8"),
    ("cp1252", False, ";", "cp1252"),
    ("cp1252", False, ",", "cp1252"),
])
def test_register_files_import_in_every_export_format(world: World, project: SurveyProject, encoding: str, bom: bool,
                                                      delimiter: str,
                                                  expected: str) -> None:
    rows = person_rows(40)
    rows[0][0] = "Weiß-Müller"
    extract = _import(world, project, register_file(rows, encoding=encoding, bom=bom, delimiter=delimiter))
    assert extract.status == RegisterExtract.Status.IMPORTED
    assert (extract.encoding, extract.delimiter, extract.has_bom) == (expected, delimiter, bom)
    assert extract.header == HEADER  # no BOM in the first heading, umlauts decoded
    assert extract.rows_total == 40
    assert extract.rows_in_frame + extract.excluded_minors == 40
    chunk = extract.chunks.get(kind="rows")
    # Stored as one Fernet token and nothing beside it (a short plaintext such as "Wei" may occur in any
    # token's base64 by chance; the rows' content is checked after decryption below).
    assert FERNET_TOKEN.fullmatch(bytes(chunk.payload)), "rows are stored encrypted"
    import json
    import zlib
    rows_stored = json.loads(zlib.decompress(decrypt_bytes(bytes(chunk.payload))))
    assert rows_stored[0][0] == "Weiß-Müller"
    assert not extract.chunks.filter(kind="raw").exists(), "the raw upload goes once imported"
    cells = PopulationCell.objects.filter(project=project, source="register")
    assert sum(cells.values_list("count", flat=True)) == extract.rows_in_frame
    assert set(cells.values_list("locality", flat=True)) <= {"Altstadt", "Copitz", "Sonnenstein", "Graupa"}


def test_quoted_separators_and_a_separate_house_number(world: World, project: SurveyProject) -> None:
    rows = person_rows(3)
    for row in rows:
        row[7] = "01.01.1980"
    rows[1][0] = "Schulze; genannt Schultze"
    rows[2][2] = 'Am "Alten" Markt, Hinterhaus'
    for delimiter in (";", ","):
        PopulationCell.objects.all().delete()
        RegisterExtract.objects.all().delete()
        extract = _import(world, project, register_file(rows, delimiter=delimiter))
        import json
        import zlib
        stored = json.loads(zlib.decompress(decrypt_bytes(bytes(extract.chunks.get(kind="rows").payload))))
        names = [row[0] for row in stored]
        streets = [row[2] for row in stored]
        assert extract.rows_total == extract.rows_in_frame == 3
        assert "Schulze; genannt Schultze" in names
        assert 'Am "Alten" Markt, Hinterhaus 3' in streets


def test_mixed_encodings_are_reported_by_line(world: World, project: SurveyProject) -> None:
    rows = person_rows(5)
    text = register_file(rows[:3], encoding="cp1252")
    text += ";".join(["Jäger", "Jürgen", "Weg", "1", "01796", "Pirna", "Copitz", "01.01.1970", "m", "N"]).encode(
        "utf-8") + b"\r\n"
    report = _invalid(world, project, text)
    assert report["by_kind"] == {"encoding": 1}
    assert report["problems"][0]["line"] == 5
    assert "UTF-8" in report["problems"][0]["message"]


def test_a_cp1252_file_with_umlauts_is_not_mistaken_for_mixed(world: World, project: SurveyProject) -> None:
    rows = person_rows(30)
    extract = _import(world, project, register_file(rows, encoding="cp1252"))
    assert extract.encoding == "cp1252"


def test_bytes_that_no_encoding_knows_are_reported(world: World, project: SurveyProject) -> None:
    data = register_file(person_rows(3), encoding="cp1252").replace(b"Pirna", b"Pir\x81a", 1)
    report = _invalid(world, project, data)
    assert report["by_kind"].get("encoding") == 1


def test_duplicates_name_both_lines(world: World, project: SurveyProject) -> None:
    rows = person_rows(6)
    rows[4] = list(rows[1])
    rows[4][0] = rows[4][0].upper()  # the same person, written in capitals
    report = _invalid(world, project, register_file(rows))
    assert report["by_kind"] == {"duplicate": 1}
    problem = report["problems"][0]
    assert problem["line"] == 6
    assert problem["message"].rstrip(".").endswith(" 3")


@pytest.mark.parametrize(("value", "fragment"), [
    ("", "missing"),
    ("31.02.1980", "impossible"),
    ("1980-13-01", "impossible"),
    ("gestern", "no date"),
    ("01.01.2030", "future"),
    ("01.01.1890", "1900"),
])
def test_bad_birth_dates_are_errors_with_line_and_column(world: World, project: SurveyProject, value: str,
                                                         fragment: str) -> None:
    rows = person_rows(4)
    rows[2][7] = value
    report = _invalid(world, project, register_file(rows))
    assert report["error_count"] == 1
    problem = report["problems"][0]
    assert problem["line"] == 4
    assert problem["column"] == "8: Geburtsdatum"


def test_iso_dates_and_minors_are_accepted_and_minors_excluded(world: World, project: SurveyProject) -> None:
    rows = person_rows(4)
    rows[0][7] = "1970-05-17"
    rows[1][7] = "01.06.2012"  # 13 on the reference date
    rows[2][7] = "01.01.2010"  # 16 on the reference date
    rows[3][7] = "02.01.2010"  # still 15
    extract = _import(world, project, register_file(rows))
    assert extract.excluded_minors == 2
    assert extract.rows_in_frame == 2


def test_unknown_sex_codes_and_wrong_column_counts(world: World, project: SurveyProject) -> None:
    rows = person_rows(5)
    rows[0][8] = "männlich"
    rows[1][8] = "X"
    rows[2][8] = "q"
    data = register_file(rows) + b"Nur;drei;Spalten\r\n"
    report = _invalid(world, project, data)
    assert report["by_kind"] == {"sex": 1, "columns": 1}
    lines = sorted(p["line"] for p in report["problems"])
    assert lines == [4, 7]


def test_blocked_persons_are_left_out_of_the_frame_but_counted_in_the_population(world: World,
                                                                                 project: SurveyProject) -> None:
    rows = person_rows(10)
    for row in rows:
        row[7] = "01.01.1980"
        row[1] = row[1] + row[3]  # distinct persons
    rows[0][9] = "J"
    rows[1][9] = "ja"
    extract = _import(world, project, register_file(rows))
    assert extract.excluded_blocked == 2 and extract.rows_in_frame == 8
    assert sum(PopulationCell.objects.filter(project=project).values_list("count", flat=True)) == 10


def test_without_locality_column_everyone_lives_in_one_locality(world: World, project: SurveyProject) -> None:
    header = [h for h in HEADER if h != "Ortsteil"]
    rows = [row[:6] + row[7:] for row in person_rows(8)]
    extract = _import(world, project, register_file(rows, header=header))
    assert "locality" not in extract.mapping
    assert set(PopulationCell.objects.filter(project=project).values_list("locality", flat=True)) == {"Pirna"}


def test_a_mapping_without_required_columns_is_refused(world: World, project: SurveyProject) -> None:
    with pytest.raises(ValidationError) as caught:
        _import(world, project, register_file(person_rows(3)), mapping={"family_name": 0, "given_names": 0})
    fields = caught.value.message_dict
    assert "birth_date" in fields and "given_names" in fields
    assert not RegisterExtract.objects.exists()


def test_headers_only_and_empty_files_are_refused(world: World, project: SurveyProject) -> None:
    _invalid(world, project, register_file([]))
    with pytest.raises(ValidationError):
        _import(world, project, b"")
    assert not RegisterExtract.objects.exists()


def test_report_lists_200_problems_and_counts_all(world: World, project: SurveyProject) -> None:
    rows = person_rows(300)
    for row in rows:
        row[8] = "?"
    report = _invalid(world, project, register_file(rows))
    assert report["error_count"] == 300
    assert len(report["problems"]) == 200


def test_a_file_path_works_like_bytes(world: World, project: SurveyProject, tmp_path: Path) -> None:
    path = tmp_path / "auszug.csv"
    path.write_bytes(register_file(person_rows(5), encoding="cp1252", delimiter=","))
    extract = import_register(actor=world.analyst, project=project, data=path, file_name=path.name)
    assert extract.rows_total == 5 and extract.encoding == "cp1252"


def test_key_rotation_re_encrypts_the_chunks(world: World, project: SurveyProject, settings: Settings) -> None:
    from cryptography.fernet import Fernet

    from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
    from kommunalschutz.surveys.sampling.register import rotate_chunks

    extract = _import(world, project, register_file(person_rows(20)))
    assert ROTATION_HOOKS["register extracts"] is rotate_chunks
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode("ascii"), *old_keys]
    assert rotate_chunks() == extract.chunks.count() == 1
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key is gone
    chunk = extract.chunks.get()
    assert chunk.payload is not None and chunk.strata is not None
    assert decrypt_bytes(bytes(chunk.payload)) and decrypt_bytes(bytes(chunk.strata))
