"""The task worker's heartbeat and failure count, written to the shared cache for readiness and metrics.

The heartbeat comes from a thread of the consumer process, not from a periodic task: a periodic task waits
behind long operations when every worker thread is busy, and a busy worker is not a dead one. The queue's
length (a metric) shows a worker that lives but does not keep up.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from huey.contrib.djhuey import on_startup, signal
from huey.signals import SIGNAL_ERROR

from kommunalschutz.foundation.monitoring.health import FAILURES_KEY, HEARTBEAT_KEY, LAST_FAILURE_KEY

logger = logging.getLogger(__name__)

_started = threading.Lock()
_beating: list[threading.Thread] = []


def heartbeat_interval() -> float:
    return max(1.0, settings.HEALTH_WORKER_MAX_AGE_SECONDS / 4)


def beat() -> None:
    """Record that a task worker is alive now; kept for four intervals, so a dead worker's beat expires."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=int(settings.HEALTH_WORKER_MAX_AGE_SECONDS * 4))


def _beat_forever() -> None:
    while True:
        try:
            beat()
        except Exception as exc:  # the cache (Redis, database) away: try again at the next beat
            logger.warning("Worker heartbeat not written: %s", type(exc).__name__)
        finally:
            connection.close()  # this thread's own database connection (the database cache)
        time.sleep(heartbeat_interval())


@on_startup()
def start_heartbeat() -> None:
    """Once per consumer process (Huey calls this in each of its worker threads)."""
    with _started:
        if _beating:
            return
        thread = threading.Thread(target=_beat_forever, name="worker-heartbeat", daemon=True)
        _beating.append(thread)
        thread.start()


@signal(SIGNAL_ERROR)
def count_failure(signal_name: str, task: Any, exc: BaseException | None = None) -> None:
    """Every task that ends with an error, for the kommunalschutz_task_failures counter of all workers."""
    try:
        try:
            cache.incr(FAILURES_KEY)
        except ValueError:  # not there yet (or expired from the cache): start counting
            if not cache.add(FAILURES_KEY, 1, timeout=None):
                cache.incr(FAILURES_KEY)
        cache.set(LAST_FAILURE_KEY, time.time(), timeout=None)
    except Exception as exc_:
        logger.warning("Task failure not counted: %s", type(exc_).__name__)
