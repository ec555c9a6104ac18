"""The statistics' roll-ups under parallel writers (each thread its own connection): records written at
once to the same district and month, and records moved in opposite directions between two roll-up rows
(the order that would deadlock if each writer locked its old row first), leave the roll-ups equal to a
full recount, with no writer failing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from kommunalschutz.protection.cases import rollups
from kommunalschutz.protection.cases.models import IncidentStatistic, IncidentStatisticRollup
from tests.concurrency.conftest import results, run_together
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

MONTH = dt.date(2024, 5, 1)
OTHER_MONTH = dt.date(2024, 6, 1)
WRITES = 50


def _record(world: World, month: dt.date, **values: Any) -> IncidentStatistic:
    return IncidentStatistic.objects.create(
        reported_on=month, occurred_month=month, district=world.soe, police_directorate=world.dresden_pd,
        channel="letter", affected_role="mayor", politically_motivated="unknown", intake="self", **values)


def test_parallel_writers_to_one_district_and_month_count_every_record(world: World) -> None:
    def write(i: int) -> int:
        for n in range(WRITES):
            with transaction.atomic():
                record = _record(world, MONTH, is_acute=n % 2 == 0, acknowledgement_minutes=n * 7 + i)
                if n % 3 == 0:  # a change of the same record, as sync_statistic makes it
                    record.channel = "email"
                    record.type_mask = 1 << (n % 10)
                    record.save()
        return WRITES

    assert sum(results(run_together(write, writers=2))) == 2 * WRITES
    assert rollups.differences() == []
    row = IncidentStatisticRollup.objects.get(occurred_month=MONTH, district_key=world.soe.pk)
    assert row.n == 2 * WRITES


def test_records_moved_in_opposite_directions_at_once_do_not_deadlock(world: World) -> None:
    mine = {0: [_record(world, MONTH).pk for _ in range(WRITES)], 1: [_record(world, OTHER_MONTH).pk
                                                                        for _ in range(WRITES)]}

    def move(i: int) -> int:
        for pk in mine[i]:  # writer 0 moves May -> June, writer 1 June -> May, one transaction each
            with transaction.atomic():
                record = IncidentStatistic.objects.select_for_update().get(pk=pk)
                record.occurred_month = OTHER_MONTH if i == 0 else MONTH
                record.is_acute = True
                record.save()
        return len(mine[i])

    assert sum(results(run_together(move, writers=2))) == 2 * WRITES
    assert rollups.differences() == []
    counts = dict(IncidentStatisticRollup.objects.filter(district_key=world.soe.pk)
                  .values_list("occurred_month", "is_acute_true"))
    assert counts == {MONTH: WRITES, OTHER_MONTH: WRITES}
