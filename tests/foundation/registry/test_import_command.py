"""The operator command: progress line, summary, clear errors, and queueing with --background."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.registry.models import Municipality
from tests.foundation.registry.conftest import DATA
from tests.german import english_in


def test_command_imports_saxony_with_a_progress_line(db: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_registry", stdout=out, stderr=err)
    assert "Gemeinden 418, Kreise 13, Einwohner 4.042.422" in out.getvalue()
    assert "\r" in err.getvalue() and "100.0% 8/8 fertig" in err.getvalue()
    again = io.StringIO()
    call_command("import_registry", stdout=again, stderr=io.StringIO())
    assert "(keine Änderungen)" in again.getvalue()


def test_command_passes_the_state_on(db: None) -> None:
    out = io.StringIO()
    call_command("import_registry", "--land", "09", "--source", str(DATA / "gv100ad_muenchen.txt"), stdout=out,
                 stderr=io.StringIO())
    assert Municipality.objects.get(land="09").name == "München, Landeshauptstadt"
    assert "Bayern, Stand 30.11.2025: Gemeinden 1, Kreise 1" in out.getvalue()


def test_command_rejects_an_unknown_state(db: None) -> None:
    with pytest.raises(CommandError, match="erwartet wird ein Landesschlüssel von 01 bis 16"):
        call_command("import_registry", "--land", "99", stdout=io.StringIO(), stderr=io.StringIO())


def test_command_reports_bad_input_with_file_line_and_column(db: None) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import_registry", "--source", str(DATA / "municipalities_ags_seven_digits.csv"),
                     stdout=io.StringIO(), stderr=io.StringIO())
    message = str(caught.value)
    assert message.startswith("Import fehlgeschlagen, nichts wurde geändert.")
    assert "municipalities_ags_seven_digits.csv, Zeile 4, Spalte 2 (ags): fehlerhafter AGS" in message
    assert not english_in(message.replace(str(DATA), "")), message
    assert not Municipality.objects.exists()


def test_command_in_the_background_queues_a_task_and_prints_its_id(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_registry", "--background", "--source", str(DATA / "mini_gemeinden.csv"),
                     str(DATA / "mini_police_directorates.csv"), stdout=out, stderr=io.StringIO())
    run = TaskRun.objects.get()
    assert f"als Hintergrundaufgabe {run.pk} eingereiht" in out.getvalue()
    assert run.result["arguments"]["sources"] == [str(DATA / "mini_gemeinden.csv"),
                                                  str(DATA / "mini_police_directorates.csv")]
    assert run.status == TaskRun.Status.DONE  # tasks run eagerly in tests
    assert Municipality.objects.count() == 74
