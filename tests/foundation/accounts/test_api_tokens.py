"""API bearer tokens: created once in plaintext, stored hashed, refused when expired, revoked or garbage."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import APIToken
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World

ME = "/api/v1/me"


def _bearer(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_created_token_is_random_prefixed_and_stored_only_as_hash(world: World) -> None:
    token = services.create_token(actor=world.analyst, user=world.analyst, name="Auswertung", days=30)
    assert token.startswith("ks_")
    assert len(token) >= 40
    stored = APIToken.objects.get(user=world.analyst)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[:12]
    # The plaintext appears nowhere in the database: not in the token row, not in the trail.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert token not in json.dumps(rows, default=str)
    assert token not in json.dumps(list(AuditEvent.objects.values()), default=str)
    assert token[12:] not in json.dumps(rows, default=str)


def test_two_tokens_differ(world: World) -> None:
    first = services.create_token(actor=None, user=world.analyst, name="a", days=1)
    second = services.create_token(actor=None, user=world.analyst, name="b", days=1)
    assert first != second


def test_creation_is_audited_with_the_hash_masked(world: World) -> None:
    services.create_token(actor=world.analyst, user=world.analyst, name="Auswertung", days=30)
    [event] = AuditEvent.objects.filter(object_type="accounts.apitoken")
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == world.analyst
    assert event.changes["token_hash"] == {"old": "[secret]", "new": "[secret]"}
    assert event.changes["name"]["new"] == "Auswertung"


def test_default_validity_comes_from_the_settings(world: World, settings: Any) -> None:
    settings.API_TOKEN_DEFAULT_DAYS = 7
    services.create_token(actor=None, user=world.analyst, name="a")
    token = APIToken.objects.get()
    assert dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=7)


@pytest.mark.parametrize(("name", "days", "field"), [("", 30, "name"), ("   ", 30, "name"), ("x", 0, "days"),
                                                     ("x", 367, "days"), ("x", -5, "days")])
def test_bad_token_requests_are_refused(world: World, name: str, days: int, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        services.create_token(actor=None, user=world.analyst, name=name, days=days)
    assert field in info.value.error_dict
    assert not APIToken.objects.exists()


def test_inactive_accounts_get_no_tokens(world: World) -> None:
    world.analyst.is_active = False
    world.analyst.save()
    with pytest.raises(ValidationError):
        services.create_token(actor=None, user=world.analyst, name="x", days=1)


def test_me_shows_the_account_and_its_roles(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.pirna_coordinator, name="x", days=1)
    response = client.get(ME, **_bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "pirna_coordinator"
    assert body["name"] == "Test Pirna_Coordinator"
    assert body["second_factor_required"] is False
    assert body["roles"] == [{
        "role": "municipal_coordinator", "role_label": "Kommunale Koordination",
        "organisation": {"id": world.pirna_org.pk, "name": "Stadt Pirna", "kind": "municipality"},
    }]


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer garbage", "Token {token}",
                                    "Basic {token}", "Bearer {token}x", "Bearer " + "a" * 5000])
def test_missing_or_garbage_credentials_get_401(world: World, client: Client, header: str | None) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="x", days=1)
    extra: dict[str, Any] = {} if header is None else {"HTTP_AUTHORIZATION": header.format(token=token)}
    assert client.get(ME, **extra).status_code == 401


def test_expired_token_gets_401(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="x", days=1)
    assert client.get(ME, **_bearer(token)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        assert client.get(ME, **_bearer(token)).status_code == 401


def test_revoked_token_gets_401_and_revocation_is_audited(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="x", days=1)
    stored = APIToken.objects.get()
    services.revoke_token(actor=world.analyst, token=stored)
    assert client.get(ME, **_bearer(token)).status_code == 401
    event = AuditEvent.objects.filter(object_type="accounts.apitoken", action=AuditEvent.Action.UPDATE).get()
    assert event.changed_fields == ["revoked_at"]
    assert event.actor == world.analyst


def test_revoking_twice_records_one_change(world: World) -> None:
    services.create_token(actor=None, user=world.analyst, name="x", days=1)
    stored = APIToken.objects.get()
    first = services.revoke_token(actor=world.analyst, token=stored).revoked_at
    second = services.revoke_token(actor=world.analyst, token=stored).revoked_at
    assert first == second
    assert AuditEvent.objects.filter(object_type="accounts.apitoken", action="update").count() == 1


def test_token_of_a_deactivated_account_gets_401(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="x", days=1)
    world.analyst.is_active = False
    world.analyst.save()
    assert client.get(ME, **_bearer(token)).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="x", days=1)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.get(ME, **_bearer(token))
        assert APIToken.objects.get().last_used_at == start
        clock.shift(dt.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            client.get(ME, **_bearer(token))
        assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert APIToken.objects.get().last_used_at == start
        clock.shift(dt.timedelta(seconds=31))
        client.get(ME, **_bearer(token))
        assert APIToken.objects.get().last_used_at == start + dt.timedelta(seconds=61)


def test_token_list_shows_own_tokens_without_secrets(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="mine", days=1)
    services.create_token(actor=None, user=world.coach, name="theirs", days=1)
    response = client.get("/api/v1/tokens", **_bearer(token))
    assert response.status_code == 200
    [item] = response.json()
    assert item["name"] == "mine"
    assert item["status"] == "active"
    assert item["prefix"] == token[:12]
    assert "token_hash" not in item
    assert token not in response.content.decode()


def test_revoking_own_token_through_the_api(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="mine", days=1)
    services.create_token(actor=None, user=world.analyst, name="other", days=1)
    other = APIToken.objects.get(name="other")
    response = client.post(f"/api/v1/tokens/{other.pk}/revoke", **_bearer(token))
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert client.get(ME, **_bearer(token)).status_code == 200


def test_someone_elses_token_cannot_be_revoked_and_looks_missing(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="mine", days=1)
    services.create_token(actor=None, user=world.coach, name="theirs", days=1)
    theirs = APIToken.objects.get(name="theirs")
    assert client.post(f"/api/v1/tokens/{theirs.pk}/revoke", **_bearer(token)).status_code == 404
    assert client.post("/api/v1/tokens/999999/revoke", **_bearer(token)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_api_cannot_create_tokens(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.analyst, name="mine", days=1)
    assert client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json",
                       **_bearer(token)).status_code == 405
    assert APIToken.objects.count() == 1


def test_demo_tokens_made_with_hash_token_authenticate(world: World, client: Client) -> None:
    # core.demo stores fixed demo tokens through services.hash_token.
    APIToken.objects.create(user=world.analyst, name="Demo", prefix="ks_demo_abcd",
                            token_hash=services.hash_token("ks_demo_abcdef"),
                            expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(ME, **_bearer("ks_demo_abcdef")).status_code == 200
