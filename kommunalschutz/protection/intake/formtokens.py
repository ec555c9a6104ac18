"""Post/redirect/get for the intake forms: one-time form tokens and the receipt handed over once.

Every intake form carries a hidden token issued with the page: random, signed with SECRET_KEY and dated, so
issuing one stores nothing (a flood of page views creates no session and no row). A post redeems it once:
an atomic ``cache.add`` of its SHA-256 in the shared cache (until the token would have expired) decides,
also between two simultaneous posts (a double click), so sending the same form again writes nothing. After
an anonymous report the receipt travels to the receipt page in the session, encrypted with
FIELD_ENCRYPTION_KEYS (the session table never sees it in plain), and is removed there when it has been
shown: a reload shows a note, never a new report.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

from kommunalschutz.foundation.core.encryption import DecryptionError, decrypt_bytes, encrypt_bytes

FIELD = "form_token"
_RECEIPT = "intake_receipt_once"
# A form may stay open this long (a person may take long over a report); older tokens count as expired.
TOKEN_MAX_AGE_SECONDS = 12 * 3600


class Redeemed(enum.Enum):
    OK = "ok"
    USED = "used"  # this form was already sent
    UNKNOWN = "unknown"  # no token, a forged one, or one older than TOKEN_MAX_AGE_SECONDS


def _signer(form: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"kommunalschutz.intake.form-token:{form}")


def issue(form: str) -> str:
    """A fresh token for one rendering of ``form`` (nothing is stored)."""
    return _signer(form).sign(secrets.token_urlsafe(16))


def redeem(request: HttpRequest, form: str) -> Redeemed:
    """Use up the posted token of ``form``: OK once, USED for every later post of the same token."""
    token = str(request.POST.get(FIELD, ""))[:200]
    try:
        _signer(form).unsign(token, max_age=TOKEN_MAX_AGE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return Redeemed.UNKNOWN
    digest = hashlib.sha256(token.encode()).hexdigest()
    if cache.add(f"intake:form-token:{digest}", 1, timeout=TOKEN_MAX_AGE_SECONDS + 60):
        return Redeemed.OK
    return Redeemed.USED


def release(request: HttpRequest, form: str) -> None:
    """Give the posted token of ``form`` back after it was redeemed but nothing was stored (the service
    refused the entries): the token marks a stored form, so a refused post leaves nothing behind."""
    token = str(request.POST.get(FIELD, ""))[:200]
    cache.delete(f"intake:form-token:{hashlib.sha256(token.encode()).hexdigest()}")


def keep_receipt(request: HttpRequest, receipt: str, *, acute: bool) -> None:
    """Hand the receipt to the receipt page (encrypted in the session, until it is shown once)."""
    request.session[_RECEIPT] = {"receipt": encrypt_bytes(receipt.encode("ascii")).decode("ascii"), "acute": acute}


def take_receipt(request: HttpRequest) -> dict[str, Any] | None:
    """The receipt for the receipt page, removed from the session: a second call returns None."""
    stored = request.session.pop(_RECEIPT, None)
    if not isinstance(stored, dict):
        return None
    try:
        receipt = decrypt_bytes(str(stored.get("receipt", "")).encode("ascii")).decode("ascii")
    except (DecryptionError, UnicodeError):
        return None
    return {"receipt": receipt, "acute": bool(stored.get("acute"))}
