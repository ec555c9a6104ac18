"""`python -m bench.downloads [--quick]`: the downloads that used to be rendered inside the request (issue 13,
item 6; decision 0024), on the demo data.

A throw-away deployment (bench.deployment, SQLite by default), `migrate`, then a child process (this module
with --child) that loads the demo through the same entry points as `make demo` (`import-registry`,
`import-pks --bundled`, `load-programme`, `demo`) and measures, for each download, through Django's test
client (the whole middleware stack, no network):

- **before** (rendering in the request): the work the old view did inside the request, called as it called
  it (the questionnaire and the badges: HTML and PDF layout; the evidence package: build_package), the median
  of --repetitions;
- **progress page**: the POST of the button plus the GET of the page it leads to ("wird vorbereitet …"),
  the queue being the deployment's own (Huey on SQLite, or Redis);
- **ready after**: the progress page plus the task's own work (core.tasks.execute_operation, what the
  worker runs), first time and again with nothing changed (the questionnaire and the badges then serve the
  PDF stored before; an evidence package is always made anew), plus the download of the stored file.

The demo's objects: the newest questionnaire of the demo survey (German and English, as the analyst), the
event with the most confirmed registrations (as the coordination office), the case with the most evidence (as
its reporter). Beside each timing, the share of all cores that other programs on the machine used meanwhile
(bench.machine.foreign_cpu_percent). Prints a Markdown table, writes bench/results/downloads.json.
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

RESULTS = Path(__file__).resolve().parent / "results" / "downloads.json"


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
    """A client logged in as a demo user with their second factor, as the tests' ``login`` does it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kommunalschutz.foundation.accounts.models import User

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _load_demo() -> float:
    from django.core.management import call_command
    from django.test.utils import override_settings

    from kommunalschutz.demo.loader import load_demo

    started = time.perf_counter()
    # The demo's notifications stay in memory: the throw-away deployment has no mail server.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for command, *arguments in (("import_registry",), ("import_pks", "--bundled"), ("load_programme",)):
            call_command(command, *arguments, verbosity=0)
        load_demo(force=True)
    return time.perf_counter() - started


def _max_cpu(*values: float | None) -> float | None:
    return max((v for v in values if v is not None), default=None)


def _flow(client: Any, page: str, post: dict[str, str], download_name: str) -> dict[str, Any]:
    """Press the button, show the progress page, run the task as the worker does, download the file."""
    from django.urls import reverse

    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.foundation.core.tasks import execute_operation

    def start() -> Any:
        posted = client.post(page, post, secure=True)
        if posted.status_code != 302:
            raise SystemExit(f"{page}: POST gave HTTP {posted.status_code}")
        shown = client.get(posted["Location"], secure=True)
        if shown.status_code != 200 or "wird vorbereitet" not in shown.content.decode():
            raise SystemExit(f"{page}: the progress page did not show the waiting state")
        return shown

    progress_s, progress_cpu, _page = _timed(start)
    run = TaskRun.objects.latest("pk")
    work_s, work_cpu, _result = _timed(lambda: execute_operation(run.pk))
    run.refresh_from_db()
    if run.status != TaskRun.Status.DONE:
        raise SystemExit(f"{page}: the task failed: {run.message}")
    url = reverse(download_name, args=[*_download_args(page, run.pk)])

    def download() -> int:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return len(content)

    download_s, download_cpu, size = _timed(download)
    return {"progress_page_s": round(progress_s, 3), "task_s": round(work_s, 3), "download_s": round(download_s, 3),
            "ready_after_s": round(progress_s + work_s, 3), "kib": round(size / 1024),
            "reused": bool(run.result.get("outcome", {}).get("reused", False)),
            "foreign_cpu_pct": _max_cpu(progress_cpu, work_cpu, download_cpu)}


