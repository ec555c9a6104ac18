"""The anonymous channel under abuse: per-client limits and the proof of work (docs/protection/anonymous-channel.md).

A client is known here only as ``core.throttle.client_fingerprint``: a keyed hash of its address under a
daily key that lives in the volatile cache. Counters live there too (Redis with a TTL, or process memory);
nothing of this reaches the database, a file or a log. No limit counts the whole platform, so one client
can never close the channel for another.

Proof of work (as GlobaLeaks does it): the server hands out a challenge, signed with SECRET_KEY and bound to
the client's fingerprint (the fingerprint is part of the signature, not of the challenge), and the browser
finds a nonce so that sha256("<challenge>:<nonce>") begins with ``bits`` zero bits. A report with a valid
proof is not counted against ANONYMOUS_REPORTS_PER_CLIENT; instead every further proven report of the same
client within the window makes its next challenge twice as expensive (after PROOF_FREE_REPORTS). A report
without a proof (no JavaScript, a plain API client, an expired or reused challenge) counts against the limit.
A challenge is single-use: its hash is remembered in the volatile cache until it would have expired anyway.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from kommunalschutz.foundation.core.throttle import VOLATILE, SlidingWindow, volatile_cache

# The fingerprint purpose of the anonymous channel (separates it from other per-client counters).
FINGERPRINT_PURPOSE = "intake.anonymous"
CHALLENGE_SALT = "kommunalschutz.intake.proof-of-work"
# Proven reports per client and window at the base difficulty; each further one adds one bit (doubles the work).
PROOF_FREE_REPORTS = 3
# The hardest challenge handed out (about 10**9 hashes: minutes of native code per report, hours in a browser).
PROOF_MAX_BITS = 30


def reports_window() -> SlidingWindow:
    """Reports without a valid proof, per client."""
    return SlidingWindow("intake:client:reports", int(settings.ANONYMOUS_REPORTS_PER_CLIENT),
                         int(settings.ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS), alias=VOLATILE)


def lookup_failures_window() -> SlidingWindow:
    """Failed receipt look-ups, per client."""
    return SlidingWindow("intake:client:lookup-failures", int(settings.ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT),
                         int(settings.ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT_WINDOW_SECONDS), alias=VOLATILE)


# --- proof of work --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    challenge: str
    bits: int
    expires_in: int


def _proven_key(client: str) -> str:
    return f"intake:client:proven:{hashlib.sha256(client.encode()).hexdigest()}"


def proven_reports(client: str) -> int:
    """Reports with a valid proof from this client in the current window."""
    return int(volatile_cache().get(_proven_key(client), 0))


def count_proven_report(client: str) -> None:
    """One more proven report of this client: its next challenge gets harder (the count expires with the window)."""
    store, key = volatile_cache(), _proven_key(client)
    window = int(settings.ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS)
    if not store.add(key, 1, timeout=window):
        try:
            store.incr(key)
        except ValueError:  # expired between add and incr
            store.add(key, 1, timeout=window)


def required_bits(client: str) -> int:
    base = int(settings.ANONYMOUS_PROOF_OF_WORK_BITS)
    return min(PROOF_MAX_BITS, base + max(0, proven_reports(client) - PROOF_FREE_REPORTS))


def _signer(client: str) -> signing.TimestampSigner:
    # The client's fingerprint is part of the key: a challenge fetched by one client is no proof for another.
    return signing.TimestampSigner(salt=f"{CHALLENGE_SALT}:{client}")


def new_challenge(client: str) -> Challenge:
    """A fresh challenge for this client, as hard as its recent proven reports require."""
    bits = required_bits(client)
    token = _signer(client).sign(f"{secrets.token_urlsafe(16)}.{bits}")
    return Challenge(challenge=token, bits=bits, expires_in=int(settings.ANONYMOUS_PROOF_OF_WORK_SECONDS))


def leading_zero_bits(digest: bytes) -> int:
    count = 0
    for byte in digest:
        if byte == 0:
            count += 8
            continue
        return count + 8 - byte.bit_length()
    return count


def proof_digest(challenge: str, nonce: str) -> bytes:
    return hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()


def accept_proof(client: str, challenge: str, nonce: str) -> bool:
    """True for a valid, unexpired, unused proof from the client it was issued to, as hard as now required.

    A valid proof is used up here (remembered in the volatile cache until it would have expired).
    """
    challenge, nonce = str(challenge or ""), str(nonce or "")
    if not challenge or not nonce or len(challenge) > 200 or len(nonce) > 64 or not nonce.isascii():
        return False
    lifetime = int(settings.ANONYMOUS_PROOF_OF_WORK_SECONDS)
    try:
        value = _signer(client).unsign(challenge, max_age=lifetime)
    except signing.BadSignature:  # also SignatureExpired
        return False
    bits_text = value.rpartition(".")[2]
    if not bits_text.isdigit():
        return False
    bits = int(bits_text)
    if bits < required_bits(client) or leading_zero_bits(proof_digest(challenge, nonce)) < bits:
        return False
    used = f"intake:proof-used:{hashlib.sha256(challenge.encode()).hexdigest()}"
    return bool(volatile_cache().add(used, 1, timeout=lifetime + 60))


def solve(challenge: str, bits: int) -> str:
    """The nonce a browser would find (for tests and API clients written in Python)."""
    counter = 0
    while True:
        nonce = str(counter)
        if leading_zero_bits(proof_digest(challenge, nonce)) >= bits:
            return nonce
        counter += 1
