"""Login throttling: at most LOGIN_THROTTLE_ATTEMPTS failures per window, per name and per address.

The counting is core.throttle's sliding window (slots claimed atomically in the shared cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from kommunalschutz.foundation.core.throttle import SlidingWindow, client_address, minutes

__all__ = ["Lock", "check", "clear_name", "client_address", "name_key", "register_failure"]

_PREFIX = "accounts:login-throttle:{scope}"


@dataclass(frozen=True)
class Lock:
    """Why and for how long further attempts are refused."""

    scope: str  # "name" or "address"
    retry_after_seconds: int

    @property
    def retry_after_minutes(self) -> int:
        return minutes(self.retry_after_seconds)


def name_key(identifier: str, account: Any = None) -> str:
    """What failures are counted against: the account, however it was named.

    Username and e-mail address of one account share a counter, or an attacker would get
    the limit twice. Names without an account are counted as typed (letter case and
    surrounding spaces ignored), so a refusal looks the same whether the account exists or not.
    """
    if account is not None:
        return f"account:{account.pk}"
    return "name:" + identifier.strip().casefold()


def _window(scope: str) -> SlidingWindow:
    return SlidingWindow(_PREFIX.format(scope=scope), settings.LOGIN_THROTTLE_ATTEMPTS,
                         settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def _scopes(name: str, address: str) -> list[tuple[str, str]]:
    return [("name", name), ("address", address)]


def check(*, name: str, address: str) -> Lock | None:
    """The lock that refuses a login attempt now, or None if it may proceed."""
    for scope, value in _scopes(name, address):
        seconds = _window(scope).seconds_locked(value)
        if seconds is not None:
            return Lock(scope=scope, retry_after_seconds=seconds)
    return None


def register_failure(*, name: str, address: str) -> None:
    for scope, value in _scopes(name, address):
        _window(scope).claim(value)


def clear_name(name: str) -> None:
    """Forget the failures counted against a name (the address keeps its count)."""
    _window("name").clear(name)
