"""A municipality is a member only while a cooperation agreement is in force (issue 12, item 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.insights.figures import figures_as_of
from kommunalschutz.alliance.programme import agreements, lifecycle, selectors
from kommunalschutz.alliance.programme.models import MembershipTransition, Stage
from tests.alliance.programme.conftest import draft, step

D = dt.date
REFUSAL = "Eine Mitgliedschaft setzt eine geltende Kooperationsvereinbarung voraus"


def _member_without_agreement(world: Any, date: dt.date) -> Any:
    return step(world, Stage.MEMBER, date, agreement=False)


def test_member_without_an_agreement_is_refused_in_german(world: Any) -> None:
    step(world, Stage.CONSULTED, D(2021, 3, 1))
    with pytest.raises(ValidationError) as refused:
        _member_without_agreement(world, D(2021, 6, 1))
    assert refused.value.message_dict["stage"][0].startswith(REFUSAL)
    assert "01.06.2021" in refused.value.message_dict["stage"][0]
    assert list(MembershipTransition.objects.values_list("stage", flat=True)) == ["consulted"]


def test_the_record_page_refuses_it_naming_the_field(world: Any, login: Any) -> None:
    step(world, Stage.CONSULTED, D(2021, 3, 1))
    response = login(world.coordinator).post(reverse("alliance:municipality_record", args=["14628270"]), {
        "stage": "member", "date": "2021-06-01", "acting_organisation": world.coordination_office.pk})
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert selectors.current_stage(world.pirna) == "consulted"


def test_the_api_refuses_it_with_422(world: Any, api: Any) -> None:
    step(world, Stage.CONSULTED, D(2021, 3, 1))
    response = api.post(world.coordinator, "/alliance/transitions", {
        "stage": "member", "date": "2021-06-01", "municipality": "14628270",
        "acting_organisation": world.coordination_office.pk})
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["stage"][0].startswith(REFUSAL)
    assert MembershipTransition.objects.count() == 1


def test_member_before_the_agreement_was_signed_is_refused(world: Any) -> None:
    agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25),
                              record_membership=False)
    with pytest.raises(ValidationError):
        lifecycle.record_transition(actor=world.coordinator, stage=Stage.MEMBER, date=D(2021, 6, 24),
                                    acting_organisation=world.coordination_office, municipality=world.pirna)
    # On the day of signing or later it is the rule's very case.
    _member_without_agreement(world, D(2021, 7, 1))
    assert selectors.current_stage(world.pirna) == "member"


def test_leaving_while_the_agreement_is_in_force_is_refused(world: Any) -> None:
    agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    with pytest.raises(ValidationError) as refused:
        step(world, Stage.LEFT, D(2023, 1, 1), agreement=False)
    assert "Vereinbarung" in refused.value.message_dict["stage"][0]
    assert selectors.current_stage(world.pirna) == "member"


def test_terminating_the_agreement_ends_the_membership_that_day(world: Any) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    agreements.terminate_agreement(actor=world.coordinator, agreement=agreement, terminated_on=D(2024, 3, 31))
    assert [(s.stage, s.date) for s in selectors.timeline(world.pirna)][-1] == ("left", D(2024, 3, 31))
    assert world.pirna in selectors.members_on(D(2024, 3, 30))
    assert world.pirna not in selectors.members_on(D(2024, 3, 31))
    for day in (D(2021, 6, 24), D(2021, 6, 25), D(2024, 3, 30), D(2024, 3, 31)):
        figures = figures_as_of(day)
        assert figures.member_municipalities == figures.cooperation_agreements
    # The departure cannot be deleted while the agreement stays terminated.
    left = MembershipTransition.objects.get(stage=Stage.LEFT)
    with pytest.raises(ValidationError) as refused:
        lifecycle.delete_transition(actor=world.coordinator, transition=left)
    assert "31.03.2024" in refused.value.message_dict["stage"][0]
    assert MembershipTransition.objects.filter(pk=left.pk).exists()


def test_a_renewed_agreement_keeps_the_member_when_the_old_one_ends(world: Any) -> None:
    old = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    agreements.sign_agreement(actor=world.coordinator, agreement=draft(world, title="Fortschreibung"),
                              signed_on=D(2023, 6, 1))
    agreements.terminate_agreement(actor=world.coordinator, agreement=old, terminated_on=D(2023, 6, 30))
    assert selectors.current_stage(world.pirna) == "member"
    assert not MembershipTransition.objects.filter(stage=Stage.LEFT).exists()


def test_terminating_an_agreement_without_membership_records_no_departure(world: Any) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25),
                                          record_membership=False)
    agreements.terminate_agreement(actor=world.coordinator, agreement=agreement, terminated_on=D(2022, 1, 1))
    assert selectors.current_stage(world.pirna) == "agreement_signed"


def test_membership_periods_and_coverage() -> None:
    history = [(D(2020, 1, 1), "member"), (D(2021, 1, 1), "left"), (D(2022, 1, 1), "member"),
               (D(2022, 1, 1), "left")]  # a "left" on the day of a "member" wins
    assert lifecycle.membership_periods(history) == [(D(2020, 1, 1), D(2021, 1, 1))]
    assert lifecycle.first_uncovered_day(history, [(D(2020, 1, 1), D(2021, 1, 1))]) is None
    assert lifecycle.first_uncovered_day(history, [(D(2020, 1, 1), D(2020, 6, 1)),
                                                   (D(2020, 6, 1), None)]) is None
    assert lifecycle.first_uncovered_day(history, [(D(2020, 1, 1), D(2020, 6, 1)),
                                                   (D(2020, 7, 1), None)]) == D(2020, 6, 1)
    assert lifecycle.first_uncovered_day([(D(2020, 1, 1), "member")], [(D(2019, 1, 1), D(2025, 1, 1))]) == D(
        2025, 1, 1)
