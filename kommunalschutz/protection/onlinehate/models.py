"""Online hate as evidence: bulk imports of comments into a case's evidence and their triage.

Each imported comment is an ordinary online-content evidence item (evidence.EvidenceItem); the rows here
only add what the bulk import and the triage know about it: which import brought it, the SHA-256 of its
record, the model's probabilities and explanation, and the case worker's decision (decision 0043).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.encryption import EncryptedTextField
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem


class Task1(models.TextChoices):
    """GermEval 2018 task 1 (coarse)."""

    OFFENSE = "OFFENSE", pgettext_lazy("triage label", "offensive")
    OTHER = "OTHER", pgettext_lazy("triage label", "not offensive")


class Task2(models.TextChoices):
    """GermEval 2018 task 2 (fine)."""

    ABUSE = "ABUSE", pgettext_lazy("triage label", "abuse")
    INSULT = "INSULT", pgettext_lazy("triage label", "insult")
    PROFANITY = "PROFANITY", pgettext_lazy("triage label", "profanity")
    OTHER = "OTHER", pgettext_lazy("triage label", "not offensive")


class LegalCategory(models.TextChoices):
    """The criminal offence a person assigns (the model never does)."""

    INSULT = "insult", _("Insult (§ 185 StGB)")
    DEFAMATION = "defamation", _("Malicious gossip or defamation (§§ 186-187 StGB)")
    THREAT = "threat", _("Threat (§ 241 StGB)")
    INCITEMENT = "incitement", _("Incitement to hatred (§ 130 StGB)")
    OTHER = "other", _("Other offence")
    NONE = "none", _("No offence")


class ThreadImport(models.Model):
    """One bulk import of online content into a case's evidence."""

    class Source(models.TextChoices):
        PASTE = "paste", _("pasted list")
        CSV = "csv", _("CSV file")
        JSON = "json", _("JSON file")
        SCREENSHOTS = "screenshots", _("screenshots")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded, columns to be assigned")
        IMPORTED = "imported", _("imported")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="online_imports")
    source = models.CharField(_("source of the import"), max_length=12, choices=Source.choices)
    status = models.CharField(_("status of the import"), max_length=10, choices=Status.choices,
                              default=Status.IMPORTED)
    # The uploaded export (CSV or JSON), encrypted in the evidence store like every original.
    stored_name = models.CharField(max_length=100, blank=True)
    file_name = EncryptedTextField(_("imported file"), blank=True, default="")
    file_sha256 = models.CharField(_("SHA-256 of the imported file"), max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(_("size of the imported file"), null=True, blank=True)
    header = models.JSONField(_("columns of the file"), default=list, blank=True)
    mapping = models.JSONField(_("assignment of the columns"), default=dict, blank=True)
    # The check report as JSON (presentation.stored_report): encrypted, its messages may quote a value of the file.
    report = EncryptedTextField(_("check report"), blank=True, default="")
    # What the person said of the thread as a whole (used where a comment does not say it itself).
    platform_default = models.CharField(_("platform of the thread"), max_length=100, blank=True)
    url_default = EncryptedTextField(_("address of the thread"), blank=True, default="")
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items imported"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    model_version = models.CharField(_("model version"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("imported at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    by_reporter = models.BooleanField(default=False)  # handed in by the reporter (shown so in the evidence)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        verbose_name = _("import of online content")
        verbose_name_plural = _("imports of online content")

    def __str__(self) -> str:
        return f"{self.case} import {self.pk}"


class TriagedItem(models.Model):
    """The triage of one online-content evidence item: the model's view and the case worker's decision."""

    item = models.OneToOneField(EvidenceItem, on_delete=models.CASCADE, related_name="triage")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="triaged_items")
    thread_import = models.ForeignKey(ThreadImport, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="items")
    record_sha256 = models.CharField(_("SHA-256 of the record"), max_length=64)
    source_line = models.PositiveIntegerField(_("line in the imported file"), null=True, blank=True)
    # The model's view (none of it is a decision).
    model_version = models.CharField(_("model version"), max_length=64, blank=True)
    p_offense = models.FloatField(_("probability: offensive"), null=True, blank=True)
    p_abuse = models.FloatField(_("probability: abuse"), null=True, blank=True)
    p_insult = models.FloatField(_("probability: insult"), null=True, blank=True)
    p_profanity = models.FloatField(_("probability: profanity"), null=True, blank=True)
    predicted_task1 = models.CharField(_("model: offensive or not"), max_length=10, choices=Task1.choices,
                                       blank=True)
    predicted_task2 = models.CharField(_("model: kind of offence"), max_length=10, choices=Task2.choices,
                                       blank=True)
    # The case worker's decision.
    label_task1 = models.CharField(_("decision: offensive or not"), max_length=10, choices=Task1.choices,
                                   blank=True)
    label_task2 = models.CharField(_("decision: kind of offence"), max_length=10, choices=Task2.choices,
                                   blank=True)
    legal_category = models.CharField(_("legal category"), max_length=12, choices=LegalCategory.choices,
                                      blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-p_offense", "pk"]
        verbose_name = _("triaged online content")
        verbose_name_plural = _("triaged online content")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["case", "record_sha256"], name="onlinehate_one_record_per_case"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["case", "p_offense"])]

    def __str__(self) -> str:
        return f"{self.item} triage"

    @property
    def decided(self) -> bool:
        return bool(self.label_task1)
