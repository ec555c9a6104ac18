"""The anonymous reporter's way back into their case: a receipt code and a passphrase.

Only an HMAC of the 16-digit receipt (keyed with a secret derived from SECRET_KEY, so a leaked
database alone does not allow guessing receipts offline) and an Argon2 hash of the passphrase are
stored. No IP address, no user agent, no cookie beyond the session of a follow-up visit.
"""

from __future__ import annotations

from django.db import models

from kommunalschutz.protection.cases.models import Case


class ReporterAccess(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="reporter_access")
    receipt_digest = models.CharField(max_length=64, unique=True)
    passphrase_hash = models.CharField(max_length=200)
    # Lockout against guessing the passphrase of a known receipt.
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Accepted beyond its client's limit because acute danger was marked (never refused): the case team
    # checks it for abuse (a timeline entry says so too).
    flagged_for_review = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"reporter access for {self.case}"


class DeletedReceipt(models.Model):
    """A receipt whose case retention has deleted: its holder learns that, nobody else anything."""

    receipt_digest = models.CharField(max_length=64, unique=True)
    passphrase_hash = models.CharField(max_length=200)
    deleted_on = models.DateField()

    def __str__(self) -> str:
        return f"deleted receipt ({self.deleted_on})"
