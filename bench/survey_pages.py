"""`python -m bench.survey_pages [--quick]`: pages that used to make people wait (decision 0024).

A throw-away deployment (bench.deployment, SQLite by default), `migrate`, then a child process (this module
with --child) that builds a surveyed project with the same services as the tests
(tests/surveys/findings/report_data.py: the item bank's standard questionnaire, N responses, a raking) and
measures, through Django's test client (the whole middleware stack, no network):

- **results computation**: the background task that stores the estimates and charts of the results page
  after a weighting run (findings.precompute.compute: all four splits), once;
- **results page**: ``/auswertung/<id>/`` for the whole municipality and by sex, first request and the
  median of --repetitions further ones, after the computation (the page reads what it stored);
- **programme figures page** ``/programm/kennzahlen/``: the first request of a fresh worker process, once
  as gunicorn starts one (kommunalschutz.config.wsgi, which loads matplotlib before serving) and once
  without that warm-up (django.setup() only), each in a process of its own; the worker start is timed too;
- **time until the progress page shows**: the POST that queues the final report PDF plus the GET of the
  page that shows its progress ("wird vorbereitet …"), the queue being the deployment's own (Huey on
  SQLite, or Redis); the rendering itself is bench.survey_report's.

Beside each timing, the share of all cores that other programs on the machine used meanwhile
(bench.machine.foreign_cpu_percent; the database server counts as "other" for PostgreSQL).
Prints a Markdown table and writes bench/results/survey_pages.json. --quick: 200 responses, 3 repetitions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "survey_pages.json"
SEED = 20260601


def _timed(function: Callable[[], Any]) -> tuple[float, float | None, Any]:
    """(seconds, other programs' CPU share in %, result) of one call."""
    from bench.machine import cpu_sample, foreign_cpu_percent

    own = [os.getpid()]
    before = cpu_sample(own)
    started = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - started
    return seconds, foreign_cpu_percent(before, cpu_sample(own)), value


def _client(username: str) -> Any:
    """A client logged in as a member of the coordination office (sees every project's results), second
    factor included, as the tests' ``login`` fixture does it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kommunalschutz.foundation.accounts.models import Organisation
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    user = UserFactory.create(username=username)
    if not user.memberships.exists():
        office = OrganisationFactory.create(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle")
        MembershipFactory.create(user=user, organisation=office, role="coordinator")
    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _get(client: Any, path: str, **params: str) -> Any:
    response = client.get(path, params, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return response


def figures_child(warm: bool) -> None:
    """One fresh worker: its start (with or without the WSGI module's warm-up), then the first request."""
    started = time.perf_counter()
    if warm:
        import kommunalschutz.config.wsgi  # noqa: F401 - what gunicorn loads before it serves
    else:
        import django

        django.setup()
    start_s = time.perf_counter() - started
    client = _client("bench-coordinator")
    seconds, foreign, response = _timed(lambda: _get(client, "/programm/kennzahlen/"))
    print("BENCH_FIGURES " + json.dumps({"start_s": round(start_s, 2), "first_s": round(seconds, 3),
                                         "foreign_cpu_pct": foreign, "kib": round(len(response.content) / 1024)}),
          flush=True)


def _figures(warm: bool) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.survey_pages", "--figures-child",
                           "warm" if warm else "cold"], stdout=subprocess.PIPE, text=True, timeout=600,
                          check=False, env=os.environ.copy())
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_FIGURES ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"figures child failed ({done.returncode})")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_FIGURES "))
    return result


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from bench.survey_report import DISTRICTS, REFERENCE
    from kommunalschutz.foundation.registry.models import District, Municipality
    from kommunalschutz.surveys.findings import precompute
    from tests.surveys.findings.report_data import surveyed_project

    call_command("collectstatic", "--noinput", verbosity=0)  # the pages name their hashed static files
    for ags, name in DISTRICTS.items():
        District.objects.get_or_create(ags=ags, defaults={"name": name, "kind": District.Kind.RURAL, "land": "14",
                                                          "reference_date": REFERENCE})
    municipality = Municipality.objects.create(
        ags="14628270", name="Pirna, Stadt (Bench)", land="14", district=District.objects.get(ags="14628"),
        reference_date=REFERENCE, population=39_000)
    started = time.perf_counter()
    project = surveyed_project(municipality=municipality, respondents=args.responses, seed=args.seed)
    build_s = time.perf_counter() - started
    print(f"  project with {args.responses:,} responses in {build_s:.1f} s", file=sys.stderr, flush=True)
    compute_s, compute_cpu, rows = _timed(lambda: precompute.compute(project))

    client = _client("bench-coordinator")
    overview = reverse("findings:overview", args=[project.pk])
    pages: dict[str, Any] = {}
    page_params: tuple[tuple[str, dict[str, str]], ...] = (("whole municipality", {}), ("by sex", {"domain": "sex"}))
    for label, params in page_params:
        def load(params: dict[str, str] = params) -> Any:
            return _get(client, overview, **params)

        first_s, first_cpu, response = _timed(load)
        if "Berechnet am" not in response.content.decode():
            raise SystemExit("the results page did not show stored results")
        repeated = [_timed(load) for _ in range(args.repetitions)]
        pages[label] = {"first_s": round(first_s, 3), "median_s": round(statistics.median(r[0] for r in repeated), 3),
                        "max_s": round(max(r[0] for r in repeated), 3), "kib": round(len(response.content) / 1024),
                        "foreign_cpu_pct": max((c for c in [first_cpu, *(r[1] for r in repeated)] if c is not None),
                                               default=None)}

    pdf_url = reverse("findings:report_pdf", args=[project.pk])

    def start_report() -> Any:
        posted = client.post(pdf_url, secure=True)
        if posted.status_code != 302:
            raise SystemExit(f"report start: HTTP {posted.status_code}")
        return _get(client, posted["Location"])

    progress_s, progress_cpu, page = _timed(start_report)
    if "wird vorbereitet" not in page.content.decode():
        raise SystemExit("the report's page did not show the waiting state")

    results = {
        "vendor": connection.vendor, "responses": args.responses, "build_s": round(build_s, 1),
        "computation": {"seconds": round(compute_s, 1), "rows": rows, "foreign_cpu_pct": compute_cpu},
        "results_page": pages,
        "progress_page": {"seconds": round(progress_s, 3), "foreign_cpu_pct": progress_cpu},
        "figures_page": {"with_warm_up": _figures(True), "without_warm_up": _figures(False)},
        "repetitions": args.repetitions,
    }
    print("BENCH_RESULT " + json.dumps(results), flush=True)


