"""The programme figures' roll-up (decision 0032): anonymous per-day deltas kept on write.

A figure on a date is the sum of its deltas on or before that date. Every source record (a
municipality's lifecycle and coaching, an agreement, an engagement, a council) keeps its current
contribution in ``FigureSource``; a write recomputes the contribution of the one source it touched
and applies the difference to ``FigureDelta`` in the same transaction (``rollup``).
"""

from __future__ import annotations

from django.db import models


class FigureDelta(models.Model):
    day = models.DateField()
    figure = models.CharField(max_length=40)
    delta = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "figure"], name="insights_figure_delta_day_figure")]

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.delta:+d}"


class PendingFigureDelta(models.Model):
    """PostgreSQL: a transaction's deltas, folded into FigureDelta at its commit by a deferred trigger
    (migration 0002), so every writer takes the day rows' locks at the very end and in one order."""

    day = models.DateField()
    figure = models.CharField(max_length=40)
    delta = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.delta:+d} (pending)"


class FigureSource(models.Model):
    # "m:<municipality>", "a:<agreement>", "e:<engagement>", "c:<council>"
    key = models.CharField(max_length=40, primary_key=True)
    # {"YYYY-MM-DD|figure": delta}: what this source adds to FigureDelta now.
    contribution = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.key
