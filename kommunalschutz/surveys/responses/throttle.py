"""Throttling of access-code attempts per client address, so codes cannot be guessed in bulk.

core.throttle's sliding window: SURVEY_CODE_ATTEMPTS failures per SURVEY_CODE_WINDOW_SECONDS per
address. The address is only hashed into a cache key that expires; it is never written to the database.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from kommunalschutz.foundation.core.throttle import SlidingWindow, client_address, minutes

__all__ = ["minutes", "register_failure", "retry_after"]


def _window() -> SlidingWindow:
    return SlidingWindow("responses:code-throttle", settings.SURVEY_CODE_ATTEMPTS,
                         settings.SURVEY_CODE_WINDOW_SECONDS)


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until this address may try a code again, or None if it may now."""
    return _window().seconds_locked(client_address(request))


def register_failure(request: HttpRequest) -> None:
    _window().claim(client_address(request))
