"""kill -9 of the Huey worker in the middle of a task: the run is queued again once, or marked failed.

A real `python -m kommunalschutz run_huey` (production settings, DEBUG off) in a process group of its own,
on the database the suite runs on (the test database on PostgreSQL; on SQLite a file copy of it, which the
worker opens as its KOMMUNALSCHUTZ_VAR_DIR/kommunalschutz.sqlite3, see tests/concurrency/conftest.py), with
its queue in a real Redis (REDIS_TEST_URL) under a key prefix of its own. The operation is the self-test
with a pause before each step. SIGKILL goes to the worker's whole process group while it works; the run
keeps saying "running" until its heartbeat is older than TASK_STALE_SECONDS, then the progress page (lazily)
or the worker's periodic check takes it back: queued again the first time (the next worker finishes it),
failed with a German "start it again" the second time. Decision 0024.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from huey import RedisHuey

from bench import deployment
from bench.machine import PROJECT_DIR
from kommunalschutz.foundation.core import services, tasks
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from tests.concurrency.conftest import concurrent_database
from tests.factories import UserFactory

__all__ = ["concurrent_database"]  # the fixture that makes the test database a file on SQLite (autouse)

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
STALE_SECONDS = 2
STEPS = 8
PAUSE = 0.5
WAIT_SECONDS = 90


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL to the worker's process group (the consumer and its threads), as the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Setting:
    env: dict[str, str]
    queue: RedisHuey
    tmp_path: Path
    started: list[Worker]

    def start_worker(self) -> Worker:
        log = self.tmp_path / f"huey-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "kommunalschutz", "run_huey"], cwd=PROJECT_DIR,
                                       env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        worker = Worker(process, log)
        self.started.append(worker)
        return worker


@pytest.fixture
def setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setting]:
    """Worker environment on this test's database, a Redis queue the test enqueues into like the platform."""
    prefix = f"{os.environ.get('REDIS_KEY_PREFIX', '')}ks-worker-crash-{secrets.token_hex(4)}:"
    env = deployment.create("sqlite", tmp_path / "deployment").env
    env.update({"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix, "TASK_STALE_SECONDS": str(STALE_SECONDS),
                "LOG_LEVEL": "INFO"})
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = deployment.with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
        env.update(deployment.suite_pooling())
    else:
        env["KOMMUNALSCHUTZ_VAR_DIR"] = str(Path(connection.settings_dict["NAME"]).parent)
    queue = RedisHuey(name=f"{prefix}kommunalschutz", url=REDIS_URL)
    queue.storage.conn.ping()  # fail, not skip, when Redis is missing
    # The platform's own queue task (same name), bound to the worker's Redis queue instead of the test
    # process's eager one: start_operation and the recovery enqueue exactly as in production.
    enqueue = queue.task()(tasks.execute_operation)
    monkeypatch.setattr(services, "run_operation", enqueue)
    monkeypatch.setattr(tasks, "run_operation", enqueue)
    state = Setting(env=env, queue=queue, tmp_path=tmp_path, started=[])
    try:
        with override_settings(TASK_STALE_SECONDS=STALE_SECONDS):
            yield state
    finally:
        for worker in state.started:
            worker.stop()
        queue.storage.flush_all()
        deployment.destroy(deployment.Deployment(kind="sqlite", var_dir=tmp_path, env=env))  # the prefix's keys


