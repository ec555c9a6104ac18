"""Sustained intake throughput: ``python -m bench.intake [--quick]``.

Per database (SQLite, then PostgreSQL + Redis if reachable) a fresh, production-like deployment is
created and migrated (bench.deployment, as bench.alliance does); a child process then creates reports
through ``intake.services.create_case`` back to back for ``--duration`` seconds: field encryption, case
number, routing, triage, timeline, audit, statistical record and in-app notifications included (one in
ten reports is acute and also sends its alarm e-mails, to Django's in-memory mail backend so no mail
leaves the machine). Reports per second and p50/p99 latency per report are printed as a Markdown table
and written to bench/results/intake.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results") / "intake.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sustained intake (default 30)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured reports first (default 20)")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (5 s per database)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 5.0, 5
    if not 1 <= args.duration <= 3600:
        parser.error("--duration must be between 1 and 3600 seconds")
    return args


# --- the child: Django set up inside the prepared deployment ----------------------------------------------


def _world() -> dict[str, Any]:
    """A small Saxon slice: one directorate with two police contacts, a district, a municipality, a coordinator."""
    from kommunalschutz.foundation.accounts.models import Membership, Organisation, Role, User
    from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate

    directorate = PoliceDirectorate.objects.create(code="pd-bench", name="Polizeidirektion Bench")
    district = District.objects.create(ags="14699", name="Benchkreis", land="14", kind="landkreis",
                                       police_directorate=directorate, reference_date=dt.date(2024, 12, 31))
    municipality = Municipality.objects.create(ags="14699001", name="Benchstadt", land="14", district=district,
                                               reference_date=dt.date(2024, 12, 31))
    police = Organisation.objects.create(kind=Organisation.Kind.POLICE_DIRECTORATE, name="PD Bench",
                                         police_directorate=directorate)
    office = Organisation.objects.create(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle")
    for index, (org, role) in enumerate([(police, Role.POLICE_CONTACT), (police, Role.POLICE_CONTACT),
                                         (office, Role.COORDINATOR)]):
        user = User.objects.create_user(username=f"bench{index}", email=f"bench{index}@example.org")
        Membership.objects.create(user=user, organisation=org, role=role)
    reporter = User.objects.create_user(username="bench-official", email="official@example.org")
    return {"municipality": municipality, "reporter": reporter}


def _child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench.stats import summary_ms
    from kommunalschutz.protection.cases.models import Case
    from kommunalschutz.protection.intake import reporting as services

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = _world()
    description = ("Seit Wochen erhalte ich Drohbriefe an meine Privatadresse. Im letzten Schreiben steht: "
                   "'Wir wissen, wo Ihre Kinder zur Schule gehen.' " * 4)

    def report(number: int) -> None:
        acute = number % 10 == 0
        services.create_case(actor=world["reporter"], intake="self", affected_user=world["reporter"], data={
            "description": description, "incident_types": ["threat", "hate_mail"],
            "occurred_at": timezone.now() - dt.timedelta(days=1), "municipality": world["municipality"],
            "place": "home", "channel": "letter", "affected_role": "mayor",
            "perpetrator_details": "Unterschrift 'Ein besorgter Bürger'", "politically_motivated": "yes",
            "danger_now": acute, "office_relation": "nach der Ratssitzung zur Unterkunft",
        })

    for number in range(args.warmup):
        report(number)
    seconds: list[float] = []
    started = time.perf_counter()
    number = args.warmup
    while time.perf_counter() - started < args.duration:
        begin = time.perf_counter()
        report(number)
        seconds.append(time.perf_counter() - begin)
        number += 1
    elapsed = time.perf_counter() - started
    result = {"reports": len(seconds), "seconds": round(elapsed, 2),
              "reports_per_second": round(len(seconds) / elapsed, 1), "latency": summary_ms(seconds),
              "cases_in_database": Case.objects.count(), "vendor": connection.vendor}
    print("BENCH_RESULT " + json.dumps(result), flush=True)
    return 0


# --- the parent --------------------------------------------------------------------------------------------


def _bench(kind: Any, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from bench import deployment
    from bench.deployment import BenchError
    from bench.machine import PROJECT_DIR

    dep = deployment.create(kind, work_dir)
    result: dict[str, Any] = {"kind": kind, "label": dep.label}
    try:
        print(f"[intake/{kind}] migrate", file=sys.stderr, flush=True)
        deployment.manage(dep, "migrate", "migrate", "--noinput")
        print(f"[intake/{kind}] {args.duration:.0f} s of reports", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", "bench.intake", "--child", "--duration", str(args.duration),
                   "--warmup", str(args.warmup)]
        done = subprocess.run(command, cwd=PROJECT_DIR, env=dep.env, stdout=subprocess.PIPE, text=True,
                              timeout=args.duration * 4 + 600, check=False)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
        if done.returncode != 0 or line is None:
            raise BenchError(f"intake benchmark child failed ({done.returncode}); its output is above")
        result.update(json.loads(line.removeprefix("BENCH_RESULT ")))
    finally:
        deployment.destroy(dep)
    return result


def markdown(section: dict[str, Any]) -> str:
    lines = ["| Intake through `create_case` (encryption included) | reports/s | p50 ms | p99 ms | reports |",
             "|---|---:|---:|---:|---:|"]
    for run in section["runs"]:
        if run.get("skipped"):
            lines.append(f"| {run['label']} | - | - | - | skipped: {run['skipped']} |")
            continue
        latency = run["latency"]
        lines.append(f"| {run['label']} | {run['reports_per_second']} | {latency['p50_ms']}"
                     f" | {latency['p99_ms']} | {run['reports']} in {run['seconds']} s |")
    machine = section["machine"]
    lines.append("")
    lines.append(f"Machine: {machine.get('cpu_model')}, {machine.get('cores')} cores; {machine.get('date')}, "
                 f"commit {machine.get('git_commit')}; one writer, sequential reports, 10 % acute.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.child:
        return _child(args)
    from bench import deployment
    from bench.deployment import BenchError
    from bench.machine import describe_machine

    started = time.monotonic()
    machine = describe_machine()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if unknown := set(kinds) - {"sqlite", "postgres"}:
        print(f"unknown database(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    work_dir = Path(tempfile.mkdtemp(prefix="ks-bench-intake-"))
    runs: list[dict[str, Any]] = []
    failed = False
    try:
        for kind in kinds:
            if kind == "postgres" and (reason := deployment.postgres_available()):
                runs.append({"kind": kind, "label": "PostgreSQL + Redis", "skipped": reason})
                continue
            try:
                runs.append(_bench(kind, work_dir, args))
            except (BenchError, subprocess.TimeoutExpired) as exc:
                failed = True
                print(f"[intake/{kind}] FAILED: {exc}", file=sys.stderr)
                runs.append({"kind": kind, "label": kind, "skipped": f"failed: {str(exc)[:500]}"})
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    section = {"schema": 1, "machine": machine, "settings": {"duration_s": args.duration, "warmup": args.warmup},
               "runs": runs, "total_seconds": round(time.monotonic() - started, 1)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(section, indent=2) + "\n", encoding="utf-8")
    print(markdown(section))
    print(f"\nintake results written to {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
