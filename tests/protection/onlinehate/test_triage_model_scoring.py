"""Issue 17: the scores as the GermEval 2018 organisers define them, checked against numbers worked out by hand."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from kommunalschutz.protection.onlinehate import germeval

# text, gold 1, gold 2, predicted 1, predicted 2
ROWS = [
    ("eins", "OFFENSE", "ABUSE", "OFFENSE", "ABUSE"),
    ("zwei", "OFFENSE", "INSULT", "OTHER", "ABUSE"),
    ("drei", "OTHER", "OTHER", "OTHER", "OTHER"),
    ("vier", "OTHER", "OTHER", "OFFENSE", "OTHER"),
    ("fünf", "OFFENSE", "PROFANITY", "OTHER", "OTHER"),
]


def test_task1_by_hand() -> None:
    # OFFENSE: tp 1 (eins), fp 1 (vier), fn 2 (zwei, fünf): P 1/2, R 1/3, F 2*(1/6)/(5/6) = 0.4
    # OTHER:   tp 1 (drei), fp 2 (zwei, fünf), fn 1 (vier): P 1/3, R 1/2, F 0.4
    # macro P = (1/2 + 1/3) / 2 = 5/12, macro R = (1/3 + 1/2) / 2 = 5/12, macro F1 = 5/12 = 0.41667
    scores = germeval.score([r[1] for r in ROWS], [r[3] for r in ROWS], germeval.TASK1_LABELS)
    assert scores.accuracy == pytest.approx(2 / 5)
    offense, other = scores.classes  # sorted alphabetically, as in the script
    assert (offense.label, offense.precision) == ("OFFENSE", 0.5)
    assert offense.recall == pytest.approx(1 / 3)
    assert offense.f1 == pytest.approx(0.4)
    assert (other.label, other.recall) == ("OTHER", 0.5)
    assert other.precision == pytest.approx(1 / 3)
    assert other.f1 == pytest.approx(0.4)
    assert scores.macro_precision == pytest.approx(5 / 12)
    assert scores.macro_recall == pytest.approx(5 / 12)
    assert scores.macro_f1 == pytest.approx(5 / 12)


def test_task2_by_hand_with_classes_never_predicted() -> None:
    # ABUSE:     tp 1 (eins), fp 1 (zwei), fn 0: P 1/2, R 1, F 2/3
    # INSULT:    never predicted: P 0 (by definition), R 0 (zwei missed), F 0
    # OTHER:     tp 2 (drei, vier), fp 1 (fünf), fn 0: P 2/3, R 1, F 0.8
    # PROFANITY: never predicted: P 0, R 0 (fünf missed), F 0
    # macro P = (1/2 + 0 + 2/3 + 0) / 4 = 7/24 = 0.291667; macro R = (1 + 0 + 1 + 0) / 4 = 1/2
    # macro F1 = 2 * 7/24 * 1/2 / (7/24 + 12/24) = 7/19 = 0.368421 (the mean of the per-class F1 would be
    # 0.366667: the organisers' macro F1 is the harmonic mean of macro P and macro R, not that mean)
    scores = germeval.score([r[2] for r in ROWS], [r[4] for r in ROWS], germeval.TASK2_LABELS)
    assert [c.label for c in scores.classes] == ["ABUSE", "INSULT", "OTHER", "PROFANITY"]
    assert [c.predicted for c in scores.classes] == [2, 0, 3, 0]
    assert [c.precision for c in scores.classes] == [0.5, 0.0, pytest.approx(2 / 3), 0.0]
    assert [c.recall for c in scores.classes] == [1.0, 0.0, 1.0, 0.0]
    assert scores.macro_precision == pytest.approx(7 / 24)
    assert scores.macro_recall == pytest.approx(0.5)
    assert scores.macro_f1 == pytest.approx(7 / 19)
    assert scores.accuracy == pytest.approx(3 / 5)


def test_rounding_half_up_like_the_script() -> None:
    # int(100 * x + 0.5) / 100 of the percentage
    assert germeval.rounded(7 / 19) == 36.84
    assert germeval.rounded(5 / 12) == 41.67
    assert germeval.rounded(0.123450) == 12.35


def test_evaluate_triage_scores_a_file_with_predictions_as_the_script_prints(tmp_path: Path) -> None:
    path = tmp_path / "vorhersagen.txt"
    path.write_text("".join("\t".join(row) + "\n" for row in ROWS), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_triage", str(path), stdout=out)
    printed = out.getvalue()
    assert "ACCURACY: 40.00 (correct=2; total instances=5)" in printed
    assert 'CATEGORY "OFFENSE": precision=50.00 recall=33.33 fscore=40.00' in printed
    assert "AVERAGE: precision=41.67 recall=41.67 fscore=41.67" in printed
    assert "ACCURACY: 60.00 (correct=3; total instances=5)" in printed
    assert 'CATEGORY "INSULT": precision=0.00 recall=0.00 fscore=0.00' in printed
    assert 'CATEGORY "OTHER": precision=66.67 recall=100.00 fscore=80.00' in printed
    assert "AVERAGE: precision=29.17 recall=50.00 fscore=36.84" in printed
    for row in ROWS:  # no message text in the output
        assert row[0] not in printed
