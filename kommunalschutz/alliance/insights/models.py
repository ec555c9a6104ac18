"""The programme figures' roll-up (decision 0032): anonymous per-day deltas kept on write.

A figure on a date is the sum of its deltas on or before that date. Every source record (a
municipality's lifecycle and coaching, an agreement, an engagement, a council) keeps its current
contribution in ``FigureSource``; a write recomputes the contribution of the one source it touched
and applies the difference to ``FigureDelta`` in the same transaction (``rollup``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FigureDelta(models.Model):
    day = models.DateField(_("day"))
    figure = models.CharField(_("figure"), max_length=40)
    delta = models.IntegerField(_("change"), default=0)

    class Meta:
        verbose_name = _("change of a figure")
        verbose_name_plural = _("changes of the figures")
        constraints = [models.UniqueConstraint(fields=["day", "figure"], name="insights_figure_delta_day_figure")]

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.delta:+d}"


class PendingFigureDelta(models.Model):
    """PostgreSQL: a transaction's deltas, folded into FigureDelta at its commit by a deferred trigger
    (migration 0002), so every writer takes the day rows' locks at the very end and in one order."""

    day = models.DateField(_("day"))
    figure = models.CharField(_("figure"), max_length=40)
    delta = models.IntegerField(_("change"))

    class Meta:
        verbose_name = _("pending change of a figure")
        verbose_name_plural = _("pending changes of the figures")

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.delta:+d} (pending)"


class FigureSource(models.Model):
    # "m:<municipality>", "a:<agreement>", "e:<engagement>", "c:<council>"
    key = models.CharField(_("source"), max_length=40, primary_key=True)
    # {"YYYY-MM-DD|figure": delta}: what this source adds to FigureDelta now.
    contribution = models.JSONField(_("contribution"), default=dict)

    class Meta:
        verbose_name = _("source of the figures")
        verbose_name_plural = _("sources of the figures")

    def __str__(self) -> str:
        return self.key
