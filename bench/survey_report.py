"""`python -m bench.survey_report [--quick]`: time to render a survey's final report PDF.

A throw-away deployment (bench.deployment, SQLite by default), `migrate`, then a child process (this
module with --child) that sets up Saxony's 13 districts with the shipped police crime statistics
(findings.crime.load_bundled), a municipality, and a surveyed project built with the same services as
the tests (tests/surveys/findings/report_data.py): the standard questionnaire of the item bank (59 questions),
a stratified sample of 2 x N letters, N submitted responses with realistic answers and filters, and a
raking on age group, sex and locality. It then times ``findings.report.render_report`` (the whole
report: estimates for every item, the discrepancy view, charts, WeasyPrint) --repetitions times after
one warm-up, and once each of its two halves (computing the context; laying out the PDF).

Prints a Markdown table and writes bench/results/survey_report.json. --quick: 200 responses, 1 repetition.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "survey_report.json"
SEED = 20260601
REFERENCE = dt.date(2026, 1, 1)
DISTRICTS = {
    "14511": "Chemnitz", "14521": "Erzgebirgskreis", "14522": "Mittelsachsen", "14523": "Vogtlandkreis",
    "14524": "Zwickau", "14612": "Dresden", "14625": "Bautzen", "14626": "Görlitz", "14627": "Meißen",
    "14628": "Sächsische Schweiz-Osterzgebirge", "14713": "Leipzig", "14729": "Landkreis Leipzig",
    "14730": "Nordsachsen",
}


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.template.loader import render_to_string
    from pypdf import PdfReader

    from kommunalschutz.foundation.core.documents import render_pdf
    from kommunalschutz.foundation.registry.models import District, Municipality
    from kommunalschutz.surveys.findings import crime, report
    from tests.surveys.findings.report_data import surveyed_project

    for ags, name in DISTRICTS.items():
        District.objects.get_or_create(ags=ags, defaults={"name": name, "kind": District.Kind.RURAL, "land": "14",
                                                          "reference_date": REFERENCE})
    crime.load_bundled()
    municipality = Municipality.objects.create(
        ags="14628270", name="Pirna, Stadt (Bench)", land="14", district=District.objects.get(ags="14628"),
        reference_date=REFERENCE, population=39_000)
    started = time.perf_counter()
    project = surveyed_project(municipality=municipality, respondents=args.responses, seed=args.seed)
    build_s = time.perf_counter() - started
    items = project.questionnaires.get().items.count()
    print(f"  project with {args.responses:,} responses and {items} questions in {build_s:.1f} s; rendering",
          file=sys.stderr, flush=True)
    pdf = report.render_report(project)  # warm-up: imports, fonts, matplotlib
    seconds = []
    for _ in range(args.repetitions):
        started = time.perf_counter()
        pdf = report.render_report(project)
        seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    context = report.report_context(project)
    context_s = time.perf_counter() - started
    html = render_to_string("findings/report_pdf.html", context)
    started = time.perf_counter()
    render_pdf("findings/report_pdf.html", context)
    pdf_s = time.perf_counter() - started
    results = {
        "vendor": connection.vendor, "responses": args.responses, "items": items, "build_s": round(build_s, 1),
        "repetitions": args.repetitions, "median_s": round(statistics.median(seconds), 2),
        "min_s": round(min(seconds), 2), "max_s": round(max(seconds), 2), "context_s": round(context_s, 2),
        "layout_and_pdf_s": round(pdf_s, 2), "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "pdf_kib": round(len(pdf) / 1024), "html_kib": round(len(html.encode()) / 1024),
    }
    print("BENCH_RESULT " + json.dumps(results), flush=True)


def _bench(kind: Any, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from bench import deployment

    child_args = ["--responses", str(args.responses), "--repetitions", str(args.repetitions),
                  "--seed", str(args.seed)]
    return deployment.run_child(kind, work_dir, "survey_report", child_args, timeout=3600)


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Final report PDF of a survey with {results['responses']:,} responses (standard questionnaire)", "",
             "| database | questions | pages | report s (median) | min-max s | context s | layout + PDF s | PDF KiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["databases"].values():
        lines.append(f"| {r['label']} | {r['items']} | {r['pages']} | {r['median_s']} | {r['min_s']}-{r['max_s']} | "
                     f"{r['context_s']} | {r['layout_and_pdf_s']} | {r['pdf_kib']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.survey_report", description=__doc__)
    parser.add_argument("--responses", type=int, default=1000, help="submitted responses (default 1,000)")
    parser.add_argument("--repetitions", type=int, default=3, help="timed renderings (default 3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--databases", default="sqlite", help="comma-separated: sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="200 responses, one repetition")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(responses=200, repetitions=1)
    args = parser.parse_args(argv)
    if not 10 <= args.responses <= 100_000 or not 1 <= args.repetitions <= 50:
        parser.error("--responses 10..100,000, --repetitions 1..50")
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    results: dict[str, Any] = {"responses": args.responses, "seed": args.seed,
                               "command": "python -m bench.survey_report" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(), "databases": {}}
    results["databases"] = deployment.per_database("survey_report", args.databases,
                                                   lambda kind, work_dir: _bench(kind, work_dir, args))
    deployment.write_results(args.output, results)
    print(markdown(results))


if __name__ == "__main__":
    main()
