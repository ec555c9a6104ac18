"""Parallel writers, each on its own connection, leave one unbroken chain and never deadlock.

Half of the writers audit first and then lock a shared row; the other half lock it first and then
audit. With a chain lock held from the audit INSERT to the commit this is the textbook deadlock; the
chain is sealed after the commit instead (decision 0015), so every transaction goes through.

On PostgreSQL the writers are threads of the test process on the test database. SQLite's test database
lives in memory with a shared cache, which refuses concurrent writers outright ("table is locked")
instead of waiting as a database file does; there the same writers run in a child process against a
copy of the test database in a file, configured as in production (WAL, BEGIN IMMEDIATE, busy timeout).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.models import AuditEvent, AuditSeal, SiteState

WRITERS = 6
TRANSACTIONS = 6
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _audit(writer: int, number: int) -> None:
    audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="test.parallel",
                 object_id=f"{writer}-{number}", changes={"n": {"old": None, "new": number}})


def _lock_shared_row() -> None:
    state = SiteState.objects.select_for_update().get(pk=1)
    state.save()


def run_writers() -> dict[str, Any]:
    """Start the writers at once, wait for them, and describe the chain they left."""
    SiteState.load()
    start = threading.Barrier(WRITERS)
    errors: list[str] = []

    def writer(index: int) -> None:
        try:
            start.wait(timeout=30)
            for number in range(TRANSACTIONS):
                with transaction.atomic():
                    if index % 2:
                        _audit(index, number)
                        _lock_shared_row()
                    else:
                        _lock_shared_row()
                        _audit(index, number)
                    _audit(index, number + 100)
        except BaseException as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    result = chain.verify(seal=False)
    seqs: dict[str, int] = {
        object_id: seq or 0 for object_id, seq in
        AuditEvent.objects.filter(object_type="test.parallel").values_list("object_id", "seal__seq")
    }
    return {
        "hung": sum(thread.is_alive() for thread in threads),
        "errors": errors,
        "rows": AuditEvent.objects.filter(object_type="test.parallel").count(),
        "unsealed": AuditEvent.objects.filter(seal__isnull=True).count(),
        "positions": sorted(AuditSeal.objects.values_list("seq", flat=True)),
        "intact": result.intact,
        "checked": result.checked,
        "order_kept": all(
            seqs[f"{i}-{n}"] < seqs[f"{i}-{n + 100}"] for i in range(WRITERS) for n in range(TRANSACTIONS)
        ),
    }


CHILD = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kommunalschutz.config.settings"
django.setup()
from tests.foundation.core.test_audit_chain_concurrency import run_writers
print(json.dumps(run_writers()))
"""


def _run_in_a_file_database(tmp_path: Path) -> dict[str, Any]:
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "kommunalschutz.sqlite3")
    connection.connection.backup(target)
    target.close()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KOMMUNALSCHUTZ_VAR_DIR=str(tmp_path), KOMMUNALSCHUTZ_TESTING="1", REDIS_URL="",
               PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    child = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300,
                           check=False)
    assert child.returncode == 0, child.stderr
    outcome: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    # Checked once more from outside Django: every row's hash recomputed from the file itself.
    database = sqlite3.connect(tmp_path / "kommunalschutz.sqlite3")
    database.row_factory = sqlite3.Row
    previous = chain.GENESIS
    for row in database.execute("SELECT e.*, s.seq, s.prev_hash, s.hash FROM core_auditseal s "
                                "JOIN core_auditevent e ON e.id = s.event_id ORDER BY s.seq"):
        values = dict(row)
        values["occurred_at"] = dt.datetime.fromisoformat(row["occurred_at"]).replace(tzinfo=dt.UTC)
        values["changed_fields"], values["changes"] = json.loads(row["changed_fields"]), json.loads(row["changes"])
        assert row["prev_hash"] == previous
        assert chain.row_hash(values, seq=row["seq"], prev_hash=previous) == row["hash"]
        previous = row["hash"]
    database.close()
    return outcome


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_leave_one_unbroken_chain(tmp_path: Path) -> None:
    outcome = run_writers() if ON_POSTGRESQL else _run_in_a_file_database(tmp_path)
    total = WRITERS * TRANSACTIONS * 2
    assert outcome["hung"] == 0
    assert outcome["errors"] == []
    assert outcome["rows"] == total and outcome["unsealed"] == 0
    assert outcome["positions"] == list(range(1, total + 1))
    assert outcome["intact"] and outcome["checked"] == total
    # Within one transaction the rows keep their order in the chain.
    assert outcome["order_kept"]
