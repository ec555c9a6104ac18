"""`kommunalschutz train-triage`: train the triage model from the shipped data (docs/protection/triage-model.md).

Deterministic: the same data give the same model file, byte for byte. ``--extra`` adds labelled messages
(GermEval format, e.g. the case workers' corrections exported by the platform): the coordination office's
way to retrain, run by hand, never automatically.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.protection.onlinehate import classifier, training
from kommunalschutz.protection.onlinehate.germeval import FormatError


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".triage-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(commands.Command):
    help = ("Train the triage model (offensive language, GermEval 2018 tasks 1 and 2) from the shipped "
            "training data and write the model file. The same data give the same file, byte for byte.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None,
                            help="the model file to write (default: the shipped model)")
        parser.add_argument("--sample", type=int, default=None,
                            help="train on a stratified sample of N messages (fixed seed; for tests)")
        parser.add_argument("--extra", type=Path, action="append", default=[],
                            help="more labelled messages in GermEval format (text, task 1, task 2); repeatable")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"] or classifier.SHIPPED_MODEL
        started = time.monotonic()
        try:
            corpus = training.read_corpus(training.GERMEVAL_TRAINING)
            meta: dict[str, Any] = {"corpus": training.GERMEVAL_TRAINING.name}
            if options["sample"] is not None:
                if options["sample"] < 50:
                    raise CommandError(_("--sample must be at least 50."))
                corpus = training.stratified_sample(corpus, options["sample"])
                meta["sample"] = len(corpus.texts)
            additional = None
            for path in options["extra"]:
                more = training.read_corpus(path)
                additional = more if additional is None else training.Corpus(
                    additional.texts + more.texts, additional.task1 + more.task1, additional.task2 + more.task2)
                meta.setdefault("extra_files", []).append({"name": path.name, "messages": len(more.texts),
                                                           "sha256": training.sha256(path.read_bytes())})
        except FormatError as exc:
            raise CommandError(str(exc)) from None
        data = training.train_model(corpus, additional=additional, meta=meta)
        try:
            write_atomically(output, data)
        except OSError as exc:
            raise CommandError(_("The model file %(path)s cannot be written: %(error)s")
                               % {"path": output, "error": exc.strerror}) from None
        self.stdout.write(_("Model written to %(path)s: %(size)s bytes, SHA-256 %(sha)s, %(messages)s messages, "
                            "%(seconds).1f s.")
                          % {"path": output, "size": len(data), "sha": training.sha256(data),
                             "messages": len(corpus.texts) + (len(additional.texts) if additional else 0),
                             "seconds": time.monotonic() - started})
