"""Liveness and readiness (decision 0037).

Live: the process answers; nothing else is touched. Ready: every dependency a request or a queued task needs
answers now: the database, Redis (when REDIS_URL is set), the file storage, a task worker's heartbeat, and no
migration waiting. Each check is cheap (one round trip or a few) and bounded by short timeouts; none reads
personal data, and the answer names each check's status and, on failure, only a fixed reason.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

OK, FAIL, WARN, SKIPPED = "ok", "fail", "warn", "skipped"

# Where the task worker's heartbeat lives: the default cache (Redis, or the database cache without Redis),
# which every web node and the worker share.
HEARTBEAT_KEY = "monitoring:worker-heartbeat"
FAILURES_KEY = "monitoring:task-failures"
LAST_FAILURE_KEY = "monitoring:task-failure-at"


@dataclass
class Check:
    status: str
    reason: str = ""

    def as_json(self) -> dict[str, str]:
        return {"status": self.status, **({"reason": self.reason} if self.reason else {})}


def _reason(exc: BaseException) -> str:
    # The exception's type only: messages can name hosts, users or passwords of a connection URL.
    return type(exc).__name__


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # A broken connection must not stay for the next request of this worker.
        connection.close()
        return Check(FAIL, _reason(exc))
    return Check(OK)


def check_redis() -> Check:
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return Check(SKIPPED, "not configured")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return Check(FAIL, _reason(exc))
    return Check(OK)


def probe_storage() -> None:
    """Write, read back and delete a small file in the platform's file storage; raises if any step fails.

    The one place that knows the storage: when files move behind the platform's storage interface
    (issue 15), this function follows and nothing else changes."""
    content = secrets.token_bytes(16)
    name = default_storage.save(f"health/probe-{secrets.token_hex(8)}.bin", ContentFile(content))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != content:
                raise OSError("storage returned other bytes")
    finally:
        default_storage.delete(name)


def check_storage() -> Check:
    try:
        probe_storage()
    except Exception as exc:
        return Check(FAIL, _reason(exc))
    return Check(OK)


def queue_runs_in_process() -> bool:
    from huey.contrib.djhuey import HUEY

    return bool(HUEY.immediate)


def check_worker() -> Check:
    """The task worker's heartbeat is fresh. Tasks that run in the request's own process (Huey's immediate
    mode, only in the test suite) need no worker: skipped. A stale heartbeat fails readiness unless
    HEALTH_WORKER_REQUIRED is off, then it only warns (for operators who rather keep web nodes serving
    while the worker is down, and alert on the metric instead)."""
    if queue_runs_in_process():
        return Check(SKIPPED, "tasks run in-process")
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return Check(FAIL, _reason(exc))
    if beat is None:
        status, reason = FAIL, "no heartbeat"
    elif time.time() - float(beat) > settings.HEALTH_WORKER_MAX_AGE_SECONDS:
        status, reason = FAIL, "heartbeat stale"
    else:
        return Check(OK)
    return Check(status if settings.HEALTH_WORKER_REQUIRED else WARN, reason)


# The migration plan is worked out again only when django_migrations changed (a count and the highest id:
# one cheap query), so a probe every few seconds does not rebuild the migration graph each time.
_migrations_seen: dict[str, Any] = {}


def check_migrations() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), MAX(id) FROM django_migrations")
            marker = tuple(cursor.fetchone() or ())
        if _migrations_seen.get("marker") != marker or _migrations_seen.get("alias") != connection.alias:
            executor = MigrationExecutor(connection)
            pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
            _migrations_seen.update(marker=marker, alias=connection.alias, pending=pending)
        pending = int(_migrations_seen["pending"])
    except Exception as exc:
        if isinstance(exc, DatabaseError):
            connection.close()
        return Check(FAIL, _reason(exc))
    if pending:
        return Check(FAIL, f"{pending} pending")
    return Check(OK)


def forget_migration_state() -> None:
    _migrations_seen.clear()


READY_CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "redis": check_redis,
    "storage": check_storage,
    "worker": check_worker,
    "migrations": check_migrations,
}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Whether this node is ready, and the JSON body naming every check's status."""
    checks: dict[str, Check] = {}
    for name, check in READY_CHECKS.items():
        if name == "migrations" and checks["database"].status == FAIL:
            checks[name] = Check(SKIPPED, "database unreachable")
            continue
        checks[name] = check()
    ready = all(check.status != FAIL for check in checks.values())
    if not ready:
        failing = ", ".join(name for name, check in checks.items() if check.status == FAIL)
        logger.warning("Not ready: %s", failing)
    return ready, {"status": OK if ready else FAIL, "checks": {name: c.as_json() for name, c in checks.items()}}