def wait_for(what: str, condition: Callable[[], Any], workers: list[Worker]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(w.log.read_text(encoding="utf-8", errors="replace")[-3000:] for w in workers)
            raise AssertionError(f"timed out waiting for {what}; worker logs:\n{logs}")
        time.sleep(0.2)


def page_saying(client: Any, url: str, text: str) -> Callable[[], str | None]:
    """The progress page's text once it contains ``text`` (each call is one real request to the view)."""

    def check() -> str | None:
        response = client.get(url)
        assert response.status_code == 200
        page: str = response.content.decode()
        return page if text in page else None

    return check


def state(run: TaskRun) -> TaskRun:
    run.refresh_from_db()
    return run


def running_mid_way(run: TaskRun, attempt: int) -> Callable[[], bool]:
    def check() -> bool:
        current = state(run)
        return current.status == TaskRun.Status.RUNNING and current.attempts == attempt and 2 <= current.done < STEPS

    return check


def kill_mid_run(setting: Setting, run: TaskRun, attempt: int) -> None:
    worker = setting.start_worker()
    wait_for(f"attempt {attempt} to run mid-way", running_mid_way(run, attempt), setting.started)
    worker.kill()
    assert worker.process.returncode == -signal.SIGKILL
    # The kill was real: the run is left "running" with the dead worker's heartbeat.
    assert state(run).status == TaskRun.Status.RUNNING
    assert state(run).done < STEPS


def test_killed_worker_run_is_queued_again_and_the_next_worker_finishes_it(setting: Setting, login: Any) -> None:
    requester = UserFactory.create()
    run = services.start_operation(actor=requester, kind="core.selftest", label="Selbsttest",
                                   arguments={"steps": STEPS, "pause": PAUSE})
    kill_mid_run(setting, run, attempt=1)

    # Until the heartbeat is stale the progress page shows it running; then the page itself takes it back.
    client = login(requester)
    url = reverse("core:task_detail", args=[run.pk])
    page = wait_for("the page to see the lost run", page_saying(client, url, "erneut gestartet"), setting.started)
    assert "wird vorbereitet" in page and "hx-get" in page  # still polled: it will run again
    requeued = state(run)
    assert (requeued.status, requeued.attempts, requeued.done, requeued.total) == (TaskRun.Status.QUEUED, 1, 0, 0)
    assert AuditEvent.objects.filter(object_type="core.taskrun", object_id=str(run.pk),
                                     summary="queued again after its worker stopped").count() == 1

    setting.start_worker()
    wait_for("the second worker to finish it", lambda: state(run).status == TaskRun.Status.DONE, setting.started)
    finished = state(run)
    assert finished.attempts == 2
    assert (finished.done, finished.total) == (STEPS, STEPS)
    assert finished.result == {"arguments": {"steps": STEPS, "pause": PAUSE}, "outcome": {"steps": STEPS}}
    page = client.get(url).content.decode()
    assert "Fertig." in page and "hx-get" not in page


def test_run_lost_twice_fails_with_a_german_message_to_start_it_again(setting: Setting, login: Any) -> None:
    requester = UserFactory.create()
    run = services.start_operation(actor=requester, kind="core.selftest", label="Selbsttest",
                                   arguments={"steps": STEPS, "pause": PAUSE})
    kill_mid_run(setting, run, attempt=1)
    # The worker's periodic check (its body, as the consumer calls it every minute).
    wait_for("the periodic check to take it back", lambda: tasks.recover_stale_tasks.call_local() == 1,
             setting.started)
    assert state(run).status == TaskRun.Status.QUEUED

    kill_mid_run(setting, run, attempt=2)
    client = login(requester)
    url = reverse("core:task_detail", args=[run.pk])
    page = wait_for("the page to show the failure", page_saying(client, url, "fehlgeschlagen"), setting.started)

    failed = state(run)
    assert failed.status == TaskRun.Status.FAILED and failed.attempts == 2
    assert failed.message.startswith("Die Aufgabe wurde abgebrochen")
    assert "starten Sie sie erneut" in failed.message
    assert failed.message in page
    assert "hx-get" not in page  # the page no longer polls: nothing spins for ever
    # Nothing half-written: no outcome, the progress of the dead attempt is not shown as a result.
    assert "outcome" not in failed.result and (failed.done, failed.total) == (0, 0)
    summaries = list(AuditEvent.objects.filter(object_type="core.taskrun", object_id=str(run.pk))
                     .order_by("id").values_list("summary", flat=True))
    assert summaries == ["queued core.selftest", "queued again after its worker stopped",
                         "failed: its worker stopped"]
    # A third worker finds nothing to do: the queue holds no message for it.
    assert setting.queue.pending_count() == 0
