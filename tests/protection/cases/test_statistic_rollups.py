"""The statistics' roll-ups (cases.rollups) equal a full recount of the statistical record after any mix of
writes: cases reported and changed, measures and acknowledgements, records deleted, retention runs,
districts deleted; the dashboard's reads from them equal the scans they replace; the histogram's
percentiles stay within the stated error; the operator's command rebuilds and checks them."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommunalschutz.protection.cases import retention, rollups
from kommunalschutz.protection.cases.models import (
    ACK_RELATIVE_ERROR,
    AffectedRole,
    Case,
    Channel,
    IncidentStatistic,
    IncidentStatisticRollup,
    IncidentType,
    Tristate,
)
from kommunalschutz.protection.cases.services import sync_statistic
from kommunalschutz.protection.casestats import selectors
from kommunalschutz.protection.casestats.selectors import StatisticsFilter
from tests.conftest import World
from tests.factories import DistrictFactory
from tests.protection.cases.conftest import make_case

OPERATIONS = ("report", "change", "acknowledge", "measures", "anonymous", "delete_case", "delete_record",
              "retention", "queryset_delete")
MONTHS = [dt.date(2023, m, 1) for m in (1, 2, 7)] + [dt.date(2024, 3, 1)]
BERLIN = dt.timezone(dt.timedelta(hours=1))
PERIOD = StatisticsFilter(dt.date(2022, 1, 1), dt.date(2026, 12, 1))


def _anonymous_record(rng: random.Random, world: World) -> IncidentStatistic:
    month = rng.choice(MONTHS)
    district = rng.choice([world.soe, world.vogtland, None])
    return IncidentStatistic.objects.create(
        reported_on=month, occurred_month=month, district=district,
        police_directorate=district.police_directorate if district else None,
        type_mask=rng.randrange(0, 1 << len(IncidentType.values)), channel=rng.choice([*Channel.values, "fax"]),
        affected_role=rng.choice(AffectedRole.values), politically_motivated=rng.choice(Tristate.values),
        intake=rng.choice(Case.Intake.values), is_acute=rng.random() < 0.3,
        acknowledgement_minutes=rng.choice([None, rng.randint(0, 90), rng.randint(0, 200_000)]),
        measure_mask=rng.randrange(0, 256), referral_mask=rng.randrange(0, 256), is_synthetic=rng.random() < 0.5)


def _step(operation: str, rng: random.Random, world: World) -> None:
    cases = list(Case.objects.order_by("pk"))
    records = list(IncidentStatistic.objects.order_by("pk"))
    if operation == "report" or (not cases and operation in {"change", "acknowledge", "delete_case", "retention"}):
        make_case(municipality=rng.choice([world.pirna, world.plauen]), channel=rng.choice(Channel.values),
                  affected_role=rng.choice(AffectedRole.values), is_acute=rng.random() < 0.3,
                  incident_types=rng.sample(IncidentType.values, rng.randint(1, 3)),
                  occurred_at=dt.datetime(2023, rng.randint(1, 12), 5, 12, tzinfo=BERLIN))
    elif operation == "change":
        case = rng.choice(cases)
        case.channel = rng.choice(Channel.values)
        case.incident_types = rng.sample(IncidentType.values, rng.randint(1, 3))
        case.is_acute = not case.is_acute
        case.politically_motivated = rng.choice(Tristate.values)
        if rng.random() < 0.5:  # the incident moves to another month and place
            case.occurred_at = dt.datetime(2024, rng.randint(1, 12), 3, 8, tzinfo=BERLIN)
            municipality = rng.choice([world.pirna, world.plauen])
            case.municipality, case.district = municipality, municipality.district
            case.police_directorate = municipality.district.police_directorate
        case.save()
        sync_statistic(case)
    elif operation == "acknowledge":
        case = rng.choice(cases)
        case.acknowledged_at = case.reported_at + dt.timedelta(minutes=rng.choice([0, 7, 95, 4000, 90_000]))
        case.save()
        sync_statistic(case)
    elif operation == "measures" and records:
        record = rng.choice(records)  # what the measures app's contribution writes (hooks.statistic_contributions)
        record.measure_mask = rng.randrange(0, 256)
        record.referral_mask = rng.randrange(0, 256)
        record.save(update_fields=["measure_mask", "referral_mask"])
    elif operation == "anonymous" or (operation in {"measures", "delete_record"} and not records):
        _anonymous_record(rng, world)
    elif operation == "delete_case":
        rng.choice(cases).delete()  # the record stays, detached
    elif operation == "delete_record":
        rng.choice(records).delete()
    elif operation == "retention":
        retention.delete_case_after_retention(rng.choice(cases))
    elif operation == "queryset_delete":
        IncidentStatistic.objects.filter(channel=rng.choice(Channel.values)).delete()


def _assert_reads_equal_the_scans() -> None:
    for flt in (PERIOD, StatisticsFilter(PERIOD.start, PERIOD.end, include_synthetic=False)):
        data = selectors.load(flt)
        scanned = selectors._scan_monthly_counts(flt)
        assert data.monthly.total == scanned.total
        for field in ("channel", "affected_role", "intake", "is_acute", "politically_motivated"):
            for value, months in scanned.values[field].items():
                assert {m: n for m, n in data.monthly.values[field][value].items() if n} == \
                       {m: n for m, n in months.items() if n}, (field, value)
        for field, bits in scanned.bits.items():
            for bit, months in bits.items():
                assert {m: n for m, n in data.monthly.bits[field][bit].items() if n} == \
                       {m: n for m, n in months.items() if n}, (field, bit)
        for field in ("district_id", "police_directorate_id"):
            assert data.count_by_field(field) == selectors.scan_grouped_counts(flt, field)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), operations=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=14))
def test_any_sequence_of_writes_leaves_the_roll_ups_equal_to_a_recount(world: World, seed: int,
                                                                         operations: list[str]) -> None:
    rng = random.Random(seed)
    for operation in operations:
        _step(operation, rng, world)
    assert rollups.differences() == []
    _assert_reads_equal_the_scans()


def test_a_change_of_a_counted_fact_moves_the_counts_and_a_closing_note_touches_nothing(world: World) -> None:
    case = make_case(municipality=world.pirna, channel="letter", is_acute=False,
                     occurred_at=dt.datetime(2023, 5, 2, 10, tzinfo=BERLIN))
    row = IncidentStatisticRollup.objects.get()
    assert (row.occurred_month, row.district_key, row.n, row.channel_letter, row.is_acute_false) == (  # type: ignore[attr-defined]
        dt.date(2023, 5, 1), world.soe.pk, 1, 1, 1)
    case.channel, case.is_acute = "email", True
    case.save()
    sync_statistic(case)
    row.refresh_from_db()
    assert (row.n, row.channel_letter, row.channel_email, row.is_acute_true) == (1, 0, 1, 1)  # type: ignore[attr-defined]
    case.closing_reason = "resolved"
    case.save()
    sync_statistic(case)
    assert rollups.differences() == []


def test_deleting_a_district_moves_its_counts_to_no_district(world: World) -> None:
    district = DistrictFactory.create(ags="14999", name="Aufgelöster Kreis", police_directorate=world.dresden_pd)
    rng = random.Random(3)
    for _ in range(4):
        record = _anonymous_record(rng, world)
        record.district = district
        record.save()
    _anonymous_record(rng, world)
    district.delete()
    assert rollups.differences() == []
    assert not IncidentStatisticRollup.objects.filter(district_key=district.pk, n__gt=0).exists()


def test_the_demo_bulk_load_adds_its_records_to_the_roll_ups(world: World) -> None:
    rng = random.Random(5)
    records = [IncidentStatistic(reported_on=month, occurred_month=month, channel="letter", affected_role="mayor",
                                 politically_motivated="yes", intake="self",
                                 acknowledgement_minutes=rng.randint(0, 999))
               for month in MONTHS * 3]
    IncidentStatistic.objects.bulk_create(records)
    assert rollups.differences() != []  # bulk_create bypasses save: this is why the demo adds them itself
    rollups.add_records(rollups.counted_values(record) for record in records)
    assert rollups.differences() == []


def test_the_command_checks_and_rebuilds_in_german(world: World) -> None:
    rng = random.Random(8)
    for _ in range(6):
        _anonymous_record(rng, world)
    out = StringIO()
    call_command("rebuild_statistics", "--check", stdout=out)
    assert "stimmen mit einer vollständigen Neuzählung überein" in out.getvalue()
    IncidentStatisticRollup.objects.filter(pk=IncidentStatisticRollup.objects.order_by("pk")[0].pk).update(n=99)
    with pytest.raises(CommandError) as refused:
        call_command("rebuild_statistics", "--check", stdout=StringIO())
    assert refused.value.returncode == 1
    assert "weichen von einer vollständigen Neuzählung ab" in str(refused.value)
    out = StringIO()
    call_command("rebuild_statistics", stdout=out)
    assert "neu aufgebaut" in out.getvalue()
    call_command("rebuild_statistics", "--check", stdout=StringIO())


# --- the histogram's percentiles ------------------------------------------------------------------------

def _within_bound(approximate: float | None, exact: float | None) -> bool:
    assert approximate is not None and exact is not None
    return abs(approximate - exact) <= ACK_RELATIVE_ERROR * exact + 1e-9


minutes_lists = st.lists(st.one_of(st.integers(0, 60), st.integers(0, 5_000), st.integers(0, 3_000_000)),
                         min_size=1, max_size=400)


@given(minutes=minutes_lists, fraction=st.floats(0, 1))
def test_a_histogram_percentile_is_within_the_stated_error_of_percentile_cont(minutes: list[int],
                                                                             fraction: float) -> None:
    counts: dict[int, int] = {}
    for value in minutes:
        counts[rollups.bucket_of(value)] = counts.get(rollups.bucket_of(value), 0) + 1
    table = [(rollups.bucket_value(bucket), n) for bucket, n in sorted(counts.items())]
    exact = selectors.percentile_cont(sorted(minutes), fraction)
    assert _within_bound(selectors.percentile_cont_counts(table, fraction), exact)


def test_the_buckets_are_exact_for_small_minutes_and_cover_every_minute() -> None:
    assert [rollups.bucket_value(rollups.bucket_of(m)) for m in range(20)] == [float(m) for m in range(20)]
    for minutes in (0, 1, 19, 20, 21, 999, 10**6, 2**31 - 1):
        bucket = rollups.bucket_of(minutes)
        assert rollups.BUCKET_BOUNDS[bucket] <= minutes < rollups.BUCKET_BOUNDS[bucket + 1]
        assert abs(rollups.bucket_value(bucket) - minutes) <= ACK_RELATIVE_ERROR * minutes


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.lists(st.integers(0, 400_000), min_size=1, max_size=60), acute=st.lists(st.booleans(), min_size=60,
                                                                                            max_size=60))
def test_the_database_histogram_path_is_within_the_stated_error_of_the_exact_path(
        world: World, minutes: list[int], acute: list[bool]) -> None:
    IncidentStatistic.objects.all().delete()
    for index, value in enumerate(minutes):
        month = MONTHS[index % len(MONTHS)]
        IncidentStatistic.objects.create(reported_on=month, occurred_month=month, channel="letter",
                                         affected_role="mayor", politically_motivated="no", intake="self",
                                         is_acute=acute[index], acknowledgement_minutes=value)
    exact = selectors.exact_acknowledgement_times(PERIOD)  # percentile_cont in PostgreSQL
    approximate = selectors.histogram_acknowledgement_times(PERIOD)
    assert set(exact) == set(approximate)
    for key, figure in exact.items():
        assert approximate[key].n == figure.n
        assert _within_bound(approximate[key].median_minutes, figure.median_minutes)
        assert _within_bound(approximate[key].p90_minutes, figure.p90_minutes)


def test_the_page_states_the_error_when_the_percentiles_come_from_the_histogram(world: World, monkeypatch: Any,
                                                                                  settings: Any) -> None:
    from django.utils import translation

    from kommunalschutz.protection.casestats import tables

    settings.STATISTICS_MIN_CELL = 1
    rng = random.Random(4)
    for _ in range(8):
        _anonymous_record(rng, world)
    with translation.override("de"):
        exact = tables.build(PERIOD).table("acknowledgement").note
        monkeypatch.setattr(selectors, "EXACT_ACK_LIMIT", 2)
        approximate = tables.build(PERIOD).table("acknowledgement").note
        by_district = tables.build(StatisticsFilter(PERIOD.start, PERIOD.end, district_id=world.soe.pk)
                                   ).table("acknowledgement").note
    assert "Histogramm" not in exact and "Histogramm" not in by_district
    assert "um bis zu ±2,5 % vom genauen Wert abweichen" in approximate


def test_a_database_migrated_with_records_but_no_roll_ups_gets_them_counted_after_migrate(world: World) -> None:
    """The roll-ups arrived by migration into databases that already held records: after `migrate` (its
    post-migrate signal) the records are counted once; an existing roll-up is left alone."""
    from django.core.management.sql import emit_post_migrate_signal

    from kommunalschutz.protection.cases.models import IncidentStatisticAckHistogram, IncidentStatisticRollup

    rng = random.Random(3)
    for _ in range(12):
        _anonymous_record(rng, world)
    IncidentStatisticRollup.objects.all().delete()
    IncidentStatisticAckHistogram.objects.all().delete()
    assert rollups.differences()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert rollups.differences() == []
    # A roll-up that exists is not rebuilt on every migrate (a wrong one is the check command's business).
    IncidentStatisticRollup.objects.filter(pk=IncidentStatisticRollup.objects.order_by("pk")[0].pk).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert rollups.differences()
