"""figures_series (one read, evaluated in Python) and figures_as_of (SQL per date) agree on any data.

The data are random but seeded (reproducible): lifecycles with repeated "member" steps, "left" on the
day of a "member", district targets, terminated agreements (some terminated before they were
signed), drafts, cancelled engagements of every kind, dissolved and refounded councils. The map
layer's per-date state must give the same counts as the figures too.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from kommunalschutz.alliance.insights import figures, selectors
from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.conftest import World
from tests.factories import DistrictFactory, MunicipalityFactory

FIRST, LAST = dt.date(2019, 1, 1), dt.date(2024, 12, 31)
KINDS = ["consultation", "coaching", "security_analysis", "funding", "general"]


def _day(rng: random.Random) -> dt.date:
    return FIRST + dt.timedelta(days=rng.randrange((LAST - FIRST).days))


def _build(rng: random.Random, world: World) -> list[dt.date]:
    programme()
    districts = [world.soe, world.vogtland, DistrictFactory.create()]
    targets: list[Any] = [world.pirna, world.plauen]
    targets += [MunicipalityFactory.create(district=rng.choice(districts)) for _ in range(10)]
    targets += districts
    dates: set[dt.date] = set()
    for target in targets:
        for _ in range(rng.randrange(6)):
            date = _day(rng)
            stage = rng.choice([Stage.CONTACTED, Stage.CONSULTED, Stage.MODEL, Stage.MEMBER, Stage.MEMBER,
                                Stage.LEFT])
            step(target, stage, date)
            dates.add(date)
            if rng.random() < 0.15:  # a "left" and a "member" on one day
                step(target, Stage.LEFT if stage == Stage.MEMBER else Stage.MEMBER, date)
        for _ in range(rng.randrange(3)):
            status = rng.choice(["draft", "signed", "signed", "terminated"])
            signed = None if status == "draft" and rng.random() < 0.5 else _day(rng)
            terminated = _day(rng) if status == "terminated" and rng.random() < 0.8 else None
            agreement(target, signed, status=status, terminated_on=terminated)
            dates.update(d for d in (signed, terminated) if d)
        for _ in range(rng.randrange(5)):
            date = _day(rng)
            status = rng.choice(["planned", "active", "completed", "cancelled"])
            engagement(target, rng.choice(KINDS), date, status=status)
            dates.add(date)
        established = _day(rng)
        for _ in range(rng.randrange(3)):  # consecutive councils: at most one still running
            dissolved = established + dt.timedelta(days=rng.randrange(1, 900))
            open_ended = dissolved > LAST or rng.random() < 0.3
            council(target, established, dissolved_on=None if open_ended else dissolved)
            dates.update([established, dissolved])
            if open_ended:
                break
            established = dissolved + dt.timedelta(days=rng.randrange(0, 200))
    probes = {date + dt.timedelta(days=shift) for date in dates for shift in (-1, 0, 1)}
    probes.update(figures.month_ends(FIRST, LAST))
    return sorted(probes | {dt.date(2018, 12, 31), dt.date(2030, 1, 1)})


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_series_and_single_dates_agree(world: World, seed: int) -> None:
    rng = random.Random(seed)
    probes = _build(rng, world)
    sample = sorted(rng.sample(probes, 80))
    series = figures.figures_series(sample)
    for point in series:
        assert point == figures.figures_as_of(point.as_of), point.as_of


@pytest.mark.parametrize("seed", [5, 99])
def test_the_map_layer_gives_the_same_counts(world: World, seed: int) -> None:
    rng = random.Random(seed)
    probes = _build(rng, world)
    layer = selectors.map_layer()
    sample = sorted(rng.sample(probes, 40))
    for date, point in zip(sample, figures.figures_series(sample), strict=True):
        rows = selectors.state_on(layer, date)
        municipalities = [row for row in rows if row.kind == "municipality"]
        assert sum(1 for row in municipalities if row.since["member"]) == point.member_municipalities, date
        assert sum(1 for row in municipalities if row.since["model"]) == point.model_municipalities, date
        assert sum(1 for row in municipalities if row.since["contacted"]) == point.contacted_municipalities, date
        assert sum(1 for row in municipalities if row.since["coaching"]) == point.municipalities_with_coaching
        assert sum(1 for row in rows if row.agreement) <= point.cooperation_agreements
        assert sum(len(row.councils) for row in rows) == point.prevention_councils, date
        # What was known on the date gives the same state on that date (a later dissolution is not known).
        assert _facts(selectors.state_on(selectors.map_layer(date), date)) == _facts(rows), date


def _facts(rows: list[selectors.MapRow]) -> list[tuple[Any, ...]]:
    return [(row.ags, row.kind, row.since, row.agreement, [c["id"] for c in row.councils]) for row in rows]