def _download_args(page: str, run_pk: int) -> list[Any]:
    from django.urls import resolve

    match = resolve(page.split("?", 1)[0])
    return [*match.args, *match.kwargs.values(), run_pk]


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count, Q
    from django.urls import reverse

    from kommunalschutz.alliance.events import badges
    from kommunalschutz.alliance.events.models import Event
    from kommunalschutz.foundation.accounts.models import User
    from kommunalschutz.foundation.core.documents import html_to_pdf
    from kommunalschutz.protection.cases.models import Case
    from kommunalschutz.protection.evidence import package
    from kommunalschutz.surveys.projects import paper
    from kommunalschutz.surveys.projects.models import Questionnaire

    call_command("collectstatic", "--noinput", verbosity=0)  # the pages name their hashed static files
    demo_s = _load_demo()
    print(f"  demo loaded in {demo_s:.1f} s", file=sys.stderr, flush=True)

    questionnaire = Questionnaire.objects.select_related("project").order_by("-project__pk", "-version").first()
    event = (Event.objects.annotate(confirmed=Count("registrations", filter=Q(registrations__status="confirmed")))
             .order_by("-confirmed", "pk").first())
    case = (Case.objects.annotate(items=Count("evidence")).filter(items__gt=0)
            .order_by("-items", "pk").first())
    if questionnaire is None or event is None or case is None:
        raise SystemExit("the demo has no questionnaire, event or case with evidence")
    reporter = case.reported_by or User.objects.get(username="pirna-buergermeisterin")

    class Rollback(Exception):
        pass

    def build_and_roll_back() -> None:
        try:
            with transaction.atomic():
                package.build_package(case=case, actor=reporter)
                raise Rollback
        except Rollback:
            pass

    before: dict[str, Callable[[], Any]] = {
        "questionnaire (de)": lambda: paper.questionnaire_pdf_bytes(questionnaire, "de"),
        "questionnaire (en)": lambda: paper.questionnaire_pdf_bytes(questionnaire, "en"),
        "name badges": lambda: html_to_pdf(badges.badges_html(event)),
        "evidence package": build_and_roll_back,
    }
    analyst, office = _client("analyse"), _client("koordination")
    reporter_client = _client(reporter.get_username())
    q_page = reverse("surveys:questionnaire_pdf", args=[questionnaire.project_id, questionnaire.version])
    flows: dict[str, tuple[Any, str, dict[str, str], str]] = {
        "questionnaire (de)": (analyst, q_page, {"lang": "de"}, "surveys:questionnaire_pdf_download"),
        "questionnaire (en)": (analyst, q_page, {"lang": "en"}, "surveys:questionnaire_pdf_download"),
        "name badges": (office, reverse("events:badges", args=[event.slug]), {}, "events:badges_download"),
        "evidence package": (reporter_client, reverse("evidence:evidence_package", args=[case.pk]), {},
                             "evidence:evidence_package_download"),
    }
    downloads: dict[str, Any] = {}
    for label, function in before.items():
        function()  # the first call pays imports and font loading; the old views paid them once per worker
        timed = [_timed(function) for _ in range(args.repetitions)]
        client, page, post, name = flows[label]
        first = _flow(client, page, post, name)
        again = _flow(client, page, post, name)
        downloads[label] = {
            "before_median_s": round(statistics.median(t[0] for t in timed), 3),
            "before_max_s": round(max(t[0] for t in timed), 3),
            "before_foreign_cpu_pct": _max_cpu(*(t[1] for t in timed)),
            "first": first, "again": again,
        }
        print(f"  {label}: before {downloads[label]['before_median_s']} s, progress page "
              f"{first['progress_page_s']} s, ready after {first['ready_after_s']} s / again "
              f"{again['ready_after_s']} s", file=sys.stderr, flush=True)
    details = {"questionnaire": f"project {questionnaire.project_id} v{questionnaire.version}, "
                                f"{questionnaire.items.count()} questions",
               "event": f"{event.slug}, {getattr(event, 'confirmed', 0)} confirmed registrations",
               "case": f"{case.reference}, {getattr(case, 'items', 0)} evidence items"}
    print("BENCH_RESULT " + json.dumps({"vendor": connection.vendor, "demo_load_s": round(demo_s, 1),
                                        "objects": details, "downloads": downloads,
                                        "repetitions": args.repetitions}), flush=True)


def markdown(results: dict[str, Any]) -> str:
    lines = ["Downloads on the demo data (other programs' CPU share in brackets; \"again\": the same file "
             "asked for once more with nothing changed)", "",
             "| database | download | before: rendered in the request (median) | after: progress page shown "
             "| after: file ready (first / again) | download of the stored file |",
             "|---|---|---:|---:|---:|---:|"]
    for r in results["databases"].values():
        for label, d in r["downloads"].items():
            first, again = d["first"], d["again"]
            lines.append(
                f"| {r['label']} | {label} | {d['before_median_s']} s ({d['before_foreign_cpu_pct']} %) "
                f"| {first['progress_page_s']} s ({first['foreign_cpu_pct']} %) "
                f"| {first['ready_after_s']} / {again['ready_after_s']} s"
                f"{' (reused)' if again['reused'] else ''} ({again['foreign_cpu_pct']} %) "
                f"| {first['download_s']} s, {first['kib']} KiB |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.downloads", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repetitions", type=int, default=5, help="timed in-request renderings (default 5)")
    parser.add_argument("--databases", default="sqlite", help="comma-separated: sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="2 repetitions")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(repetitions=2)
    args = parser.parse_args(argv)
    if not 1 <= args.repetitions <= 50:
        parser.error("--repetitions 1..50")
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    results: dict[str, Any] = {"command": "python -m bench.downloads" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(), "databases": {}}
    results["databases"] = deployment.per_database(
        "downloads", args.databases, lambda kind, work_dir: deployment.run_child(
            kind, work_dir, "downloads", ["--repetitions", str(args.repetitions)], timeout=3600))
    deployment.write_results(args.output, results)
    print(markdown(results))


if __name__ == "__main__":
    main()
