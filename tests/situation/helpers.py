"""Shared steps of the situation report tests: make a report and compute its figures now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kommunalschutz.situation import services
from kommunalschutz.situation.models import SituationReport


def computed_report(actor: Any, start: dt.date, end: dt.date) -> SituationReport:
    """A draft with both editions computed (the background operation's own steps, run here)."""
    report = services.create_report(actor=actor, period_start=start, period_end=end, generate=False)
    return services.store_figures(actor=actor, report=report, computed=services.compute(report))


def section(content: dict[str, Any], key: str) -> dict[str, Any]:
    return next(found for found in content["sections"] if found["key"] == key)


def table(content: dict[str, Any], key: str) -> dict[str, Any]:
    return next(found for part in content["sections"] for found in part["tables"] if found["key"] == key)
