"""The anonymous reporter's way back: the receipt, the passphrase and the lockouts.

The 16-digit receipt is stored only as an HMAC, the passphrase only as a password hash; no IP address and
no user agent. A wrong receipt and a wrong passphrase get one answer; a receipt is locked after
RECEIPT_LOCKOUT_ATTEMPTS wrong passphrases (that receipt only), and a client's failed look-ups are limited
per window (intake.abuse, a keyed hash in the volatile cache). No limit counts the whole platform.
See docs/protection/intake.md and docs/protection/anonymous-channel.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import math
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.throttle import SlidingWindow, minutes
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake.abuse import lookup_failures_window
from kommunalschutz.protection.intake.models import DeletedReceipt, ReporterAccess

PASSPHRASE_MIN_CHARS = 10
PASSPHRASE_MAX_CHARS = 200
RECEIPT_DIGITS = 16
# The fixed purpose of the receipt HMAC (the key is derived from SECRET_KEY and this string).
RECEIPT_HMAC_PURPOSE = "kommunalschutz.intake.receipt-digest"
# The session key of an anonymous follow-up visit (holds the case id only while the visit lasts).
FOLLOW_UP_SESSION_KEY = "intake_follow_up_case"


# --- refusals of the anonymous path ---------------------------------------------------------------------


class AccessRefused(Exception):
    """A refused anonymous request. ``status`` is what the API answers; the message is for people."""

    status = 404

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds

    @property
    def retry_after_minutes(self) -> int:
        return minutes(self.retry_after_seconds or 60)


class NotFound(AccessRefused):
    """Wrong receipt or wrong passphrase: one answer for both."""

    status = 404


class TooManyRequests(AccessRefused):
    """The client's limit is reached, or the receipt is locked after failed attempts."""

    status = 429


class ReceiptDeleted(AccessRefused):
    """The right receipt and passphrase, but retention has deleted the case."""

    status = 410


# --- limits (per receipt in the shared cache, per client in the volatile cache; never platform-wide) -----


def _receipt_lock() -> SlidingWindow:
    """Wrong passphrases per receipt; counted by the ReporterAccess row id, never by the receipt or its digest."""
    return SlidingWindow("intake:budget:receipt", int(settings.RECEIPT_LOCKOUT_ATTEMPTS),
                         int(settings.RECEIPT_LOCKOUT_MINUTES) * 60)


def too_many_reports(wait: int) -> TooManyRequests:
    count = minutes(wait)
    return TooManyRequests(ngettext(
        "Too many reports have come from your connection. Please try again in %(minutes)d minute. "
        "In acute danger call the police emergency number 110.",
        "Too many reports have come from your connection. Please try again in %(minutes)d minutes. "
        "In acute danger call the police emergency number 110.",
        count) % {"minutes": count}, retry_after_seconds=wait)


def _too_many_lookups(wait: int) -> TooManyRequests:
    count = minutes(wait)
    return TooManyRequests(ngettext(
        "Too many failed attempts from your connection. Please try again in %(minutes)d minute.",
        "Too many failed attempts from your connection. Please try again in %(minutes)d minutes.",
        count) % {"minutes": count}, retry_after_seconds=wait)


# --- receipts -------------------------------------------------------------------------------------------


