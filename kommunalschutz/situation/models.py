"""The situation report ("Lagebericht"): the figures of both strands for a period, in two editions.

A report is a draft until the coordination office releases it. Its figures are computed in the background
(``services.generate_operation``) from every wing and stored as JSON, one structure per edition
(``sections``: frozen, JSON-serialisable section dicts). Releasing keeps them as they are: a released
report never changes, whatever happens to the records later (decision 0041).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SituationReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        RELEASED = "released", _("released")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("created by hand")
        QUARTERLY = "quarterly", _("quarterly draft")

    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("first day of the period"))
    # The figures are "as of" the last day of the period (the press release's date).
    period_end = models.DateField(_("last day of the period (as of)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    press_text = models.TextField(_("press release"), blank=True)
    press_edited = models.BooleanField(_("press release edited by hand"), default=False)
    internal = models.JSONField(_("internal edition"), null=True, blank=True, editable=False)
    public = models.JSONField(_("public edition"), null=True, blank=True, editable=False)
    generated_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)
    generation = models.ForeignKey("core.TaskRun", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("computation"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("released by"))
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-period_end", "-pk"]
        verbose_name = _("situation report")
        verbose_name_plural = _("situation reports")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(period_start__lte=models.F("period_end")),
                                   name="situation_period_ordered"),
            # One quarterly draft per quarter, however often the schedule runs.
            models.UniqueConstraint(fields=["period_start", "period_end"],
                                    condition=models.Q(origin="quarterly"), name="situation_one_quarterly_draft"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED

    @property
    def is_generated(self) -> bool:
        return self.internal is not None and self.public is not None

    def edition(self, name: str) -> dict | None:  # type: ignore[type-arg]
        return self.internal if name == "internal" else self.public
