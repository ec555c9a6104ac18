"""`python -m bench.triage_model [--quick]`: the online-hate triage model (issue 17) on the machine at hand.

Measures, with the other programs' CPU share beside each figure (bench.machine):

- ``load``: reading the shipped model file (kommunalschutz/protection/onlinehate/data/triage-model.zip);
- ``batch``: predictions in batches as an import makes them (``TriageModel.predict`` on 1,000 messages of the
  shipped GermEval training file at a time), in milliseconds per message; goal: under 5 ms;
- ``single``: one message per call, and ``explain`` per message;
- ``training``: `train-triage`'s work from the shipped data, twice, with both files' SHA-256 (they must be
  equal: training is reproducible); goal: under 30 minutes on 2 cores. ``--quick`` trains once.

``--compare`` (long: about a minute per family on 2 quiet cores) adds the cross-validated comparison of the
model families (training.COMPARISON, including the shipped hybrid, the stacked models of
training.cross_validate_stacked, and fastText if the dev extra is installed) behind the shipped choice,
written to bench/results/triage_model_cv.json.

Prints a Markdown table and writes bench/results/triage_model.json. Needs no database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "triage_model.json"
COMPARISON_RESULTS = RESULTS.with_name("triage_model_cv.json")
BATCH = 1000
STACK_META = {"hgb": "gradient boosting", "lr": "logistic regression"}


def _timed(call: Callable[[], Any], runs: int) -> dict[str, Any]:
    from bench.machine import cpu_sample, foreign_cpu_percent

    seconds = []
    before = cpu_sample([os.getpid()])
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return {"n": runs, "median_s": round(statistics.median(seconds), 4), "max_s": round(max(seconds), 4),
            "foreign_cpu_percent": foreign_cpu_percent(before, cpu_sample([os.getpid()]))}


def measure(runs: int, trainings: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kommunalschutz.config.settings")
    os.environ.setdefault("KOMMUNALSCHUTZ_TESTING", "1")  # settings without a deployment's secrets
    import django

    django.setup()
    from kommunalschutz.protection.onlinehate import classifier, training

    path = classifier.SHIPPED_MODEL
    texts = training.read_corpus(training.GERMEVAL_TRAINING).texts
    result: dict[str, Any] = {"model_file": path.name, "model_bytes": path.stat().st_size,
                              "model_sha256": training.sha256(path.read_bytes()), "messages": len(texts)}
    result["load"] = _timed(lambda: classifier.read_model(path.read_bytes()), runs)
    model = classifier.read_model(path.read_bytes())
    batches = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]

    def all_batches() -> None:
        for batch in batches:
            model.predict(batch)

    batch = _timed(all_batches, runs)
    batch["ms_per_message"] = round(batch["median_s"] * 1000 / len(texts), 3)
    batch["batch_size"] = BATCH
    result["batch"] = batch
    sample = texts[:500]
    single = _timed(lambda: [model.predict([text]) for text in sample], runs)
    single["ms_per_message"] = round(single["median_s"] * 1000 / len(sample), 3)
    result["single"] = single
    explain = _timed(lambda: [model.explain(text) for text in sample], runs)
    explain["ms_per_message"] = round(explain["median_s"] * 1000 / len(sample), 3)
    result["explain"] = explain
    shas: list[str] = []
    corpus = training.read_corpus(training.GERMEVAL_TRAINING)

    def train() -> None:
        shas.append(training.sha256(training.train_model(corpus, meta={"corpus": training.GERMEVAL_TRAINING.name})))

    if trainings:
        result["training"] = {**_timed(train, trainings), "sha256": shas,
                              "reproducible": len(set(shas)) == 1,
                              "equals_shipped": shas[0] == result["model_sha256"]}
    return result


def compare(workers: int) -> list[dict[str, Any]]:
    """Each family's cross-validated scores and calibration (the same outer folds and seed for all)."""
    from kommunalschutz.protection.onlinehate import training

    corpus = training.read_corpus(training.GERMEVAL_TRAINING)
    rows = []
    for name, config in training.COMPARISON.items():
        started = time.monotonic()
        print(f"  cross-validating {name}", file=sys.stderr, flush=True)
        summary = training.summary(training.cross_validate(corpus, config, workers=workers))
        rows.append({"name": name, **summary, "seconds": round(time.monotonic() - started, 1)})
    started = time.monotonic()
    print("  cross-validating the stacked models", file=sys.stderr, flush=True)
    stacked = training.cross_validate_stacked(corpus, workers=workers)
    seconds = round(time.monotonic() - started, 1)  # all variants together: they share the base scores
    for (meta, with_message), result in stacked.items():
        name = (f"stack of LR, NB-SVM, linear SVM -> {STACK_META[meta]}"
                + (" (+ message features, LDNOOBW hits)" if with_message else ""))
        rows.append({"name": name, **training.summary(result), "seconds": seconds})
    try:
        import fasttext  # type: ignore[import-untyped]  # noqa: F401  # only to see whether the dev extra is there
    except ImportError:
        rows.append({"name": "fasttext", "skipped": "fasttext-numpy2 not installed (dev extra)"})
    else:
        started = time.monotonic()
        print("  cross-validating fasttext", file=sys.stderr, flush=True)
        summary = training.summary(training.cross_validate_fasttext(corpus, workers=workers))
        rows.append({"name": "fasttext", **summary, "seconds": round(time.monotonic() - started, 1)})
    return rows


