"""The "only one" rules of a case under concurrency: one link per pair of cases (in either direction), each
person once on a case team. The refused writers get the German refusal at the field, never a 500."""

from __future__ import annotations

import pytest

from kommunalschutz.protection.cases import case_team, links
from kommunalschutz.protection.cases.models import CaseEvent, CaseLink, CaseTeamMember
from tests.concurrency.conftest import refusals, run_together, successes
from tests.conftest import World
from tests.protection.cases.conftest import make_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_cases_are_linked_once_whoever_links_them_in_which_direction(world: World) -> None:
    actor = world.coordinator
    first = make_case(municipality=world.pirna, owner=actor, status="acknowledged")
    second = make_case(municipality=world.pirna, owner=actor, status="acknowledged")
    pairs = [(first, second), (second, first)]

    outcomes = run_together(lambda i: links.link_cases(actor=actor, case=pairs[i % 2][0], other=pairs[i % 2][1],
                                                       kind="series"))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes, "other")
    assert len(refused) == 7 and set(refused) == {"Die beiden Fälle sind bereits verknüpft."}, refused
    assert CaseLink.objects.count() == 1
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.LINK).count() == 2  # one on each case, nothing half


def test_a_person_joins_a_case_team_once(world: World) -> None:
    case = make_case(municipality=world.pirna, owner=world.coordinator, status="acknowledged")

    outcomes = run_together(lambda _i: case_team.add_team_member(actor=world.coordinator, case=case,
                                                                 user=world.dresden_police, function="case_worker"))

    assert len(successes(outcomes)) == 1
    assert len(refusals(outcomes, "user")) == 7
    assert CaseTeamMember.objects.filter(case=case, user=world.dresden_police).count() == 1
