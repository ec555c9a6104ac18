"""The coordination office can delete a step recorded by mistake, unless the lifecycle would break."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kommunalschutz.alliance.programme import lifecycle, selectors
from kommunalschutz.alliance.programme.models import MembershipTransition, Stage
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.programme.conftest import step
from tests.factories import EngagementFactory

D = dt.date


def test_deleting_a_step_is_audited(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2021, 1, 5))
    wrong = step(world, Stage.CONSULTED, D(2021, 2, 5))
    lifecycle.delete_transition(actor=world.coordinator, transition=wrong)
    assert [t.stage for t in selectors.timeline(world.pirna)] == ["contacted"]
    event = AuditEvent.objects.get(object_type="alliance.membershiptransition", action="delete")
    assert event.actor == world.coordinator and event.changes["stage"]["old"] == "consulted"


def test_deleting_a_middle_step_that_keeps_the_order_is_allowed(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2021, 1, 5))
    middle = step(world, Stage.CONSULTED, D(2021, 2, 5))
    step(world, Stage.MEMBER, D(2021, 3, 5))
    lifecycle.delete_transition(actor=world.coordinator, transition=middle)
    assert selectors.current_stage(world.pirna) == "member"


def test_deleting_a_departure_that_the_restart_depends_on_is_refused(world: Any) -> None:
    step(world, Stage.MEMBER, D(2020, 1, 5))
    left = step(world, Stage.LEFT, D(2021, 1, 5))
    step(world, Stage.CONTACTED, D(2022, 1, 5))
    with pytest.raises(ValidationError) as caught:
        lifecycle.delete_transition(actor=world.coordinator, transition=left)
    assert "stage" in caught.value.message_dict
    assert MembershipTransition.objects.count() == 3
    assert not AuditEvent.objects.filter(action="delete").exists()


def test_deleting_the_first_contact_before_an_engagement_is_refused(world: Any) -> None:
    first = step(world, Stage.CONTACTED, D(2021, 1, 5))
    step(world, Stage.CONSULTED, D(2021, 6, 1))
    EngagementFactory.create(municipality=world.pirna, started_on=D(2021, 3, 1))
    with pytest.raises(ValidationError) as caught:
        lifecycle.delete_transition(actor=world.coordinator, transition=first)
    assert "date" in caught.value.message_dict
    assert MembershipTransition.objects.count() == 2
