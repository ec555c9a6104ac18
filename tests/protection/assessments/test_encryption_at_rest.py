"""Rationale, evidence notes and the reviewer's note are encrypted at rest: a raw SQL scan of the
assessments tables finds no marker, while the ORM reads the plaintext back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kommunalschutz.protection.assessments import services
from kommunalschutz.protection.assessments.models import BehaviourRating, ThreatAssessment
from tests.conftest import World
from tests.protection.assessments.conftest import ratings

pytestmark = pytest.mark.django_db

MARKER = "MARKER-7f3a9c-GEHEIM"


def _all_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a fixed table name of this app
        return "\n".join(str(value) for row in cursor.fetchall() for value in row)


def test_free_text_is_encrypted_at_rest(world: World, record: Any) -> None:
    high = record("high", rationale=f"Begründung mit {MARKER}: der Verfasser kennt die Wohnadresse.",
                  ratings=ratings(pathway=("present", f"Notiz {MARKER}")))
    services.review_assessment(assessment=high, actor=world.dresden_police, confirm=False,
                               note=f"Prüfnotiz {MARKER}")
    tables = (ThreatAssessment._meta.db_table, BehaviourRating._meta.db_table)
    raw = "\n".join(_all_text(table) for table in tables)
    assert "present" in raw and "high" in raw  # the scan sees the rows
    assert MARKER not in raw
    assert "Wohnadresse" not in raw
    high.refresh_from_db()
    assert MARKER in high.rationale and MARKER in high.review_note
    assert high.ratings.get(behaviour="pathway").evidence_notes == f"Notiz {MARKER}"
    # Nor do the timeline, the notifications or the audit trail carry it.
    for table in ("cases_caseevent", "cases_notification", "core_auditevent"):
        assert MARKER not in _all_text(table)
