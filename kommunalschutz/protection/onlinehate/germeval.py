"""The GermEval 2018 file format and the organisers' scoring (issue 17).

Format: UTF-8, one message a line, fields separated by TAB: the message text first (line breaks inside a
message written as ``|LBR|``), then optionally the task 1 label (OFFENSE, OTHER) and the task 2 label (ABUSE,
INSULT, PROFANITY, OTHER); a file that classify-triage wrote carries two more columns, the predicted labels.

Scoring follows the organisers' evaluation script (uds-lsv/GermEval-2018-Data, evaluationScriptGermeval2018.pl)
exactly: per class precision, recall and F1 (precision 0 for a class never predicted, recall 0 for a class
absent from the gold labels); the macro precision and macro recall are the plain means over ALL the task's
classes; the macro F1 is the harmonic mean of those two means (not the mean of the per-class F1). The script
strips leading and trailing white space from each line before splitting it, and rounds percentages half up to
two decimals (int(100 * x + 0.5) / 100); ``Scores`` keeps the exact values, ``report`` prints them rounded so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

TASK1_LABELS = ("OFFENSE", "OTHER")
TASK2_LABELS = ("ABUSE", "INSULT", "PROFANITY", "OTHER")
# The line-break marker inside a message.
LINE_BREAK = "|LBR|"


class FormatError(ValueError):
    """A file that is not in the GermEval format; the message is translated (German in the commands)."""


@dataclass(frozen=True)
class Record:
    """One line: the message text and whatever label columns followed it (none, 2 gold, or 2 gold + 2 pred)."""

    line: int  # 1-based line number in the file
    text: str
    labels: tuple[str, ...]


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file without their line ends; refuses a missing or non-UTF-8 file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FormatError(_("File not found: %(path)s") % {"path": path}) from None
    except IsADirectoryError:
        raise FormatError(_("%(path)s is a folder, not a file.") % {"path": path}) from None
    except OSError as exc:
        raise FormatError(_("%(path)s cannot be read: %(error)s") % {"path": path, "error": exc.strerror}) from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise FormatError(_("%(path)s, line %(line)s: the file is not valid UTF-8.")
                          % {"path": path, "line": line}) from None
    content = content.removeprefix("\ufeff")
    # Only \n (and \r\n) end a line: split("\n"), not splitlines(), which would also split at U+2028 and others
    # that may occur inside a message.
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def parse_line(line: str, number: int, path: Path | str, columns: Sequence[int]) -> Record:
    """One line as a record; ``columns`` are the numbers of TAB fields allowed (e.g. (1, 3))."""
    # Like the organisers' script, white space around the line does not count (a trailing space or TAB after
    # the last label); the message text itself is kept as written.
    fields = line.rstrip().split("\t") if len(line.rstrip().split("\t")) > 1 else [line]
    if len(fields) not in columns:
        allowed = "/".join(str(c) for c in columns)
        raise FormatError(_("%(path)s, line %(line)s: %(found)s TAB-separated columns, expected %(allowed)s.")
                          % {"path": path, "line": number, "found": len(fields), "allowed": allowed})
    text, labels = fields[0], tuple(field.strip() for field in fields[1:])
    for index, label in enumerate(labels):
        known = TASK1_LABELS if index % 2 == 0 else TASK2_LABELS
        if label not in known:
            # The label is not repeated: a shifted column may hold message text, which no log may show.
            raise FormatError(_("%(path)s, line %(line)s, column %(column)s: unknown label "
                                "(expected one of %(known)s).")
                              % {"path": path, "line": number, "column": index + 2, "known": ", ".join(known)})
    return Record(line=number, text=text, labels=labels)


def read_labelled(path: Path, columns: Sequence[int] = (3,)) -> list[Record]:
    """Every line of a labelled file (text, task 1, task 2[, pred 1, pred 2]); refuses an empty line."""
    records = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            raise FormatError(_("%(path)s, line %(line)s: empty line.") % {"path": path, "line": number})
        records.append(parse_line(line, number, path, columns))
    if not records:
        raise FormatError(_("%(path)s contains no messages.") % {"path": path})
    return records


def message_text(line: str) -> str:
    """The message of a line: its first TAB field."""
    return line.split("\t", 1)[0]


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True)
class Scores:
    """Exact (unrounded) scores in [0, 1]; accuracy too."""

    accuracy: float
    correct: int
    total: int
    classes: tuple[ClassScore, ...]  # in the script's order: labels sorted alphabetically
    macro_precision: float
    macro_recall: float
    macro_f1: float


def score(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Scores:
    """The organisers' scores of one task."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    classes = []
    for label in sorted(labels):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassScore(label, precision, recall, f1, tp + fn, tp + fp))
    macro_p = sum(c.precision for c in classes) / len(classes)
    macro_r = sum(c.recall for c in classes) / len(classes)
    macro_f1 = 2 * macro_p * macro_r / (macro_p + macro_r) if macro_p + macro_r else 0.0
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    return Scores(accuracy=correct / len(gold) if gold else 0.0, correct=correct, total=len(gold),
                  classes=tuple(classes), macro_precision=macro_p, macro_recall=macro_r, macro_f1=macro_f1)


def rounded(value: float) -> float:
    """A score in [0, 1] as the script prints it: a percentage rounded half up to two decimals."""
    return int(100 * (value * 100) + 0.5) / 100


def report(title: str, scores: Scores) -> str:
    """The scores laid out as the organisers' script prints them."""
    lines = [title, f"ACCURACY: {scores.accuracy * 100:.2f} (correct={scores.correct}; "
                    f"total instances={scores.total})"]
    lines += [f'CATEGORY "{c.label}": precision={rounded(c.precision):.2f} recall={rounded(c.recall):.2f} '
              f"fscore={rounded(c.f1):.2f}" for c in scores.classes]
    lines.append(f"AVERAGE: precision={rounded(scores.macro_precision):.2f} recall={rounded(scores.macro_recall):.2f} "
                 f"fscore={rounded(scores.macro_f1):.2f}")
    return "\n".join(lines)
