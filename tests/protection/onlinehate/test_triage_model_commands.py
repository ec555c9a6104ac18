"""Issue 17: classify-triage and evaluate-triage on small files, and their refusals of bad input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

LINES = [
    "@stadtrat Danke für die schnelle Antwort!",
    "Du bist so ein dummes Arschloch\tOFFENSE\tINSULT",
    "",
    "Heute Sitzung des Ortschaftsrates |LBR| um 19 Uhr\tOTHER\tOTHER",
]


def _refusal(*args: str) -> str:
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(refused.value)


def _german(message: str) -> str:
    """The message as the site's language gives it (the commands speak it whatever the caller speaks)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


def test_classify_appends_two_labels_to_every_line_in_order(tmp_path: Path) -> None:
    source, target = tmp_path / "ein.txt", tmp_path / "aus.txt"
    source.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    call_command("classify_triage", str(source), str(target), stdout=io.StringIO())
    written = target.read_text(encoding="utf-8").split("\n")
    assert written[-1] == "" and len(written) == len(LINES) + 1
    for original, line in zip(LINES, written, strict=False):
        if not original:
            assert line == ""  # an empty line stays empty
            continue
        head, task1, task2 = line.rsplit("\t", 2)
        assert head == original
        assert task1 in ("OFFENSE", "OTHER") and task2 in ("ABUSE", "INSULT", "PROFANITY", "OTHER")
        assert (task1 == "OTHER") == (task2 == "OTHER") or task1 == "OFFENSE"


def test_evaluate_the_output_of_classify_on_a_labelled_file(tmp_path: Path) -> None:
    labelled = [line for line in LINES if line.count("\t") == 2]
    source, target = tmp_path / "gold.txt", tmp_path / "vorhersage.txt"
    source.write_text("\n".join(labelled) + "\n", encoding="utf-8")
    call_command("classify_triage", str(source), str(target), stdout=io.StringIO())
    with_model, from_file = io.StringIO(), io.StringIO()
    call_command("evaluate_triage", str(source), stdout=with_model)
    call_command("evaluate_triage", str(target), stdout=from_file)
    scores = [line for line in with_model.getvalue().splitlines() if line.startswith(("ACCURACY", "CATEGORY",
                                                                                       "AVERAGE"))]
    assert len(scores) == 2 * 2 + 4 + 2
    assert scores == [line for line in from_file.getvalue().splitlines()
                      if line.startswith(("ACCURACY", "CATEGORY", "AVERAGE"))]


@pytest.mark.parametrize(("content", "msgid"), [
    (b"Text\tOFFENSE\n", "%(path)s, line %(line)s: %(found)s TAB-separated columns, expected %(allowed)s."),
    (b"Text\tOFFENSE\tBELEIDIGUNG\n", "%(path)s, line %(line)s, column %(column)s: unknown label "
                                       "(expected one of %(known)s)."),
    (b"ok\nStra\xdfe\n", "%(path)s, line %(line)s: the file is not valid UTF-8."),
])
def test_classify_refuses_bad_input(tmp_path: Path, content: bytes, msgid: str) -> None:
    source = tmp_path / "schlecht.txt"
    source.write_bytes(content)
    message = _refusal("classify_triage", str(source), str(tmp_path / "aus.txt"))
    prefix = _german(msgid).split("%(")[0]
    assert message.startswith(prefix) or prefix == "", message
    assert str(source) in message
    assert not (tmp_path / "aus.txt").exists()


def test_evaluate_refuses_bad_input(tmp_path: Path) -> None:
    missing = tmp_path / "fehlt.txt"
    assert _refusal("evaluate_triage", str(missing)) == _german("File not found: %(path)s") % {"path": missing}
    unlabelled = tmp_path / "ohne.txt"
    unlabelled.write_text("nur Text\n", encoding="utf-8")
    assert "line 1" in _refusal("evaluate_triage", str(unlabelled)) or "Zeile 1" in _refusal(
        "evaluate_triage", str(unlabelled))
    empty_line = tmp_path / "leer.txt"
    empty_line.write_text("a\tOTHER\tOTHER\n\n", encoding="utf-8")
    assert _refusal("evaluate_triage", str(empty_line)) == _german(
        "%(path)s, line %(line)s: empty line.") % {"path": empty_line, "line": 2}
    mixed = tmp_path / "gemischt.txt"
    mixed.write_text("a\tOTHER\tOTHER\nb\tOTHER\tOTHER\tOTHER\tOTHER\n", encoding="utf-8")
    assert str(mixed) in _refusal("evaluate_triage", str(mixed))
    assert _refusal("evaluate_triage") == _german("Give either a FILE or --cross-validate.")


def test_a_refusal_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kommunalschutz.config.settings", "KOMMUNALSCHUTZ_TESTING": "1"}
    done = subprocess.run([sys.executable, "-m", "kommunalschutz.cli", "classify-triage",
                           str(tmp_path / "fehlt.txt"), str(tmp_path / "aus.txt")],
                          cwd=Path(__file__).resolve().parents[3], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert str(tmp_path / "fehlt.txt") in done.stderr
