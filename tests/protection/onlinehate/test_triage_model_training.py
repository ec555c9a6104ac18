"""Issue 17: training is reproducible byte for byte, and what it writes loads and predicts."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from django.core.management import call_command

from kommunalschutz.protection.onlinehate import classifier


def test_training_on_a_sample_twice_gives_the_same_file(tmp_path: Path) -> None:
    first, second = tmp_path / "eins.zip", tmp_path / "zwei.zip"
    for path in (first, second):
        call_command("train_triage", "--sample", "400", "--output", str(path), stdout=io.StringIO())
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    with zipfile.ZipFile(first) as archive:  # JSON and arrays only, never a pickle
        assert sorted(archive.namelist()) == ["coef1.npy", "coef2.npy", "idf_char.npy", "idf_word.npy",
                                              "model.json", "stack_coef.npy"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    model = classifier.load_model(first)
    assert model.version == hashlib.sha256(first.read_bytes()).hexdigest()[:16]
    assert model.spec["training"]["sample"] == 400
    predictions = model.predict(["Was für ein dummes Arschloch", "Danke für die Einladung zur Sitzung"])
    assert [p.task1 for p in predictions][1] == "OTHER"
    assert all(p.task1 in classifier.TASK1_LABELS and p.task2 in classifier.TASK2_LABELS for p in predictions)


def test_extra_training_data_changes_the_model(tmp_path: Path) -> None:
    extra = tmp_path / "korrekturen.txt"
    extra.write_text("Sie sind ein elender Lump\tOFFENSE\tINSULT\nDie Sitzung beginnt um neun\tOTHER\tOTHER\n",
                     encoding="utf-8")
    plain, corrected = tmp_path / "ohne.zip", tmp_path / "mit.zip"
    call_command("train_triage", "--sample", "200", "--output", str(plain), stdout=io.StringIO())
    call_command("train_triage", "--sample", "200", "--extra", str(extra), "--output", str(corrected),
                 stdout=io.StringIO())
    assert plain.read_bytes() != corrected.read_bytes()
    spec = classifier.load_model(corrected).spec
    assert spec["training"]["messages"] == spec["training"]["sample"] + 2
    assert spec["training"]["extra_files"][0]["name"] == "korrekturen.txt"
