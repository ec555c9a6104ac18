"""Who was a member on a date: the lifecycle answers it, by the same rule as the programme figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kommunalschutz.alliance.insights.figures import _member_count
from kommunalschutz.alliance.programme import selectors
from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.programme.conftest import step
from tests.factories import MunicipalityFactory

D = dt.date


def test_members_on_follows_joining_and_leaving(world: Any) -> None:
    freital = MunicipalityFactory.create(ags="14628110", name="Freital, Stadt", district=world.soe)
    step(world, Stage.CONTACTED, D(2019, 2, 1))
    step(world, Stage.MEMBER, D(2019, 2, 6))
    step(world, Stage.MODEL, D(2019, 2, 6), target=freital)
    step(world, Stage.MEMBER, D(2020, 3, 1), target=freital)
    step(world, Stage.LEFT, D(2022, 1, 1), target=freital)
    step(world, Stage.CONTACTED, D(2023, 1, 1), target=freital)
    step(world, Stage.MEMBER, D(2023, 5, 1), target=freital)
    step(world, Stage.CONTACTED, D(2021, 1, 1), target=world.plauen)
    step(world, Stage.MEMBER, D(2021, 1, 1), target=world.soe)  # a district is not a member municipality

    expected = {
        D(2019, 2, 5): set(), D(2019, 2, 6): {"Pirna, Stadt"}, D(2021, 6, 1): {"Pirna, Stadt", "Freital, Stadt"},
        D(2022, 1, 1): {"Pirna, Stadt"}, D(2023, 5, 1): {"Pirna, Stadt", "Freital, Stadt"},
    }
    for date, names in expected.items():
        members = {m.name for m in selectors.members_on(date)}
        assert members == names, date
        assert len(members) == _member_count(date), date


def test_stage_on_a_date_is_the_latest_step_until_then(world: Any) -> None:
    step(world, Stage.CONTACTED, D(2020, 1, 1))
    step(world, Stage.AGREEMENT_SIGNED, D(2021, 1, 1))
    step(world, Stage.MEMBER, D(2021, 1, 1))
    assert selectors.stage_on(world.pirna, D(2019, 12, 31)) is None
    assert selectors.stage_on(world.pirna, D(2020, 6, 1)) == "contacted"
    assert selectors.stage_on(world.pirna, D(2021, 1, 1)) == "member"
