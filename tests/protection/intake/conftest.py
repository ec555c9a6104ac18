"""Intake fixtures: a valid report, and a clean cache (the anonymous budgets live there)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def report_data(world: Any) -> dict[str, Any]:
    """A complete, valid incident in Pirna (PD Dresden)."""
    return {
        "description": "Ein Drohbrief lag im Briefkasten des Rathauses.",
        "incident_types": ["threat", "hate_mail"],
        "occurred_at": timezone.now() - dt.timedelta(days=2),
        "municipality": world.pirna.pk,
        "place": "office",
        "channel": "letter",
        "affected_role": "mayor",
        "politically_motivated": "yes",
        "urgency": "medium",
    }
