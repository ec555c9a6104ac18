"""Login throttling that an attacker cannot turn against the account's owner (docs/foundation/accounts.md).

Failures are counted in three ways (core.throttle's sliding window, slots in the shared cache):

* per account *and* client address: after LOGIN_THROTTLE_ATTEMPTS failures that address may not try
  the account again for the window. An attacker hammering an account locks only themselves out; the
  owner's correct password from another address still works.
* per client address, across all names: after LOGIN_THROTTLE_ADDRESS_ATTEMPTS failures that address is
  refused, so one address cannot guess its way through many accounts.
* per account, across all addresses: never a refusal, only a growing delay before the password is
  checked (``slow_down``). Distributed guessing from many addresses gets slower; the owner waits a few
  seconds at most and is let in.

Second-factor codes work alike: wrong codes are counted per (account, address), which is refused after
LOGIN_THROTTLE_CODE_ATTEMPTS, and per account, which only slows down. A correct code is never refused
because of an earlier wrong one (django_otp's own per-device throttle is off: OTP_TOTP_THROTTLE_FACTOR = 0).

The (account, address) counters of a password include a digest of the account's password hash, so
setting a new password (by the reset link) lifts every such lock at once. Addresses are only hashed
into cache keys that expire; they are never written to the database by this module.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from kommunalschutz.foundation.core.throttle import SlidingWindow, client_address, minutes

__all__ = [
    "Attempt", "Lock", "account_key", "check", "check_code", "clear_account", "client_address",
    "code_attempt", "delay_for", "login_attempt", "register_code_failure", "register_code_success",
    "register_failure", "register_success", "reset_mail_allowed", "slow_down", "slow_down_code",
]

_PREFIX = "accounts:login-throttle:{scope}"
# The first step of the slow-down; each further failure doubles it, up to LOGIN_SLOWDOWN_MAX_SECONDS.
SLOWDOWN_BASE_SECONDS = 0.25


@dataclass(frozen=True)
class Lock:
    """Why and for how long further attempts are refused."""

    scope: str  # "pair" (this account from this address), "address", "code" (codes for this account from here)
    retry_after_seconds: int

    @property
    def retry_after_minutes(self) -> int:
        return minutes(self.retry_after_seconds)


@dataclass(frozen=True)
class Attempt:
    """What one login (or code) attempt is counted against."""

    account: str  # account_key(): the account, or the name as typed when there is none
    epoch: str  # a digest of the password hash: a new password starts new (account, address) counters
    address: str

    @property
    def pair(self) -> str:
        return f"{self.account}:{self.epoch}|{self.address}"


def account_key(identifier: str, account: Any = None) -> str:
    """What failures are counted against: the account, however it was named.

    Username and e-mail address of one account share a counter, or an attacker would get
    the limit twice. Names without an account are counted as typed (letter case and
    surrounding spaces ignored), so a refusal looks the same whether the account exists or not.
    """
    if account is not None:
        return f"account:{account.pk}"
    return "name:" + identifier.strip().casefold()


def _epoch(account: Any) -> str:
    password = getattr(account, "password", "") or ""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()[:16] if password else ""


def login_attempt(identifier: str, account: Any, address: str) -> Attempt:
    return Attempt(account=account_key(identifier, account), epoch=_epoch(account), address=address)


def code_attempt(user: Any, address: str) -> Attempt:
    return Attempt(account=account_key("", user), epoch="", address=address)


def _slowdown_slots(free: int) -> int:
    """Slots enough to reach the longest delay (more would count failures that change nothing)."""
    cap = max(int(settings.LOGIN_SLOWDOWN_MAX_SECONDS), 0)
    steps = math.ceil(math.log2(cap / SLOWDOWN_BASE_SECONDS)) if cap > SLOWDOWN_BASE_SECONDS else 0
    return free + steps + 1


def _window(scope: str, limit: int) -> SlidingWindow:
    return SlidingWindow(_PREFIX.format(scope=scope), limit, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def _pair_window() -> SlidingWindow:
    return _window("pair", settings.LOGIN_THROTTLE_ATTEMPTS)


def _address_window() -> SlidingWindow:
    return _window("address", settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS)


def _account_window() -> SlidingWindow:
    return _window("account", _slowdown_slots(settings.LOGIN_THROTTLE_ATTEMPTS))


def _code_pair_window() -> SlidingWindow:
    return _window("code-pair", settings.LOGIN_THROTTLE_CODE_ATTEMPTS)


def _code_account_window() -> SlidingWindow:
    return _window("code-account", _slowdown_slots(1))


def _count(window: SlidingWindow, value: str) -> int:
    """How many failures ``value`` has in the window now (slots still taken)."""
    return len(cache.get_many(window.keys(value)))


def delay_for(failures: int, *, free: int) -> float:
    """Seconds to wait before checking: none below ``free`` failures, then doubling up to the cap."""
    cap = float(max(int(settings.LOGIN_SLOWDOWN_MAX_SECONDS), 0))
    if failures < free or cap <= 0:
        return 0.0
    return float(min(cap, SLOWDOWN_BASE_SECONDS * 2 ** (failures - free)))


def _sleep(seconds: float) -> float:
    if seconds > 0:
        time.sleep(seconds)
    return seconds


# --- Passwords ----------------------------------------------------------------------------------


def check(attempt: Attempt) -> Lock | None:
    """The lock that refuses this login attempt now, or None if it may proceed."""
    for scope, window, value in (("pair", _pair_window(), attempt.pair),
                                 ("address", _address_window(), attempt.address)):
        seconds = window.seconds_locked(value)
        if seconds is not None:
            return Lock(scope=scope, retry_after_seconds=seconds)
    return None


def slow_down(attempt: Attempt) -> float:
    """Wait before the password is checked, the longer the more failures the account has from anywhere.

    The wait comes before the check, for right and wrong passwords alike, so that an early answer
    cannot tell an attacker that a guess was right. Returns the seconds waited.
    """
    failures = _count(_account_window(), attempt.account)
    return _sleep(delay_for(failures, free=settings.LOGIN_THROTTLE_ATTEMPTS))


def register_failure(attempt: Attempt) -> None:
    _pair_window().claim(attempt.pair)
    _address_window().claim(attempt.address)
    _account_window().claim(attempt.account)


def register_success(attempt: Attempt) -> None:
    """Forget this address's failures for the account.

    The address's own count across names stays (an attacker could otherwise clear it by logging
    into an account of their own), and so does the account's slow-down (it reflects failures from
    elsewhere, which one successful login does not undo).
    """
    _pair_window().clear(attempt.pair)


def clear_account(user: Any) -> None:
    """A new password was set: lift the account's slow-down and its wrong-code counters.

    Its (account, address) locks end by themselves, because their keys contain a digest of the
    password hash.
    """
    key = account_key("", user)
    _account_window().clear(key)
    _code_account_window().clear(key)


# --- Second-factor codes -----------------------------------------------------------------------


def check_code(attempt: Attempt) -> Lock | None:
    """Refused only when this address has sent too many wrong codes for this account."""
    seconds = _code_pair_window().seconds_locked(attempt.pair)
    return None if seconds is None else Lock(scope="code", retry_after_seconds=seconds)


def slow_down_code(attempt: Attempt) -> float:
    """Wait before a code is checked, growing with the account's wrong codes from anywhere."""
    failures = _count(_code_account_window(), attempt.account)
    return _sleep(delay_for(failures, free=1))


