"""`python -m bench.goals`: the goals of issue 14 ("fast at national scale") beside what the bench measured.

Every bench part writes its own results file under bench/results/; this reads them all and prints one
table: each row of the issue's table with its goal, the measurement per database, whether the goal is
met, the ratio where the issue names a comparison (ours against R, against a bare WSGI handler, roll-up
against a full scan, stamped against laid-out letters) and how much CPU other programs took while it
was measured. A goal counts as met only on a quiet machine (other programs at most ``QUIET_PERCENT``
of all cores during the measurement); a number taken on a busy machine is shown, marked as such.

`python -m bench` prints this table last, after all parts ran in the same invocation; the file
bench/results/goals.md keeps it for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).with_name("results")
QUIET_PERCENT = 10.0
DASH = "\N{EN DASH}"


@dataclass(frozen=True)
class Measurement:
    database: str
    text: str  # the measurement as a person reads it
    met: bool | None  # None: the goal cannot be judged from this file
    foreign_cpu_pct: float | None = None
    ratio: str = ""
    measured_on: str = ""  # date and commit of the run


@dataclass(frozen=True)
class Goal:
    what: str
    goal: str
    results_file: str
    read: Callable[[dict[str, Any]], list[Measurement]]


def _when(data: dict[str, Any]) -> str:
    machine = data.get("machine") or {}
    date = str(machine.get("date") or "")[:16].replace("T", " ")
    commit = machine.get("git_commit") or ""
    return f"{date} ({commit}{', dirty' if machine.get('git_dirty') else ''})" if date else ""


def _label(key: str, block: dict[str, Any]) -> str:
    return str(block.get("label") or {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(key, key))


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{float(value):,.{digits}f}"


def _max_foreign(*values: Any) -> float | None:
    numbers = [float(v) for v in values if v is not None]
    return max(numbers) if numbers else None


# --- one reader per row of the table -------------------------------------------------------------


def _case_statistics(data: dict[str, Any]) -> list[Measurement]:
    rows = []
    for key, block in (data.get("databases") or {}).items():
        queries = block.get("queries") or {}
        rollup = queries.get("whole dashboard from roll-ups [all]")
        scan = queries.get("whole dashboard with suppression [all]")
        main = rollup or scan
        if not main:
            continue
        p99 = main.get("p99_ms")
        ratio = ""
        if rollup and scan and rollup.get("median_ms"):
            ratio = f"full scan / roll-up: {scan['median_ms'] / rollup['median_ms']:.1f}x"
        text = f"p99 {_num(p99, 1)} ms ({block.get('rows', data.get('rows')):,} cases, all of Germany)"
        if not rollup:
            text += "; full scan (no roll-up measured)"
        rows.append(Measurement(_label(key, block), text, p99 is not None and p99 < 200,
                                main.get("foreign_cpu_pct"), ratio, _when(data)))
    return rows


def _programme_figures(data: dict[str, Any]) -> list[Measurement]:
    section = data.get("alliance") or {}
    rows = []
    for run in section.get("runs") or []:
        figures = run.get("figures_as_of")  # from the roll-up since decision 0032
        if not figures:
            continue
        http = run.get("http_figures") or {}
        old = run.get("figures_by_recount")  # the queries over the records, measured in the same run
        ratio = ""
        if old and figures.get("median_ms"):
            ratio = f"recount / roll-up: {old['median_ms'] / figures['median_ms']:.1f}x (median)"
        text = f"p99 {_num(figures.get('p99_ms'), 1)} ms in process"
        if not old:
            text += " (before the roll-up)"
        if http:
            text += f", HTTP p99 {_num(http.get('p99_ms'), 1)} ms"
        p99 = figures.get("p99_ms")
        rows.append(Measurement(run.get("label", run.get("kind", "?")), text, p99 is not None and p99 < 50,
                                figures.get("foreign_cpu_pct"), ratio, _when(section)))
    return rows


def _public_api(data: dict[str, Any]) -> list[Measurement]:
    path = (data.get("paths") or {}).get("/api/v1/municipalities") or {}
    ours = (path.get("ours") or {}).get("10")
    bare = (path.get("bare") or {}).get("10")
    if not ours:
        return []
    ratio_value = (path.get("ratio") or {}).get("10")
    met = (ours["requests_per_s"] >= 1000 and ours["p99_ms"] < 50 and ours.get("error_count", 0) == 0
           and ratio_value is not None and ratio_value >= 0.25)
    text = (f"{_num(ours['requests_per_s'])} req/s, p99 {_num(ours['p99_ms'], 1)} ms, "
            f"{ours.get('error_count', 0)} errors (10 connections)")
    ratio = f"ours / bare WSGI: {ratio_value:.0%}" if ratio_value is not None else ""
    if bare:
        ratio += f" (bare {_num(bare['requests_per_s'])} req/s)"
    return [Measurement("PostgreSQL + Redis", text, met,
                        _max_foreign(ours.get("foreign_cpu_pct"), (bare or {}).get("foreign_cpu_pct")),
                        ratio, _when(data))]


def _register(data: dict[str, Any]) -> list[Measurement]:
    rows = []
    for key, block in (data.get("databases") or {}).items():
        total = (block.get("import_s") or 0) + (block.get("draw_s") or 0)
        peak = block.get("rss_peak_end_mib")
        text = (f"import {_num(block.get('import_s'), 1)} s + draw {_num(block.get('draw_s'), 1)} s "
                f"({_num(block.get('import_cpu_s'), 1)} s CPU), peak {_num(peak)} MiB")
        met = block.get("import_s") is not None and total < 10 and peak is not None and peak < 1024
        rows.append(Measurement(_label(key, block), text, met, block.get("import_others_cpu_percent"), "",
                                _when(data)))
    return rows


def _letters(data: dict[str, Any]) -> list[Measurement]:
    rows = []
    for key, block in (data.get("databases") or {}).items():
        wall = block.get("stamped_wall_per_1000_s")
        text = (f"{_num(wall, 1)} s wall, {_num(block.get('stamped_cpu_per_1000_s'), 1)} s CPU "
                f"per 1,000 letters")
        ratio = ""
        if block.get("old_cpu_per_1000_s") and block.get("stamped_cpu_per_1000_s"):
            ratio = f"laid out / stamped (CPU): {block['old_cpu_per_1000_s'] / block['stamped_cpu_per_1000_s']:.0f}x"
        rows.append(Measurement(_label(key, block), text, wall is not None and wall < 10,
                                block.get("stamped_foreign_cpu_percent"), ratio, _when(data)))
    return rows


def _report(data: dict[str, Any]) -> list[Measurement]:
    rows = []
    for key, block in (data.get("databases") or {}).items():
        text = (f"{_num(block.get('median_s'), 1)} s median to render in the background "
                f"({block.get('pages')} pages), then served from storage")
        rows.append(Measurement(_label(key, block), text, None, block.get("foreign_cpu_pct"), "", _when(data)))
    return rows


def _national_map(data: dict[str, Any]) -> list[Measurement]:
    rows = []
    for key, block in (data.get("runs") or {}).items():
        first = (block.get("first_load") or {}).get("gzip")
        if first is None:
            continue
        page = (block.get("latency") or {}).get("page") or {}
        interactive = block.get("interactive") or {}
        slowest = interactive.get("p99_ms")
        text = (f"first load {first / 1_000_000:.2f} MB gzipped "
                f"({block['first_load'].get('plain', 0) / 1_000_000:.1f} MB plain), page p99 "
                f"{_num(page.get('p99_ms'))} ms")
        if slowest is not None:
            text += f", interactive after {_num(interactive.get('p50_ms'))} ms median, {_num(slowest)} ms slowest " \
                    f"of {interactive.get('n')}"
        met = first < 1_000_000 and slowest is not None and slowest < 1000
        old = ((block.get("sizes") or {}).get("geojson_all") or {}).get("gzip")
        ratio = f"GeoJSON / compact boundaries (gzip): {old / block['sizes']['compact_level_0']['gzip']:.1f}x" \
            if old and (block.get("sizes") or {}).get("compact_level_0") else ""
        foreign = _max_foreign(page.get("foreign_cpu_pct"), interactive.get("foreign_cpu_pct"))
        rows.append(Measurement(_label(key, block), text, met, foreign, ratio, _when(data)))
    return rows


def _estimation(data: dict[str, Any]) -> list[Measurement]:
    if "ratio" not in data:
        return []
    text = (f"{data['respondents']:,} x {data['items']} items, {data['domains']} domains: ours "
            f"{data['ours']['total_s']:.1f} s, R {data['r']['total_s']:.0f} s; max. rel. difference "
            f"{data['max_rel_diff']:.1e}")
    met = data["ratio"] >= 10 and data["max_rel_diff"] <= 1e-9
    return [Measurement("in memory", text, met, data.get("foreign_cpu_pct"),
                        f"R / ours: {data['ratio']:.0f}x wall, {data.get('ratio_cpu', 0):.0f}x CPU", _when(data))]


GOALS: list[Goal] = [
    Goal("Case statistics dashboard, all of Germany, 1M cases", "p99 < 200 ms", "case_statistics.json",
         _case_statistics),
    Goal("Programme figures for a date (`figures_as_of`), national scale", "p99 < 50 ms", "latest.json",
         _programme_figures),
    Goal("`GET /api/v1/municipalities` under gunicorn, 10 connections",
         "≥ 1,000 req/s, p99 < 50 ms, 0 errors, ≥ 25 % of a bare WSGI handler", "api_throughput.json",
         _public_api),
    Goal("600,000-row register import + stratified draw", "< 10 s, < 1 GB", "survey_register.json", _register),
    Goal("1,000 letters with QR codes", "< 10 s on 2 cores", "survey_letters.json", _letters),
    Goal("Final report PDF", "rendered once per weighting in the background, served from storage",
         "survey_report.json", _report),
    Goal("Public alliance map, all of Germany", "first load < 1 MB, interactive < 1 s", "national_map.json",
         _national_map),
    Goal("Survey estimation 100k x 60 items, raking, 20 domains vs R survey", "≥ 10x faster, agreement 1e-9",
         "survey_estimation.json", _estimation),
]


def _verdict(measurement: Measurement) -> str:
    if measurement.met is None:
        return "see text"
    if measurement.foreign_cpu_pct is None:
        condition = ", others' load not recorded"
    elif measurement.foreign_cpu_pct > QUIET_PERCENT:
        condition = ", machine busy"
    else:
        condition = ""
    return ("met" if measurement.met else "not met") + condition


def evaluate(results_dir: Path = RESULTS_DIR, goals: Iterable[Goal] = GOALS) -> list[tuple[Goal, Measurement | None]]:
    """Every goal with each of its measurements (None: its results file is missing or holds none)."""
    table: list[tuple[Goal, Measurement | None]] = []
    for goal in goals:
        path = results_dir / goal.results_file
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        measurements = goal.read(data) if isinstance(data, dict) else []
        if not measurements:
            table.append((goal, None))
        table.extend((goal, m) for m in measurements)
    return table


def markdown(table: list[tuple[Goal, Measurement | None]]) -> str:
    lines = ["| What | Goal | Database | Measured | Verdict | Comparison | Other programs' CPU | Measured on |",
             "|---|---|---|---|---|---|---|---|"]
    for goal, m in table:
        if m is None:
            lines.append(f"| {goal.what} | {goal.goal} | {DASH} | not measured (no `{goal.results_file}`) "
                         f"| not measured | {DASH} | {DASH} | {DASH} |")
            continue
        foreign = DASH if m.foreign_cpu_pct is None else f"{m.foreign_cpu_pct:.0f} %"
        lines.append(f"| {goal.what} | {goal.goal} | {m.database} | {m.text} | {_verdict(m)} | "
                     f"{m.ratio or DASH} | {foreign} | {m.measured_on or DASH} |")
    lines.append("")
    lines.append(f"A goal counts as met only when other programs took at most {QUIET_PERCENT:.0f} % of all cores "
                 "while it was measured; \"see text\": the goal is a property (rendered once, served from "
                 "storage), not a number.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.goals", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help=f"results folder (default {RESULTS_DIR})")
    parser.add_argument("--output", type=Path, default=None, help="also write the table to this file "
                        "(default: goals.md in the results folder)")
    args = parser.parse_args(argv)
    text = markdown(evaluate(args.results))
    output = args.output or args.results / "goals.md"
    output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
