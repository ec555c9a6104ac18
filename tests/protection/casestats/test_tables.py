"""Every table of the case statistics against hand-counted records, the filters and the percentiles."""

from __future__ import annotations

import datetime as dt
import random
import statistics as pystats
from typing import Any

import pytest

from kommunalschutz.protection.cases.models import type_bit
from kommunalschutz.protection.casestats import selectors, tables
from kommunalschutz.protection.casestats.selectors import StatisticsFilter
from kommunalschutz.protection.measures.models import measure_bit, referral_bit
from tests.protection.casestats.conftest import stat, stats

pytestmark = pytest.mark.django_db

PERIOD = StatisticsFilter(start=dt.date(2022, 1, 1), end=dt.date(2023, 12, 1))


def values(table: tables.Table) -> dict[tuple[str, str], Any]:
    return {(row.key, key): cell.value for row in table.rows
            for (key, _label), cell in zip(table.columns, row.cells, strict=True)}


@pytest.fixture
def records(world: Any) -> dict[str, Any]:
    threat, insult, assault = type_bit("threat"), type_bit("insult"), type_bit("assault")
    soe, vogtland = world.soe, world.vogtland
    stats(6, dt.date(2022, 3, 10), type_mask=threat, politically_motivated="yes", district=soe,
          police_directorate=world.dresden_pd, acknowledgement_minutes=600,
          measure_mask=measure_bit("named_contact"))
    stats(2, dt.date(2022, 5, 2), channel="email", affected_role="council_member", type_mask=threat | insult,
          is_acute=True, district=vogtland, police_directorate=world.zwickau_pd, acknowledgement_minutes=30,
          measure_mask=measure_bit("referral") | measure_bit("named_contact"),
          referral_mask=referral_bit("hateaid"))
    stats(10, dt.date(2023, 1, 20), channel="social_media", affected_role="staff", type_mask=insult,
          intake="anonymous", district=soe, police_directorate=world.dresden_pd, is_synthetic=True)
    stats(5, dt.date(2023, 7, 1), channel="phone", type_mask=threat | assault, is_acute=True,
          politically_motivated="no", district=None, police_directorate=None)
    # outside the period: never counted
    stat(dt.date(2021, 12, 31), type_mask=threat)
    stat(dt.date(2024, 1, 1), type_mask=threat)
    return {"soe": soe, "vogtland": vogtland}


def test_raw_counts_per_year_month_and_category(records: dict[str, Any]) -> None:
    assert selectors.count_by_year(PERIOD) == {2022: 8, 2023: 15}
    assert selectors.count_by_month(PERIOD) == {(2022, 3): 6, (2022, 5): 2, (2023, 1): 10, (2023, 7): 5}
    assert selectors.count_by_field(PERIOD, "channel") == {(2022, "letter"): 6, (2022, "email"): 2,
                                                           (2023, "social_media"): 10, (2023, "phone"): 5}
    types = selectors.count_by_bits(PERIOD, "type_mask", {"threat": type_bit("threat"),
                                                          "insult": type_bit("insult"),
                                                          "assault": type_bit("assault")})
    # a case with two types counts in both
    assert types == {(2022, "threat"): 8, (2022, "insult"): 2, (2022, "assault"): 0,
                     (2023, "threat"): 5, (2023, "insult"): 10, (2023, "assault"): 5}


def test_every_table_without_suppression(records: dict[str, Any], settings: Any) -> None:
    settings.STATISTICS_MIN_CELL = 1  # nothing is small: the exact hand counts
    board = tables.build(PERIOD)
    assert values(board.table("per_year")) == {("2022", "incidents"): 8, ("2023", "incidents"): 15}
    totals = board.table("per_year").column_totals
    assert totals is not None and totals[0].value == 23
    month = values(board.table("per_month"))
    assert month[("2022", "3")] == 6 and month[("2022", "5")] == 2 and month[("2023", "7")] == 5
    assert month[("2022", "4")] == 0
    types = values(board.table("types"))
    assert types[("2022", "threat")] == 8 and types[("2022", "insult")] == 2 and types[("2023", "assault")] == 5
    assert board.table("types").additive is False
    channel = values(board.table("channel"))
    assert channel[("2022", "letter")] == 6 and channel[("2022", "email")] == 2
    assert channel[("2023", "social_media")] == 10 and channel[("2023", "phone")] == 5
    role = values(board.table("role"))
    assert role[("2022", "mayor")] == 6 and role[("2022", "council_member")] == 2 and role[("2023", "staff")] == 10
    motivation = values(board.table("motivation"))
    assert motivation[("2022", "yes")] == 6 and motivation[("2023", "no")] == 5
    assert motivation[("2023", "unknown")] == 10
    intake = values(board.table("intake"))
    assert intake[("2023", "anonymous")] == 10 and intake[("2023", "self")] == 5
    district = board.table("district")
    by_label = {row.label: [c.value for c in row.cells] for row in district.rows}
    by_key = {row.key: [c.value for c in row.cells] for row in district.rows}
    assert by_label[records["soe"].name] == [6, 10]
    assert by_label[records["vogtland"].name] == [2, 0]
    assert by_key["none"] == [0, 5]
    acute = board.table("acute")
    assert [[c.value for c in row.cells] for row in acute.rows] == [[2, 6, 25.0], [5, 10, 33.3]]
    measures = values(board.table("measures"))
    assert measures[("2022", "named_contact")] == 8 and measures[("2022", "referral")] == 2
    referrals = values(board.table("referrals"))
    assert referrals[("2022", "hateaid")] == 2 and referrals[("2022", "zastex")] == 0
    ack = board.table("acknowledgement")
    first = [c.value for c in ack.rows[0].cells]
    assert first == [2, 0.5, 0.5, 6, 10.0, 10.0]  # acute 30 min, others 600 min (hours)


