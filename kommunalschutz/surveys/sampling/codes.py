"""One-time access codes printed on the letters (and in their QR codes).

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown in groups of four:
``K7QX-M3PA-9TRD`` (31^12, about 8 * 10^17 codes). Only its HMAC (keyed from SECRET_KEY) is the lookup
key; the code itself is kept encrypted until the addresses are deleted, because reminder letters
print it again.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12
_PURPOSE = "kommunalschutz.sampling.access-code"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def normalise(code: str) -> str | None:
    """The code as typed (any case, with spaces or dashes) in canonical form, or None if it cannot be one."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i:i + 4] for i in range(0, LENGTH, 4))


def digest(code: str) -> str:
    """The lookup key of a (normalised) code."""
    return salted_hmac(_PURPOSE, code, algorithm="sha256").hexdigest()
