"""`python -m bench alliance`: the programme figures and the map layer on a national data set.

Per database (SQLite, then PostgreSQL if reachable): a throw-away production deployment
(bench.deployment), `migrate`, then a child process that generates all 10,953 German municipalities
with ten years of synthetic alliance records and times `figures_as_of`, `figures_series` and the
map layer in-process; then, if the public figures endpoint exists, gunicorn and sequential timed
requests to `GET /api/v1/alliance/figures?as_of=`. The results go into the "alliance" section of
bench/results/latest.json; the other sections of that file are kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import deployment
from bench.alliance.generator import END, SEED, START
from bench.deployment import BenchError, Deployment
from bench.machine import PROJECT_DIR, cpu_busy_percent, describe_machine, postgres_version, wait_until_quiet
from bench.stats import summary_ms

RESULTS = Path(__file__).resolve().parent.parent / "results" / "latest.json"
FIGURES_PATH = "/api/v1/alliance/figures"
MAP_LAYER_PATH = "/api/v1/alliance/map"
MAP_PAGE_PATH = "/programm/karte/"
READY_PATH = "/api/v1/municipalities"
SECTION = "alliance"
DASH = "\N{EN DASH}"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench alliance", description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="share of the municipalities to generate (default 1: all 10,953)")
    parser.add_argument("--runs", type=int, default=200, help="timed calls per query (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    parser.add_argument("--series-runs", type=int, default=20,
                        help="timed calls of the whole time series (default 20)")
    parser.add_argument("--http-requests", type=int, default=200,
                        help="timed requests to the public figures endpoint, 0 to skip (default 200)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed of the data (default {SEED})")
    parser.add_argument("--quick", action="store_true",
                        help="a quick check: a tenth of the municipalities, 50 runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dirs and logs")
    parser.add_argument("--wait-idle", type=int, default=30, help="wait up to this many seconds for other "
                        "work on the machine to stop before each measurement (default 30)")
    parser.add_argument("--attempts", type=int, default=2, help="timed runs per query at most, repeated only "
                        "while other programs took over 10%% of the CPU; the cleanest is kept (default 2)")
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(fraction=0.1, runs=50, warmup=5, series_runs=5, http_requests=50, wait_idle=5,
                            attempts=1)
    args = parser.parse_args(argv)
    if not 0 < args.fraction <= 1:
        parser.error("--fraction must be above 0 and at most 1")
    for name, low, high in [("runs", 1, 2000), ("warmup", 0, 200), ("series_runs", 1, 200),
                            ("http_requests", 0, 2000), ("wait_idle", 0, 600), ("attempts", 1, 5)]:
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    return args


def _child(dep: Deployment, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.alliance.child", "--fraction", str(args.fraction), "--seed",
               str(args.seed), "--runs", str(args.runs), "--warmup", str(args.warmup), "--series-runs",
               str(args.series_runs), "--wait-idle", str(args.wait_idle), "--attempts", str(args.attempts)]
    # Progress lines go straight to our stderr; the result is the one BENCH_RESULT line on stdout.
    done = subprocess.run(command, cwd=PROJECT_DIR, env=dep.env, stdout=subprocess.PIPE, text=True,
                          timeout=3600, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"alliance benchmark child failed ({done.returncode}); its output is above")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    return result


def _timed_requests(port: int, paths: list[str], warmup: int) -> dict[str, Any]:
    for path in paths[:warmup]:  # every worker has loaded its code
        deployment.get(port, path)
    seconds = []
    statuses: dict[int, int] = {}
    for path in paths[warmup:]:
        response = deployment.get(port, path, {"Accept-Encoding": "gzip"})
        statuses[response.status] = statuses.get(response.status, 0) + 1
        seconds.append(response.seconds)
    result: dict[str, Any] = summary_ms(seconds)
    result["statuses"] = statuses
    return result


def _http(dep: Deployment, args: argparse.Namespace, expected: dict[str, int]) -> dict[str, Any]:
    """Sequential requests (one client, so the latency is the request's own) to the public endpoints."""
    rng = random.Random(args.seed + 11)
    span = (END - START).days

    def dated(path: str, count: int) -> list[str]:
        return [f"{path}?as_of={START + dt.timedelta(days=rng.randint(0, span))}" for _ in range(count)]

    few = max(5, args.http_requests // 10)
    plan = {
        "http_figures": dated(FIGURES_PATH, args.http_requests + 10),
        "http_map_layer": [MAP_LAYER_PATH] * (few + 2),
        "http_map_page": dated(MAP_PAGE_PATH, few + 2),
    }
    results: dict[str, Any] = {}
    with deployment.gunicorn(dep, READY_PATH) as server:
        for name, paths in plan.items():
            probe = deployment.get(server.port, paths[0])
            if probe.status == 404:
                results[name] = {"skipped": f"{paths[0].split('?')[0]} answered 404 (not written yet)"}
                continue
            if probe.status != 200:  # recorded, not fatal: the other measurements stay valid
                results[name] = {"failed": f"GET {paths[0]} answered {probe.status}"}
                print(f"[alliance/{dep.kind}] {results[name]['failed']}", file=sys.stderr, flush=True)
                continue
            busy = wait_until_quiet(limit_seconds=args.wait_idle)
            warmup = 10 if name == "http_figures" else 2
            print(f"[alliance/{dep.kind}] GET {paths[0].split('?')[0]} x{len(paths) - warmup}",
                  file=sys.stderr, flush=True)
            results[name] = _timed_requests(server.port, paths, warmup)
            results[name].update({"bytes": len(probe.body), "busy_before_pct": busy})
        if "n" in results["http_figures"]:
            body = json.loads(deployment.get(server.port, f"{FIGURES_PATH}?as_of={END.isoformat()}").body)
            results["http_figures"]["matches_in_process_figures"] = all(
                body.get(name) == value for name, value in expected.items())
    return results


def _bench(kind: deployment.Kind, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    dep = deployment.create(kind, work_dir)
    result: dict[str, Any] = {"kind": kind, "label": dep.label}
    try:
        print(f"[alliance/{kind}] migrate", file=sys.stderr, flush=True)
        deployment.manage(dep, "migrate", "migrate", "--noinput")
        print(f"[alliance/{kind}] generate (fraction {args.fraction}) and measure", file=sys.stderr, flush=True)
        result.update(_child(dep, args))
        if args.http_requests:
            deployment.manage(dep, "collectstatic", "collectstatic", "--noinput")
            result.update(_http(dep, args, result["figures_at_end"]))
        result["setup_seconds"] = dep.timings
    finally:
        deployment.destroy(dep)
    return result


def merge(output: Path, section: dict[str, Any]) -> None:
    """Write our section into the results file, keeping every other section as it is."""
    try:
        data = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[SECTION] = section
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(output)


def _ms(block: dict[str, Any] | None) -> str:
    if not block:
        return DASH
    if block.get("skipped") or block.get("failed"):
        return "not measured"
    return f"{block['median_ms' if 'median_ms' in block else 'p50_ms']:.1f} / {block['p99_ms']:.1f} ms (n={block['n']})"


def markdown(section: dict[str, Any]) -> str:
    runs = [r for r in section["runs"] if not r.get("skipped")]
    lines = ["| Measurement | " + " | ".join(r["label"] for r in runs) + " |", "|---|" + "---|" * len(runs)]

    def row(label: str, cell: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")

    def count(label: str) -> Any:
        return lambda r: f"{r['generation']['counts'][label]:,}"

    row("Municipalities / districts / Länder", lambda r: (
        f"{r['generation']['counts']['registry.Municipality']:,} / {r['generation']['counts']['registry.District']}"
        f" / {r['generation']['lands']}"))
    row("Alliance records (transitions + agreements + engagements + councils)",
        lambda r: f"{r['generation']['alliance_records']:,}")
    row("… membership transitions", count("alliance.MembershipTransition"))
    row("… cooperation agreements", count("alliance.CooperationAgreement"))
    row("… engagements", count("engagements.Engagement"))
    row("… prevention councils", count("councils.PreventionCouncil"))
    row("Detail records (consultation, coaching, analysis, funding)",
        lambda r: f"{r['generation']['detail_records']:,}")
    row("Generation time (bulk_create, one transaction)", lambda r: f"{r['generation']['seconds']:.1f} s")
    row("Database size after generation", lambda r: f"{r['database']['bytes'] / 1_000_000:.0f} MB")
    row("`figures_as_of(date)` from the roll-up: median / p99 (goal p99 < 50 ms)",
        lambda r: _ms(r.get("figures_as_of")))
    row("… the same dates counted from the records (`figures_by_recount`): median / p99",
        lambda r: _ms(r.get("figures_by_recount")))
    row("… recount p99 / roll-up p99; dates where they differ",
        lambda r: (f"{r['rollup_vs_recount']['p99_ratio']} times; {r['rollup_vs_recount']['differing_dates']} of "
                   f"{r['rollup_vs_recount']['dates_compared']}" if r.get("rollup_vs_recount") else DASH))
    row("Roll-up rebuilt from the records (`rebuild-figures`)",
        lambda r: f"{r['rollup_vs_recount']['rebuild_s']:.1f} s" if r.get("rollup_vs_recount") else DASH)
    row("`figures_series` (all month ends) from the roll-up: median / p99", lambda r: _ms(r.get("figures_series")))
    row("… the same from the records (`figures_series_by_timeline`): median / p99",
        lambda r: _ms(r.get("figures_series_timeline")))
    row("`map_layer(date)`: median / p99", lambda r: _ms(r.get("map_layer")))
    row("`map_layer()` (everything, as the public map loads it): median / p99", lambda r: _ms(r.get("map_layer_all")))
    row("… its JSON size", lambda r: (f"{r['map_layer_all']['payload_bytes'] / 1_000_000:.1f} MB"
                                     if "payload_bytes" in (r.get("map_layer_all") or {}) else DASH))
    row(f"`GET {FIGURES_PATH}?as_of=`: median / p99", lambda r: _ms(r.get("http_figures")))
    row(f"`GET {MAP_LAYER_PATH}`: median / p99", lambda r: _ms(r.get("http_map_layer")))
    row(f"`GET {MAP_PAGE_PATH}?as_of=` (public map page): median / p99", lambda r: _ms(r.get("http_map_page")))
    notes = [""]
    machine = section["machine"]
    notes.append(f"Machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gib']} GiB RAM; "
                 f"{machine['date']}, commit {machine['git_commit']}{' (dirty)' if machine['git_dirty'] else ''}; "
                 f"total {section['total_seconds']:.0f} s.")
    measured = ("figures_as_of", "figures_by_recount", "figures_series", "figures_series_timeline", "map_layer",
                "map_layer_all")
    foreign = [f"{r['label']}: " + ", ".join(
        f"{name} {r[name].get('foreign_cpu_pct')}%" for name in measured
        if isinstance(r.get(name), dict) and "foreign_cpu_pct" in r[name]) for r in runs]
    notes.append("CPU used by other programs during the timed calls: " + "; ".join(foreign) + ".")
    for run in section["runs"]:
        if run.get("skipped"):
            notes.append(f"Skipped {run['label']}: {run['skipped']}")
    return "\n".join(lines + notes)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    machine = describe_machine()
    machine["cpu_busy_pct_at_start"] = cpu_busy_percent(2.0)
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if unknown := set(kinds) - {"sqlite", "postgres"}:
        print(f"unknown database(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    work_dir = Path(tempfile.mkdtemp(prefix="ks-bench-alliance-"))
    runs: list[dict[str, Any]] = []
    failed = False
    try:
        for kind in kinds:
            if kind == "postgres":
                reason = deployment.postgres_available()
                if reason:
                    runs.append({"kind": kind, "label": "PostgreSQL + Redis", "skipped": reason})
                    continue
                machine["postgresql"] = postgres_version(deployment.POSTGRES_ADMIN_DSN)
            try:
                runs.append(_bench(kind, work_dir, args))
            except (BenchError, subprocess.TimeoutExpired) as exc:
                failed = True
                print(f"[alliance/{kind}] FAILED: {exc}", file=sys.stderr)
                runs.append({"kind": kind, "label": kind, "skipped": f"failed: {str(exc)[:500]}"})
    finally:
        if args.keep:
            print(f"kept {work_dir}", file=sys.stderr)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    section = {
        "schema": 1,
        "machine": machine,
        "settings": {"fraction": args.fraction, "seed": args.seed, "runs": args.runs, "warmup": args.warmup,
                     "series_runs": args.series_runs, "http_requests": args.http_requests,
                     "period": [START.isoformat(), END.isoformat()], "wait_idle_s": args.wait_idle,
                     "attempts": args.attempts},
        "runs": runs,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    merge(args.output, section)
    print(markdown(section))
    print(f"\nalliance section written to {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