def comparison_markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| family | task 1 macro-F1 | task 2 macro-F1 | task 1 Brier | task 1 ECE | task 2 Brier | task 2 ECE |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "skipped" in row:
            lines.append(f"| {row['name']} | {row['skipped']} | | | | | |")
            continue
        lines.append(f"| {row['name']} | {row['task1_macro_f1']} (±{row['task1_macro_f1_fold_sd']}) | "
                     f"{row['task2_macro_f1']} (±{row['task2_macro_f1_fold_sd']}) | {row['task1_brier']} | "
                     f"{row['task1_ece']} | {row['task2_brier']} | {row['task2_ece']} |")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    found = results["triage"]
    lines = ["Triage model: median (other programs' CPU share in brackets)", "",
             "| what | median | per message |", "|---|---:|---:|",
             f"| load model file ({found['model_bytes']:,} bytes) | {found['load']['median_s']} s "
             f"({found['load']['foreign_cpu_percent']} %) | |"]
    for name, label in (("batch", f"predict, batches of {BATCH}"), ("single", "predict, one message per call"),
                        ("explain", "explain")):
        entry = found[name]
        lines.append(f"| {label} | {entry['median_s']} s ({entry['foreign_cpu_percent']} %) | "
                     f"{entry['ms_per_message']} ms |")
    if "training" in found:
        entry = found["training"]
        lines.append(f"| train-triage x{entry['n']} (same SHA-256: {entry['reproducible']}, equals the shipped "
                     f"file: {entry['equals_shipped']}) | {entry['median_s']} s ({entry['foreign_cpu_percent']} %) | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.triage_model", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed repetitions (default 5)")
    parser.add_argument("--trainings", type=int, default=2, help="trainings from the shipped data (default 2)")
    parser.add_argument("--quick", action="store_true", help="one run, one training")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--compare", action="store_true", help="also cross-validate every model family (long)")
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(runs=1, trainings=1)
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 50 or not 0 <= args.trainings <= 5:
        parser.error("--runs 1..50, --trainings 0..5")
    from bench.machine import cpu_busy_percent, describe_machine

    machine = describe_machine()
    machine["cpu_busy_pct_at_start"] = cpu_busy_percent(2.0)
    results: dict[str, Any] = {"command": "python -m bench.triage_model" + (" --quick" if args.quick else ""),
                               "machine": machine, "triage": measure(args.runs, args.trainings)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(results))
    if args.compare:
        started = time.monotonic()
        comparison: dict[str, Any] = {"command": "python -m bench.triage_model --compare",
                                      "machine": describe_machine(), "families": compare(workers=2)}
        comparison["seconds"] = round(time.monotonic() - started, 1)
        COMPARISON_RESULTS.write_text(json.dumps(comparison, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(comparison_markdown(comparison["families"]))
    training = results["triage"].get("training")
    return 1 if training is not None and not training["reproducible"] else 0


if __name__ == "__main__":
    sys.exit(main())
