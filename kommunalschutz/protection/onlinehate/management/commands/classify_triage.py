"""`kommunalschutz classify-triage IN OUT`: the shipped model's labels for every message of a file.

IN: UTF-8, one message a line in GermEval format (the message is the first TAB field, line breaks inside it
written as ``|LBR|``), optionally followed by the two gold labels. OUT: every line of IN in the same order
with the predicted task 1 and task 2 labels appended, TAB-separated. An empty line stays an empty line
(nothing appended), so the line numbers of IN and OUT agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.protection.onlinehate import classifier, germeval
from kommunalschutz.protection.onlinehate.management.commands.train_triage import write_atomically

BATCH = 2000


def classify_lines(path: Path, model: classifier.TriageModel) -> list[str]:
    """The lines of the file with the predicted labels appended (refuses a file not in GermEval format)."""
    lines = germeval.read_lines(path)
    texts: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        if line.strip():
            texts[number - 1] = germeval.parse_line(line, number, path, columns=(1, 3)).text
    order = sorted(texts)
    out = list(lines)
    for begin in range(0, len(order), BATCH):
        chunk = order[begin:begin + BATCH]
        for index, prediction in zip(chunk, model.predict([texts[i] for i in chunk]), strict=True):
            out[index] = lines[index].rstrip("\t ") + "\t" + prediction.task1 + "\t" + prediction.task2
    return out


class Command(commands.Command):
    help = ("Classify every message of a GermEval-format file with the triage model; writes each line with "
            "the predicted task 1 and task 2 labels appended.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="messages, one a line (GermEval format)")
        parser.add_argument("output", type=Path, help="the file to write")
        parser.add_argument("--model", type=Path, default=None, help="a model file instead of the configured one")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["input"]
        target: Path = options["output"]
        if source.resolve() == target.resolve():
            raise CommandError(_("The output file must not be the input file."))
        try:
            model = classifier.load_model(options["model"])
            lines = classify_lines(source, model)
        except (germeval.FormatError, classifier.ModelMissing) as exc:
            raise CommandError(str(exc)) from None
        try:
            write_atomically(target, "".join(line + "\n" for line in lines).encode("utf-8"))
        except OSError as exc:
            raise CommandError(_("%(path)s cannot be written: %(error)s")
                               % {"path": target, "error": exc.strerror}) from None
        self.stdout.write(_("%(count)s messages classified with model %(version)s, written to %(path)s.")
                          % {"count": sum(1 for line in lines if line.strip()), "version": model.version,
                             "path": target})
