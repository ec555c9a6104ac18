"""Answers to a survey: online (by access code, save and resume) or typed in from paper forms.

A response belongs to exactly one sample member (one submission per access code). Answers are a JSON
object keyed by item code: scale and single choice an int, multiple choice a list of ints, number an
int, text a string; a missing answer is absent. The answers are encrypted at rest (one token per response).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.encryption import EncryptedJSONField
from kommunalschutz.surveys.projects.models import Questionnaire, SurveyProject
from kommunalschutz.surveys.sampling.models import SampleMember


class Response(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", pgettext_lazy("survey response", "in progress")
        SUBMITTED = "submitted", _("submitted")

    project = models.ForeignKey(SurveyProject, on_delete=models.CASCADE, related_name="responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    member = models.OneToOneField(SampleMember, on_delete=models.CASCADE, related_name="response")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    language = models.CharField(_("language"), max_length=2, default="de")
    answers = EncryptedJSONField(_("answers"), default=dict)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["project", "pk"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["project", "status"])]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.project} #{self.member.number}"


class PaperEntry(models.Model):
    """One keying of a returned paper questionnaire. With the double-entry check on, a second person keys
    the form again; the response is made only when both keyings agree (or a difference is resolved)."""

    member = models.ForeignKey(SampleMember, on_delete=models.CASCADE, related_name="paper_entries")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    pass_number = models.PositiveSmallIntegerField(_("keying"))  # 1 or 2
    answers = EncryptedJSONField(_("answers"), default=dict)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["member", "pass_number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["member", "pass_number"], name="paper_entry_pass_once"),
        ]
        verbose_name = _("paper entry")
        verbose_name_plural = _("paper entries")

    def __str__(self) -> str:
        return f"{self.member} ({self.pass_number})"
