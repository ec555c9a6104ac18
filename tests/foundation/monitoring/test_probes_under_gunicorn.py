"""Probes, metrics and logs of a real gunicorn (2 workers, DEBUG off) as production runs it.

Redis unreachable (REDIS_URL at a closed port) and the database unreachable (DATABASE_URL at a closed port)
each give 503 naming the failing check, while /health/live stays 200. The request metrics of both workers
are summed (prometheus-client's multiprocess mode, set up by gunicorn.conf.py). Every line on stdout/stderr
is one JSON object; the access lines carry the request id echoed to the client, the route name and no path.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.deployment import get
from tests.concurrency.conftest import concurrent_database
from tests.foundation.monitoring.servers import closed_port, gunicorn, log_lines

__all__ = ["concurrent_database"]  # the fixture that makes the test database a file on SQLite (autouse)

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "scrape-token-0123456789-abcdefghij"


def test_redis_unreachable_fails_readiness_naming_redis(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "redis-down", pages=False, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0") as server:
        assert get(server.port, "/health/live").status == 200
        answer = get(server.port, "/health/ready")
        assert answer.status == 503
        body = json.loads(answer.body)
        assert body["status"] == "fail"
        assert body["checks"]["redis"] == {"status": "fail", "reason": "ConnectionError"}
        assert body["checks"]["database"] == {"status": "ok"}
        assert body["checks"]["migrations"] == {"status": "ok"}
        assert body["checks"]["storage"] == {"status": "ok"}
        # The worker's heartbeat lives in Redis too: unknown, so not ready either.
        assert body["checks"]["worker"]["status"] == "fail"
        assert answer.headers["cache-control"] == "no-store"


def test_database_unreachable_fails_readiness_naming_the_database(tmp_path: Path) -> None:
    url = f"postgres://kommunalschutz@127.0.0.1:{closed_port()}/kommunalschutz"
    with gunicorn(tmp_path, "database-down", pages=False, DATABASE_URL=url) as server:
        assert get(server.port, "/health/live").status == 200
        answer = get(server.port, "/health/ready")
        assert answer.status == 503
        body = json.loads(answer.body)
        assert body["checks"]["database"] == {"status": "fail", "reason": "OperationalError"}
        assert body["checks"]["migrations"] == {"status": "skipped", "reason": "database unreachable"}
        # The files are rows of that database (FILE_STORAGE=database, decision 0034): unreachable as well.
        assert body["checks"]["storage"] == {"status": "fail", "reason": "OperationalError"}


def test_metrics_of_all_workers_and_json_logs(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "prometheus"
    with gunicorn(tmp_path, "metrics", METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                  HEALTH_WORKER_REQUIRED="false") as server:
        assert get(server.port, "/metrics").status == 404
        assert get(server.port, "/metrics", {"Authorization": "Bearer not-the-token-at-all-000"}).status == 404
        ready = get(server.port, "/health/ready")
        assert ready.status == 200, ready.body
        assert json.loads(ready.body)["checks"]["worker"] == {"status": "warn", "reason": "no heartbeat"}

        # 24 requests in parallel, so both workers serve some; each is counted exactly once in the sum.
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda _: get(server.port, "/impressum/"), range(24)))
        assert {answer.status for answer in answers} == {200}
        assert get(server.port, "/aufgaben/31337/").status == 302
        scraped = get(server.port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status == 200
        text = scraped.body.decode()
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(text) for s in family.samples}
        imprint = ("kommunalschutz_http_requests_total", (("method", "GET"), ("route", "core:imprint"),
                                                          ("status", "200")))
        assert samples[imprint] == 24
        assert samples[("kommunalschutz_http_requests_total", (("method", "GET"), ("route", "core:task_detail"),
                                                               ("status", "302")))] == 1
        # The id is in no label (numbers such as timestamps may hold any digits).
        assert not [value for family in text_string_to_metric_families(text) for s in family.samples
                    for value in s.labels.values() if "31337" in value or "/" in value]
        assert ("kommunalschutz_task_queue_length", ()) in samples
        assert len(list(metrics_dir.glob("*.db"))) >= 1
        ids = {answer.headers["x-request-id"] for answer in answers}
        assert len(ids) == 24

    lines = log_lines(server)
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    imprint_lines = [line for line in access if line.get("route") == "core:imprint"]
    assert {line["request_id"] for line in imprint_lines} == ids
    for line in imprint_lines:
        assert line["method"] == "GET" and line["status"] == 200 and line["duration_ms"] >= 0
        assert set(line) >= {"time", "level", "logger", "message", "request_id", "method", "route", "status",
                             "duration_ms"}
    # No path and no id in any text of a line (its time and numbers aside: they may hold any digits).
    texts = [str(value) for line in lines for key, value in line.items() if isinstance(value, str) and key != "time"]
    assert not [text for text in texts if "/impressum/" in text or "31337" in text]
    # gunicorn's own lines are JSON too.
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