def new_receipt() -> str:
    """16 random decimal digits (the first may be 0)."""
    return "".join(secrets.choice("0123456789") for _digit in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """"1234 5678 9012 3456": grouped for reading and noting down."""
    return " ".join(receipt[index:index + 4] for index in range(0, len(receipt), 4))


def normalise_receipt(value: Any) -> str:
    """The 16 digits of a receipt as typed (spaces and dashes ignored); ValidationError if malformed."""
    text = "".join(str(value or "").split())
    for dash in "-\u2010\u2011\u2012\u2013\u2014":
        text = text.replace(dash, "")
    if len(text) != RECEIPT_DIGITS or not text.isascii() or not text.isdigit():
        raise ValidationError({"receipt": [
            _("A receipt code consists of 16 digits, for example 1234 5678 9012 3456.")]})
    return text


def receipt_digest(receipt: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of the receipt, keyed with a key derived from SECRET_KEY and a fixed purpose."""
    return salted_hmac(RECEIPT_HMAC_PURPOSE, receipt, secret=secret, algorithm="sha256").hexdigest()


def _candidate_digests(receipt: str) -> list[str]:
    """The digest under SECRET_KEY and under each SECRET_KEY_FALLBACKS (receipts survive a key rotation)."""
    secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [receipt_digest(receipt, secret) for secret in secrets_in_use]


def _match(model: type[ReporterAccess] | type[DeletedReceipt], digests: list[str]) -> Any:
    for row in model.objects.filter(receipt_digest__in=digests):
        if any(hmac.compare_digest(row.receipt_digest, digest) for digest in digests):
            return row
    return None


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A password hash nobody knows, checked when a receipt is unknown so the answer takes as long."""
    return make_password(secrets.token_urlsafe(32))


def add_passphrase_errors(errors: Errors, passphrase: str, repeat: str) -> None:
    if len(passphrase) < PASSPHRASE_MIN_CHARS:
        add_error(errors, "passphrase", ngettext(
                 "The passphrase needs at least %(count)d character.",
                 "The passphrase needs at least %(count)d characters.", PASSPHRASE_MIN_CHARS) % {
                 "count": PASSPHRASE_MIN_CHARS})
    elif len(passphrase) > PASSPHRASE_MAX_CHARS:
        add_error(errors, "passphrase", _("The passphrase may have at most %(count)d characters.") % {
                 "count": PASSPHRASE_MAX_CHARS})
    if passphrase != repeat:
        add_error(errors, "passphrase_repeat", _("The two passphrases differ."))


def new_access(case: Case, passphrase_hash: str, *, flagged_for_review: bool = False) -> tuple[ReporterAccess, str]:
    """A fresh receipt for a new anonymous case (call inside the creating transaction): the access row,
    audited with its secrets masked, and the receipt, which is handed out once and never stored.
    ``flagged_for_review``: accepted beyond the client's limit because acute danger was marked."""
    for _attempt in range(5):
        receipt = new_receipt()
        digest = receipt_digest(receipt)
        if not ReporterAccess.objects.filter(receipt_digest=digest).exists() and \
                not DeletedReceipt.objects.filter(receipt_digest=digest).exists():
            break
    else:  # pragma: no cover - 10**16 codes
        raise RuntimeError("no free receipt code")
    access = ReporterAccess.objects.create(case=case, receipt_digest=digest, passphrase_hash=passphrase_hash,
                                           flagged_for_review=flagged_for_review)
    audit.record_create(actor=None, obj=access, secret=("receipt_digest", "passphrase_hash"))
    return access, receipt


# --- opening a case with receipt and passphrase ---------------------------------------------------------


def _locked_error(until: dt.datetime) -> TooManyRequests:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    count = minutes(seconds)
    return TooManyRequests(ngettext(
        "This receipt code is locked after several wrong passphrases. Please try again in %(minutes)d minute.",
        "This receipt code is locked after several wrong passphrases. Please try again in %(minutes)d minutes.",
        count) % {"minutes": count}, retry_after_seconds=seconds)


def _wrong_receipt() -> NotFound:
    return NotFound(_("Receipt code or passphrase is not correct. Please check both."))


def open_anonymous_case(*, receipt: str, passphrase: str, client: str | None = None) -> Case:
    """The case behind a receipt and passphrase. Refusals: ValidationError (malformed receipt), NotFound
    (wrong receipt or passphrase, one answer for both), TooManyRequests (locked receipt, or this client's
    failed look-ups used up), ReceiptDeleted (retention deleted the case; only with the right passphrase).

    ``client`` is the caller's fingerprint (core.throttle.client_fingerprint); None only for internal calls.
    """
    number = normalise_receipt(receipt)
    if client is not None:
        wait = lookup_failures_window().seconds_locked(client)
        if wait is not None:
            raise _too_many_lookups(wait)
    digests = _candidate_digests(number)
    access: ReporterAccess | None = _match(ReporterAccess, digests)
    deleted: DeletedReceipt | None = None if access is not None else _match(DeletedReceipt, digests)
    stored = access.passphrase_hash if access is not None else deleted.passphrase_hash if deleted else _dummy_hash()
    # Exactly one password check on every path, so the time taken does not tell whether a receipt exists.
    correct = check_password(passphrase or "", stored) and (access is not None or deleted is not None)

    now = timezone.now()
    if access is not None and access.locked_until is not None and access.locked_until > now:
        raise _locked_error(access.locked_until)
    if correct and access is not None:
        if access.failed_attempts or access.locked_until:
            ReporterAccess.objects.filter(pk=access.pk).update(failed_attempts=0, locked_until=None)
        _receipt_lock().clear(str(access.pk))
        return access.case
    if correct and deleted is not None:
        raise ReceiptDeleted(_("This report was deleted after the retention period. "
                               "Its messages and evidence no longer exist."))

    if client is not None:
        lookup_failures_window().claim(client)
    if access is not None:
        _register_receipt_failure(access)
    raise _wrong_receipt()


def _register_receipt_failure(access: ReporterAccess) -> None:
    lock, counted = _receipt_lock(), str(access.pk)
    lock.claim(counted)
    until: dt.datetime | None = None
    with transaction.atomic():
        ReporterAccess.objects.filter(pk=access.pk).update(failed_attempts=F("failed_attempts") + 1)
        if lock.seconds_locked(counted) is not None:
            until = timezone.now() + dt.timedelta(minutes=int(settings.RECEIPT_LOCKOUT_MINUTES))
            ReporterAccess.objects.filter(pk=access.pk).update(locked_until=until)
            audit.record(actor=None, action=AuditEvent.Action.OTHER, obj=access,
                         summary="receipt locked after failed passphrases")
    if until is not None:
        lock.clear(counted)
        raise _locked_error(until)


@transaction.atomic
def tombstone_receipt(case: Case) -> None:
    """Before retention deletes a case: keep only that its receipt existed, so its holder learns why it is gone."""
    access = ReporterAccess.objects.filter(case=case).first()
    if access is None:
        return
    DeletedReceipt.objects.update_or_create(
        receipt_digest=access.receipt_digest,
        defaults={"passphrase_hash": access.passphrase_hash, "deleted_on": timezone.localdate()})
    audit.record_delete(actor=None, obj=access, secret=("receipt_digest", "passphrase_hash"),
                        summary="receipt tombstoned before retention deletion")
    access.delete()
