"""One client cannot close the anonymous channel: limits per client (a keyed hash in volatile memory), per
receipt, never platform-wide; acute danger is never refused; no address reaches the database; Redis keys expire.

Each test runs with the volatile cache in process memory and on real Redis (the ``volatile`` fixture).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import override_settings

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.intake import reporting
from kommunalschutz.protection.intake.models import ReporterAccess
from tests.protection.intake.anonymous import PASS, database_text, post_json, report_json
from tests.protection.intake.conftest import VolatileRedis

ATTACKER = "198.51.100.66"
REPORTER = "203.0.113.20"


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=3)
def test_a_flood_from_one_client_does_not_refuse_another(world: Any, client: Any, report_data: dict[str, Any],
                                                         volatile: VolatileRedis | None) -> None:
    body = report_json(world, report_data)
    answers = [post_json(client, "/public/reports", body, ATTACKER).status_code for _ in range(6)]
    assert answers == [201, 201, 201, 429, 429, 429]
    refused = post_json(client, "/public/reports", body, ATTACKER)
    assert int(refused["Retry-After"]) > 0 and "Verbindung" in refused.json()["detail"]
    assert post_json(client, "/public/reports", body, REPORTER).status_code == 201
    assert Case.objects.count() == 4


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=2)
def test_acute_danger_beyond_the_limit_is_accepted_and_flagged(world: Any, client: Any,
                                                               report_data: dict[str, Any],
                                                               volatile: VolatileRedis | None) -> None:
    body = report_json(world, report_data)
    for _attempt in range(2):
        assert post_json(client, "/public/reports", body, ATTACKER).status_code == 201
    assert post_json(client, "/public/reports", body, ATTACKER).status_code == 429
    acute = post_json(client, "/public/reports", {**body, "danger_now": True}, ATTACKER)
    assert acute.status_code == 201 and len(acute.json()["receipt"]) == 16
    case = Case.objects.latest("pk")
    assert case.is_acute and case.reporter_access.flagged_for_review
    assert ReporterAccess.objects.filter(flagged_for_review=True).count() == 1
    # The case team sees it on the timeline, and the audit trail records it.
    assert any("akute Gefahr" in event.summary for event in case.events.filter(kind=CaseEvent.Kind.TRIAGED))
    assert AuditEvent.objects.filter(object_type="intake.reporteraccess", summary__contains="flagged").count() == 1
    # Threat to life counts as acute as well; within the limit nothing is flagged.
    assert post_json(client, "/public/reports", {**body, "threat_to_life": True}, ATTACKER).status_code == 201
    assert post_json(client, "/public/reports", {**body, "danger_now": True}, REPORTER).status_code == 201
    assert list(Case.objects.order_by("pk").values_list("reporter_access__flagged_for_review", flat=True)) == [
        False, False, True, True, False]


@override_settings(RECEIPT_LOCKOUT_ATTEMPTS=3, ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT=50)
def test_wrong_passphrases_lock_only_that_receipt(world: Any, client: Any, report_data: dict[str, Any],
                                                  volatile: VolatileRedis | None) -> None:
    _case, attacked = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    _other, mine = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    answers = [post_json(client, "/public/reports/lookup", {"receipt": attacked, "passphrase": "falsch falsch"},
                         ATTACKER).status_code for _ in range(3)]
    assert answers == [404, 404, 429]
    # The attacked receipt is locked for everyone, even with the right passphrase ...
    locked = post_json(client, "/public/reports/lookup", {"receipt": attacked, "passphrase": PASS}, REPORTER)
    assert locked.status_code == 429 and "gesperrt" in locked.json()["detail"]
    # ... every other receipt opens, from the attacker's own address too.
    assert post_json(client, "/public/reports/lookup", {"receipt": mine, "passphrase": PASS}, REPORTER).status_code \
        == 200
    assert post_json(client, "/public/reports/lookup", {"receipt": mine, "passphrase": PASS}, ATTACKER).status_code \
        == 200


@override_settings(ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT=5)
def test_a_flood_of_wrong_lookups_does_not_lock_out_another_client(world: Any, client: Any,
                                                                   report_data: dict[str, Any],
                                                                   volatile: VolatileRedis | None) -> None:
    _case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    answers = [post_json(client, "/public/reports/lookup", {"receipt": f"{number:016d}", "passphrase": PASS},
                         ATTACKER).status_code for number in range(8)]
    assert answers == [404] * 5 + [429] * 3
    # The attacker waits, even with a correct receipt; the reporter does not.
    assert post_json(client, "/public/reports/lookup", {"receipt": receipt, "passphrase": PASS},
                     ATTACKER).status_code == 429
    assert post_json(client, "/public/reports/lookup", {"receipt": receipt, "passphrase": PASS},
                     REPORTER).status_code == 200
    # The pages count the same way.
    page = client.post("/melden/anonym/nachverfolgen/", {"action": "open", "receipt": receipt, "passphrase": PASS},
                       REMOTE_ADDR=ATTACKER)
    assert page.status_code == 429 and "Verbindung" in page.content.decode()
    assert client.post("/melden/anonym/nachverfolgen/", {"action": "open", "receipt": receipt, "passphrase": PASS},
                       REMOTE_ADDR=REPORTER).status_code == 302


@pytest.mark.django_db(transaction=True)
@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=2, ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT=2)
def test_no_address_nor_its_hash_reaches_the_database(world: Any, client: Any, report_data: dict[str, Any],
                                                      volatile: VolatileRedis | None) -> None:
    address = "192.0.2.231"
    body = report_json(world, report_data)
    for _attempt in range(3):
        post_json(client, "/public/reports", body, address)
    post_json(client, "/public/reports", {**body, "danger_now": True}, address)
    for number in range(3):
        post_json(client, "/public/reports/lookup", {"receipt": f"{number:016d}", "passphrase": PASS}, address)
    challenge = client.get("/api/v1/public/reports/challenge", REMOTE_ADDR=address)
    assert challenge.status_code == 200
    page = client.get("/melden/anonym/", REMOTE_ADDR=address)
    form = {**{key: value for key, value in report_data.items() if key != "occurred_at"},
            "occurred_at": "2024-05-01T10:00", "passphrase": PASS, "passphrase_repeat": PASS,
            "form_token": page.context["form_token"], "danger_now": "on"}
    assert client.post("/melden/anonym/", form, REMOTE_ADDR=address).status_code == 302
    assert Case.objects.count() == 4 and ReporterAccess.objects.filter(flagged_for_review=True).count() == 2
    text = database_text()
    # A real scan: it finds what is there (the case numbers, the audit trail's note of the flag) ...
    assert all(reference in text for reference in Case.objects.values_list("reference", flat=True))
    assert "flagged for review" in text
    # ... and not the address, in plain or as its SHA-256 / SHA-1.
    for needle in (address, hashlib.sha256(address.encode()).hexdigest(), hashlib.sha1(address.encode()).hexdigest()):  # noqa: S324
        assert needle not in text


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=2, ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS=900,
                   ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT=2, ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT_WINDOW_SECONDS=300)
def test_redis_keys_expire_and_hold_no_address(world: Any, client: Any, report_data: dict[str, Any],
                                               volatile_redis: VolatileRedis) -> None:
    address = "192.0.2.77"
    body = report_json(world, report_data)
    for _attempt in range(3):
        post_json(client, "/public/reports", body, address)
    for number in range(3):
        post_json(client, "/public/reports/lookup", {"receipt": f"{number:016d}", "passphrase": PASS}, address)
    keys = volatile_redis.keys()
    assert any(b":intake:client:reports:" in key for key in keys)
    assert any(b":intake:client:lookup-failures:" in key for key in keys)
    assert any(b":throttle:fingerprint-key:" in key for key in keys)
    for key in keys:
        ttl = volatile_redis.connection.ttl(key)
        assert ttl > 0, key  # -1 would be a key that never expires
        if b":intake:client:reports:" in key:
            assert ttl <= 900
        if b":intake:client:lookup-failures:" in key:
            assert ttl <= 300
        if b":throttle:fingerprint-key:" in key:
            assert ttl <= 86_400 + 3600
    stored = b"\n".join([*keys, *(volatile_redis.connection.get(key) or b"" for key in keys)])
    for needle in (address, hashlib.sha256(address.encode()).hexdigest()):
        assert needle.encode() not in stored


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=2)
def test_an_ipv6_client_counts_by_its_64_network(world: Any, client: Any, report_data: dict[str, Any],
                                                volatile: VolatileRedis | None) -> None:
    body = report_json(world, report_data)
    # Three addresses of one /64 (one device can use any of 2**64): one client.
    answers = [post_json(client, "/public/reports", body, f"2001:db8:1:2::{suffix}").status_code
               for suffix in ("1", "abcd", "ffff:1")]
    assert answers == [201, 201, 429]
    # The neighbouring /64 is another client.
    assert post_json(client, "/public/reports", body, "2001:db8:1:3::1").status_code == 201
