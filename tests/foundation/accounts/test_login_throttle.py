"""After too many failures per name or per address, logins are refused unchecked until the window passes."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse

from kommunalschutz.foundation.accounts import throttle
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import PASSWORD, World

LOGIN_URL = reverse("accounts:login")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 600


def _attempt(client: Client, username: str, password: str, address: str = "192.0.2.10") -> Any:
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client: Client, username: str, times: int, address: str = "192.0.2.10") -> None:
    for _ in range(times):
        assert _attempt(client, username, "wrong-password", address).status_code == 200


def test_the_cache_is_shared_by_all_processes() -> None:
    # A per-process cache would give every worker its own counter (and N times the attempts).
    backend = django_settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("DatabaseCache", "RedisCache"))


def test_name_is_locked_after_the_limit_even_with_the_right_password(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 3)
        response = _attempt(client, "analyst", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert "10 Minuten" in response.content.decode()


def test_a_locked_attempt_does_not_even_check_the_password(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 3)
        with mock.patch("kommunalschutz.foundation.accounts.forms.authenticate") as authenticate:
            _attempt(client, "analyst", PASSWORD)
    authenticate.assert_not_called()


def test_the_lock_counts_the_account_by_any_name_and_from_any_address(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "Analyst", 1, "192.0.2.1")
        _fail(client, "ANALYST@example.org ", 1, "192.0.2.2")
        _fail(client, "analyst", 1, "192.0.2.3")
        assert _attempt(client, "analyst", PASSWORD, "192.0.2.4").status_code == 429


def test_the_lock_counts_the_address_across_names(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "coach", 1)
        _fail(client, "auditor", 1)
        _fail(client, "nobody", 1)
        assert _attempt(client, "analyst", PASSWORD).status_code == 429
        # The same person from another address is not affected by that address's lock.
        assert _attempt(client, "analyst", PASSWORD, "198.51.100.7").status_code == 302


def test_logging_in_works_again_once_the_window_has_passed(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False) as clock:
        _fail(client, "analyst", 3)
        clock.shift(dt.timedelta(seconds=599))
        assert _attempt(client, "analyst", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(seconds=2))
        assert _attempt(client, "analyst", PASSWORD).status_code == 302


def test_refused_attempts_do_not_prolong_the_lock(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False) as clock:
        _fail(client, "analyst", 3)
        for _ in range(5):
            clock.shift(dt.timedelta(seconds=100))
            assert _attempt(client, "analyst", "wrong-password").status_code == 429
        clock.shift(dt.timedelta(seconds=101))
        assert _attempt(client, "analyst", PASSWORD).status_code == 302


def test_failures_below_the_limit_are_forgotten_after_a_successful_login(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 2, "192.0.2.1")
        assert _attempt(client, "analyst", PASSWORD, "192.0.2.2").status_code == 302
        client.post(reverse("accounts:logout"))
        _fail(client, "analyst", 2, "192.0.2.3")
        assert _attempt(client, "analyst", PASSWORD, "192.0.2.4").status_code == 302


def test_refusals_are_audited(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 3)
        _attempt(client, "analyst", PASSWORD)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).order_by("id")
    assert [("refused unchecked" in event.summary) for event in events] == [False, False, False, True]


def test_client_address_is_remote_addr_without_trusted_proxies(settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert throttle.client_address(request) == "10.0.0.1"


def test_client_address_behind_one_trusted_proxy_ignores_what_the_client_wrote(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert throttle.client_address(request) == "203.0.113.9"


def test_setting_a_new_password_lifts_the_lock_on_the_name(world: World, client: Client) -> None:
    from kommunalschutz.foundation.accounts import services

    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 2, "192.0.2.1")
        _fail(client, "analyst@example.org", 1, "192.0.2.2")
        assert _attempt(client, "analyst", PASSWORD, "192.0.2.3").status_code == 429
        services.set_password(actor=world.analyst, user=world.analyst, password="Ein-neues-Passwort-2026")
        assert _attempt(client, "analyst", "Ein-neues-Passwort-2026", "192.0.2.3").status_code == 302


def test_unknown_names_are_counted_as_typed_ignoring_case(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "Nobody", 1, "192.0.2.1")
        _fail(client, " NOBODY", 1, "192.0.2.2")
        _fail(client, "nobody", 1, "192.0.2.3")
        response = _attempt(client, "nobody", "x", "192.0.2.4")
    # Looks exactly like a locked existing account.
    assert response.status_code == 429
