"""Prometheus metrics (decision 0037).

Two kinds. Request metrics are counted where requests are served: by every gunicorn worker into
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, set up by gunicorn.conf.py), summed over the
workers when scraped. State metrics (queue length, task failures, overdue acknowledgements, audit-chain
verification, the last backup, the worker's heartbeat) are read at scrape time from the shared database,
cache and queue by a collector, so every node reports the same platform-wide values and nothing has to be
kept in step between processes. Wings add their own state metrics with register_gauge.

The endpoint is not public: see allowed().
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "kommunalschutz_http_requests", "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"])
LATENCY = Histogram(
    "kommunalschutz_http_request_duration_seconds", "Time to answer an HTTP request, by route name and method.",
    ["route", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    # Methods outside the usual few are folded, so a client cannot grow the label set.
    method = method if method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} else "OTHER"
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route, method=method).observe(seconds)


# --- state metrics, read at scrape time ------------------------------------------------------------------


def last_successful_backup_time() -> float | None:
    """The Unix time the newest complete ``kommunalschutz backup`` finished (core.models.BackupRun), or None
    when none is recorded: then kommunalschutz_backup_last_success_timestamp_seconds is absent, which the
    suggested alert treats like a backup that is too old."""
    from kommunalschutz.foundation.core.backup import last_successful_backup

    run = last_successful_backup()
    return run.finished_at.timestamp() if run is not None else None


@dataclass(frozen=True)
class Gauge:
    name: str
    documentation: str
    read: Callable[[], float | None]


_GAUGES: dict[str, Gauge] = {}


def register_gauge(name: str, documentation: str, read: Callable[[], float | None]) -> None:
    """Let an app report a platform-wide number, read at each scrape (``None``: no sample). ``read`` must be
    cheap: one indexed query or a cache read."""
    if not name.startswith("kommunalschutz_"):
        raise ValueError(f"Metric names start with 'kommunalschutz_': {name!r}")
    _GAUGES[name] = Gauge(name, documentation, read)


def _task_metrics() -> Iterator[Metric]:
    from django.core.cache import cache
    from huey.contrib.djhuey import HUEY

    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.foundation.monitoring.health import FAILURES_KEY, HEARTBEAT_KEY, LAST_FAILURE_KEY

    queue = GaugeMetricFamily("kommunalschutz_task_queue_length", "Tasks waiting in the queue for a worker.")
    queue.add_metric([], float(HUEY.pending_count()))
    yield queue
    scheduled = GaugeMetricFamily("kommunalschutz_task_scheduled", "Tasks scheduled for later (retries, delays).")
    scheduled.add_metric([], float(HUEY.scheduled_count()))
    yield scheduled
    values = cache.get_many([FAILURES_KEY, LAST_FAILURE_KEY, HEARTBEAT_KEY])
    failures = CounterMetricFamily("kommunalschutz_task_failures", "Tasks that ended with an error in a worker.")
    failures.add_metric([], float(values.get(FAILURES_KEY) or 0))
    yield failures
    if values.get(LAST_FAILURE_KEY) is not None:
        last = GaugeMetricFamily("kommunalschutz_task_last_failure_timestamp_seconds",
                                 "Unix time of the last task that ended with an error.")
        last.add_metric([], float(values[LAST_FAILURE_KEY]))
        yield last
    if values.get(HEARTBEAT_KEY) is not None:
        beat = GaugeMetricFamily("kommunalschutz_task_worker_heartbeat_timestamp_seconds",
                                 "Unix time of the last heartbeat of a task worker.")
        beat.add_metric([], float(values[HEARTBEAT_KEY]))
        yield beat
    runs = GaugeMetricFamily("kommunalschutz_task_runs", "Long operations (task runs) by status.", labels=["status"])
    counts = {row["status"]: row["n"] for row in _count_by_status(TaskRun)}
    for status in TaskRun.Status.values:
        runs.add_metric([status], float(counts.get(status, 0)))
    yield runs


def _count_by_status(model: Any) -> Iterable[dict[str, Any]]:
    from django.db.models import Count

    rows: Iterable[dict[str, Any]] = model.objects.order_by().values("status").annotate(n=Count("id"))
    return rows


def _audit_metrics() -> Iterator[Metric]:
    from kommunalschutz.foundation.core.models import AuditVerification

    latest = AuditVerification.objects.order_by("-checked_at").only("checked_at", "intact").first()
    if latest is None:
        return
    when = GaugeMetricFamily("kommunalschutz_audit_verification_timestamp_seconds",
                             "Unix time of the last check of the audit trail's hash chain.")
    when.add_metric([], latest.checked_at.timestamp())
    yield when
    intact = GaugeMetricFamily("kommunalschutz_audit_verification_intact",
                               "1 if the last check found the audit trail's hash chain intact, else 0.")
    intact.add_metric([], 1.0 if latest.intact else 0.0)
    yield intact


def _backup_metrics() -> Iterator[Metric]:
    last = last_successful_backup_time()
    if last is not None:
        backup = GaugeMetricFamily("kommunalschutz_backup_last_success_timestamp_seconds",
                                   "Unix time of the last successful backup.")
        backup.add_metric([], float(last))
        yield backup


def _registered_metrics() -> Iterator[Metric]:
    for gauge in list(_GAUGES.values()):
        value = gauge.read()
        if value is not None:
            family = GaugeMetricFamily(gauge.name, gauge.documentation)
            family.add_metric([], float(value))
            yield family


class PlatformCollector(Collector):
    """The state metrics; a source that fails (database or Redis away) is left out and counted."""

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily("kommunalschutz_metrics_source_errors",
                                   "1 for each source of metrics that failed during this scrape.", labels=["source"])
        for source, produce in (("tasks", _task_metrics), ("audit", _audit_metrics), ("backup", _backup_metrics),
                                ("registered", _registered_metrics)):
            try:
                families = list(produce())
            except Exception as exc:
                logger.warning("Metrics source %s failed: %s", source, type(exc).__name__)
                errors.add_metric([source], 1.0)
                continue
            errors.add_metric([source], 0.0)
            yield from families
        scraped = GaugeMetricFamily("kommunalschutz_scrape_timestamp_seconds", "Unix time of this scrape.")
        scraped.add_metric([], time.time())
        yield scraped
        yield errors


def render() -> bytes:
    """The exposition text: request metrics of all workers (multiprocess) or this process, and the state."""
    state = CollectorRegistry(auto_describe=False)
    state.register(PlatformCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        workers = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(workers)  # type: ignore[no-untyped-call]
        requests = generate_latest(workers)
    else:
        requests = generate_latest(REGISTRY)
    return requests + generate_latest(state)


# --- who may scrape ------------------------------------------------------------------------------------


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS]


def allowed(request: HttpRequest) -> bool:
    """Whether this request may read the metrics: a bearer token equal to METRICS_TOKEN (when set) and a
    client address in METRICS_ALLOWED_NETWORKS (when set). With neither set the endpoint is off."""
    token: str = settings.METRICS_TOKEN or ""
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return False
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, offered = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(offered.strip().encode(), token.encode()):
            return False
    if networks:
        from kommunalschutz.foundation.core.throttle import client_address

        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            return False
        if not any(address in network for network in _networks()):
            return False
    return True
