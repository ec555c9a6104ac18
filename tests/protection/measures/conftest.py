"""Cases of the world's personas for the measures tests.

The Pirna case was reported by the Pirna official; the coordinator owns it and the Dresden police contact
is on its team (PD Dresden is responsible for Pirna). The Plauen case belongs to others entirely.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.services import sync_statistic
from kommunalschutz.protection.measures.models import Partner
from tests.conftest import World
from tests.factories import CaseFactory, UserFactory

SEED = "kommunalschutz.protection.measures.migrations.0002_seed_partners"


def run_seed() -> None:
    importlib.import_module(SEED).seed(apps, None)


@pytest.fixture
def partners(db: None) -> dict[str, Partner]:
    """The seeded directory (run again: flushes of transactional tests empty it), by category."""
    run_seed()
    return {p.category: p for p in Partner.objects.order_by("-name")}


@pytest.fixture
def pirna_case(world: World) -> Case:
    now = timezone.now()
    case = CaseFactory.create(
        municipality=world.pirna, reported_by=world.pirna_official, affected_user=world.pirna_official,
        owner=world.coordinator, status=Case.Status.ACKNOWLEDGED, reported_at=now - dt.timedelta(days=2),
        acknowledged_at=now - dt.timedelta(days=1), affected_name="Bürgermeisterin Erika Geheimname",
        description="Drohbrief mit Galgen am Rathaus Pirna.")
    sync_statistic(case)
    return case


@pytest.fixture
def plauen_case(world: World) -> Case:
    reporter = UserFactory.create(username="plauen-reporter")
    owner = UserFactory.create(username="plauen-owner")
    case = CaseFactory.create(municipality=world.plauen, reported_by=reporter, owner=owner,
                              status=Case.Status.ACKNOWLEDGED)
    sync_statistic(case)
    return case


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)
