"""Issue 13: the operator reads the management commands' output and errors in German, the site's language,
whatever language the calling thread had active (core.commands.Command)."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kommunalschutz.foundation.core import commands
from tests.foundation.registry.conftest import DATA
from tests.german import english_in

PACKAGE = Path(__file__).resolve().parent.parent / "kommunalschutz"
COMMANDS = sorted(path for path in PACKAGE.glob("**/management/commands/*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: path.stem)
def test_every_command_speaks_the_sites_language(path: Path) -> None:
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    assert issubclass(importlib.import_module(module).Command, commands.Command), (
        f"{module}: derive Command from kommunalschutz.foundation.core.commands.Command")


def _refusal(*args: str) -> str:
    with translation.override("en"), pytest.raises(CommandError) as refused:  # a caller that speaks English
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize(("fixture", "expected"), [
    ("municipalities_semicolon.csv", "Zeile 1: falsches Trennzeichen"),
    ("municipalities_ags_seven_digits.csv", "Zeile 4, Spalte 2 (ags): fehlerhafter AGS '1452102': erwartet werden 8 "
                                            "Ziffern"),
    ("municipalities_latin1.csv", "ist kein gültiges utf-8"),
    ("gv100ad_malformed_ags.txt", "Zeile 61, Spalte 11-18: fehlerhafter AGS"),
])
def test_a_bad_registry_file_is_refused_in_german(fixture: str, expected: str) -> None:
    message = _refusal("import_registry", "--source", str(DATA / fixture))
    assert message.startswith("Import fehlgeschlagen, nichts wurde geändert.")
    assert expected in message
    assert not english_in(message.replace(str(DATA), "")), message


@pytest.mark.django_db
def test_a_file_of_no_known_kind_and_a_missing_file_are_refused_in_german(tmp_path: Path) -> None:
    notes = tmp_path / "notizen.txt"
    notes.write_text("nur ein paar Notizen\n", encoding="utf-8")
    for path, expected in ((notes, "die Art der Datei ist nicht erkennbar"),
                           (tmp_path / "fehlt.csv", "Datei nicht gefunden")):
        message = _refusal("import_registry", "--source", str(path))
        assert expected in message
        # Only the file name and the formats' own names are not German.
        assert not english_in(message.replace(str(path), "")), message


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "expected"), [
    (("import_registry", "--land", "99"), "--land '99': erwartet wird ein Landesschlüssel von 01 bis 16."),
    (("createtoken", "niemand"), "Es gibt keinen Benutzer 'niemand'."),
    (("reset_second_factor", "niemand"), "Es gibt keinen Benutzer 'niemand'."),
    (("pseudonymise_user", "niemand", "--yes"), "Es gibt keinen Benutzer 'niemand'."),
    (("import_pks",), "Geben Sie DATEI und --year JJJJ an (oder --bundled)."),
])
def test_other_commands_refuse_in_german(args: tuple[str, ...], expected: str) -> None:
    message = _refusal(*args)
    assert message == expected
    assert not english_in(message)


@pytest.mark.django_db
def test_output_is_german_too() -> None:
    out = io.StringIO()
    with translation.override("en"):
        call_command("apply_retention", "--dry-run", stdout=out)
        call_command("delete_survey_addresses", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "würde(n) gelöscht (Probelauf)" in text and "würden gelöscht (Probelauf)" in text
    assert not english_in(text), text


@pytest.mark.django_db
def test_a_bad_police_statistics_file_is_refused_in_german(tmp_path: Path) -> None:
    """The BKA table's import names line and column in German, as the registry import does."""
    broken = tmp_path / "kaputt.csv"
    broken.write_bytes(b"1;2;3\nSchluessel;Straftat\n")
    message = _refusal("import_pks", str(broken), "--year", "2022")
    assert message.startswith("Import fehlgeschlagen, nichts wurde geändert.")
    assert "kaputt.csv, Zeile 1: Erwartet wurden die Spaltennummern 1 bis" in message
    assert not english_in(message.replace(str(broken), "")), message
    message = _refusal("import_pks", str(tmp_path / "fehlt.csv"), "--year", "2022")
    assert "kann nicht gelesen werden" in message
    message = _refusal("import_pks", str(broken), "--year", "1800")
    assert "1800 ist kein plausibles Berichtsjahr." in message
