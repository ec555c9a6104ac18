"""selectors.visible_cases (one query) says the same as has_perm("cases.view_case") for every persona
over cases seen in every way: as reporter, as team, by the directorate, by the LKA, in the intake
queue, and not at all (foreign)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.selectors import visible_cases
from tests.conftest import PERSONAS, World
from tests.factories import UserFactory
from tests.protection.cases.conftest import Cases, add_member, make_case


@pytest.fixture
def every_case(world: World, cases: Cases) -> list[Case]:
    on_behalf = make_case(municipality=world.pirna, reported_by=world.pirna_coordinator, intake="on_behalf",
                          owner=UserFactory.create(username="behalf-owner"), status="acknowledged")
    team = make_case(municipality=world.plauen, owner=UserFactory.create(username="team-owner"), status="monitoring",
                     acknowledged_at=timezone.now())
    add_member(team, world.coordinator)
    closed = make_case(municipality=world.pirna, owner=world.coordinator, status="closed", closed_at=timezone.now(),
                       closing_reason="resolved")
    queue_pirna = make_case(municipality=world.pirna)  # new, no owner: queue and the Dresden police
    return [cases.reported, cases.queue, cases.lka, cases.foreign, on_behalf, team, closed, queue_pirna]


EXPECTED = {
    # persona -> the fixture cases (by index) they see
    "coordinator": {0, 1, 5, 6, 7},
    "pirna_coordinator": {4},
    "pirna_official": {0},
    "dresden_police": {0, 4, 6, 7},
    "lka_officer": {2},
    "coach": set(),
    "analyst": set(),
    "auditor": set(),
    "administrator": set(),
    "plauen_coordinator": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_visible_cases_equal_the_rule(world: World, every_case: list[Case], persona: str) -> None:
    user = User.objects.get(pk=getattr(world, persona).pk)
    by_rule = {i for i, case in enumerate(every_case) if user.has_perm("cases.view_case", case)}
    by_query = {i for i, case in enumerate(every_case) if visible_cases(user).filter(pk=case.pk).exists()}
    assert by_rule == by_query
    assert by_query == EXPECTED[persona]


def test_a_deactivated_account_sees_nothing(world: World, every_case: list[Case]) -> None:
    user: Any = world.coordinator
    user.is_active = False
    user.save()
    assert not visible_cases(User.objects.get(pk=user.pk)).exists()


def test_a_case_leaves_the_queue_once_it_has_an_owner(world: World, cases: Cases) -> None:
    from kommunalschutz.protection.cases import workflow

    other = UserFactory.create(username="second-coordinator")
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=other, organisation=world.coordination_office, role="coordinator")
    workflow.acknowledge(actor=world.coordinator, case=cases.queue)
    assert visible_cases(world.coordinator).filter(pk=cases.queue.pk).exists()
    assert not visible_cases(User.objects.get(pk=other.pk)).filter(pk=cases.queue.pk).exists()
