"""`python -m bench.survey_estimation [--quick]`: survey estimation against R's `survey`, same data, same run.

A reproducible synthetic citizen survey (seeded numpy): 100,000 respondents of a register sample
stratified by 20 localities (design weight N_h / gross sample, fpc N_h, 30-50 % response per
locality, older people and women answer more often), 60 items: 40 five-point scales (1-5 with 8 "does
not apply" and 9 "don't know", both treated as missing, and blank answers) and 20 yes/no items (1 yes,
0 no, 9 "don't know", blank). The weights are raked on 3 margins (7 age groups, sex m/w/d, 20
localities; register totals) with rake(maxit=10, epsilon=1), then every item gets its weighted mean
(for yes/no items the share of "yes") with its standard error for the whole municipality and for each
of the 20 localities: 60 x 21 = 1,260 estimates and 1,260 standard errors.

The same steps run twice, on the same data written once to a temporary CSV:
- ours (kommunalschutz.surveys.projects.estimation): recode 8/9, make_design, rake, svymean + svyby_mean
  per item; timed around exactly these steps (data generation excluded);
- R (bench/r/survey_estimation.R, Rscript with `survey`): recode 8/9, svydesign, rake,
  svymean + svyby(~item, ~locality, design, svymean, na.rm=TRUE) per item; timed inside R with
  Sys.time() (reading the CSV and starting R excluded).
Every estimate, standard error and calibrated weight is compared: the largest relative difference must
be <= 1e-9, otherwise the run exits with status 1. Prints a Markdown table (our time, R's time, the
ratio R / ours; wall clock and CPU time) and writes bench/results/survey_estimation.json. --quick: 6 items.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

RESULTS = Path(__file__).resolve().parent / "results" / "survey_estimation.json"
R_SCRIPT = Path(__file__).resolve().parent / "r" / "survey_estimation.R"
SEED = 20260405
TOLERANCE = 1e-9
MISSING_CODES = (8.0, 9.0)  # models.DONT_USE, models.DONT_KNOW
AGE_GROUPS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
AGE_SHARE = np.array([0.10, 0.13, 0.14, 0.15, 0.18, 0.14, 0.16])
AGE_RESPONSE = np.array([0.55, 0.65, 0.8, 0.95, 1.1, 1.3, 1.05])
SEXES = ("d", "m", "w")
SEX_SHARE = np.array([0.004, 0.492, 0.504])
SEX_RESPONSE = np.array([0.8, 0.92, 1.07])

Key = tuple[str, str]  # item, domain ("" = the whole population)


class BenchFailure(RuntimeError):
    """The comparison with R failed (R missing or broken, or results differ)."""


@dataclass(frozen=True)
class Survey:
    locality: NDArray[np.str_]
    age: NDArray[np.str_]
    sex: NDArray[np.str_]
    weight: NDArray[np.float64]  # design weight N_h / gross sample_h
    fpc: NDArray[np.float64]  # N_h (persons in the locality's register)
    items: NDArray[np.float64]  # raw codes, NaN = blank
    item_names: tuple[str, ...]
    scale_items: int  # the first scale_items are five-point scales, the rest yes/no
    margins: dict[str, dict[str, float]]  # raking variable -> category -> register count

    @property
    def respondents(self) -> int:
        return int(self.weight.shape[0])


def _split(total: int, shares: NDArray[np.float64]) -> NDArray[np.int64]:
    """Integer counts proportional to shares that add up to total exactly (largest remainders)."""
    raw = total * shares / shares.sum()
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(counts - raw)[: total - int(counts.sum())]] += 1
    return np.asarray(counts, dtype=np.int64)


def generate(respondents: int = 100_000, items: int = 60, domains: int = 20, seed: int = SEED) -> Survey:
    """The synthetic survey (same arguments, same data): see the module docstring."""
    if respondents < 50 * domains or items < 2 or not 2 <= domains <= 99:
        raise ValueError("need at least 50 respondents per locality, 2 items and 2-99 localities")
    rng = np.random.default_rng(seed)
    names = np.array([f"L{h + 1:02d}" for h in range(domains)])
    size = np.exp(rng.normal(9.3, 0.8, domains))
    net = np.maximum(_split(respondents, np.sqrt(size)), 50)  # square-root allocation of the respondents
    net[np.argmax(net)] -= int(net.sum()) - respondents
    response = rng.uniform(0.30, 0.50, domains)
    gross = np.ceil(net / response).astype(np.int64)
    population = np.maximum(np.round(size * respondents / 20_000), 4 * gross).astype(np.int64)
    stratum = rng.permutation(np.repeat(np.arange(domains), net))
    n = respondents
    age_p = AGE_SHARE * AGE_RESPONSE
    age = rng.choice(len(AGE_GROUPS), n, p=age_p / age_p.sum())
    sex_p = SEX_SHARE * SEX_RESPONSE
    sex = rng.choice(len(SEXES), n, p=sex_p / sex_p.sum())
    total = int(population.sum())
    margins = {
        "age": dict(zip(AGE_GROUPS, map(float, _split(total, AGE_SHARE)), strict=True)),
        "sex": dict(zip(SEXES, map(float, _split(total, SEX_SHARE)), strict=True)),
        "locality": dict(zip(names.tolist(), map(float, population), strict=True)),
    }
    # answers: a latent attitude per person (locality and age shift it), one loading per item
    attitude = rng.normal(0, 1, n) + rng.normal(0, 0.4, domains)[stratum] + 0.08 * (age - 3)
    scale_items = round(items * 2 / 3)
    out = np.empty((n, items))
    for j in range(items):
        loading, centre = rng.uniform(0.3, 1.0), rng.uniform(-0.8, 0.8)
        latent = centre + loading * attitude + rng.normal(0, 0.9, n)
        if j < scale_items:
            values = np.clip(np.round(3 + 1.1 * latent), 1, 5)
            codes = rng.random(n)
            values[codes < rng.uniform(0.01, 0.05)] = 8.0
            values[(codes > 0.2) & (codes < 0.2 + rng.uniform(0.02, 0.06))] = 9.0
        else:
            values = (latent > 0).astype(np.float64)
            values[rng.random(n) < rng.uniform(0.01, 0.05)] = 9.0
        values[rng.random(n) < rng.uniform(0.005, 0.03)] = np.nan
        out[:, j] = values
    return Survey(
        locality=names[stratum], age=np.array(AGE_GROUPS)[age], sex=np.array(SEXES)[sex],
        weight=(population / gross)[stratum].astype(np.float64), fpc=population[stratum].astype(np.float64),
        items=out, item_names=tuple(f"q{j + 1:02d}" for j in range(items)), scale_items=scale_items,
        margins=margins,
    )


def write_csv(survey: Survey, data_path: Path, margins_path: Path) -> None:
    """The data for R: weights as shortest round-trip decimals (R reads the same doubles), blank = NA."""
    codes = np.array([str(v) for v in range(10)] + [""])
    items = np.where(np.isnan(survey.items), 10, survey.items).astype(np.intp)
    item_text = codes[items]
    weight_text = {w: repr(float(w)) for w in np.unique(survey.weight)}
    with open(data_path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(["locality", "age", "sex", "weight", "fpc", *survey.item_names]) + "\n")
        for i in range(survey.respondents):
            fh.write(f"{survey.locality[i]},{survey.age[i]},{survey.sex[i]},{weight_text[survey.weight[i]]},"
                     f"{int(survey.fpc[i])},{','.join(item_text[i])}\n")
    with open(margins_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["variable", "category", "population"])
        for variable, table in survey.margins.items():
            for category, count in table.items():
                writer.writerow([variable, category, repr(count)])


@dataclass
class Run:
    estimates: dict[Key, tuple[float, float]]
    weights: NDArray[np.float64]
    seconds: float  # wall clock, rake + all estimates
    rake_seconds: float
    cpu_seconds: float  # CPU time of the process for the same span
    rake_cpu_seconds: float
    iterations: int | None = None


def run_ours(survey: Survey, *, maxit: int = 10, epsilon: float = 1.0) -> Run:
    """Our side, timed from the raw codes to all estimates (the same steps R's script times)."""
    from kommunalschutz.surveys.projects import estimation as est

    started, cpu_started = time.perf_counter(), time.process_time()
    items = np.where(np.isin(survey.items, MISSING_CODES), np.nan, survey.items)
    design = est.make_design(survey.respondents, weights=survey.weight, strata=survey.locality, fpc=survey.fpc)
    margins = [([column], {(k,): v for k, v in survey.margins[name].items()})
               for name, column in (("age", survey.age), ("sex", survey.sex), ("locality", survey.locality))]
    raked = est.rake(design, margins, maxit=maxit, epsilon=epsilon)
    rake_seconds, rake_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    whole = [est.svymean(raked.design, items[:, j]) for j in range(items.shape[1])]
    by_locality = est.svyby_means(raked.design, items, survey.locality)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    estimates: dict[Key, tuple[float, float]] = {}
    for name, overall, by in zip(survey.item_names, whole, by_locality, strict=True):
        estimates[(name, "")] = (overall.estimate, overall.se)
        for level, value, se in zip(by.levels, by.estimate, by.se, strict=True):
            estimates[(name, str(level))] = (float(value), float(se))
    return Run(estimates, raked.design.weights, seconds, rake_seconds, cpu, rake_cpu, raked.iterations)


def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        raise BenchFailure("Rscript is missing: `make r-survey` installs Debian's r-base-core and r-cran-survey.")
    return path


def run_r(data_path: Path, margins_path: Path, work: Path, *, maxit: int = 10, epsilon: float = 1.0) -> Run:
    out, weights_out = work / "r-estimates.csv", work / "r-weights.csv"
    done = subprocess.run([rscript(), str(R_SCRIPT), str(data_path), str(margins_path), str(out), str(weights_out),
                           str(maxit), repr(epsilon)], capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise BenchFailure(f"R failed ({done.returncode}):\n{done.stderr[-3000:]}")
    timing = next((ln for ln in done.stdout.splitlines() if ln.startswith("R_TIMING ")), None)
    if timing is None:
        raise BenchFailure(f"R printed no timing:\n{done.stdout[-2000:]}")
    rake_s, total_s, rake_cpu, total_cpu = map(float, timing.split()[1:])
    estimates: dict[Key, tuple[float, float]] = {}
    with open(out, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            estimates[(row["item"], row["domain"])] = (_float(row["estimate"]), _float(row["se"]))
    with open(weights_out, newline="", encoding="utf-8") as fh:
        weights = np.array([float(row["weight"]) for row in csv.DictReader(fh)])
    return Run(estimates, weights, total_s, rake_s, total_cpu, rake_cpu)


def _float(text: str) -> float:
    return math.nan if text in ("NA", "NaN", "") else float(text)


def relative_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger magnitude; 0 for equal values (NaN equals NaN), inf for NaN vs number."""
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


@dataclass
class Comparison:
    compared: int
    max_rel_diff: float
    worst: str
    max_rel_diff_estimates: float
    max_rel_diff_se: float
    max_rel_diff_weights: float


def compare(ours: Run, theirs: Run) -> Comparison:
    """Every estimate, SE and calibrated weight of ours against R's; raises BenchFailure if a number is missing."""
    if set(ours.estimates) != set(theirs.estimates):
        only_ours = sorted(set(ours.estimates) - set(theirs.estimates))[:5]
        only_r = sorted(set(theirs.estimates) - set(ours.estimates))[:5]
        raise BenchFailure(f"different estimates: only ours {only_ours}, only R {only_r}")
    if ours.weights.shape != theirs.weights.shape:
        raise BenchFailure(f"{ours.weights.shape[0]} weights of ours, {theirs.weights.shape[0]} of R")
    worst = (0.0, "")
    maxima = [0.0, 0.0]
    for key, values in ours.estimates.items():
        for k, (label, a, b) in enumerate(zip(("estimate", "se"), values, theirs.estimates[key], strict=True)):
            rel = relative_difference(a, b)
            maxima[k] = max(maxima[k], rel)
            if rel > worst[0] or (rel == math.inf and not worst[1]):
                worst = (rel, f"{label} of {key[0]} in {key[1] or 'all'}: ours {float(a)!r}, R {float(b)!r}")
    scale = np.maximum(np.abs(ours.weights), np.abs(theirs.weights))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel_w = np.where(scale == 0, 0.0, np.abs(ours.weights - theirs.weights) / scale)
    w_max = float(rel_w.max()) if rel_w.size else 0.0
    if w_max > worst[0]:
        i = int(rel_w.argmax())
        worst = (w_max, f"weight of respondent {i + 1}: ours {float(ours.weights[i])!r}, "
                        f"R {float(theirs.weights[i])!r}")
    return Comparison(2 * len(ours.estimates) + int(ours.weights.size), worst[0], worst[1], maxima[0], maxima[1],
                      w_max)


def _r_version() -> str | None:
    try:
        done = subprocess.run([rscript(), "-e", 'cat(R.version$major, ".", R.version$minor, " survey ", '
                               'as.character(packageVersion("survey")), sep="")'],
                              capture_output=True, text=True, timeout=60, check=False)
    except (BenchFailure, OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _timings(run: Run) -> dict[str, float]:
    return {"total_s": round(run.seconds, 3), "rake_s": round(run.rake_seconds, 3),
            "total_cpu_s": round(run.cpu_seconds, 3), "rake_cpu_s": round(run.rake_cpu_seconds, 3)}


def markdown(results: dict[str, Any]) -> str:
    ours, r = results["ours"], results["r"]
    return "\n".join([
        f"Survey estimation: {results['respondents']:,} respondents x {results['items']} items, raking on 3 margins "
        f"(age {len(AGE_GROUPS)}, sex {len(SEXES)}, locality {results['domains']}), mean and SE of every item for "
        f"the whole population and {results['domains']} localities ({results['estimates']:,} estimates)",
        "",
        "| | ours (numpy) | R survey | R / ours |",
        "|---|---:|---:|---:|",
        f"| rake | {ours['rake_s']:.2f} s | {r['rake_s']:.2f} s | {r['rake_s'] / ours['rake_s']:.1f} |",
        f"| rake + all estimates | {ours['total_s']:.2f} s | {r['total_s']:.2f} s | {results['ratio']:.1f} |",
        f"| the same, CPU time | {ours['total_cpu_s']:.2f} s | {r['total_cpu_s']:.2f} s | "
        f"{results['ratio_cpu']:.1f} |",
        "",
        f"Largest relative difference to R over {results['compared']:,} numbers (estimates, SEs, weights): "
        f"{results['max_rel_diff']:.2e} (limit {TOLERANCE:g}).",
    ])


def benchmark(survey: Survey, work: Path, *, maxit: int = 10, epsilon: float = 1.0) -> tuple[Run, Run, Comparison]:
    data_path, margins_path = work / "survey.csv", work / "margins.csv"
    write_csv(survey, data_path, margins_path)
    theirs = run_r(data_path, margins_path, work, maxit=maxit, epsilon=epsilon)
    ours = run_ours(survey, maxit=maxit, epsilon=epsilon)
    return ours, theirs, compare(ours, theirs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.survey_estimation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=100_000, help="default 100,000")
    parser.add_argument("--items", type=int, default=60, help="default 60")
    parser.add_argument("--domains", type=int, default=20, help="localities = strata = domains (default 20)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="6 items (R needs about 9 minutes for 60)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(items=6)
    args = parser.parse_args(argv)
    if not 1_000 <= args.respondents <= 2_000_000 or not 2 <= args.items <= 500 or not 2 <= args.domains <= 99:
        parser.error("--respondents 1,000..2,000,000, --items 2..500, --domains 2..99")
    from bench.machine import describe_machine

    print(f"[survey_estimation] generating {args.respondents:,} x {args.items} items", file=sys.stderr, flush=True)
    survey = generate(args.respondents, args.items, args.domains, args.seed)
    work = Path(tempfile.mkdtemp(prefix="ks-bench-survey-"))
    try:
        print("[survey_estimation] R survey, then ours", file=sys.stderr, flush=True)
        ours, theirs, comparison = benchmark(survey, work)
    except BenchFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "python -m bench.survey_estimation" + (" --quick" if args.quick else "")
    results: dict[str, Any] = {
        "command": command, "respondents": args.respondents, "items": args.items, "domains": args.domains,
        "seed": args.seed, "estimates": len(ours.estimates), "raking_iterations": ours.iterations,
        "ours": _timings(ours), "r": {**_timings(theirs), "version": _r_version()},
        "ratio": round(theirs.seconds / ours.seconds, 2),  # wall clock, R / ours
        "ratio_cpu": round(theirs.cpu_seconds / ours.cpu_seconds, 2),
        "compared": comparison.compared, "max_rel_diff": comparison.max_rel_diff,
        "max_rel_diff_estimates": comparison.max_rel_diff_estimates,
        "max_rel_diff_se": comparison.max_rel_diff_se, "max_rel_diff_weights": comparison.max_rel_diff_weights,
        "worst": comparison.worst, "tolerance": TOLERANCE, "machine": describe_machine(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(results))
    if not comparison.max_rel_diff <= TOLERANCE:
        print(f"error: results differ from R by {comparison.max_rel_diff:.3g} > {TOLERANCE:g}: {comparison.worst}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
