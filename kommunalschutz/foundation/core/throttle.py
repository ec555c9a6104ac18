"""One sliding-window throttle for every place that limits attempts: logins, survey codes, reports.

Counters live in Django's cache, which the settings point at a store shared by all
processes (the database or Redis). A plain counter needs read-modify-write, which two
workers can interleave, and the database cache's ``incr`` even resets the expiry.
Instead every attempt claims one of N numbered slots with ``cache.add``, which is
atomic on every backend (unique key insert, Redis SET NX). Each slot expires on its
own one window after the attempt it records, so the limit is a sliding window: when
all N slots are taken, the value is locked until the oldest slot expires.

What is counted (a client address, an account) is only hashed into cache keys that
expire; it is never written to the database.

The anonymous channel counts clients in the "volatile" cache only (Redis, or each process's memory;
never the database): ``client_fingerprint`` is an HMAC of the address under a random key that itself
lives only in that cache and is replaced every day, so even a copy of Redis does not allow testing
which address a counter belongs to once the day is over.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, cache, caches
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# The cache alias that never writes to disk (settings.CACHES["volatile"]).
VOLATILE = "volatile"
# The fingerprint key is replaced every this many seconds (a day); its cache entry outlives it a little.
FINGERPRINT_KEY_SECONDS = 86_400


def client_address(request: HttpRequest) -> str:
    """The client's IP address.

    Behind reverse proxies REMOTE_ADDR is the nearest proxy, so every user would share
    one counter. With TRUSTED_PROXY_COUNT = n, the n-th address from the right of
    X-Forwarded-For is used: the one our outermost trusted proxy saw. Addresses further
    left were written by the client and cannot be trusted.
    """
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class FailOpenCache:
    """The volatile cache, open when its store is down: an outage of Redis must not close the channel.

    Every call that fails (connection refused, timeout) behaves as if the store were empty: ``get`` gives
    the default, ``add`` succeeds, nothing is locked. Limits are then not enforced until Redis is back,
    which the log says once a minute (without any key, so no fingerprint reaches a log); an anonymous
    report is never refused, or answered with a server error, because a counter could not be read.
    """

    _last_warning = 0.0

    def __init__(self, backend: BaseCache) -> None:
        self.backend = backend

    def _failed(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - FailOpenCache._last_warning > 60:
            FailOpenCache._last_warning = now
            logger.error("volatile cache unavailable (%s: %s); per-client limits are not enforced",
                         operation, type(error).__name__)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self.backend.get(key, default)
        except Exception as error:  # any store failure: fail open (docstring)
            self._failed("get", error)
            return default

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        try:
            return dict(self.backend.get_many(keys))
        except Exception as error:
            self._failed("get_many", error)
            return {}

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        try:
            return bool(self.backend.add(key, value, timeout=timeout))
        except Exception as error:
            self._failed("add", error)
            return True

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        try:
            self.backend.set(key, value, timeout=timeout)
        except Exception as error:
            self._failed("set", error)

    def incr(self, key: str, delta: int = 1) -> int:
        try:
            return int(self.backend.incr(key, delta))
        except ValueError:
            raise
        except Exception as error:
            self._failed("incr", error)
            return delta

    def delete(self, key: str) -> None:
        try:
            self.backend.delete(key)
        except Exception as error:
            self._failed("delete", error)

    def delete_many(self, keys: list[str]) -> None:
        try:
            self.backend.delete_many(keys)
        except Exception as error:
            self._failed("delete_many", error)


def volatile_cache() -> FailOpenCache:
    """The cache that holds per-client counters: Redis or process memory, never the database; open on failure."""
    return FailOpenCache(caches[VOLATILE])


_process_keys: dict[int, str] = {}


def _fingerprint_key(period: int) -> bytes:
    """The random HMAC key of one period, created once by whichever process needs it first (atomic add)."""
    store = volatile_cache()
    name = f"throttle:fingerprint-key:{period}"
    store.add(name, secrets.token_hex(32), timeout=FINGERPRINT_KEY_SECONDS + 3600)
    value = store.get(name)
    if value is None:
        # Evicted between add and get, or the store is down: this process's own key for the period
        # (counters restart, nothing breaks; fingerprints stay stable within the process).
        value = _process_keys.setdefault(period, secrets.token_hex(32))
        store.set(name, value, timeout=FINGERPRINT_KEY_SECONDS + 3600)
    return bytes.fromhex(str(value))


# An IPv6 client usually holds a whole /64 (one per household or mobile device): it counts as one client.
IPV6_CLIENT_PREFIX = 64


def client_network(address: str) -> str:
    """The unit a client is counted by: the IPv4 address, or the /64 network of an IPv6 address."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed)


def client_fingerprint(request: HttpRequest, purpose: str) -> str:
    """A keyed hash of the client address for counting it in the volatile cache, never for storing.

    ``purpose`` separates the counters of different limits. The key rotates daily (counters of a client
    restart then, which at most grants one more window) and exists only in the volatile cache. IPv6
    clients are counted by their /64 network (``client_network``), or one device could count as 2**64.
    """
    period = int(time.time()) // FINGERPRINT_KEY_SECONDS
    message = f"{purpose}\x00{client_network(client_address(request))}".encode()
    return hmac.new(_fingerprint_key(period), message, hashlib.sha256).hexdigest()


def minutes(seconds: int) -> int:
    """Seconds as whole minutes for a message, at least one."""
    return max(1, math.ceil(seconds / 60))


@dataclass(frozen=True)
class SlidingWindow:
    """At most ``limit`` attempts per ``window_seconds`` for each value counted under ``prefix``.

    ``alias`` names the cache: "default" (shared, may be the database) or VOLATILE (never on disk).
    """

    prefix: str
    limit: int
    window_seconds: int
    alias: str = "default"

    @property
    def store(self) -> BaseCache | FailOpenCache:
        return cache if self.alias == "default" else volatile_cache() if self.alias == VOLATILE else caches[self.alias]

    def keys(self, value: str) -> list[str]:
        """The cache slots counting ``value`` (hashed, so any input gives a short key every backend accepts)."""
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        return [f"{self.prefix}:{digest}:{slot}" for slot in range(self.limit)]

    def seconds_locked(self, value: str) -> int | None:
        """Seconds until the oldest slot expires if all are taken (locked), else None."""
        keys = self.keys(value)
        taken = self.store.get_many(keys)
        if len(taken) < len(keys):
            return None
        return max(1, math.ceil(min(float(expiry) for expiry in taken.values()) - time.time()))

    def claim(self, value: str) -> bool:
        """Record one attempt: take the first free slot for one window (``cache.add`` is atomic).

        False when every slot was taken (the attempt is over the limit and not recorded).
        """
        expiry = time.time() + self.window_seconds
        store = self.store
        return any(store.add(key, expiry, timeout=self.window_seconds) for key in self.keys(value))

    def clear(self, value: str) -> None:
        self.store.delete_many(self.keys(value))
