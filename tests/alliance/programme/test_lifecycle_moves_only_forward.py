"""Recording lifecycle steps: forward only, dated in order, never in the future; refused input saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kommunalschutz.alliance.programme import lifecycle, selectors
from kommunalschutz.alliance.programme.models import MembershipTransition, Stage
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.programme.conftest import step

D = dt.date

pytestmark = pytest.mark.usefixtures("english")


def _refused(world: Any, stage: str, date: dt.date, **kwargs: Any) -> dict[str, list[str]]:
    before = MembershipTransition.objects.count()
    with pytest.raises(ValidationError) as caught:
        step(world, stage, date, **kwargs)
    assert MembershipTransition.objects.count() == before
    return caught.value.message_dict


def test_a_municipality_passes_the_stages_and_each_step_is_audited(world: Any) -> None:
    for stage, date in [(Stage.CONTACTED, D(2019, 3, 1)), (Stage.CONSULTED, D(2019, 5, 2)),
                        (Stage.MODEL, D(2019, 6, 1)), (Stage.AGREEMENT_SIGNED, D(2020, 1, 10)),
                        (Stage.MEMBER, D(2020, 1, 10))]:
        transition = step(world, stage, date)
        assert transition.recorded_by == world.coordinator
    assert [t.stage for t in selectors.timeline(world.pirna)] == [
        "contacted", "consulted", "model", "agreement_signed", "member"]
    events = AuditEvent.objects.filter(object_type="alliance.membershiptransition", action="create")
    assert events.count() == 5
    assert set(events.values_list("actor_label", flat=True)) == {"coordinator"}


def test_stages_may_be_skipped_forwards(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2021, 1, 5))
    step(world, Stage.MEMBER, D(2021, 6, 1))
    assert selectors.current_stage(world.pirna) == "member"


def test_going_backwards_is_refused(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2021, 1, 5))
    step(world, Stage.CONSULTED, D(2021, 2, 5))
    errors = _refused(world, Stage.CONTACTED, D(2021, 3, 1))
    assert "cannot follow" in errors["stage"][0]


def test_repeating_the_current_stage_is_refused(world: Any) -> None:
    step(world, Stage.CONSULTED, D(2021, 2, 5))
    errors = _refused(world, Stage.CONSULTED, D(2021, 4, 1))
    assert list(errors) == ["stage"]


def test_a_step_dated_before_the_latest_is_refused(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2021, 5, 1))
    errors = _refused(world, Stage.CONSULTED, D(2021, 4, 30))
    assert "before the latest step" in errors["date"][0]


def test_a_step_on_the_same_day_as_the_latest_is_accepted(world: Any) -> None:
    step(world, Stage.AGREEMENT_SIGNED, D(2021, 5, 1))
    step(world, Stage.MEMBER, D(2021, 5, 1))
    assert selectors.stage_on(world.pirna, D(2021, 5, 1)) == "member"


def test_a_step_in_the_future_is_refused(world: Any) -> None:
    errors = _refused(world, Stage.CONTACTED, timezone.localdate() + dt.timedelta(days=1))
    assert "future" in errors["date"][0]


def test_leaving_needs_a_previous_stage(world: Any) -> None:
    errors = _refused(world, Stage.LEFT, D(2021, 5, 1))
    assert "after it has been contacted" in errors["stage"][0]


def test_after_leaving_only_contacted_restarts(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2020, 1, 1))
    step(world, Stage.MEMBER, D(2020, 6, 1))
    step(world, Stage.LEFT, D(2022, 6, 1))
    assert "only “contacted”" in _refused(world, Stage.MEMBER, D(2023, 1, 1))["stage"][0]
    assert _refused(world, Stage.LEFT, D(2023, 1, 1))["stage"]
    step(world, Stage.CONTACTED, D(2023, 1, 1))
    step(world, Stage.MEMBER, D(2023, 6, 1))
    assert selectors.current_stage(world.pirna) == "member"


def test_leaving_and_rejoining_on_the_same_day_is_refused(world: Any) -> None:
    step(world, Stage.MEMBER, D(2020, 6, 1))
    step(world, Stage.LEFT, D(2022, 6, 1))
    step(world, Stage.CONTACTED, D(2022, 6, 1))
    assert "same day" in _refused(world, Stage.MEMBER, D(2022, 6, 1))["date"][0]


def test_exactly_one_target_and_an_acting_organisation_are_required(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        lifecycle.record_transition(actor=world.coordinator, stage=Stage.CONTACTED, date=D(2021, 1, 1),
                                    acting_organisation=None, municipality=world.pirna, district=world.soe)
    assert set(caught.value.message_dict) == {"municipality", "acting_organisation"}
    with pytest.raises(ValidationError) as caught:
        lifecycle.record_transition(actor=world.coordinator, stage="founded", date=D(2021, 1, 1),
                                    acting_organisation=world.coordination_office)
    assert set(caught.value.message_dict) == {"municipality", "stage"}
    assert MembershipTransition.objects.count() == 0


def test_a_district_has_a_lifecycle_of_its_own(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2021, 1, 5), target=world.soe)
    assert selectors.current_stage(world.soe) == "contacted"
    assert selectors.current_stage(world.pirna) is None
