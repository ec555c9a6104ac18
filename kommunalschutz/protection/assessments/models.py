"""Structured threat assessment (DOMAIN.md §2.1): structured professional judgement, never a score.

Each assessment rates the eight proximal warning behaviours (Meloy et al. 2012) and records a level
of concern with a written rationale and a route. A high level needs a second reviewer's confirmation
before it is in force. Assessments are never edited after recording; a re-assessment is a new row,
so the history is complete.
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


class WarningBehaviour(models.TextChoices):
    PATHWAY = "pathway", _("pathway (research, planning, preparation)")
    FIXATION = "fixation", _("fixation (growing preoccupation with a person or cause)")
    IDENTIFICATION = "identification", _("identification (with attackers, warrior self-image)")
    NOVEL_AGGRESSION = "novel_aggression", _("novel aggression (first violence, testing oneself)")
    ENERGY_BURST = "energy_burst", _("energy burst (rising frequency or variety of activity)")
    LEAKAGE = "leakage", _("leakage (telling third parties of intent)")
    LAST_RESORT = "last_resort", _("last resort (violence as the only way out, time pressure)")
    DIRECT_THREAT = "direct_threat", _("directly communicated threat")


class Rating(models.TextChoices):
    PRESENT = "present", pgettext_lazy("warning behaviour", "present")
    PARTLY = "partly", pgettext_lazy("warning behaviour", "partly present")
    ABSENT = "absent", pgettext_lazy("warning behaviour", "absent")
    UNKNOWN = "unknown", pgettext_lazy("warning behaviour", "not known")


class ThreatAssessment(models.Model):
    class Level(models.TextChoices):
        LOW = "low", _("low concern")
        MODERATE = "moderate", _("moderate concern")
        HIGH = "high", _("high concern")

    class Route(models.TextChoices):
        POLICE = "police", _("police route")
        HEALTH = "health", _("health route")
        BOTH = "both", _("police and health route")

    class State(models.TextChoices):
        AWAITING_REVIEW = "awaiting_review", _("awaiting the second reviewer")
        IN_FORCE = "in_force", pgettext_lazy("threat assessment", "in force")
        SUPERSEDED = "superseded", _("superseded by a later assessment")
        REJECTED = "rejected", _("not confirmed by the second reviewer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    level = models.CharField(_("level of concern"), max_length=10, choices=Level.choices)
    rationale = EncryptedTextField(_("rationale"))
    route = models.CharField(pgettext_lazy("threat assessment", "route"), max_length=10, choices=Route.choices)
    next_review_on = models.DateField(_("re-assessment due on"))
    state = models.CharField(_("state of the assessment"), max_length=20, choices=State.choices)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = EncryptedTextField(_("note of the second reviewer"), blank=True, default="")
    reminder_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-assessed_at", "-pk"]
        verbose_name = _("threat assessment")
        verbose_name_plural = _("threat assessments")

    def __str__(self) -> str:
        return f"{self.case} assessment {self.pk}"


class BehaviourRating(models.Model):
    assessment = models.ForeignKey(ThreatAssessment, on_delete=models.CASCADE, related_name="ratings")
    behaviour = models.CharField(max_length=30, choices=WarningBehaviour.choices)
    rating = models.CharField(max_length=10, choices=Rating.choices)
    evidence_notes = EncryptedTextField(_("evidence notes"), blank=True, default="")
    observed_on = models.DateField(_("observed on"), null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["assessment", "behaviour"], name="rating_unique_behaviour"),
        ]

    def __str__(self) -> str:
        return f"{self.behaviour}: {self.rating}"
