"""Cases for the world's personas. Pirna lies in PD Dresden's area, Plauen in PD Zwickau's.

Cases are made with the factory (the intake app creates them in production) and get their statistical
record through cases.services.sync_statistic, as intake leaves them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.services import sync_statistic
from tests.conftest import World
from tests.factories import CaseFactory, CaseTeamMemberFactory, UserFactory


def make_case(**fields: Any) -> Case:
    fields.setdefault("acknowledgement_due_at", timezone.now() + dt.timedelta(days=2))
    case = CaseFactory.create(**fields)
    sync_statistic(case)
    return case


@dataclass
class Cases:
    """One case per way of seeing it."""

    reported: Case  # reported by the Pirna official, owned by the coordinator (Dresden police: responsible)
    queue: Case  # new, no owner, in Plauen: the intake queue of the coordination office
    lka: Case  # Plauen, protection requested: the LKA is on the team
    foreign: Case  # Plauen, owned by someone else: nobody of the world sees it


@pytest.fixture
def cases(world: World) -> Cases:
    reported = make_case(municipality=world.pirna, reported_by=world.pirna_official,
                         affected_user=world.pirna_official, owner=world.coordinator, status="acknowledged",
                         acknowledged_at=timezone.now())
    queue = make_case(municipality=world.plauen, reported_by=UserFactory.create(username="queue-reporter"))
    lka = make_case(municipality=world.plauen, status="assessment", owner=UserFactory.create(username="lka-case-owner"),
                    lka_involved=True, acknowledged_at=timezone.now())
    foreign = make_case(municipality=world.plauen, status="acknowledged",
                        owner=UserFactory.create(username="foreign-owner"), acknowledged_at=timezone.now())
    return Cases(reported=reported, queue=queue, lka=lka, foreign=foreign)


def add_member(case: Case, user: Any, function: str = "case_worker") -> Any:
    return CaseTeamMemberFactory.create(case=case, user=user, function=function)
