"""Wrong second-factor codes slow down and lock out only the address that sends them; a right code is accepted."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World
from tests.foundation.accounts.otp import totp, wrong_code

VERIFY_URL = reverse("accounts:otp_verify")
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.LOGIN_THROTTLE_CODE_ATTEMPTS = 3
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 600
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 0  # the slow-down has its own test below


def _code(client: Client, code: str, address: str = OWNER) -> Any:
    return client.post(VERIFY_URL, {"otp_token": code}, REMOTE_ADDR=address)


def test_a_wrong_code_then_the_right_one_is_accepted(world: World, client: Client, device_for: Any,
                                                     settings: Any) -> None:
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 3
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    assert _code(client, wrong_code(device.key)).status_code == 200
    started = time.monotonic()
    response = _code(client, totp(device.key))
    assert response.status_code == 302
    assert time.monotonic() - started >= 0.25  # slowed down, not refused
    assert client.get(reverse("accounts:profile")).status_code == 200
    verified = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert verified.summary == f"second factor verified from {OWNER}; slowed down 0.25 s"


def test_brute_force_from_one_address_is_refused_there(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    for _ in range(3):
        assert _code(client, wrong_code(device.key), ATTACKER).status_code == 200
    for code in (wrong_code(device.key), totp(device.key)):  # refused unchecked, the right code too
        response = _code(client, code, ATTACKER)
        assert response.status_code == 429
        assert "Zu viele falsche Codes von Ihrer Verbindung" in response.content.decode()
        assert "10 Minuten" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY_URL)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).order_by("pk")
    assert [("refused unchecked" in event.summary) for event in events] == [False] * 3 + [True] * 2
    device.refresh_from_db()
    assert device.last_t == -1  # no code was ever accepted


def test_the_owner_verifies_from_another_address_during_the_brute_force(world: World, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    attacker, owner = Client(), Client()
    attacker.force_login(world.lka_officer)
    owner.force_login(world.lka_officer)
    for _ in range(3):
        _code(attacker, wrong_code(device.key), ATTACKER)
    assert _code(attacker, totp(device.key), ATTACKER).status_code == 429
    assert _code(owner, totp(device.key), OWNER).status_code == 302
    assert owner.get(reverse("accounts:profile")).status_code == 200


def test_the_right_code_lifts_the_count_of_its_address(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    for _ in range(2):
        _code(client, wrong_code(device.key))
    assert _code(client, totp(device.key)).status_code == 302
    second = Client()
    second.force_login(world.lka_officer)
    # Two plus three wrong codes from one address (limit 3), but the right code in between reset its count.
    for _ in range(3):
        assert _code(second, wrong_code(device.key)).status_code == 200
    assert _code(second, wrong_code(device.key)).status_code == 429


def test_django_otps_own_device_throttle_is_off(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    _code(client, wrong_code(device.key))
    device.refresh_from_db()
    assert device.verify_is_allowed() == (True, None)
