"""Throttling of access-code attempts per client address, so codes cannot be guessed in bulk.

The same sliding window as accounts.throttle: every failed attempt claims one of N numbered slots in
Django's cache with ``cache.add`` (atomic on every backend); each slot expires one window after its
attempt. The address is only hashed into a cache key that expires; it is never written to the database.
Settings (optional): SURVEY_CODE_ATTEMPTS (default 10) failures per SURVEY_CODE_WINDOW_SECONDS (900).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from kommunalschutz.apps.accounts.throttle import client_address

_KEY = "responses:code-throttle:{digest}:{slot}"


def _limit() -> int:
    return int(getattr(settings, "SURVEY_CODE_ATTEMPTS", 10))


def _window() -> int:
    return int(getattr(settings, "SURVEY_CODE_WINDOW_SECONDS", 900))


def _keys(request: HttpRequest) -> list[str]:
    digest = hashlib.sha256(client_address(request).encode("utf-8")).hexdigest()
    return [_KEY.format(digest=digest, slot=slot) for slot in range(_limit())]


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until this address may try a code again, or None if it may now."""
    keys = _keys(request)
    taken = cache.get_many(keys)
    if len(taken) < len(keys):
        return None
    earliest = min(float(expiry) for expiry in taken.values())
    return max(1, math.ceil(earliest - time.time()))


def register_failure(request: HttpRequest) -> None:
    window = _window()
    expiry = time.time() + window
    for key in _keys(request):
        if cache.add(key, expiry, timeout=window):
            return


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
