"""Throttling of access-code attempts per client address, so codes cannot be guessed in bulk.

The sliding window of accounts.throttle (slot_keys, claim_slot, seconds_locked): every failed attempt
claims one of N numbered slots in Django's cache with ``cache.add`` (atomic on every backend); each slot
expires one window after its attempt. The address is only hashed into a cache key that expires; it is
never written to the database.
Settings (optional): SURVEY_CODE_ATTEMPTS (default 10) failures per SURVEY_CODE_WINDOW_SECONDS (900).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest

from kommunalschutz.foundation.accounts.throttle import claim_slot, client_address, seconds_locked, slot_keys

_PREFIX = "responses:code-throttle"


def _limit() -> int:
    return int(getattr(settings, "SURVEY_CODE_ATTEMPTS", 10))


def _window() -> int:
    return int(getattr(settings, "SURVEY_CODE_WINDOW_SECONDS", 900))


def _keys(request: HttpRequest) -> list[str]:
    return slot_keys(_PREFIX, client_address(request), _limit())


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until this address may try a code again, or None if it may now."""
    return seconds_locked(_keys(request))


def register_failure(request: HttpRequest) -> None:
    claim_slot(_keys(request), _window())


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
