"""The per-client fingerprint: keyed, stable within a day, different per purpose, IPv6 by /64, key only volatile."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from kommunalschutz.foundation.core import throttle


@pytest.fixture(autouse=True)
def _fresh_volatile() -> None:
    caches["volatile"].clear()  # process memory in the suite (no REDIS_URL)


def _request(address: str) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR=address)


def test_fingerprint_is_keyed_stable_and_separated_by_purpose() -> None:
    first = throttle.client_fingerprint(_request("192.0.2.1"), "a")
    assert first == throttle.client_fingerprint(_request("192.0.2.1"), "a")
    assert first != throttle.client_fingerprint(_request("192.0.2.2"), "a")
    assert first != throttle.client_fingerprint(_request("192.0.2.1"), "b")
    # Not a plain hash of the address: without the key nobody can recompute it.
    assert first not in {hashlib.sha256(b"192.0.2.1").hexdigest(), hashlib.sha256(b"a\x00192.0.2.1").hexdigest()}


def test_a_new_key_gives_new_fingerprints(monkeypatch: pytest.MonkeyPatch) -> None:
    today = throttle.client_fingerprint(_request("192.0.2.1"), "a")
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    assert throttle.client_fingerprint(_request("192.0.2.1"), "a") != today


def test_the_key_lives_only_in_the_volatile_cache_with_an_expiry() -> None:
    store = caches["volatile"]
    throttle.client_fingerprint(_request("192.0.2.1"), "a")
    period = int(time.time()) // throttle.FINGERPRINT_KEY_SECONDS
    key = store.make_and_validate_key(f"throttle:fingerprint-key:{period}")
    assert store.get(f"throttle:fingerprint-key:{period}") is not None
    assert store._expire_info[key] is not None  # type: ignore[attr-defined]  # LocMemCache's own bookkeeping


@pytest.mark.parametrize(("address", "network"), [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("unknown", "unknown"),
])
def test_client_network(address: str, network: str) -> None:
    assert throttle.client_network(address) == network