def _bench(kind: Any, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from bench import deployment

    child_args = ["--responses", str(args.responses), "--repetitions", str(args.repetitions),
                  "--seed", str(args.seed)]
    return deployment.run_child(kind, work_dir, "survey_pages", child_args, timeout=3600)


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Survey pages and long work ({results['responses']:,} responses, standard questionnaire; "
             "other programs' CPU share in brackets)", "",
             "| database | results computed in the background | results page first / median | by sex first / median "
             "| progress page shown after | figures page, first request: warm worker / cold |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in results["databases"].values():
        whole, sex = r["results_page"]["whole municipality"], r["results_page"]["by sex"]
        warm, cold = r["figures_page"]["with_warm_up"], r["figures_page"]["without_warm_up"]
        lines.append(
            f"| {r['label']} | {r['computation']['seconds']} s ({r['computation']['foreign_cpu_pct']} %) "
            f"| {whole['first_s']} / {whole['median_s']} s ({whole['foreign_cpu_pct']} %) "
            f"| {sex['first_s']} / {sex['median_s']} s ({sex['foreign_cpu_pct']} %) "
            f"| {r['progress_page']['seconds']} s ({r['progress_page']['foreign_cpu_pct']} %) "
            f"| {warm['first_s']} s (start {warm['start_s']} s) / {cold['first_s']} s (start {cold['start_s']} s) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.survey_pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=600, help="submitted responses (default 600, about the "
                        "demo survey's)")
    parser.add_argument("--repetitions", type=int, default=10, help="timed page requests after the first "
                        "(default 10)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--databases", default="sqlite", help="comma-separated: sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="200 responses, 3 repetitions")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--figures-child", choices=["warm", "cold"], help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(responses=200, repetitions=3)
    args = parser.parse_args(argv)
    if not 10 <= args.responses <= 100_000 or not 1 <= args.repetitions <= 100:
        parser.error("--responses 10..100,000, --repetitions 1..100")
    if args.figures_child:
        figures_child(args.figures_child == "warm")
        return
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    results: dict[str, Any] = {"responses": args.responses, "seed": args.seed,
                               "command": "python -m bench.survey_pages" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(), "databases": {}}
    results["databases"] = deployment.per_database("survey_pages", args.databases,
                                                   lambda kind, work_dir: _bench(kind, work_dir, args))
    deployment.write_results(args.output, results)
    print(markdown(results))


if __name__ == "__main__":
    main()
