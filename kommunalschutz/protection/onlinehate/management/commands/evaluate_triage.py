"""`kommunalschutz evaluate-triage FILE | --cross-validate`: scores as the GermEval 2018 organisers define them.

FILE with 3 columns (text, gold task 1, gold task 2): classified with the model, then scored. FILE with 5
columns (text, gold 1, gold 2, predicted 1, predicted 2: what classify-triage writes for a labelled file):
scored as it is, without the model. ``--cross-validate``: the cross-validation of the shipped configuration
on the shipped training data (same folds and seeds as recorded in docs/protection/triage-model.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.protection.onlinehate import classifier, germeval, training


class Command(commands.Command):
    help = ("Score the triage model on a labelled GermEval-format file (or score the predictions a file already "
            "carries), or reproduce its cross-validation on the shipped training data.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?", default=None,
                            help="text TAB task 1 TAB task 2 [TAB predicted 1 TAB predicted 2]")
        parser.add_argument("--cross-validate", action="store_true",
                            help="cross-validate the shipped configuration on the shipped training data")
        parser.add_argument("--model", type=Path, default=None, help="a model file instead of the configured one")
        parser.add_argument("--workers", type=int, default=2, help="processes for --cross-validate (default 2)")
        parser.add_argument("--seed", type=int, default=training.SEED,
                            help=f"seed of the outer folds for --cross-validate (default {training.SEED})")
        parser.add_argument("--json", type=Path, default=None, help="also write the scores to this JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cross_validate"] == (options["file"] is not None):
            raise CommandError(_("Give either a FILE or --cross-validate."))
        try:
            if options["cross_validate"]:
                self._cross_validate(options)
            else:
                self._evaluate(options["file"], options["model"], options["json"])
        except (germeval.FormatError, classifier.ModelMissing) as exc:
            raise CommandError(str(exc)) from None

    def _evaluate(self, path: Path, model_file: Path | None, json_path: Path | None) -> None:
        records = germeval.read_labelled(path, columns=(3, 5))
        widths = {len(record.labels) for record in records}
        if len(widths) > 1:
            raise CommandError(_("%(path)s: every line needs the same columns (3 with gold labels, or 5 with gold "
                                 "and predicted labels).") % {"path": path})
        gold1 = [r.labels[0] for r in records]
        gold2 = [r.labels[1] for r in records]
        if widths == {4}:
            pred1 = [r.labels[2] for r in records]
            pred2 = [r.labels[3] for r in records]
            self.stdout.write(_("Predictions read from the file (%(count)s messages).") % {"count": len(records)})
        else:
            model = classifier.load_model(model_file)
            predictions = model.predict([r.text for r in records])
            pred1 = [p.task1 for p in predictions]
            pred2 = [p.task2 for p in predictions]
            self.stdout.write(_("Classified with model %(version)s (%(count)s messages).")
                              % {"version": model.version, "count": len(records)})
        scores1 = germeval.score(gold1, pred1, germeval.TASK1_LABELS)
        scores2 = germeval.score(gold2, pred2, germeval.TASK2_LABELS)
        self.stdout.write(germeval.report("TASK 1: COARSE", scores1))
        self.stdout.write(germeval.report("TASK 2: FINE", scores2))
        if json_path is not None:
            json_path.write_text(json.dumps({"task1": _as_dict(scores1), "task2": _as_dict(scores2)}, indent=2)
                                 + "\n", encoding="utf-8")

    def _cross_validate(self, options: dict[str, Any]) -> None:
        if not 1 <= options["workers"] <= 8:
            raise CommandError(_("--workers must be between 1 and 8."))
        model = classifier.load_model(options["model"])
        config = training.config_of(model.spec)
        corpus = training.read_corpus(training.GERMEVAL_TRAINING)
        result = training.cross_validate(corpus, config, workers=options["workers"], seed=options["seed"])
        self.stdout.write(_("Cross-validation of the configuration of model %(version)s: %(folds)s folds, seed "
                            "%(seed)s, %(count)s messages of %(file)s.")
                          % {"version": model.version, "folds": result["folds"], "seed": result["seed"],
                             "count": result["messages"], "file": training.GERMEVAL_TRAINING.name})
        self.stdout.write(germeval.report("TASK 1: COARSE", result["task1"]))
        self.stdout.write(germeval.report("TASK 2: FINE", result["task2"]))
        summary = training.summary(result)
        self.stdout.write(_("Calibration: task 1 Brier %(b1).4f, ECE %(e1).4f; task 2 Brier %(b2).4f, ECE %(e2).4f.")
                          % {"b1": summary["task1_brier"], "e1": summary["task1_ece"],
                             "b2": summary["task2_brier"], "e2": summary["task2_ece"]})
        if options["json"] is not None:
            options["json"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def _as_dict(scores: germeval.Scores) -> dict[str, Any]:
    return {"accuracy": scores.accuracy, "macro_precision": scores.macro_precision,
            "macro_recall": scores.macro_recall, "macro_f1": scores.macro_f1,
            "classes": {c.label: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support}
                        for c in scores.classes}}