def register_code_failure(attempt: Attempt) -> None:
    _code_pair_window().claim(attempt.pair)
    _code_account_window().claim(attempt.account)


def register_code_success(attempt: Attempt) -> None:
    _code_pair_window().clear(attempt.pair)


# --- Password reset mails ------------------------------------------------------------------------


def reset_mail_allowed(email: str, address: str) -> bool:
    """Whether a reset e-mail may go out now (and count it if so).

    At most LOGIN_THROTTLE_ATTEMPTS mails per window for one (mailbox, client address) and from one
    client address, and at most twice that to one mailbox from all addresses together, so the form
    cannot flood a mailbox. None of these can keep the owner from resetting the password: a client
    that asked too often only stops itself, and when the mailbox's own limit is reached it has just
    received mails whose links all work (each is valid for PASSWORD_RESET_TIMEOUT, until a new
    password is set).
    """
    mailbox = "reset:" + email.strip().casefold()
    limit = int(settings.LOGIN_THROTTLE_ATTEMPTS)
    windows = ((_window("reset-pair", limit), f"{mailbox}|{address}"),
               (_window("reset-address", limit), address),
               (_window("reset-mailbox", 2 * limit), mailbox))
    if any(window.seconds_locked(value) is not None for window, value in windows):
        return False
    for window, value in windows:
        window.claim(value)
    return True
