"""Records for the situation report tests: a few anonymous statistical records with small counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.protection.cases.models import IncidentStatistic
from kommunalschutz.protection.measures.models import measure_bit
from tests.conftest import World

MONTH = dt.date(2024, 3, 1)


def stat(month: dt.date, **values: Any) -> IncidentStatistic:
    defaults: dict[str, Any] = {"reported_on": month, "occurred_month": month.replace(day=1), "channel": "letter",
                                "affected_role": "mayor", "politically_motivated": "unknown", "intake": "self"}
    defaults.update(values)
    return IncidentStatistic.objects.create(**defaults)


@pytest.fixture
def small_counts(world: World) -> World:
    """Seven letters in Sächsische Schweiz-Osterzgebirge, three e-mails in the Vogtland (a small cell), three
    of them acknowledged and two with a measure (the case team's own figures, also small)."""
    first_measure = measure_bit("police_package") if "police_package" in _measure_codes() else 1
    for index in range(7):
        stat(MONTH, district=world.soe, police_directorate=world.dresden_pd,
             acknowledgement_minutes=30 + index if index < 3 else None,
             measure_mask=first_measure if index < 2 else 0)
    for _ in range(3):
        stat(MONTH, channel="email", district=world.vogtland, police_directorate=world.zwickau_pd)
    return world


def _measure_codes() -> list[str]:
    from kommunalschutz.protection.measures.models import MeasureKind

    return list(MeasureKind.values)
