"""/metrics: 404 unless the bearer token (and, when configured, the network) fits; request counters by route
name, never by raw path; the platform's state (queue, task failures, overdue acknowledgements, audit-chain
check, backup) read at scrape time. Multiprocess mode under gunicorn: test_probes_under_gunicorn.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kommunalschutz.foundation.core.verification import verify_audit_trail
from kommunalschutz.foundation.monitoring import metrics
from kommunalschutz.foundation.monitoring.tasks import count_failure
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-test-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def token(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests_of(samples: dict[Any, float], route: str, status: str) -> float:
    return samples.get(("kommunalschutz_http_requests_total",
                        (("method", "GET"), ("route", route), ("status", status))), 0.0)


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-wrong-token-wrong"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
])
def test_without_the_token_metrics_are_not_found(client: Client, headers: dict[str, str]) -> None:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 404
    assert b"kommunalschutz_" not in response.content


def test_without_any_setting_metrics_are_off(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers=AUTH).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_networks_restrict_who_may_scrape(client: Client, settings: Any) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", headers=AUTH).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="fd00::5", headers=AUTH).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10", headers=AUTH).status_code == 404
    # The right network without the token is not enough while a token is set …
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    # … and the network alone suffices only when no token is configured.
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 404


def test_requests_are_counted_by_route_name_not_by_path(client: Client) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/impressum/").status_code == 200
    # An address with an id: counted under its route, the id appears nowhere.
    assert client.get("/aufgaben/987654/").status_code == 302
    assert client.get("/gibt-es-nicht-4711/").status_code == 404
    response = client.get("/metrics", headers=AUTH)
    text = response.content.decode()
    after = scrape(client)
    assert requests_of(after, "core:imprint", "200") == requests_of(before, "core:imprint", "200") + 3
    assert requests_of(after, "core:task_detail", "302") == requests_of(before, "core:task_detail", "302") + 1
    assert requests_of(after, "unresolved", "404") == requests_of(before, "unresolved", "404") + 1
    # Neither the ids nor any path in a label (the values themselves, timestamps among them, are numbers).
    labels = [value for family in text_string_to_metric_families(text) for sample in family.samples
              for value in sample.labels.values()]
    assert labels and not [value for value in labels if "987654" in value or "4711" in value or "/" in value]
    assert "/impressum/" not in text and "gibt-es-nicht" not in text
    count = ("kommunalschutz_http_request_duration_seconds_count", (("method", "GET"), ("route", "core:imprint")))
    assert after[count] >= before.get(count, 0) + 3


def test_overdue_acknowledgements_are_counted(client: Client) -> None:
    now = timezone.now()
    CaseFactory.create(acknowledgement_due_at=now - dt.timedelta(hours=2))
    CaseFactory.create(acknowledgement_due_at=now - dt.timedelta(hours=1))
    CaseFactory.create(acknowledgement_due_at=now + dt.timedelta(hours=5))  # not yet due
    CaseFactory.create(acknowledgement_due_at=now - dt.timedelta(hours=1), acknowledged_at=now)  # taken
    CaseFactory.create(acknowledgement_due_at=now - dt.timedelta(hours=1), is_synthetic=True)  # demo
    CaseFactory.create(acknowledgement_due_at=now - dt.timedelta(hours=1), status="closed")
    assert scrape(client)[("kommunalschutz_cases_acknowledgement_overdue", ())] == 2


def test_audit_chain_verification_time_and_result(client: Client) -> None:
    samples = scrape(client)
    assert ("kommunalschutz_audit_verification_intact", ()) not in samples  # never checked yet
    check = verify_audit_trail(actor=None)
    samples = scrape(client)
    assert samples[("kommunalschutz_audit_verification_intact", ())] == 1.0
    assert samples[("kommunalschutz_audit_verification_timestamp_seconds", ())] == pytest.approx(
        check.checked_at.timestamp())


def test_task_failures_and_queue_length(client: Client) -> None:
    before = scrape(client)[("kommunalschutz_task_failures_total", ())]
    count_failure("error", None)
    count_failure("error", None)
    samples = scrape(client)
    assert samples[("kommunalschutz_task_failures_total", ())] == before + 2
    assert ("kommunalschutz_task_last_failure_timestamp_seconds", ()) in samples
    assert samples[("kommunalschutz_task_queue_length", ())] == 0
    assert samples[("kommunalschutz_task_runs", (("status", "failed"),))] == 0


def test_the_backup_metric_is_the_newest_recorded_backup(client: Client) -> None:
    """No backup recorded: no sample, no error. Then the finish time of the newest BackupRun."""
    import datetime as dt

    from django.utils import timezone

    from kommunalschutz.foundation.core.services import record_backup_run

    samples = scrape(client)
    assert ("kommunalschutz_backup_last_success_timestamp_seconds", ()) not in samples
    assert samples[("kommunalschutz_metrics_source_errors", (("source", "backup"),))] == 0
    finished = timezone.now().replace(microsecond=0)
    for hours in (30, 0):
        record_backup_run(started_at=finished - dt.timedelta(hours=hours, minutes=5),
                          finished_at=finished - dt.timedelta(hours=hours), archive_name=f"b-{hours}.tar.gz",
                          size=10, sha256="0" * 64, vendor="sqlite", file_count=0)
    assert scrape(client)[("kommunalschutz_backup_last_success_timestamp_seconds", ())] == finished.timestamp()


def test_metric_names_of_wings_are_prefixed() -> None:
    with pytest.raises(ValueError, match="kommunalschutz_"):
        metrics.register_gauge("overdue", "no prefix", lambda: 1.0)
