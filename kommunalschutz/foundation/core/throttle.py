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
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


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


def minutes(seconds: int) -> int:
    """Seconds as whole minutes for a message, at least one."""
    return max(1, math.ceil(seconds / 60))


@dataclass(frozen=True)
class SlidingWindow:
    """At most ``limit`` attempts per ``window_seconds`` for each value counted under ``prefix``."""

    prefix: str
    limit: int
    window_seconds: int

    def keys(self, value: str) -> list[str]:
        """The cache slots counting ``value`` (hashed, so any input gives a short key every backend accepts)."""
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        return [f"{self.prefix}:{digest}:{slot}" for slot in range(self.limit)]

    def seconds_locked(self, value: str) -> int | None:
        """Seconds until the oldest slot expires if all are taken (locked), else None."""
        keys = self.keys(value)
        taken = cache.get_many(keys)
        if len(taken) < len(keys):
            return None
        return max(1, math.ceil(min(float(expiry) for expiry in taken.values()) - time.time()))

    def claim(self, value: str) -> None:
        """Record one attempt: take the first free slot for one window (``cache.add`` is atomic)."""
        expiry = time.time() + self.window_seconds
        for key in self.keys(value):
            if cache.add(key, expiry, timeout=self.window_seconds):
                return

    def clear(self, value: str) -> None:
        cache.delete_many(self.keys(value))
