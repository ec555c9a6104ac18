"""Reads of the case statistics: counts over the anonymous statistical record only.

Every figure comes from ``cases.models.IncidentStatistic`` (one row per case, kept in anonymised form
after retention deletes the case), never from the cases themselves. All counting happens in the
database: GROUP BY the month of the incident and a category, or conditional sums over bit tests of
the type/measure/referral masks. Months are folded into years here, in Python (at most a few hundred
grouped rows), which keeps the SQL portable and lets SQLite group by the indexed column instead of
calling a date function per row.

The time to acknowledgement is given as median and 90th percentile with the definition of
PostgreSQL's ``percentile_cont`` (linear interpolation between the two nearest ranks). On PostgreSQL
the database computes them; on SQLite the ordered minutes of each year are read and the same
interpolation is applied (``percentile_cont``), so both give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, IntegerField, QuerySet, Sum, Value, When
from django.db.models import Case as When_Case
from django.db.models.functions import ExtractYear
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from kommunalschutz.apps.cases.models import IncidentStatistic

YEARS_BY_DEFAULT = 6


@dataclass(frozen=True)
class StatisticsFilter:
    """What the statistics count: incidents whose month lies in [start, end] (first days of months)."""

    start: dt.date
    end: dt.date
    district_id: int | None = None
    directorate_id: int | None = None
    include_synthetic: bool = True

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    @property
    def months(self) -> list[tuple[int, int]]:
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last six full calendar years."""
    today = today or timezone.localdate()
    return dt.date(today.year - YEARS_BY_DEFAULT, 1, 1), dt.date(today.year - 1, 12, 1)


def statistics(flt: StatisticsFilter) -> QuerySet[IncidentStatistic]:
    qs = IncidentStatistic.objects.filter(occurred_month__gte=flt.start, occurred_month__lte=flt.end)
    if flt.district_id is not None:
        qs = qs.filter(district_id=flt.district_id)
    if flt.directorate_id is not None:
        qs = qs.filter(police_directorate_id=flt.directorate_id)
    if not flt.include_synthetic:
        qs = qs.filter(is_synthetic=False)
    return qs


def _month_rows(qs: QuerySet[IncidentStatistic], *fields: str, **aggregates: Any) -> Iterable[dict[str, Any]]:
    return list(qs.order_by().values("occurred_month", *fields).annotate(**aggregates))


def count_by_month(flt: StatisticsFilter) -> dict[tuple[int, int], int]:
    """Incidents per (year, month)."""
    result: dict[tuple[int, int], int] = defaultdict(int)
    for row in _month_rows(statistics(flt), n=Count("pk")):
        month = row["occurred_month"]
        result[(month.year, month.month)] += row["n"]
    return dict(result)


def count_by_year(flt: StatisticsFilter) -> dict[int, int]:
    result: dict[int, int] = defaultdict(int)
    for (year, _month), n in count_by_month(flt).items():
        result[year] += n
    return dict(result)


def count_by_field(flt: StatisticsFilter, field: str) -> dict[tuple[int, Any], int]:
    """Incidents per (year, value of a category column), e.g. channel, district_id, is_acute."""
    result: dict[tuple[int, Any], int] = defaultdict(int)
    for row in _month_rows(statistics(flt), field, n=Count("pk")):
        result[(row["occurred_month"].year, row[field])] += row["n"]
    return dict(result)


def count_by_bits(flt: StatisticsFilter, field: str, bits: dict[str, int]) -> dict[tuple[int, str], int]:
    """Incidents per (year, code) whose mask ``field`` has the code's bit set: one conditional SUM per
    bit over ``field & bit``. A case with several bits counts once in each."""
    aggregates = {
        f"b_{index}": Sum(When_Case(When(GreaterThan(F(field).bitand(bit), 0), then=Value(1)), default=Value(0),
                                    output_field=IntegerField()))
        for index, bit in enumerate(bits.values())
    }
    result: dict[tuple[int, str], int] = defaultdict(int)
    codes = list(bits)
    for row in _month_rows(statistics(flt), **aggregates):
        year = row["occurred_month"].year
        for index, code in enumerate(codes):
            result[(year, code)] += int(row[f"b_{index}"] or 0)
    return dict(result)


# --- time to acknowledgement --------------------------------------------------------------------------


def percentile_cont(ordered: list[int] | list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont on an ascending list: linear interpolation between ranks."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower))


class PercentileCont(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression) - PostgreSQL only."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class AckFigure:
    n: int
    median_minutes: float | None
    p90_minutes: float | None


def acknowledgement_times(flt: StatisticsFilter) -> dict[tuple[int, bool], AckFigure]:
    """Per (year, acute): how many cases were acknowledged, and the median and 90th percentile of the
    minutes from report to acknowledgement."""
    qs = statistics(flt).filter(acknowledgement_minutes__isnull=False)
    result: dict[tuple[int, bool], AckFigure] = {}
    if connection.vendor == "postgresql":
        rows = (qs.order_by().annotate(year=ExtractYear("occurred_month")).values("year", "is_acute")
                .annotate(n=Count("acknowledgement_minutes"),
                          median=PercentileCont("acknowledgement_minutes", 0.5),
                          p90=PercentileCont("acknowledgement_minutes", 0.9)))
        for row in rows:
            result[(int(row["year"]), bool(row["is_acute"]))] = AckFigure(
                row["n"], float(row["median"]) if row["median"] is not None else None,
                float(row["p90"]) if row["p90"] is not None else None)
        return result
    for year in flt.years:
        minutes: dict[bool, list[int]] = {True: [], False: []}
        in_year = qs.filter(occurred_month__gte=dt.date(year, 1, 1), occurred_month__lte=dt.date(year, 12, 1))
        for acute, value in (in_year.order_by("is_acute", "acknowledgement_minutes")
                             .values_list("is_acute", "acknowledgement_minutes")):
            minutes[bool(acute)].append(int(value or 0))
        for acute, ordered in minutes.items():
            if ordered:
                result[(year, acute)] = AckFigure(len(ordered), percentile_cont(ordered, 0.5),
                                                  percentile_cont(ordered, 0.9))
    return result


# --- choices for the filter ---------------------------------------------------------------------------


def districts_with_statistics() -> QuerySet[Any]:
    from kommunalschutz.apps.registry.models import District

    return District.objects.order_by("name")


def directorates() -> QuerySet[Any]:
    from kommunalschutz.apps.registry.models import PoliceDirectorate

    return PoliceDirectorate.objects.order_by("name")


def police_figures(region: str = "SN") -> list[Any]:
    """The latest published figure per year and offence group (newest as-of first in the model order)."""
    from kommunalschutz.apps.casestats.models import PoliceFigure

    latest: dict[tuple[int, str], Any] = {}
    for figure in PoliceFigure.objects.filter(region=region).order_by("year", "offence_group", "-as_of"):
        latest.setdefault((figure.year, figure.offence_group), figure)
    return list(latest.values())
