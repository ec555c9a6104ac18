"""`python -m bench.situation_report [--quick]`: the situation report for a state and for all of Germany.

Per scale and database (SQLite, then PostgreSQL if reachable) a throw-away deployment (bench.deployment),
`migrate`, then a child process (this module with --child) that fills it with the alliance bench data
(bench.alliance.generator: the real German municipalities with synthetic boundaries and ten years of
synthetic alliance records; ``--fraction`` of them) and N synthetic statistical records of the case
statistics bench (bench.case_statistics: the same mix, written with COPY or executemany, roll-ups rebuilt).
Then it times, with the other programs' CPU load beside each figure:

- ``compute``: both editions' figures of a report for the last data year (services.compute: every section);
- ``page``: the released report's public web page through the whole Django stack (anonymous GET; the first
  request draws the charts, the repeated ones find them in the chart cache);
- ``pdf``: the PDF of the public edition (WeasyPrint; the PDF cache emptied before each).

Scales: ``state`` (about a Land: 4 % of the municipalities, 30,000 records) and ``national`` (every
municipality, 1,000,000 records). ``--quick``: national with 25 % and 100,000 records, one repetition.
Prints a Markdown table and writes bench/results/situation_report.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "situation_report.json"
SCALES = {"state": (0.04, 30_000), "national": (1.0, 1_000_000)}
QUICK_SCALES = {"state": (0.04, 30_000), "national": (0.25, 100_000)}


def _timed(call: Callable[[], Any], runs: int) -> dict[str, Any]:
    from bench.machine import cpu_sample, foreign_cpu_percent

    seconds = []
    before = cpu_sample([os.getpid()])
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    foreign = foreign_cpu_percent(before, cpu_sample([os.getpid()]))
    return {"n": runs, "median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3),
            "foreign_cpu_percent": foreign}


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from bench.alliance.generator import END, generate
    from bench.case_statistics import _insert
    from kommunalschutz.foundation.registry.models import District
    from kommunalschutz.protection.cases import rollups
    from kommunalschutz.situation import services, views

    print(f"  alliance data: {args.fraction:.0%} of the municipalities", file=sys.stderr, flush=True)
    generate(fraction=args.fraction)
    places = [(pk, directorate) for pk, directorate in
              District.objects.filter(police_directorate__isnull=False).values_list("pk", "police_directorate_id")]
    print(f"  {args.rows:,} statistical records in {len(places)} districts", file=sys.stderr, flush=True)
    _insert(args.rows, places, args.seed)
    rollups.rebuild()
    end = min(END, dt.date(2025, 12, 31))
    report = services.create_report(actor=None, period_start=dt.date(end.year, 1, 1), period_end=end, generate=False)
    computed: dict[str, Any] = {}

    def compute() -> None:
        computed.update(services.compute(report))

    result: dict[str, Any] = {"rows": args.rows, "fraction": args.fraction, "districts": len(places),
                              "as_of": end.isoformat()}
    result["compute"] = _timed(compute, args.runs)
    report = services.store_figures(actor=None, report=report, computed=computed)
    report = services.release_report(actor=None, report=report)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # the page links the hashed static files
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    path = f"/lagebericht/{report.pk}/oeffentlich/"

    def page() -> None:
        response = client.get(path, secure=True)  # the deployment redirects plain HTTP
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    result["page_first"] = _timed(page, 1)
    result["page"] = _timed(page, max(3, args.runs))

    def pdf() -> None:
        cache.clear()
        views.pdf_bytes(report, "public")

    result["pdf"] = _timed(pdf, args.runs)
    result["pdf_bytes"] = len(views.pdf_bytes(report, "public"))
    print("BENCH_RESULT " + json.dumps(result))


def markdown(results: dict[str, Any]) -> str:
    lines = ["Situation report: median seconds (other programs' CPU share in brackets)", "",
             "| scale | database | records | compute both editions | web page (first) | web page | PDF |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for scale, databases in results["scales"].items():
        for entry in databases.values():
            if not isinstance(entry, dict) or "compute" not in entry:
                lines.append(f"| {scale} | {entry} | | | | | |")
                continue

            def cell(name: str, found: dict[str, Any] = entry) -> str:
                return f"{found[name]['median_s']} ({found[name]['foreign_cpu_percent']} %)"

            lines.append(f"| {scale} | {entry['label']} | {entry['rows']:,} | {cell('compute')} | "
                         f"{cell('page_first')} | {cell('page')} | {cell('pdf')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.situation_report", description=__doc__)
    parser.add_argument("--scales", default="state,national", help="comma-separated: state,national")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--runs", type=int, default=3, help="timed repetitions (default 3)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--quick", action="store_true", help="national at 25 %% and 100,000 records, one run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fraction", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=1_000_000, help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(runs=1)
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20 or not 0 < args.fraction <= 1 or not 1 <= args.rows <= 20_000_000:
        parser.error("--runs 1..20")
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    scales = QUICK_SCALES if args.quick else SCALES
    results: dict[str, Any] = {"command": "python -m bench.situation_report" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(), "scales": {}}
    for scale in [s.strip() for s in args.scales.split(",") if s.strip() in scales]:
        fraction, rows = scales[scale]
        child_args = ["--fraction", str(fraction), "--rows", str(rows), "--runs", str(args.runs),
                      "--seed", str(args.seed)]
        def measure(kind: deployment.Kind, work_dir: Path, child_args: list[str] = child_args) -> dict[str, Any]:
            return deployment.run_child(kind, work_dir, "situation_report", child_args, timeout=3600)

        results["scales"][scale] = deployment.per_database("situation_report", args.databases, measure)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
