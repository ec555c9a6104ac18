"""Fixtures of the alliance tests: uploads in the file storage, tokens for the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.alliance.programme import agreements, lifecycle
from kommunalschutz.alliance.programme.models import CooperationAgreement, Stage
from tests import files
from tests.factories import AgreementFactory
from tests.files import StoredPath

# A minimal valid PDF; the upload check only looks at the signature, the draft PDF tests at real output.
PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def file_storage() -> StoredPath:
    """Uploaded agreements in the platform's file storage (each test has its own database)."""
    return StoredPath("agreements")


def stored_files(location: StoredPath) -> list[StoredPath]:
    return files.stored_files(location)


def step(world: Any, stage: str, date: dt.date, *, target: Any = None, agreement: bool = True,
         **kwargs: Any) -> Any:
    """Record a lifecycle step of Pirna (or another target) as the coordinator.

    Membership needs a cooperation agreement in force (programme.lifecycle). With ``agreement`` (the
    default), "member" is preceded by a signed agreement of that day when none is in force, and "left" by
    the termination of the agreements in force on that day, both written directly, so the lifecycle
    steps are exactly the ones a test records.
    """
    target = target if target is not None else world.pirna
    key = "municipality" if hasattr(target, "district_id") else "district"
    if agreement and stage in (Stage.MEMBER, Stage.LEFT):
        in_force = CooperationAgreement.objects.filter(
            **{key: target}, status=CooperationAgreement.Status.SIGNED, signed_on__lte=date)
        if stage == Stage.LEFT:
            in_force.update(status=CooperationAgreement.Status.TERMINATED, terminated_on=date)
        elif not in_force.exists():
            other = "district" if key == "municipality" else "municipality"
            AgreementFactory.create(**{key: target, other: None}, title=f"Kooperationsvereinbarung {target.name}",
                                    signed_on=date, police_directorate=world.dresden_pd,
                                    coordination_office=world.coordination_office)
    return lifecycle.record_transition(actor=world.coordinator, stage=stage, date=date,
                                       acting_organisation=world.coordination_office, **{key: target}, **kwargs)


def draft(world: Any, *, target: Any = None, **kwargs: Any) -> Any:
    """A draft agreement of Pirna with PD Dresden and the coordination office."""
    target = target if target is not None else world.pirna
    key = "municipality" if hasattr(target, "district_id") else "district"
    values: dict[str, Any] = {
        "title": f"Kooperationsvereinbarung {target.name}", "police_directorate": world.dresden_pd,
        "coordination_office": world.coordination_office, "background": "Hintergrund der Vereinbarung.",
        "goals_and_tasks": "Ziele und Aufgaben.",
        "signatories": [
            {"party": "municipality", "name": "Tim Lochner", "function": "Oberbürgermeister"},
            {"party": "police", "name": "Lutz Rodig", "function": "Polizeipräsident"},
            {"party": "coordination_office", "name": "Sven Forkert", "function": "Leiter der Geschäftsstelle"},
        ],
    }
    values.update(kwargs)
    return agreements.create_agreement(actor=world.coordinator, **{key: target}, **values)


@pytest.fixture
def english() -> Any:
    """Messages in the source language, for tests that read a message's wording (the UI is German)."""
    from django.utils import translation

    with translation.override("en"):
        yield
