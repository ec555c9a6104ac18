"""A real Huey worker (`python -m kommunalschutz run_huey`, DEBUG off) writes the heartbeat that
/health/ready asks for; once it is stopped the heartbeat goes stale and readiness fails, naming the worker.

The worker runs on the suite's database (on SQLite the file copy of tests/concurrency/conftest.py, whose
database cache table holds the heartbeat) with the queue in its var directory, as the small size runs it;
the test process reads the same cache. Its log lines are JSON like the web nodes'.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from huey.contrib.djhuey import HUEY

from bench import deployment
from bench.machine import PROJECT_DIR
from kommunalschutz.foundation.monitoring import health
from tests.concurrency.conftest import concurrent_database

__all__ = ["concurrent_database"]  # the fixture that makes the test database a file on SQLite (autouse)

pytestmark = pytest.mark.django_db(transaction=True)

MAX_AGE = 4  # seconds: a beat every second
WAIT_SECONDS = 120


@pytest.fixture
def worker(tmp_path: Path, settings: Any) -> Iterator[subprocess.Popen[bytes]]:
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = MAX_AGE
    env = deployment.create("sqlite", tmp_path / "deployment").env
    env.update({"HEALTH_WORKER_MAX_AGE_SECONDS": str(MAX_AGE), "LOG_LEVEL": "INFO"})
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = deployment.with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
        env.update(deployment.suite_pooling())
    else:
        env["KOMMUNALSCHUTZ_VAR_DIR"] = str(Path(connection.settings_dict["NAME"]).parent)
    if settings.REDIS_URL:  # the suite's cache is Redis: the worker must beat into the same one
        env.update({"REDIS_URL": settings.REDIS_URL, "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX})
    cache.delete(health.HEARTBEAT_KEY)
    immediate = HUEY.immediate
    HUEY.immediate = False  # as in production: readiness asks for the worker
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "kommunalschutz", "run_huey"], cwd=PROJECT_DIR, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        HUEY.immediate = immediate
        stop(process)
        cache.delete(health.HEARTBEAT_KEY)
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert lines, "the worker wrote nothing"
        for line in lines:
            assert isinstance(json.loads(line), dict), line


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(what: str, condition: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_real_worker_keeps_readiness_and_its_death_ends_it(worker: subprocess.Popen[bytes], client: Client) -> None:
    def ready_with(expected: str) -> Callable[[], Any]:
        def check() -> Any:
            response = client.get("/health/ready")
            body = json.loads(response.content)
            return (response.status_code, body) if body["checks"]["worker"]["status"] == expected else None
        return check

    assert settings.HEALTH_WORKER_REQUIRED
    status, body = wait_for("the worker's first heartbeat", ready_with("ok"))
    assert status == 200 and body["status"] == "ok"
    first = float(cache.get(health.HEARTBEAT_KEY))
    wait_for("a later heartbeat", lambda: float(cache.get(health.HEARTBEAT_KEY) or 0) > first)

    stop(worker)
    status, body = wait_for("the heartbeat to go stale", ready_with("fail"))
    assert status == 503 and body["checks"]["worker"]["reason"] in {"heartbeat stale", "no heartbeat"}
