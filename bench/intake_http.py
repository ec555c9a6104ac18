"""Concurrent anonymous intake over HTTP, and recovery after kill -9: ``python -m bench.intake_http [--quick]``.

Per database (SQLite, then PostgreSQL + Redis if reachable) a fresh production-like deployment (bench.deployment:
DEBUG off, generated secrets, ``migrate``, the Saxon registry) is served by gunicorn with
kommunalschutz/config/gunicorn.conf.py, as docs/deployment.md prescribes. Then:

1. ``--clients`` threads post valid anonymous reports (``POST /api/v1/public/reports``, JSON) for ``--duration``
   seconds, each sending its next report when the last one is answered: reports/s, p50/p99 latency of the
   accepted reports, every other answer counted as an error by its status (0 expected), and the CPU that
   other programs on the machine took meanwhile (bench.machine.foreign_cpu_percent).
2. A burst from the same clients, and mid-burst SIGKILL to gunicorn's process group (master and all workers
   at once). gunicorn is started again on the same database; the recovery time runs from that command to
   the first report answered 201. Every receipt handed out during the burst must then open its case with
   its passphrase (``POST /api/v1/public/reports/lookup``), and the database holds no case without its
   receipt, timeline, statistical record or audit entry.

The per-client limits of the anonymous channel are raised in the server's environment for
the run (every report comes from 127.0.0.1). Results: bench/results/intake_http.json and a Markdown table.
The crash-safety test (tests/protection/intake/test_crash_safety.py) uses the same helpers with assertions.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import itertools
import json
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import deployment
from bench.deployment import HOST, PROXY_HEADERS, BenchError, Deployment, Server

RESULTS = Path(__file__).with_name("results") / "intake_http.json"
REPORT_PATH = "/api/v1/public/reports"
LOOKUP_PATH = "/api/v1/public/reports/lookup"
READY_PATH = "/api/v1/municipalities"
# Pirna, in the bundled Saxon registry (district Sächsische Schweiz-Osterzgebirge, PD Dresden).
MUNICIPALITY_AGS = "14628270"
# Every report in a run comes from 127.0.0.1: the anonymous channel's limits must not count it as a flood.
# They are sized to the run, not "unlimited": a sliding window checks all its slots on every report.
LIMIT_VARIABLES = ("ANONYMOUS_REPORTS_PER_CLIENT", "ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT")


def unthrottled(reports: int) -> dict[str, str]:
    """Environment that lets ``reports`` anonymous reports from one address through (names of the settings
    this and the per-client throttle read; unknown variables are ignored by the platform)."""
    return {**{name: str(reports) for name in LIMIT_VARIABLES}, "ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS": "600"}


# --- one report, one lookup ---------------------------------------------------------------------------------


def report_body(number: int, passphrase: str) -> dict[str, Any]:
    """A valid anonymous report (the fields of intake.schemas.AnonymousReportIn)."""
    occurred = dt.datetime.now(dt.UTC) - dt.timedelta(days=1 + number % 20)
    return {
        "description": f"Bench-Meldung {number}: Nach der Ratssitzung kam ein Drohanruf ins Rathaus. "
                       "Der Anrufer kündigte an, vor dem Haus der Bürgermeisterin zu warten.",
        "incident_types": ["threat"] if number % 2 else ["threat", "insult"],
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "municipality_ags": MUNICIPALITY_AGS,
        "place": "office",
        "channel": "phone",
        "affected_role": "mayor",
        "politically_motivated": "unknown",
        "urgency": "medium",
        "passphrase": passphrase,
        "passphrase_repeat": passphrase,
    }


def post_json(port: int, path: str, body: dict[str, Any], *, timeout: float = 30) -> tuple[int, bytes]:
    """POST JSON to the local server through a fresh connection (sync workers close each one);
    OSError or http.client.HTTPException when no answer arrives."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body).encode("utf-8"),
                     headers={**PROXY_HEADERS, "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Answer:
    """One report sent: its HTTP status (None: no answer, the connection failed or broke), the time to the
    answer, and for a 201 the receipt with the passphrase the client chose."""

    status: int | None
    seconds: float
    passphrase: str
    receipt: str | None = None
    detail: str = ""


def send_report(port: int, number: int, *, timeout: float = 30) -> Answer:
    passphrase = f"bench-{number}-{secrets.token_hex(8)}"
    started = time.perf_counter()
    try:
        status, raw = post_json(port, REPORT_PATH, report_body(number, passphrase), timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, time.perf_counter() - started, passphrase, detail=type(exc).__name__)
    elapsed = time.perf_counter() - started
    if status == 201:
        return Answer(status, elapsed, passphrase, receipt=str(json.loads(raw)["receipt"]))
    return Answer(status, elapsed, passphrase, detail=raw[:300].decode("utf-8", "replace"))


def lookup(port: int, receipt: str, passphrase: str) -> int:
    """The reporter's follow-up: the status code of the lookup with receipt and passphrase (200: found)."""
    status, _body = post_json(port, LOOKUP_PATH, {"receipt": receipt, "passphrase": passphrase})
    return status


# --- concurrent clients -------------------------------------------------------------------------------------


@dataclass
class Burst:
    """``clients`` threads posting reports back to back until ``stop()`` or ``deadline`` (monotonic)."""

    port: int
    clients: int
    deadline: float
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def start(self) -> Burst:
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def _client(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self.deadline:
            with self._lock:
                number = next(self._numbers)
            answer = send_report(self.port, number)
            with self._lock:
                self.answers.append(answer)
            if answer.status is None:
                # The server is gone (killed): the client gives up, as a browser would show an error.
                break

    def count(self, status: int | None) -> int:
        with self._lock:
            return sum(1 for answer in self.answers if answer.status == status)

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 60) -> list[Answer]:
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.1, end - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            raise BenchError("a client thread did not finish")
        with self._lock:
            return list(self.answers)


def statuses(answers: Iterable[Answer]) -> dict[str, int]:
    """Answers counted by status; "no answer" for connections that failed or broke."""
    counts = collections.Counter("no answer" if a.status is None else str(a.status) for a in answers)
    return dict(sorted(counts.items()))


# --- kill -9 and restart ------------------------------------------------------------------------------------


@dataclass
class Crash:
    """What a burst with a kill -9 in its middle left: every answer, the killed pids, and after the restart
    the new server and the seconds from the restart command to the first report answered 201."""

    answers: list[Answer]
    killed_pids: list[int]
    server: Server
    recovery_seconds: float | None
    in_flight_at_kill: int

    @property
    def receipts(self) -> list[tuple[str, str]]:
        return [(a.receipt, a.passphrase) for a in self.answers if a.status == 201 and a.receipt]


def crash_and_restart(dep: Deployment, server: Server, *, clients: int, kill_after_receipts: int,
                      max_seconds: float, measure_recovery: bool, restart_timeout: float = 60) -> Crash:
    """A burst of reports; SIGKILL to every gunicorn process once ``kill_after_receipts`` receipts were handed
    out (or after ``max_seconds``), while the clients' next reports are in flight; then gunicorn again on the
    same port and database. With ``measure_recovery`` the restart is timed up to the first accepted report;
    otherwise it waits for the ready path (a report would add a case the caller does not know)."""
    burst = Burst(server.port, clients, deadline=time.monotonic() + max_seconds + 30).start()
    give_up = time.monotonic() + max_seconds
    while burst.count(201) < kill_after_receipts and time.monotonic() < give_up:
        time.sleep(0.02)
    with burst._lock:
        answered = len(burst.answers)
    killed = deployment.kill_all(server)
    burst.stop()
    answers = burst.join()
    in_flight = sum(1 for a in answers[answered:] if a.status is None)
    started = time.perf_counter()
    restarted = deployment.start_gunicorn(dep, port=server.port, log_name="gunicorn-restarted")
    recovery: float | None = None
    if measure_recovery:
        deadline = time.monotonic() + restart_timeout
        number = 10**9
        while recovery is None:
            if restarted.process.poll() is not None:
                raise BenchError(f"gunicorn did not come back: exit {restarted.process.returncode}")
            # One report at a time, waiting as long as the restart may take: a client that gave up early and
            # sent again would leave two reports queued for the booting workers.
            answer = send_report(restarted.port, number, timeout=max(1.0, deadline - time.monotonic()))
            number += 1
            if answer.status == 201:
                recovery = time.perf_counter() - started
                answers.append(answer)
            elif answer.status is not None:
                raise BenchError(f"first report after the restart answered {answer.status}: {answer.detail}")
            elif time.monotonic() > deadline:
                raise BenchError(f"no report accepted within {restart_timeout:.0f} s of the restart")
            else:
                time.sleep(0.02)
    else:
        deployment.wait_until_ready(restarted, READY_PATH, timeout=restart_timeout)
    return Crash(answers=answers, killed_pids=killed, server=restarted, recovery_seconds=recovery,
                 in_flight_at_kill=in_flight)


def lookups(port: int, receipts: list[tuple[str, str]], *, threads: int = 4) -> dict[str, int]:
    """Each receipt looked up with its passphrase; {receipt: status}."""
    found: dict[str, int] = {}
    lock = threading.Lock()
    pending = list(receipts)

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                receipt, passphrase = pending.pop()
            try:
                status = lookup(port, receipt, passphrase)
            except (OSError, http.client.HTTPException):
                status = 0
            with lock:
                found[receipt] = status

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    return found


# --- the database after the crash ---------------------------------------------------------------------------

# Each query counts rows that would show a half-written report; all must be 0.
CONSISTENCY_QUERIES = {
    "cases_without_receipt": "SELECT COUNT(*) FROM cases_case c WHERE c.intake = 'anonymous' AND NOT EXISTS "
                             "(SELECT 1 FROM intake_reporteraccess a WHERE a.case_id = c.id)",
    "cases_without_created_event": "SELECT COUNT(*) FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM "
                                   "cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'created')",
    "cases_without_statistic": "SELECT COUNT(*) FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM "
                               "cases_incidentstatistic s WHERE s.case_id = c.id)",
    "cases_without_audit_entry": "SELECT COUNT(*) FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM core_auditevent v "
                                 "WHERE v.object_type = 'cases.case' AND v.object_id = CAST(c.id AS VARCHAR(64)))",
    "receipts_without_audit_entry": "SELECT COUNT(*) FROM intake_reporteraccess a WHERE NOT EXISTS (SELECT 1 FROM "
                                    "core_auditevent v WHERE v.object_type = 'intake.reporteraccess' "
                                    "AND v.object_id = CAST(a.id AS VARCHAR(64)))",
}


def query(dep: Deployment, sql: str) -> list[tuple[Any, ...]]:
    """Read the deployment's database directly (not through the platform under test)."""
    if dep.kind == "sqlite":
        conn = sqlite3.connect(dep.var_dir / "kommunalschutz.sqlite3", timeout=20)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(dep.env["DATABASE_URL"], connect_timeout=5) as pg:
        return list(pg.execute(sql).fetchall())  # fixed queries, no input


def database_state(dep: Deployment) -> dict[str, Any]:
    """Row counts, and the counts of half-written reports (CONSISTENCY_QUERIES)."""
    state: dict[str, Any] = {
        "cases": query(dep, "SELECT COUNT(*) FROM cases_case")[0][0],
        "receipts": query(dep, "SELECT COUNT(*) FROM intake_reporteraccess")[0][0],
        "distinct_references": query(dep, "SELECT COUNT(DISTINCT reference) FROM cases_case")[0][0],
    }
    state.update({name: query(dep, sql)[0][0] for name, sql in CONSISTENCY_QUERIES.items()})
    return state


def receipt_digests(dep: Deployment) -> dict[str, int]:
    """{receipt HMAC: case id} of every stored receipt."""
    return {str(digest): int(case) for digest, case in
            query(dep, "SELECT receipt_digest, case_id FROM intake_reporteraccess")}


EXCEPTION_LINE = re.compile(r"^((?:[a-z_]+\.)*[A-Z]\w*(?:Error|Exception|Violation)): (.{0,120})", re.MULTILINE)


def logged_exceptions(dep: Deployment) -> dict[str, int]:
    """The exceptions gunicorn's logs name (the last line of each traceback), counted: what the 500s were."""
    counts: collections.Counter[str] = collections.Counter()
    for log in sorted(dep.var_dir.glob("bench-gunicorn*.log")):
        text = log.read_text(encoding="utf-8", errors="replace")
        # Django logs each 500 as "Internal Server Error: <path>" and the traceback; the last line names it.
        for record in re.split(r"^Internal Server Error: .*$", text, flags=re.MULTILINE)[1:]:
            found = EXCEPTION_LINE.findall(record)
            counts[f"{found[-1][0]}: {found[-1][1]}" if found else "(no exception logged)"] += 1
    return dict(counts.most_common())


# --- the benchmark ------------------------------------------------------------------------------------------


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_http", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8, help="concurrent reporting clients (default 8)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of measured intake (default 30)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured intake first (default 3)")
    parser.add_argument("--kill-after", type=int, default=20,
                        help="receipts handed out in the crash burst before kill -9 (default 20)")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--wait-idle", type=int, default=30, help="wait up to this many seconds for other work "
                        "on the machine to stop before measuring (default 30)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (5 s of intake per database)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(duration=5.0, warmup=1.0, kill_after=8, wait_idle=5)
    args = parser.parse_args(argv)
    for name, low, high in [("clients", 1, 64), ("duration", 1, 600), ("warmup", 0, 60), ("kill_after", 1, 500),
                            ("wait_idle", 0, 600)]:
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    return args


def _throughput(dep: Deployment, server: Server, args: argparse.Namespace) -> dict[str, Any]:
    from bench.machine import cpu_sample, foreign_cpu_percent, wait_until_quiet
    from bench.stats import summary_ms

    if args.warmup:
        Burst(server.port, args.clients, deadline=time.monotonic() + args.warmup).start().join()
    busy = wait_until_quiet(limit_seconds=args.wait_idle)
    print(f"[intake_http/{dep.kind}] {args.clients} clients for {args.duration:.0f} s (machine {busy}% busy "
          "before)", file=sys.stderr, flush=True)

    def own() -> list[int]:
        return [server.process.pid, *server.worker_pids(), *deployment.postgres_backend_pids(dep)]

    before_pids = own()
    before = cpu_sample(before_pids)
    started = time.monotonic()
    answers = Burst(server.port, args.clients, deadline=started + args.duration).start().join(args.duration + 60)
    elapsed = time.monotonic() - started
    foreign = foreign_cpu_percent(before, cpu_sample(sorted({*before_pids, *own()})))
    accepted = [a.seconds for a in answers if a.status == 201]
    errors = [a for a in answers if a.status != 201]
    return {
        "clients": args.clients, "seconds": round(elapsed, 2), "reports_sent": len(answers),
        "reports_accepted": len(accepted), "reports_per_second": round(len(accepted) / elapsed, 1),
        "latency": summary_ms(accepted) if accepted else None, "answers": statuses(answers),
        "errors": len(errors), "server_errors": sum(1 for a in errors if a.status and a.status >= 500),
        "error_samples": sorted({f"{a.status}: {a.detail[:160]}" for a in errors})[:5],
        "background_cpu_busy_pct": busy, "foreign_cpu_pct": foreign,
    }


def _bench(kind: deployment.Kind, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    budget = int((args.duration + args.warmup + 10) * 60 + 500)
    # A key prefix of its own: the run shares Redis with whatever else uses it, and flushes nothing.
    dep = deployment.create(kind, work_dir, redis_key_prefix=f"ks-bench-http-{secrets.token_hex(4)}:",
                            environment=unthrottled(budget))
    result: dict[str, Any] = {"kind": kind, "label": dep.label}
    try:
        print(f"[intake_http/{kind}] migrate, registry", file=sys.stderr, flush=True)
        deployment.manage(dep, "migrate", "migrate", "--noinput")
        deployment.manage(dep, "import-registry", "import-registry")
        server = deployment.start_gunicorn(dep)
        try:
            deployment.wait_until_ready(server, READY_PATH)
            result["workers"] = server.workers
            result["throughput"] = _throughput(dep, server, args)
            print(f"[intake_http/{kind}] burst, kill -9 after {args.kill_after} receipts, restart",
                  file=sys.stderr, flush=True)
            crash = crash_and_restart(dep, server, clients=args.clients, kill_after_receipts=args.kill_after,
                                      max_seconds=60, measure_recovery=True)
            server = crash.server
            found = lookups(server.port, crash.receipts)
            state = database_state(dep)
            result["server_error_causes"] = logged_exceptions(dep)
            result["crash"] = {
                "killed_processes": len(crash.killed_pids), "answers": statuses(crash.answers),
                "in_flight_at_kill": crash.in_flight_at_kill, "receipts_handed_out": len(crash.receipts),
                "receipts_found_after_restart": sum(1 for status in found.values() if status == 200),
                "receipts_lost": sum(1 for status in found.values() if status != 200),
                "recovery_seconds": round(crash.recovery_seconds or 0, 2), "database": state,
                "half_written": {name: state[name] for name in CONSISTENCY_QUERIES},
            }
        finally:
            deployment.stop(server)
        result["setup_seconds"] = dep.timings
    finally:
        deployment.destroy(dep)
    return result


def markdown(section: dict[str, Any]) -> str:
    lines = ["| Concurrent intake over HTTP (gunicorn) | clients | reports/s | p50 ms | p99 ms | errors (5xx) "
             "| others' CPU | recovery after kill -9 | receipts lost |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in section["runs"]:
        if run.get("skipped"):
            lines.append(f"| {run['label']} | - | - | - | - | - | - | - | skipped: {run['skipped']} |")
            continue
        load, crash = run["throughput"], run["crash"]
        latency = load["latency"] or {"p50_ms": "-", "p99_ms": "-"}
        lines.append(f"| {run['label']}, {run['workers']} workers | {load['clients']} | {load['reports_per_second']} "
                     f"| {latency['p50_ms']} | {latency['p99_ms']} | {load['errors']} ({load['server_errors']}) "
                     f"| {load['foreign_cpu_pct']} % | {crash['recovery_seconds']} s "
                     f"| {crash['receipts_lost']} of {crash['receipts_handed_out']} |")
    machine = section["machine"]
    lines.append("")
    lines.append(f"Machine: {machine.get('cpu_model')}, {machine.get('cores')} cores; {machine.get('date')}, "
                 f"commit {machine.get('git_commit')}; {section['settings']['duration_s']:.0f} s per database.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from bench.machine import describe_machine

    started = time.monotonic()
    machine = describe_machine()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if unknown := set(kinds) - {"sqlite", "postgres"}:
        print(f"unknown database(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    work_dir = Path(tempfile.mkdtemp(prefix="ks-bench-intake-http-"))
    runs: list[dict[str, Any]] = []
    failed = False
    try:
        for kind in kinds:
            if kind == "postgres" and (reason := deployment.postgres_available()):
                runs.append({"kind": kind, "label": "PostgreSQL + Redis", "skipped": reason})
                continue
            try:
                run = _bench(kind, work_dir, args)
            except BenchError as exc:
                failed = True
                print(f"[intake_http/{kind}] FAILED: {exc}", file=sys.stderr)
                runs.append({"kind": kind, "label": kind, "skipped": f"failed: {str(exc)[:500]}"})
                continue
            runs.append(run)
            failed |= bool(run["throughput"]["errors"] or run["crash"]["receipts_lost"]
                           or any(run["crash"]["half_written"].values()))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    section = {"schema": 1, "machine": machine,
               "settings": {"clients": args.clients, "duration_s": args.duration, "warmup_s": args.warmup,
                            "kill_after_receipts": args.kill_after, "report_path": REPORT_PATH},
               "runs": runs, "total_seconds": round(time.monotonic() - started, 1)}
    deployment.write_results(args.output, section)
    print(markdown(section))
    print(f"\nintake over HTTP written to {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
