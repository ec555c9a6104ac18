"""The shared reads of one dashboard build (selectors.load) give exactly what the single selectors give,
in few queries, fresh on every build; the percentiles from the frequency table match Python's."""

from __future__ import annotations

import datetime as dt
import random
import statistics as pystats
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kommunalschutz.protection.cases.models import IncidentStatistic, IncidentType, type_bit
from kommunalschutz.protection.casestats import selectors, tables
from kommunalschutz.protection.casestats.selectors import StatisticsFilter
from kommunalschutz.protection.measures.models import MeasureKind, Partner, measure_bit, referral_bit
from tests.protection.casestats.conftest import stat

pytestmark = pytest.mark.django_db

PERIOD = StatisticsFilter(start=dt.date(2021, 1, 1), end=dt.date(2023, 12, 1))
FIELDS = ("channel", "affected_role", "politically_motivated", "intake", "is_acute", "district_id")


def _bits() -> dict[str, dict[str, int]]:
    return {"type_mask": {c: type_bit(c) for c in IncidentType.values},
            "measure_mask": {c: measure_bit(c) for c in MeasureKind.values},
            "referral_mask": {c: referral_bit(c) for c in Partner.Category.values}}


def _random_records(world: Any, rng: random.Random, count: int) -> None:
    from kommunalschutz.protection.cases.models import AffectedRole, Case, Channel, Tristate

    districts = [world.soe, world.vogtland, None]
    types, kinds, categories = IncidentType.values, MeasureKind.values, Partner.Category.values
    for _ in range(count):
        type_mask = 0
        for _i in range(rng.randint(0, 3)):
            type_mask |= type_bit(rng.choice(types))
        measure_mask = 0
        for _i in range(rng.randint(0, 3)):
            measure_mask |= measure_bit(rng.choice(kinds))
        stat(dt.date(rng.randint(2020, 2024), rng.randint(1, 12), rng.randint(1, 28)),
             channel=rng.choice(Channel.values), affected_role=rng.choice(AffectedRole.values),
             politically_motivated=rng.choice(Tristate.values), intake=rng.choice(Case.Intake.values),
             is_acute=rng.random() < 0.3, district=rng.choice(districts), type_mask=type_mask,
             measure_mask=measure_mask, referral_mask=referral_bit(rng.choice(categories)) if rng.random() < .3 else 0,
             acknowledgement_minutes=rng.choice([None, rng.randint(0, 50), rng.randint(0, 5000)]),
             is_synthetic=rng.random() < 0.5)


def _ack(figures: dict[tuple[int, bool], selectors.AckFigure]) -> dict[Any, Any]:
    return {key: (f.n, f.median_minutes, f.p90_minutes) for key, f in figures.items()}


@pytest.mark.parametrize("seed", [4, 5])
def test_a_snapshot_gives_what_every_single_selector_gives(world: Any, seed: int) -> None:
    _random_records(world, random.Random(seed), 150)
    filters = [PERIOD, StatisticsFilter(PERIOD.start, PERIOD.end, district_id=world.soe.pk),
               StatisticsFilter(dt.date(2022, 3, 1), dt.date(2022, 8, 1), include_synthetic=False)]
    for flt in filters:
        data = selectors.load(flt)
        assert selectors.count_by_month(data) == selectors.count_by_month(flt)
        assert selectors.count_by_year(data) == selectors.count_by_year(flt)
        for field in FIELDS:
            assert selectors.count_by_field(data, field) == selectors.count_by_field(flt, field), field
        for field, bits in _bits().items():
            assert selectors.count_by_bits(data, field, bits) == selectors.count_by_bits(flt, field, bits), field
        # a subset of the bits, and bits the snapshot did not count (it asks the database)
        some = {"threat": type_bit("threat"), "assault": type_bit("assault")}
        assert selectors.count_by_bits(data, "type_mask", some) == selectors.count_by_bits(flt, "type_mask", some)
        odd = {"high": 1 << 20}
        assert selectors.count_by_bits(data, "type_mask", odd) == selectors.count_by_bits(flt, "type_mask", odd)
        assert _ack(selectors.acknowledgement_times(data)) == _ack(selectors.acknowledgement_times(flt))
    assert sum(selectors.count_by_year(PERIOD).values()) == IncidentStatistic.objects.filter(
        occurred_month__gte=PERIOD.start, occurred_month__lte=PERIOD.end).count()


def test_a_value_outside_the_choices_is_still_counted(world: Any) -> None:
    stat(dt.date(2022, 2, 3), channel="fax")  # e.g. from an older version
    stat(dt.date(2022, 2, 4), channel="letter")
    data = selectors.load(PERIOD)
    assert selectors.count_by_field(data, "channel") == {(2022, "fax"): 1, (2022, "letter"): 1}
    assert selectors.count_by_field(data, "intake") == {(2022, "self"): 2}


def test_the_dashboard_reads_the_statistics_in_three_queries_and_fresh_every_time(world: Any, settings: Any
                                                                                  ) -> None:
    settings.STATISTICS_MIN_CELL = 1
    _random_records(world, random.Random(9), 40)
    table = IncidentStatistic._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        board = tables.build(PERIOD)
    reads = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    assert len(reads) == 3, reads  # monthly counts, district, acknowledgement
    totals_before = board.table("per_year").column_totals
    assert totals_before is not None
    before = totals_before[0].value
    stat(dt.date(2022, 6, 1))
    totals_after = tables.build(PERIOD).table("per_year").column_totals
    assert totals_after is not None
    after = totals_after[0].value
    assert before is not None and after == before + 1


def test_the_frequency_table_percentile_is_percentile_cont_of_the_expanded_list() -> None:
    rng = random.Random(11)
    for _ in range(300):
        values = sorted(rng.choice([rng.randint(0, 5), rng.randint(0, 10_000)]) for _ in range(rng.randint(1, 30)))
        frequencies: dict[int, int] = {}
        for value in values:
            frequencies[value] = frequencies.get(value, 0) + 1
        table = sorted(frequencies.items())
        for fraction in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert selectors.percentile_cont_counts(table, fraction) == selectors.percentile_cont(values, fraction)
    assert selectors.percentile_cont_counts([], 0.5) is None


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_database_percentiles_match_python_with_ties_and_single_row_groups(world: Any, seed: int) -> None:
    """On SQLite the frequency-table path, on PostgreSQL percentile_cont: both equal the reference."""
    rng = random.Random(seed)
    expected: dict[tuple[int, bool], list[int]] = {}
    for year in (2021, 2022, 2023):
        for acute in (True, False):
            size = rng.choice([1, 1, 2, rng.randint(3, 60)])  # single-row groups are common
            minutes = [rng.choice([rng.randint(0, 4), rng.randint(0, 3000)]) for _ in range(size)]  # ties
            expected[(year, acute)] = minutes
            for value in minutes:
                stat(dt.date(year, rng.randint(1, 12), 1), is_acute=acute, acknowledgement_minutes=value)
    stat(dt.date(2022, 3, 1), acknowledgement_minutes=None)
    result = selectors.acknowledgement_times(selectors.load(PERIOD))
    assert set(result) == set(expected)
    for key, minutes in expected.items():
        figure = result[key]
        assert figure.n == len(minutes)
        assert figure.median_minutes == pytest.approx(pystats.median(minutes))
        ordered = sorted(minutes)
        p90 = pystats.quantiles(minutes, n=10, method="inclusive")[8] if len(minutes) > 1 else float(minutes[0])
        assert figure.p90_minutes == pytest.approx(p90)
        assert figure.p90_minutes == pytest.approx(selectors.percentile_cont(ordered, 0.9))
