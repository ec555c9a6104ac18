"""Crash safety: kill -9 of every gunicorn process during a burst of anonymous reports loses no receipt.

A real gunicorn with kommunalschutz/config/gunicorn.conf.py and production settings (DEBUG off, generated
secrets), as docs/deployment.md prescribes, on the database the suite runs on: with DATABASE_URL a PostgreSQL
database of its own (named after this worker's test database, so parallel workers never share one) with
Redis, otherwise a SQLite file in tmp_path. Several clients post reports; once some receipts are handed out,
SIGKILL goes to gunicorn's process group (master and every worker at once) while the next reports are in
flight. After gunicorn is started again on the same database, every receipt a client received opens its
case with its passphrase, each belongs to exactly one case, and the reports that got no answer left nothing
half-written. bench/intake_http.py holds the helpers and measures the recovery time (`make bench`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from bench import deployment, intake_http
from bench.deployment import Deployment
from kommunalschutz.protection.intake.receipts import receipt_digest

CLIENTS = 5
WORKERS = 3
KILL_AFTER_RECEIPTS = 8
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def production(tmp_path: Path, db: None) -> Iterator[Deployment]:
    """A migrated production deployment with the Saxon registry; its database is dropped afterwards."""
    environment = {**intake_http.unthrottled(1000), "WEB_CONCURRENCY": str(WORKERS)}
    url = os.environ.get("DATABASE_URL")
    if url:
        dep = deployment.create(
            "postgres", tmp_path, admin_dsn=deployment.with_database(url, "postgres"),
            database_name=f"{connection.settings_dict['NAME']}_crash", redis_url=REDIS_URL,
            redis_key_prefix=f"ks-crash-{secrets.token_hex(6)}:",
            environment={**environment, **deployment.suite_pooling()})
    else:
        dep = deployment.create("sqlite", tmp_path, environment=environment)
    try:
        deployment.manage(dep, "migrate", "migrate", "--noinput")
        deployment.manage(dep, "import-registry", "import-registry")
        yield dep
    finally:
        deployment.destroy(dep)


def test_kill_9_of_every_gunicorn_process_mid_burst_loses_no_receipt(production: Deployment) -> None:
    dep = production
    server = deployment.start_gunicorn(dep)
    try:
        deployment.wait_until_ready(server, intake_http.READY_PATH)
        running = {server.process.pid, *server.worker_pids()}
        assert len(running) == WORKERS + 1

        crash = intake_http.crash_and_restart(dep, server, clients=CLIENTS, kill_after_receipts=KILL_AFTER_RECEIPTS,
                                              max_seconds=40, measure_recovery=False)
        server = crash.server
        answers = intake_http.statuses(crash.answers)
        server_errors = sum(count for status, count in answers.items() if status.startswith("5"))
        print(f"\n[{dep.kind}] answers {answers}; server errors (5xx): {server_errors}; "
              f"no answer at the kill: {crash.in_flight_at_kill}")

        # The kill was real: master and all workers gone (kill_all waits until none is left), reports in flight.
        assert running <= set(crash.killed_pids)
        assert server.process.pid not in running
        assert len(crash.receipts) >= KILL_AFTER_RECEIPTS, answers
        assert crash.in_flight_at_kill >= 1, answers

        # Every receipt handed out opens its case after the restart, with the passphrase its client chose.
        found = intake_http.lookups(server.port, crash.receipts)
        assert {receipt: status for receipt, status in found.items() if status != 200} == {}
        assert len(found) == len(crash.receipts)
        # The same lookup refuses a wrong passphrase, so a 200 above means the pair matched.
        receipt, passphrase = crash.receipts[0]
        assert intake_http.lookup(server.port, receipt, passphrase + "x") == 404

        # ... and belongs to exactly one case: one stored receipt HMAC each, each on a case of its own.
        stored = intake_http.receipt_digests(dep)
        cases = [stored.get(receipt_digest(receipt, dep.env["SECRET_KEY"])) for receipt, _ in crash.receipts]
        assert None not in cases
        assert len(set(cases)) == len(cases)

        # Reports without an answer left nothing half-written: no case without its receipt, timeline entry,
        # statistical record or audit entries; at most every report sent is stored, at least every one answered.
        state = intake_http.database_state(dep)
        assert {name: state[name] for name in intake_http.CONSISTENCY_QUERIES} == dict.fromkeys(
            intake_http.CONSISTENCY_QUERIES, 0)
        assert state["cases"] == state["receipts"] == state["distinct_references"]
        assert len(crash.receipts) <= state["cases"] <= len(crash.answers)

        # No server error in the burst (on PostgreSQL concurrent reports raced for the case number, issue 12).
        assert server_errors == 0, (f"{server_errors} server errors among {answers}; gunicorn logged "
                                    f"{intake_http.logged_exceptions(dep)}")
    finally:
        deployment.stop(server)

