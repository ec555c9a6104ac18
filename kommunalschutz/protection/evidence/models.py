"""Evidence of a case: uploaded files and structured records of online content (DOMAIN.md §2.2).

The original bytes of a file are kept unmodified, encrypted at rest in the evidence store
(evidence.store, in the platform's file storage: database or S3, never the web root), with the SHA-256
of the original taken at upload.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.encryption import EncryptedTextField
from kommunalschutz.protection.cases.models import Case


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("file")
        ONLINE = "online", _("online content")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind of evidence"), max_length=10, choices=Kind.choices)
    description = EncryptedTextField(_("description"), blank=True, default="")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    by_reporter = models.BooleanField(default=False)  # added by the (anonymous) reporter

    # --- the file (optional for online content: a screenshot or saved page) ------------------------------
    stored_name = models.CharField(max_length=100, blank=True)  # random name in the evidence store
    original_name = EncryptedTextField(_("file name"), blank=True, default="")
    content_type = models.CharField(_("file type"), max_length=100, blank=True)  # as detected from the bytes
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    # --- online content ------------------------------------------------------------------------------
    url = EncryptedTextField(_("URL"), blank=True, default="")
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    account_name = EncryptedTextField(_("account name"), blank=True, default="")
    profile_url = EncryptedTextField(_("profile"), blank=True, default="")
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    content_text = EncryptedTextField(_("the content itself"), blank=True, default="")
    context = EncryptedTextField(_("context (original post, thread)"), blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")

    def __str__(self) -> str:
        return f"{self.case} evidence {self.pk}"
