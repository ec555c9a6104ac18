"""/health/live and /health/ready in the platform's own request handling: JSON with a status per check,
200 or 503 with the failing check named, never cached, no cookie, answered for any Host and over plain HTTP.

Failures that need a separate server (Redis or the database unreachable) are in test_probes_under_gunicorn.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from huey.contrib.djhuey import HUEY

from kommunalschutz.foundation.monitoring import health
from kommunalschutz.foundation.monitoring.tasks import beat

pytestmark = pytest.mark.django_db


def ready(client: Client, **extra: Any) -> tuple[int, dict[str, Any]]:
    response = client.get("/health/ready", **extra)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


@pytest.fixture
def real_queue() -> Iterator[None]:
    """As in production: tasks go to a separate worker, whose heartbeat readiness asks for."""
    immediate = HUEY.immediate
    HUEY.immediate = False
    cache.delete(health.HEARTBEAT_KEY)
    try:
        yield
    finally:
        HUEY.immediate = immediate
        cache.delete(health.HEARTBEAT_KEY)


def test_live_answers_without_asking_anything(client: Client) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_ready_names_every_check(client: Client) -> None:
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "storage", "worker", "migrations"}
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["storage"] == {"status": "ok"}
    assert body["checks"]["migrations"] == {"status": "ok"}
    # The suite runs without REDIS_URL and with tasks in-process: said so, not failed.
    assert body["checks"]["redis"]["status"] == "skipped"
    assert body["checks"]["worker"] == {"status": "skipped", "reason": "tasks run in-process"}


def test_probes_ignore_host_https_redirect_sessions_and_csrf(client: Client, settings: Any) -> None:
    """The kubelet asks over plain HTTP with the pod's address as Host, without cookies; a POST from a
    monitoring tool carries no CSRF token."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["kommunalschutz.example"]
    settings.SESSION_SAVE_EVERY_REQUEST = True
    for path in ("/health/live", "/health/ready", "/health/ready/"):
        response = client.get(path, HTTP_HOST="10.42.0.17:8000")
        assert response.status_code == 200, (path, response.status_code)
        assert not response.cookies, path
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/health/live", HTTP_HOST="10.42.0.17:8000").status_code == 200
    # An ordinary page still goes through the host check and the redirect.
    assert client.get("/impressum/", HTTP_HOST="10.42.0.17:8000").status_code == 400


def test_a_pending_migration_makes_ready_fail(client: Client) -> None:
    """A real unapplied migration: the record of the newest core migration removed (rolled back after)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM django_migrations WHERE app = 'core' ORDER BY name DESC LIMIT 1")
        (row_id,) = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE id = %s", [row_id])
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["migrations"] == {"status": "fail", "reason": "1 pending"}
    assert body["checks"]["database"]["status"] == "ok"


def test_unwritable_storage_makes_ready_fail(client: Client, settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker / "files")}}}
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["storage"]["status"] == "fail"
    assert body["checks"]["storage"]["reason"] in {"NotADirectoryError", "FileExistsError", "OSError"}


def test_storage_probe_leaves_no_file(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    health.probe_storage()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_worker_heartbeat_missing_stale_and_fresh(client: Client, real_queue: None, settings: Any) -> None:
    status, body = ready(client)
    assert status == 503 and body["checks"]["worker"] == {"status": "fail", "reason": "no heartbeat"}

    beat()
    status, body = ready(client)
    assert status == 200 and body["checks"]["worker"] == {"status": "ok"}

    cache.set(health.HEARTBEAT_KEY, time.time() - settings.HEALTH_WORKER_MAX_AGE_SECONDS - 1)
    status, body = ready(client)
    assert status == 503 and body["checks"]["worker"] == {"status": "fail", "reason": "heartbeat stale"}

    # An operator who keeps the web nodes serving while the worker is down: reported, not failed.
    settings.HEALTH_WORKER_REQUIRED = False
    status, body = ready(client)
    assert status == 200 and body["checks"]["worker"] == {"status": "warn", "reason": "heartbeat stale"}


def test_ready_holds_no_personal_data(client: Client, world: Any) -> None:
    client.force_login(world.coordinator)
    response = client.get("/health/ready")
    text = response.content.decode()
    assert world.coordinator.username not in text and world.coordinator.email not in text
    assert set(json.loads(text)) == {"status", "checks"}