def test_suppressed_tables_show_no_small_count(records: dict[str, Any]) -> None:
    board = tables.build(PERIOD)  # STATISTICS_MIN_CELL = 5
    for table in board.tables:
        if table.key == "acknowledgement":
            continue
        for row in table.rows:
            for cell in [*row.cells, row.total]:
                if cell is not None and cell.value is not None and not isinstance(cell.value, float):
                    assert not 1 <= cell.value < 5, (table.key, row.key)
    channel = board.table("channel")
    email = channel.rows[0].cells[[k for k, _l in channel.columns].index("email")]
    assert email.suppressed and email.value is None and email.display == "<5"
    # complementary: the letter cell of 2022 goes too, or 8 - 6 would give the 2 e-mails
    letter = channel.rows[0].cells[[k for k, _l in channel.columns].index("letter")]
    assert letter.suppressed
    # the acute share of 2022 would reveal the 2 acute cases
    assert board.table("acute").rows[0].cells[2].suppressed
    # times to acknowledgement of 2 acute cases are not shown
    ack = board.table("acknowledgement").rows[0].cells
    assert ack[0].suppressed and ack[1].suppressed and ack[2].suppressed
    assert ack[3].value == 6 and ack[4].value == 10.0


def test_filters_district_directorate_synthetic_and_period(records: dict[str, Any], world: Any) -> None:
    def years(flt: StatisticsFilter) -> dict[int, int]:
        return selectors.count_by_year(flt)

    assert years(StatisticsFilter(PERIOD.start, PERIOD.end, district_id=records["soe"].pk)) == {2022: 6, 2023: 10}
    assert years(StatisticsFilter(PERIOD.start, PERIOD.end, directorate_id=world.zwickau_pd.pk)) == {2022: 2}
    assert years(StatisticsFilter(PERIOD.start, PERIOD.end, include_synthetic=False)) == {2022: 8, 2023: 5}
    assert years(StatisticsFilter(dt.date(2022, 4, 1), dt.date(2023, 6, 1))) == {2022: 2, 2023: 10}
    assert years(StatisticsFilter(dt.date(2021, 12, 1), dt.date(2024, 1, 1))) == {2021: 1, 2022: 8, 2023: 15,
                                                                                  2024: 1}


def test_default_period_runs_from_the_earliest_data_to_the_current_month(world: Any) -> None:
    from kommunalschutz.protection.casestats.forms import StatisticsFilterForm
    from kommunalschutz.protection.casestats.models import PoliceFigure

    PoliceFigure.objects.all().delete()
    today = dt.date(2026, 5, 17)
    # no data at all: the current year so far
    assert selectors.default_period(today) == (dt.date(2026, 1, 1), dt.date(2026, 5, 1))
    stat(dt.date(2019, 3, 4))
    stat(dt.date(2026, 5, 2))  # this month's report is inside the default period
    assert selectors.default_period(today) == (dt.date(2019, 3, 1), dt.date(2026, 5, 1))
    PoliceFigure.objects.create(region="SN", year=2017, count=100, status="final", as_of=dt.date(2018, 4, 1),
                                source="PKS")
    assert selectors.default_period(today) == (dt.date(2017, 1, 1), dt.date(2026, 5, 1))
    form = StatisticsFilterForm({}, today=today)
    assert form.is_valid(), form.errors
    assert selectors.count_by_year(form.statistics_filter()) == {2019: 1, 2026: 1}
    # a figure from before 2000 does not make the default refuse itself
    PoliceFigure.objects.create(region="DE", year=1990, count=1, status="final", as_of=dt.date(1991, 4, 1),
                                source="PKS")
    form = StatisticsFilterForm({}, today=today)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == dt.date(2000, 1, 1)


def test_deleted_cases_still_count_through_their_anonymised_record(world: Any) -> None:
    stats(3, dt.date(2022, 2, 1), case=None, anonymised=True)
    assert selectors.count_by_year(PERIOD) == {2022: 3}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_agree_with_a_python_reference(world: Any, seed: int) -> None:
    rng = random.Random(seed)
    minutes = {True: [rng.randint(0, 300) for _ in range(rng.randint(1, 40))],
               False: [rng.randint(0, 6000) for _ in range(rng.randint(2, 60))]}
    for acute, values_ in minutes.items():
        for value in values_:
            stat(dt.date(2023, rng.randint(1, 12), 1), is_acute=acute, acknowledgement_minutes=value)
    stat(dt.date(2023, 3, 1), acknowledgement_minutes=None)  # not acknowledged: not counted
    result = selectors.acknowledgement_times(PERIOD)
    for acute, values_ in minutes.items():
        figure = result[(2023, acute)]
        assert figure.n == len(values_)
        assert figure.median_minutes == pytest.approx(pystats.median(values_))
        if len(values_) > 1:
            p90 = pystats.quantiles(values_, n=10, method="inclusive")[8]
            assert figure.p90_minutes == pytest.approx(p90)
    assert selectors.percentile_cont([], 0.5) is None


def test_exports_rows_carry_the_suppressed_flag_and_no_value(records: dict[str, Any]) -> None:
    board = tables.build(PERIOD)
    labels = {key: str(label) for key, label in board.table("channel").columns}
    lines = tables.flat_rows(board.table("channel"))
    email = next(line for line in lines if line[0] == "2022" and line[1] == labels["email"])
    assert email[2] is None and email[3] == "ja"
    social = next(line for line in lines if line[0] == "2023" and line[1] == labels["social_media"])
    assert social[2] == 10 and social[3] == ""


