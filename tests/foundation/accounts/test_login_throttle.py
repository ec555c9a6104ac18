"""After too many failures per name or per address, logins are refused unchecked until the window passes."""

from __future__ import annotations

import datetime as dt
import time
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


def test_the_attacking_address_locks_itself_out_even_with_the_right_password(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 3)
        response = _attempt(client, "analyst", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldeversuche von Ihrer Verbindung" in html
    assert "10 Minuten" in html


def test_the_owner_logs_in_from_another_address_while_an_attacker_hammers_the_account(
        world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 3, "203.0.113.66")
        for _ in range(10):  # the attacker keeps trying; every attempt is refused unchecked
            assert _attempt(client, "analyst", "guess", "203.0.113.66").status_code == 429
        owner = Client()
        response = _attempt(owner, "analyst", PASSWORD, "198.51.100.7")
        assert response.status_code == 302
        assert owner.session["_auth_user_id"] == str(world.analyst.pk)
    [accepted] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN)
    assert "password accepted from 198.51.100.7" in accepted.summary


def test_a_locked_attempt_does_not_even_check_the_password(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 3)
        with mock.patch("kommunalschutz.foundation.accounts.forms.authenticate") as authenticate:
            _attempt(client, "analyst", PASSWORD)
    authenticate.assert_not_called()


def test_the_pair_counts_the_account_by_any_name(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "Analyst", 1)
        _fail(client, "ANALYST@example.org ", 1)
        _fail(client, "analyst", 1)
        assert _attempt(client, "analyst@example.org", PASSWORD).status_code == 429
        # The same account from another address is not affected.
        assert _attempt(client, "analyst", PASSWORD, "192.0.2.99").status_code == 302


def test_one_address_cannot_guess_across_many_accounts(world: World, client: Client, settings: Any) -> None:
    settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS = 4
    with time_machine.travel(START, tick=False):
        for name in ("coach", "auditor", "nobody", "analyst"):  # below each pair's limit of 3
            _fail(client, name, 1)
        response = _attempt(client, "pirna_official", PASSWORD)
        assert response.status_code == 429
        assert "Zu viele fehlgeschlagene Anmeldeversuche von Ihrer Verbindung" in response.content.decode()
        # Everyone else's address is not affected.
        assert _attempt(client, "pirna_official", PASSWORD, "198.51.100.7").status_code == 302
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, summary__contains="refused").get()
    assert "too many failed attempts from this address" in refused.summary


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


def test_a_successful_login_forgets_the_failures_of_its_address(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 2)
        assert _attempt(client, "analyst", PASSWORD).status_code == 302
        client.post(reverse("accounts:logout"))
        _fail(client, "analyst", 2)
        assert _attempt(client, "analyst", PASSWORD).status_code == 302


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


def test_setting_a_new_password_lifts_the_lock_of_every_address(world: World, client: Client) -> None:
    from kommunalschutz.foundation.accounts import services

    with time_machine.travel(START, tick=False):
        _fail(client, "analyst", 2, "192.0.2.1")
        _fail(client, "analyst@example.org", 1, "192.0.2.1")
        assert _attempt(client, "analyst", PASSWORD, "192.0.2.1").status_code == 429
        services.set_password(actor=world.analyst, user=world.analyst, password="Ein-neues-Passwort-2026")
        assert _attempt(client, "analyst", "Ein-neues-Passwort-2026", "192.0.2.1").status_code == 302


def test_unknown_names_are_counted_as_typed_ignoring_case(world: World, client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _fail(client, "Nobody", 1)
        _fail(client, " NOBODY", 1)
        _fail(client, "nobody", 1)
        response = _attempt(client, "nobody", "x")
    # Looks exactly like a locked existing account.
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche von Ihrer Verbindung" in response.content.decode()


def test_the_delay_grows_with_the_failures_and_is_capped(settings: Any) -> None:
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 3
    assert [throttle.delay_for(n, free=3) for n in range(9)] == [0, 0, 0, 0.25, 0.5, 1, 2, 3, 3]
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 0
    assert throttle.delay_for(50, free=3) == 0


def test_distributed_guessing_slows_the_account_down_but_the_owner_gets_in(world: World, client: Client,
                                                                          settings: Any) -> None:
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 1
    for octet in range(1, 6):  # five addresses, one guess each: no address reaches its limits
        _fail(client, "analyst", 1, f"203.0.113.{octet}")
    started = time.monotonic()  # real time (time_machine would freeze the clock that measures the wait)
    response = _attempt(client, "analyst", PASSWORD, "198.51.100.7")
    waited = time.monotonic() - started
    assert response.status_code == 302
    # 5 failures against a limit of 3: the third step of the slow-down (0.25 s doubled twice), capped at 1 s.
    assert waited >= 1
    summaries = list(AuditEvent.objects.filter(action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.LOGIN_FAILED])
                     .order_by("pk").values_list("summary", flat=True))
    assert "slowed down" not in summaries[2]
    assert "slowed down 0.25 s" in summaries[3]
    assert "slowed down 0.50 s" in summaries[4]
    assert summaries[5].startswith("password accepted from 198.51.100.7") and "slowed down 1.00 s" in summaries[5]
