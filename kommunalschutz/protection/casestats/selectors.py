"""Reads of the case statistics: counts over the anonymous statistical record only.

Every figure comes from ``cases.models.IncidentStatistic`` (one row per case, kept in anonymised form
after retention deletes the case), never from the cases themselves - read through its roll-ups
(``cases.rollups``, decision 0031), which every write of the record changes in the same transaction:
``IncidentStatisticRollup`` (per month, district, directorate, synthetic: the number of records, of each
category value and of each mask bit) and ``IncidentStatisticAckHistogram`` (times to acknowledgement per
month, synthetic, acute and bucket of minutes). Months are folded into years here or by the database.

A dashboard build reads through a ``Snapshot`` (``load(flt)``, one per request, nothing cached beyond
it): ONE grouped sum of the roll-up rows per month gives all incidents, every category value and every
mask bit; the district table is one grouped sum per (year, district); the times to acknowledgement are
one more read. A value outside the choices (e.g. from an older version) or a mask bit without a roll-up
column is counted by a scan of the record (``_scan_monthly_counts``, ``scan_grouped_counts``,
``_bit_sums``), so the results equal the scan's. The selector functions also take a plain filter and then
make a snapshot of their own.

The time to acknowledgement is given as median and 90th percentile with the definition of
PostgreSQL's ``percentile_cont`` (linear interpolation between the two nearest ranks). Exact - computed by
PostgreSQL, or on SQLite from a frequency table per (year, acute, minutes) with the same interpolation
(``percentile_cont_counts``) - for filters with a district or directorate or up to EXACT_ACK_LIMIT
records; above, from the histogram, within ACK_RELATIVE_ERROR of the exact figure (the page says so).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DateField, F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from kommunalschutz.foundation.core.collation import german
from kommunalschutz.protection.cases.models import (
    MASK_BITS,
    AffectedRole,
    Case,
    Channel,
    IncidentStatistic,
    IncidentStatisticAckHistogram,
    IncidentStatisticRollup,
    IncidentType,
    Tristate,
    type_bit,
)
from kommunalschutz.protection.cases.rollups import bit_columns as rollup_bits
from kommunalschutz.protection.cases.rollups import bucket_value
from kommunalschutz.protection.cases.rollups import value_columns as rollup_values


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
    """From the earliest data to the current month: the first month with an incident in the
    statistical record or January of the first year with an official police figure, whichever is
    earlier, up to the month of ``today`` (so the current year's reports are always shown). Without
    any data: the current year so far."""
    from django.db.models import Min

    from kommunalschutz.protection.casestats.models import PoliceFigure

    today = today or timezone.localdate()
    end = today.replace(day=1)
    candidates = [end.replace(month=1)]
    first_incident = IncidentStatistic.objects.aggregate(first=Min("occurred_month"))["first"]
    if first_incident is not None:
        candidates.append(first_incident.replace(day=1))
    first_figure = PoliceFigure.objects.aggregate(first=Min("year"))["first"]
    if first_figure is not None:
        candidates.append(dt.date(first_figure, 1, 1))
    return min(candidates), end


def _narrowed(qs: QuerySet[Any], flt: StatisticsFilter, *, month: str = "occurred_month",
              district: str = "district_id", directorate: str = "police_directorate_id") -> QuerySet[Any]:
    """``qs`` limited to the filter's period, district, directorate and (unless asked for) real records;
    the keyword arguments name the columns where a table calls them otherwise."""
    qs = qs.filter(**{f"{month}__gte": flt.start, f"{month}__lte": flt.end})
    if flt.district_id is not None:
        qs = qs.filter(**{district: flt.district_id})
    if flt.directorate_id is not None:
        qs = qs.filter(**{directorate: flt.directorate_id})
    if not flt.include_synthetic:
        qs = qs.filter(is_synthetic=False)
    return qs


def statistics(flt: StatisticsFilter) -> QuerySet[IncidentStatistic]:
    return _narrowed(IncidentStatistic.objects.all(), flt)


def _month_rows(qs: QuerySet[IncidentStatistic], *fields: str, **aggregates: Any) -> Iterable[dict[str, Any]]:
    return list(qs.order_by().values("occurred_month", *fields).annotate(**aggregates))


def _without_month_index(flt: StatisticsFilter) -> QuerySet[IncidentStatistic]:
    """``statistics(flt)``, but on SQLite with the period compared as ``+occurred_month`` so that the
    planner cannot pick the occurred_month index (and a rowid look-up per row) and scans a narrower
    covering index instead (e.g. stat_district_month when grouping by district). SQLite has no
    statistics unless ANALYZE ran and takes every range to be selective; PostgreSQL plans by its
    statistics and gets the plain filter."""
    if connection.vendor != "sqlite":
        return statistics(flt)
    month = Func(F("occurred_month"), template="+%(expressions)s", output_field=DateField())
    return _narrowed(IncidentStatistic.objects.alias(unindexed_month=month), flt, month="unindexed_month")


# Grouped by an indexed column, SQLite reads the covering index (district_id, occurred_month) instead.
_INDEXED_GROUPS = frozenset({"district_id", "police_directorate_id"})


# Grouped by district or directorate, the roll-up answers (its key holds them, 0 meaning none).
_ROLLUP_GROUPS = {"district_id": "district_key", "police_directorate_id": "directorate_key"}


def _grouped_counts(flt: StatisticsFilter, field: str) -> dict[tuple[int, Any], int]:
    if field in _ROLLUP_GROUPS:
        key = _ROLLUP_GROUPS[field]
        # Folded into years by the database: a tenth of the rows to turn into Python objects.
        year = Substr("occurred_month", 1, 4) if connection.vendor == "sqlite" else ExtractYear("occurred_month")
        return {(int(row_year), place or None): int(n)
                for row_year, place, n in rollups(flt).order_by().annotate(year=year).values("year", key)
                .annotate(n=Sum("n")).values_list("year", key, "n") if n}
    return scan_grouped_counts(flt, field)


def scan_grouped_counts(flt: StatisticsFilter, field: str) -> dict[tuple[int, Any], int]:
    """Per (year, value of ``field``) by a scan of the statistical record (fields the roll-up lacks)."""
    qs = _without_month_index(flt) if field in _INDEXED_GROUPS else statistics(flt)
    result: dict[tuple[int, Any], int] = defaultdict(int)
    for row in _month_rows(qs, field, n=Count("pk")):
        result[(row["occurred_month"].year, row[field])] += row["n"]
    return dict(result)


def _bit_sums(flt: StatisticsFilter, field: str, bits: dict[str, int]) -> dict[tuple[int, str], int]:
    aggregates = {f"b_{index}": Count("pk", filter=GreaterThan(F(field).bitand(bit), 0))
                  for index, bit in enumerate(bits.values())}
    result: dict[tuple[int, str], int] = defaultdict(int)
    codes = list(bits)
    for row in _month_rows(statistics(flt), **aggregates):
        year = row["occurred_month"].year
        for index, code in enumerate(codes):
            result[(year, code)] += int(row[f"b_{index}"] or 0)
    return dict(result)


def _category_values() -> dict[str, list[Any]]:
    return {"channel": list(Channel.values), "affected_role": list(AffectedRole.values),
            "politically_motivated": list(Tristate.values), "intake": list(Case.Intake.values),
            "is_acute": [True, False]}


def _mask_bits() -> dict[str, dict[str, int]]:
    from kommunalschutz.protection.measures.models import MeasureKind, Partner, measure_bit, referral_bit

    return {"type_mask": {code: type_bit(code) for code in IncidentType.values},
            "measure_mask": {code: measure_bit(code) for code in MeasureKind.values},
            "referral_mask": {code: referral_bit(code) for code in Partner.Category.values}}


@dataclass
class MonthlyCounts:
    """Per month of the incident: all incidents, those with each value of each category column, and
    those with each bit of each mask set - from ONE scan with filtered counts."""

    total: dict[dt.date, int]
    values: dict[str, dict[Any, dict[dt.date, int]]]  # field -> value -> month -> count
    bits: dict[str, dict[int, dict[dt.date, int]]]  # field -> bit -> month -> count

    def complete(self, field: str) -> bool:
        """True if the known values of ``field`` account for every incident of every month (a value
        outside the choices, e.g. from an older version, sends count_by_field to its own query)."""
        by_value = self.values.get(field)
        if by_value is None:
            return False
        return all(sum(months.get(month, 0) for months in by_value.values()) == n
                   for month, n in self.total.items())


def _scan_monthly_counts(flt: StatisticsFilter) -> MonthlyCounts:
    """The monthly counts by a full scan of the statistical record (the reference the roll-ups replace)."""
    values = _category_values()
    masks = _mask_bits()
    aggregates: dict[str, Any] = {"n": Count("pk")}
    names: dict[str, tuple[str, str, Any]] = {}
    for field, choices in values.items():
        for value in choices:
            name = f"v_{len(names)}"
            names[name] = ("value", field, value)
            aggregates[name] = Count("pk", filter=Q(**{field: value}))
    for field, bits in masks.items():
        for bit in dict.fromkeys(bits.values()):
            name = f"b_{len(names)}"
            names[name] = ("bit", field, bit)
            aggregates[name] = Count("pk", filter=GreaterThan(F(field).bitand(bit), 0))
    counts = MonthlyCounts({}, {field: {value: {} for value in choices} for field, choices in values.items()},
                           {field: {bit: {} for bit in bits.values()} for field, bits in masks.items()})
    for row in _month_rows(statistics(flt), **aggregates):
        month = row["occurred_month"]
        counts.total[month] = counts.total.get(month, 0) + row["n"]
        for name, (kind, field, key) in names.items():
            target = counts.values[field][key] if kind == "value" else counts.bits[field][key]
            target[month] = target.get(month, 0) + int(row[name] or 0)
    return counts


def rollups(flt: StatisticsFilter) -> QuerySet[IncidentStatisticRollup]:
    """The roll-up rows (cases.rollups) that sum the records ``statistics(flt)`` selects."""
    return _narrowed(IncidentStatisticRollup.objects.all(), flt, district="district_key",
                     directorate="directorate_key")


def _monthly_counts(flt: StatisticsFilter) -> MonthlyCounts:
    """The monthly counts of every category value and mask bit: one grouped sum over the roll-up rows of
    the filter (a few per month and district) instead of a scan of every record."""
    values = rollup_values()
    bits = rollup_bits()
    columns = [*values.values(), *bits.values()]
    counts = MonthlyCounts({}, {field: {value: {} for value in choices}
                                for field, choices in _category_values().items()},
                           {field: {1 << index: {} for index in range(count)} for field, count in MASK_BITS.items()})
    rows = rollups(flt).order_by().values("occurred_month").annotate(
        total=Sum("n"), **{column: Sum(column) for column in columns})
    for row in rows:
        month = row["occurred_month"]
        if not row["total"]:
            continue  # every record of the month was deleted or moved: as if there never was one
        counts.total[month] = int(row["total"])
        for (field, value), column in values.items():
            counts.values[field][value][month] = int(row[column] or 0)
        for (field, bit), column in bits.items():
            counts.bits[field][bit][month] = int(row[column] or 0)
    return counts


class Snapshot:
    """The grouped reads of one dashboard build (one request), each run at most once and shared by
    all tables: the monthly counts of every category and bit (one scan), the grouped counts of other
    columns (e.g. district) and the times to acknowledgement. Nothing outlives the object, so every
    request reads fresh data. Pass it to count_by_month / count_by_field / count_by_bits /
    acknowledgement_times instead of the filter."""

    def __init__(self, flt: StatisticsFilter) -> None:
        self.filter = flt
        self._monthly: MonthlyCounts | None = None
        self._grouped: dict[str, dict[tuple[int, Any], int]] = {}
        self._bits: dict[tuple[str, tuple[tuple[str, int], ...]], dict[tuple[int, str], int]] = {}
        self._ack: dict[tuple[int, bool], AckFigure] | None = None
        # True once the times to acknowledgement came from the histogram (within ACK_RELATIVE_ERROR).
        self.acknowledgement_from_histogram = False

    @property
    def monthly(self) -> MonthlyCounts:
        if self._monthly is None:
            self._monthly = _monthly_counts(self.filter)
        return self._monthly

    def count_by_month(self) -> dict[tuple[int, int], int]:
        return {(month.year, month.month): n for month, n in self.monthly.total.items()}

    def count_by_field(self, field: str) -> dict[tuple[int, Any], int]:
        if field in _category_values() and self.monthly.complete(field):
            result: dict[tuple[int, Any], int] = defaultdict(int)
            for value, months in self.monthly.values[field].items():
                for month, n in months.items():
                    if n:
                        result[(month.year, value)] += n
            return dict(result)
        if field not in self._grouped:
            self._grouped[field] = _grouped_counts(self.filter, field)
        return self._grouped[field]

    def count_by_bits(self, field: str, bits: dict[str, int]) -> dict[tuple[int, str], int]:
        known = self.monthly.bits.get(field, {})
        if all(bit in known for bit in bits.values()):
            result: dict[tuple[int, str], int] = {}
            years = sorted({month.year for month in self.monthly.total})
            for year in years:
                for code in bits:
                    result[(year, code)] = 0
            for code, bit in bits.items():
                for month, n in known[bit].items():
                    result[(month.year, code)] += n
            return result
        key = (field, tuple(bits.items()))
        if key not in self._bits:
            self._bits[key] = _bit_sums(self.filter, field, bits)
        return self._bits[key]

    def acknowledgement_times(self) -> dict[tuple[int, bool], AckFigure]:
        if self._ack is None:
            narrowed = self.filter.district_id is not None or self.filter.directorate_id is not None
            if narrowed or sum(self.monthly.total.values()) <= EXACT_ACK_LIMIT:
                self._ack = exact_acknowledgement_times(self.filter)
            else:
                self._ack = histogram_acknowledgement_times(self.filter)
                self.acknowledgement_from_histogram = True
        return self._ack


def load(flt: StatisticsFilter) -> Snapshot:
    """The shared reads of one dashboard build (see Snapshot); run lazily, at most once each."""
    return Snapshot(flt)


Source = StatisticsFilter | Snapshot


def count_by_month(source: Source) -> dict[tuple[int, int], int]:
    """Incidents per (year, month)."""
    if isinstance(source, Snapshot):
        return source.count_by_month()
    return load(source).count_by_month()


def count_by_year(source: Source) -> dict[int, int]:
    result: dict[int, int] = defaultdict(int)
    for (year, _month), n in count_by_month(source).items():
        result[year] += n
    return dict(result)


def count_by_field(source: Source, field: str) -> dict[tuple[int, Any], int]:
    """Incidents per (year, value of a category column), e.g. channel, district_id, is_acute.
    Given a filter: one GROUP BY (month, field); given a Snapshot: from its shared reads."""
    if isinstance(source, Snapshot):
        return source.count_by_field(field)
    return load(source).count_by_field(field)


def count_by_bits(source: Source, field: str, bits: dict[str, int]) -> dict[tuple[int, str], int]:
    """Incidents per (year, code) whose mask ``field`` has the code's bit set (a case with several bits
    counts once in each). Given a filter: one filtered count per bit over ``field & bit > 0``, per
    month; given a Snapshot: from its shared monthly counts."""
    if isinstance(source, Snapshot):
        return source.count_by_bits(field, bits)
    return load(source).count_by_bits(field, bits)


# --- time to acknowledgement --------------------------------------------------------------------------


def percentile_cont(ordered: list[int] | list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont on an ascending list: linear interpolation between ranks."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower))


def percentile_cont_counts(frequencies: list[tuple[int, int]] | list[tuple[float, int]],
                           fraction: float) -> float | None:
    """``percentile_cont`` of the ascending list in which each (value, count) of the ascending
    frequency table stands ``count`` times - without building that list."""
    total = sum(count for _value, count in frequencies)
    if not total:
        return None
    position = fraction * (total - 1)
    lower = int(position)
    upper = min(lower + 1, total - 1)
    low_value = high_value = None
    seen = 0
    for value, count in frequencies:
        if low_value is None and lower < seen + count:
            low_value = value
        if upper < seen + count:
            high_value = value
            break
        seen += count
    assert low_value is not None and high_value is not None
    return float(low_value + (high_value - low_value) * (position - lower))


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


def acknowledgement_times(source: Source) -> dict[tuple[int, bool], AckFigure]:
    """Per (year, acute): how many cases were acknowledged, and the median and 90th percentile of the
    minutes from report to acknowledgement."""
    if isinstance(source, Snapshot):
        return source.acknowledgement_times()
    return load(source).acknowledgement_times()


# Up to this many records in the filter the percentiles are exact (read from the record's index);
# above, they come from the histogram (ACK_RELATIVE_ERROR). A district or directorate filter always reads
# exactly: the histogram has no place (decision 0031), and one district's or directorate's records are few.
EXACT_ACK_LIMIT = 20_000


def histogram_acknowledgement_times(flt: StatisticsFilter) -> dict[tuple[int, bool], AckFigure]:
    """Median and 90th percentile from the histogram of the filter (no place filter): percentile_cont
    over the buckets, each bucket standing for the value that is within ACK_RELATIVE_ERROR of every
    minute count in it, so each figure is within that relative error of the exact one."""
    assert flt.district_id is None and flt.directorate_id is None, "the histogram has no place"
    qs = IncidentStatisticAckHistogram.objects.filter(occurred_month__gte=flt.start, occurred_month__lte=flt.end)
    if not flt.include_synthetic:
        qs = qs.filter(is_synthetic=False)
    buckets: dict[tuple[int, bool], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    year = Substr("occurred_month", 1, 4) if connection.vendor == "sqlite" else ExtractYear("occurred_month")
    rows = (qs.order_by().annotate(year=year).values("year", "is_acute", "bucket").annotate(n=Sum("n"))
            .values_list("year", "is_acute", "bucket", "n"))
    for row_year, acute, bucket, n in rows:
        if n:
            buckets[(int(row_year), bool(acute))][bucket] += int(n)
    result: dict[tuple[int, bool], AckFigure] = {}
    for key, counts in buckets.items():
        table = [(bucket_value(bucket), n) for bucket, n in sorted(counts.items()) if n]
        if table:
            result[key] = AckFigure(sum(n for _v, n in table), percentile_cont_counts(table, 0.5),
                                    percentile_cont_counts(table, 0.9))
    return result


def exact_acknowledgement_times(flt: StatisticsFilter) -> dict[tuple[int, bool], AckFigure]:
    """The exact figures, read from the statistical record (its index on month, acute, minutes)."""
    qs = statistics(flt).filter(acknowledgement_minutes__isnull=False).order_by()
    result: dict[tuple[int, bool], AckFigure] = {}
    if connection.vendor == "postgresql":
        rows = (qs.annotate(year=ExtractYear("occurred_month")).values("year", "is_acute")
                .annotate(n=Count("acknowledgement_minutes"),
                          median=PercentileCont("acknowledgement_minutes", 0.5),
                          p90=PercentileCont("acknowledgement_minutes", 0.9)))
        for row in rows:
            result[(int(row["year"]), bool(row["is_acute"]))] = AckFigure(
                row["n"], float(row["median"]) if row["median"] is not None else None,
                float(row["p90"]) if row["p90"] is not None else None)
        return result
    # Elsewhere (SQLite): a frequency table per (year, acute, minutes) - a few thousand rows rather than
    # every acknowledged case - and the same interpolation over it. The year is the first four
    # characters of the ISO date SQLite stores (ExtractYear would call a Python function per row).
    year = Substr("occurred_month", 1, 4) if connection.vendor == "sqlite" else ExtractYear("occurred_month")
    frequencies: dict[tuple[int, bool], list[tuple[int, int]]] = defaultdict(list)
    for row in (qs.annotate(year=year).values("year", "is_acute", "acknowledgement_minutes")
                .annotate(n=Count("pk")).order_by("year", "is_acute", "acknowledgement_minutes")):
        frequencies[(int(row["year"]), bool(row["is_acute"]))].append(
            (int(row["acknowledgement_minutes"]), int(row["n"])))
    for key, table in frequencies.items():
        result[key] = AckFigure(sum(n for _v, n in table), percentile_cont_counts(table, 0.5),
                                percentile_cont_counts(table, 0.9))
    return result


# --- choices for the filter ---------------------------------------------------------------------------


def districts_with_statistics() -> QuerySet[Any]:
    from kommunalschutz.foundation.registry.models import District

    return District.objects.order_by(*german("name"))


def directorates() -> QuerySet[Any]:
    from kommunalschutz.foundation.registry.models import PoliceDirectorate

    return PoliceDirectorate.objects.order_by(*german("name"))


def police_figures(region: str) -> list[Any]:
    """The latest published figure per year and offence group (newest as-of first in the model order)."""
    from kommunalschutz.protection.casestats.models import PoliceFigure

    latest: dict[tuple[int, str], Any] = {}
    for figure in PoliceFigure.objects.filter(region=region).order_by("year", "offence_group", "-as_of"):
        latest.setdefault((figure.year, figure.offence_group), figure)
    return list(latest.values())
