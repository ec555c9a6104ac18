"""An independent RFC 6238 implementation, so tests do not check django_otp against itself."""

from __future__ import annotations

import hashlib
import hmac
import struct
import time


def totp(key_hex: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def wrong_code(key_hex: str) -> str:
    """A well-formed code that is wrong for the current, previous and next time step."""
    now = time.time()
    valid = {totp(key_hex, at=now + delta) for delta in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)
