"""A Pirna case owned by the coordinator (PD Dresden responsible, so the Dresden police contact is on the
team too), reported by the Pirna official, and helpers to rate the eight warning behaviours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.protection.assessments import services
from kommunalschutz.protection.assessments.models import ThreatAssessment, WarningBehaviour
from kommunalschutz.protection.cases.models import Case
from tests.conftest import World
from tests.factories import CaseFactory

RATIONALE = "Der Verfasser kündigt konkret an, die Bürgermeisterin vor ihrem Haus abzupassen."


def ratings(**overrides: Any) -> list[dict[str, Any]]:
    """All eight behaviours rated absent; ``pathway="present"`` (with notes) or ``pathway=("present", "")``
    (exactly these notes) changes one."""
    rows = []
    for code in WarningBehaviour.values:
        value = overrides.get(code, "absent")
        if isinstance(value, tuple):  # (rating, notes) exactly as given
            rating, notes = value
        else:
            rating = value
            notes = f"Beleg zu {code}: Schreiben vom Vortag, Akte S. 3." if value in {"present", "partly"} else ""
        rows.append({"behaviour": code, "rating": rating, "evidence_notes": notes,
                     "observed_on": timezone.localdate() - dt.timedelta(days=2)})
    return rows


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def case(world: World) -> Case:
    return CaseFactory.create(municipality=world.pirna, status=Case.Status.ACKNOWLEDGED, owner=world.coordinator,
                              acknowledged_at=timezone.now(), reported_by=world.pirna_official,
                              affected_user=world.pirna_official, affected_name="Erika Musterfrau")


@pytest.fixture
def record(world: World, case: Case) -> Any:
    """Record an assessment of the case through the service (coordinator by default)."""

    def _record(level: str = "moderate", *, actor: Any = None, target: Case | None = None,
                **fields: Any) -> ThreatAssessment:
        values: dict[str, Any] = {"rationale": RATIONALE, "route": "police", "next_review_on": in_days(14),
                                  "ratings": ratings(direct_threat="present")}
        values.update(fields)
        return services.record_assessment(case=target or case, actor=actor or world.coordinator, level=level,
                                          **values)

    return _record

