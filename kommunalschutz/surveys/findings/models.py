"""Weighting runs and the police crime statistics the discrepancy view sets against perceived safety."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.surveys.projects.models import SurveyProject


class WeightingRun(models.Model):
    """One weighting of a project's submitted responses; the current run's weights are used for estimates.

    ``weights`` maps response id (as a string) to its final weight; ``diagnostics`` holds the weight
    distribution, Kish design effect and effective sample size (see surveys.estimation)."""

    class Method(models.TextChoices):
        DESIGN = "design", _("design weights only")
        POSTSTRATIFY = "poststratify", _("post-stratification")
        RAKE = "rake", _("raking")

    project = models.ForeignKey(SurveyProject, on_delete=models.CASCADE, related_name="weighting_runs")
    method = models.CharField(_("method"), max_length=15, choices=Method.choices)
    variables = models.JSONField(_("calibration variables"), default=list)  # e.g. ["age_group", "sex", "locality"]
    margin_source = models.CharField(_("population figures from"), max_length=10, default="register")
    trim_lower = models.FloatField(_("lower trimming bound"), null=True, blank=True)
    trim_upper = models.FloatField(_("upper trimming bound"), null=True, blank=True)
    weights = models.JSONField(default=dict)
    diagnostics = models.JSONField(default=dict)
    is_current = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["project", "-created_at", "-pk"]
        verbose_name = _("weighting")
        verbose_name_plural = _("weightings")

    def __str__(self) -> str:
        return f"{self.project}: {self.get_method_display()}"


class CrimeFigure(models.Model):
    """Recorded crime of one district, year and offence key (PKS, Grundtabelle Kreise, BKA)."""

    year = models.PositiveSmallIntegerField(_("year"))
    district = models.ForeignKey("registry.District", on_delete=models.PROTECT, related_name="crime_figures")
    key = models.CharField(_("offence key"), max_length=10)  # Straftatenschlüssel, e.g. "------", "892000"
    offence = models.CharField(_("offence"), max_length=250)
    cases = models.PositiveIntegerField(_("recorded cases"))
    rate = models.FloatField(_("cases per 100,000 inhabitants"))
    cleared = models.PositiveIntegerField(_("cleared cases"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=250)

    class Meta:
        ordering: ClassVar[list[str]] = ["district", "year", "key"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["year", "district", "key"], name="crime_figure_once"),
        ]
        verbose_name = _("recorded crime figure")
        verbose_name_plural = _("recorded crime figures")

    def __str__(self) -> str:
        return f"{self.district} {self.year} {self.key}"


class StoredResults(models.Model):
    """The estimates of one basis and one domain split, computed once in the background (decision 0024).

    ``basis`` names what the numbers rest on: ``run:<id>`` for a weighting run (its respondents and
    weights never change), or ``design:<responses>:<last response>`` for the design weights before any
    weighting (a new response gives a new basis). ``by`` is "" (the whole municipality) or a domain
    variable. ``rows`` are findings.results.Row dicts (non-finite numbers as strings), ``charts`` the
    SVG of every chart of the results page keyed by core.charts' key (language and data are in the key),
    ``indicators`` the key indicators (only with ``by == ""``)."""

    project = models.ForeignKey(SurveyProject, on_delete=models.CASCADE, related_name="stored_results")
    run = models.ForeignKey(WeightingRun, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    basis = models.CharField(max_length=100)
    by = models.CharField(max_length=20, blank=True)
    rows = models.JSONField(default=list)
    charts = models.JSONField(default=dict)
    indicators = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["project", "basis", "by"], name="stored_results_once"),
        ]
        verbose_name = _("stored results")
        verbose_name_plural = _("stored results")

    def __str__(self) -> str:
        return f"{self.project_id} {self.basis} {self.by or '-'}"
