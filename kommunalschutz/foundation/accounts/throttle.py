"""Login throttling: at most LOGIN_THROTTLE_ATTEMPTS failures per window, per name and per address.

Counters live in Django's cache, which the settings point at a store shared by all
processes (the database or Redis). A plain counter needs read-modify-write, which two
workers can interleave, and the database cache's ``incr`` even resets the expiry.
Instead every failure claims one of N numbered slots with ``cache.add``, which is
atomic on every backend (unique key insert, Redis SET NX). Each slot expires on its
own one window after the failure it records, so the limit is a sliding window: when
all N slots are taken, the account (or unknown name) or the address is locked until
the oldest slot expires.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "accounts:login-throttle:{scope}"


@dataclass(frozen=True)
class Lock:
    """Why and for how long further attempts are refused."""

    scope: str  # "name" or "address"
    retry_after_seconds: int

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def client_address(request: HttpRequest) -> str:
    """The client's IP address.

    Behind reverse proxies REMOTE_ADDR is the nearest proxy, so every user would share
    one counter. With TRUSTED_PROXY_COUNT = n, the n-th address from the right of
    X-Forwarded-For is used: the one our outermost trusted proxy saw. Addresses further
    left were written by the client and cannot be trusted.
    """
    proxies: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def name_key(identifier: str, account: Any = None) -> str:
    """What failures are counted against: the account, however it was named.

    Username and e-mail address of one account share a counter, or an attacker would get
    the limit twice. Names without an account are counted as typed (letter case and
    surrounding spaces ignored), so a refusal looks the same whether the account exists or not.
    """
    if account is not None:
        return f"account:{account.pk}"
    return "name:" + identifier.strip().casefold()


def slot_keys(prefix: str, value: str, limit: int) -> list[str]:
    """The ``limit`` cache slots counting failures of ``value`` (hashed, so arbitrary input gives a short
    key that every cache backend accepts)."""
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
    return [f"{prefix}:{digest}:{slot}" for slot in range(limit)]


def seconds_locked(keys: list[str]) -> int | None:
    """Seconds until the oldest of the slots expires if all are taken (locked), else None."""
    taken = cache.get_many(keys)
    if len(taken) < len(keys):
        return None
    return max(1, math.ceil(min(float(expiry) for expiry in taken.values()) - time.time()))


def claim_slot(keys: list[str], window: int) -> None:
    """Record one failure: take the first free slot for one window (``cache.add`` is atomic)."""
    expiry = time.time() + window
    for key in keys:
        if cache.add(key, expiry, timeout=window):
            return


def _keys(scope: str, value: str) -> list[str]:
    return slot_keys(_PREFIX.format(scope=scope), value, settings.LOGIN_THROTTLE_ATTEMPTS)


def _scopes(name: str, address: str) -> list[tuple[str, str]]:
    return [("name", name), ("address", address)]


def check(*, name: str, address: str) -> Lock | None:
    """The lock that refuses a login attempt now, or None if it may proceed."""
    for scope, value in _scopes(name, address):
        seconds = seconds_locked(_keys(scope, value))
        if seconds is not None:
            return Lock(scope=scope, retry_after_seconds=seconds)
    return None


def register_failure(*, name: str, address: str) -> None:
    for scope, value in _scopes(name, address):
        claim_slot(_keys(scope, value), settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def clear_name(name: str) -> None:
    """Forget the failures counted against a name (the address keeps its count)."""
    cache.delete_many(_keys("name", name))
