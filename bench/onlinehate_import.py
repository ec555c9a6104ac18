"""`python -m bench.onlinehate_import [--quick]`: a thread of 10,000 comments imported into a case, with triage.

Per database (SQLite, then PostgreSQL if reachable) a throw-away, production-like deployment
(bench.deployment), migrated; a child process (this module with --child) creates a case and imports a CSV
export of ``--comments`` synthetic comments (the demo's building blocks, bench-only seed) through the same
service calls as the page: upload (encrypted in the evidence store, columns guessed), then check and import
(every comment an encrypted evidence item, its triage row with the model's probabilities, one audit event
each, in one transaction). Then the triage page of the case is fetched through the whole Django stack
(the first 50 comments with the model's explanation). Times are printed with the other programs' CPU load
and written to bench/results/onlinehate_import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "onlinehate_import.json"


def _csv(comments: int, now: dt.datetime) -> bytes:
    import csv
    import io

    from kommunalschutz.demo.onlinehate import thread

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Autor", "Zeitpunkt", "Kommentar", "Link"])
    for row in thread(now=now, size=comments, seed=1717):
        writer.writerow([row["from"]["name"], row["created_time"], row["message"], row["permalink_url"]])
    return out.getvalue().encode("utf-8")


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.intake import _world
    from bench.machine import cpu_sample, foreign_cpu_percent
    from kommunalschutz.foundation.accounts.models import User
    from kommunalschutz.protection.cases import workflow
    from kommunalschutz.protection.intake import reporting
    from kommunalschutz.protection.onlinehate import classifier, services
    from kommunalschutz.protection.onlinehate.models import TriagedItem

    call_command("collectstatic", "--noinput", verbosity=0)  # the pages name their hashed static files
    world = _world()
    now = timezone.now()
    case = reporting.create_case(actor=world["reporter"], intake="self", affected_user=world["reporter"], data={
        "description": "Hunderte Kommentare unter meinem Beitrag (Bench).", "incident_types": ["insult"],
        "occurred_at": now - dt.timedelta(days=1), "municipality": world["municipality"], "place": "online",
        "channel": "social_media", "platform": "Facebook", "affected_role": "mayor", "perpetrator_details": "",
        "politically_motivated": "yes",
        "danger_now": False, "office_relation": "Beitrag zum Haushalt"}, notify_now=False)
    coordinator = User.objects.get(username="bench2")  # bench.intake._world's coordinator
    case = workflow.acknowledge(actor=coordinator, case=case)
    content = _csv(args.comments, now)
    classifier.load_model()  # loaded once per process, as in a running web worker
    before = cpu_sample([os.getpid()])
    started = time.perf_counter()
    upload = SimpleUploadedFile("thread.csv", content, content_type="text/csv")
    thread_import = services.upload_export(case=case, actor=coordinator, upload=upload, platform="Facebook",
                                           url="https://www.facebook.com/beispiel/posts/1")
    uploaded = time.perf_counter() - started
    services.import_export(thread_import=thread_import, actor=coordinator, mapping=thread_import.mapping)
    total = time.perf_counter() - started
    foreign = foreign_cpu_percent(before, cpu_sample([os.getpid()]))
    client = Client()
    client.force_login(coordinator)
    # The coordinator's second factor, as a confirmed authenticator app would give it (like tests/conftest.py).
    device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page_seconds = []
    for _ in range(3):
        begin = time.perf_counter()
        response = client.get(f"/online-hass/fall/{case.pk}/sichtung/", HTTP_HOST="localhost", secure=True)
        page_seconds.append(time.perf_counter() - begin)
        if response.status_code != 200:
            raise SystemExit(f"triage page answered {response.status_code}")
    ranked = TriagedItem.objects.filter(case=case, p_offense__isnull=False).count()
    result = {"vendor": connection.vendor, "comments": args.comments, "file_bytes": len(content),
              "upload_s": round(uploaded, 2), "import_with_triage_s": round(total, 2),
              "per_comment_ms": round(total / args.comments * 1000, 2), "ranked": ranked,
              "triage_page_s": round(min(page_seconds), 3), "foreign_cpu_percent": foreign}
    print("BENCH_RESULT " + json.dumps(result), flush=True)


def markdown(results: dict[str, Any]) -> str:
    lines = ["| Database | comments | upload s | import with triage s | ms per comment | triage page s | "
             "other programs' CPU % |", "|---|---|---|---|---|---|---|"]
    for kind, found in results.get("databases", {}).items():
        lines.append(f"| {kind} | {found['comments']:,} | {found['upload_s']} | {found['import_with_triage_s']} | "
                     f"{found['per_comment_ms']} | {found['triage_page_s']} | {found['foreign_cpu_percent']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.onlinehate_import", description=__doc__)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="1,000 comments")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.comments = 1_000
    if not 1 <= args.comments <= 10_000:
        parser.error("--comments 1..10000 (the import's limit)")
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    def measure(kind: deployment.Kind, work_dir: Path) -> dict[str, Any]:
        return deployment.run_child(kind, work_dir, "onlinehate_import", ["--comments", str(args.comments)],
                                    timeout=1800)

    results: dict[str, Any] = {"command": "python -m bench.onlinehate_import" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(),
                               "databases": deployment.per_database("onlinehate_import", args.databases, measure)}
    deployment.write_results(args.output, results)
    print(markdown(results), file=sys.stdout)


if __name__ == "__main__":
    main()
