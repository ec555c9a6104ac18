"""Post/redirect/get for the intake forms: one-time form tokens and the receipt handed over once.

Every intake form carries a hidden token issued with the page. The session keeps only its SHA-256; a post
redeems it once (an atomic ``cache.add`` of the hash decides between two simultaneous posts, e.g. a double
click), so sending the same form again writes nothing. After an anonymous report the receipt travels to the
receipt page in the session, encrypted with FIELD_ENCRYPTION_KEYS (the session table never sees it in
plain), and is removed there when it has been shown: a reload shows a note, never a new report.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from kommunalschutz.foundation.core.encryption import DecryptionError, decrypt_bytes, encrypt_bytes

FIELD = "form_token"
_ISSUED = "intake_form_tokens"
_RECEIPT = "intake_receipt_once"
# Open pages per form and session whose token stays valid (older tabs must be reloaded).
_KEEP = 20


class Redeemed(enum.Enum):
    OK = "ok"
    USED = "used"  # this form was already sent
    UNKNOWN = "unknown"  # no such token in this session (expired session, or not issued here)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue(request: HttpRequest, form: str) -> str:
    """A fresh token for one rendering of ``form``; its hash is remembered in the session."""
    token = secrets.token_urlsafe(32)
    issued: dict[str, list[str]] = dict(request.session.get(_ISSUED, {}))
    issued[form] = [*issued.get(form, []), _digest(token)][-_KEEP:]
    request.session[_ISSUED] = issued
    return token


def redeem(request: HttpRequest, form: str) -> Redeemed:
    """Use up the posted token of ``form``: OK once, USED for every later post of the same token."""
    token = str(request.POST.get(FIELD, ""))[:100]
    if not token:
        return Redeemed.UNKNOWN
    digest = _digest(token)
    # The session alone cannot decide between two simultaneous posts; the shared cache's add is atomic.
    first = cache.add(f"intake:form-token:{digest}", 1, timeout=int(settings.SESSION_COOKIE_AGE) + 3600)
    issued: dict[str, list[str]] = dict(request.session.get(_ISSUED, {}))
    known = digest in issued.get(form, [])
    if not first:
        return Redeemed.USED
    if not known:
        return Redeemed.UNKNOWN
    issued[form] = [value for value in issued[form] if value != digest]
    request.session[_ISSUED] = issued
    return Redeemed.OK


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
