"""When Redis (the volatile cache) is down, the anonymous channel stays open: limits fail open, no 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client, override_settings

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake.models import ReporterAccess
from tests.protection.intake.anonymous import PASS, post_json, report_json

# Nothing listens on port 1: every call of the volatile cache fails with a connection error.
UNREACHABLE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "outage-default"},
    "volatile": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                 "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
}


@pytest.mark.django_db
@override_settings(CACHES=UNREACHABLE, ANONYMOUS_REPORTS_PER_CLIENT=1)
def test_reports_and_lookups_go_through_while_the_volatile_cache_is_down(
        world: Any, report_data: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    with caplog.at_level(logging.ERROR, logger="kommunalschutz.foundation.core.throttle"):
        challenge = client.get("/api/v1/public/reports/challenge", REMOTE_ADDR="203.0.113.9")
        assert challenge.status_code == 200
        receipts = []
        for _ in range(3):  # beyond the limit of 1: nothing can be counted, so nothing is refused
            answer = post_json(client, "/public/reports", report_json(world, report_data), "203.0.113.9")
            assert answer.status_code == 201, answer.content
            receipts.append(answer.json()["receipt"])
        looked_up = post_json(client, "/public/reports/lookup", {"receipt": receipts[0], "passphrase": PASS},
                              "203.0.113.9")
    assert looked_up.status_code == 200, looked_up.content
    assert Case.objects.count() == ReporterAccess.objects.count() == 3
    assert "per-client limits are not enforced" in caplog.text
    assert "203.0.113.9" not in caplog.text
