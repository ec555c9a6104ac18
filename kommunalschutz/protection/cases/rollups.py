"""Roll-ups of the anonymous statistical record, kept on write (decision 0031).

``IncidentStatisticRollup`` holds one wide row per (month of the incident, district, police directorate,
synthetic): the number of incidents, the number with each value of every category column and the number
with each bit of the three masks set. ``IncidentStatisticAckHistogram`` holds the times to acknowledgement
per (month, synthetic, acute, bucket). Both are sums over IncidentStatistic and nothing
finer: the statistics pages already show these counts.

Every write of an IncidentStatistic row (save, delete) changes the roll-ups in the same transaction by
the difference between the old row's contribution and the new row's: ``apply_change``. The increments are
one ``INSERT ... ON CONFLICT DO UPDATE SET c = c + excluded.c`` per touched key (the same SQL on SQLite
and PostgreSQL), always in ascending key order and the roll-up before the histogram, so two writers lock
the shared rows in the same order and cannot deadlock. A change that moves nothing (e.g. only the
closing reason) touches no roll-up row at all.

``rebuild`` recounts everything from the statistical record (after a bulk load, or by the operator with
``kommunalschutz rebuild-statistics``), ``differences`` compares the stored roll-ups with a recount.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.lookups import GreaterThan

from kommunalschutz.protection.cases.models import (
    ACK_RELATIVE_ERROR,
    MASK_BITS,
    AffectedRole,
    Case,
    Channel,
    IncidentStatistic,
    IncidentStatisticAckHistogram,
    IncidentStatisticRollup,
    Tristate,
    rollup_column,
)

# The fields of IncidentStatistic a roll-up reads (nothing else moves a roll-up).
COUNTED_FIELDS = ("occurred_month", "district_id", "police_directorate_id", "is_synthetic", "type_mask",
                  "channel", "affected_role", "politically_motivated", "intake", "is_acute",
                  "acknowledgement_minutes", "measure_mask", "referral_mask")
KEY_FIELDS = ("occurred_month", "district_key", "directorate_key", "is_synthetic")
HISTOGRAM_KEY_FIELDS = ("occurred_month", "is_synthetic", "is_acute", "bucket")


def category_values() -> dict[str, list[Any]]:
    """The values of each category column that have a count column of their own."""
    return {"channel": list(Channel.values), "affected_role": list(AffectedRole.values),
            "politically_motivated": list(Tristate.values), "intake": list(Case.Intake.values),
            "is_acute": [True, False]}


def value_columns() -> dict[tuple[str, Any], str]:
    return {(field, value): rollup_column(field, value)
            for field, values in category_values().items() for value in values}


def bit_columns() -> dict[tuple[str, int], str]:
    return {(field, 1 << index): f"{field}_{index}" for field, count in MASK_BITS.items() for index in range(count)}


COUNT_COLUMNS: tuple[str, ...] = ("n", *value_columns().values(), *bit_columns().values())


# --- buckets of the time to acknowledgement ------------------------------------------------------------

def _bucket_bounds(relative_error: float, top: int = 2**31) -> list[int]:
    """Lower bounds of the buckets: bucket k holds the whole minutes lo_k .. lo_{k+1} - 1 with
    lo_{k+1} - 1 <= lo_k * r, r = (1 + e) / (1 - e). Up to about 1 / (r - 1) minutes every bucket is one
    minute wide (exact); above, they grow geometrically."""
    ratio = (1 + relative_error) / (1 - relative_error)
    bounds = [0]
    while bounds[-1] < top:
        low = bounds[-1]
        bounds.append(max(low + 1, math.floor(low * ratio) + 1))
    return bounds


BUCKET_BOUNDS = _bucket_bounds(ACK_RELATIVE_ERROR)


def bucket_of(minutes: int) -> int:
    return bisect.bisect_right(BUCKET_BOUNDS, minutes) - 1


def bucket_value(bucket: int) -> float:
    """The value that stands for every minute count of the bucket: the harmonic mean of its ends, which is
    within ``ACK_RELATIVE_ERROR`` of each of them ((hi - lo) / (hi + lo) <= (r - 1) / (r + 1) = e)."""
    low, high = BUCKET_BOUNDS[bucket], BUCKET_BOUNDS[bucket + 1] - 1
    if low == high:
        return float(low)
    return 2.0 * low * high / (low + high)


# --- contributions and their upsert ---------------------------------------------------------------------

Key = tuple[dt.date, int, int, bool]
HistogramKey = tuple[dt.date, bool, bool, int]


def _month(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    assert isinstance(value, dt.date)
    return value.replace(day=1)


def contribution(values: Mapping[str, Any]) -> tuple[Key, dict[str, int], HistogramKey | None]:
    """What one statistical record adds: its roll-up key and columns, and its histogram key (if acknowledged)."""
    month = _month(values["occurred_month"])
    directorate = int(values["police_directorate_id"] or 0)
    synthetic = bool(values["is_synthetic"])
    key: Key = (month, int(values["district_id"] or 0), directorate, synthetic)
    columns = {"n": 1}
    for (field, value), column in value_columns().items():
        if values[field] == value:
            columns[column] = 1
    for (field, bit), column in bit_columns().items():
        if int(values[field] or 0) & bit:
            columns[column] = 1
    histogram: HistogramKey | None = None
    minutes = values["acknowledgement_minutes"]
    if minutes is not None:
        histogram = (month, synthetic, bool(values["is_acute"]), bucket_of(int(minutes)))
    return key, columns, histogram


class Delta:
    """Summed changes to roll-up and histogram rows, applied in one go in key order."""

    def __init__(self) -> None:
        self.rollup: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.histogram: dict[HistogramKey, int] = defaultdict(int)

    def add(self, values: Mapping[str, Any], sign: int) -> None:
        key, columns, histogram = contribution(values)
        row = self.rollup[key]
        for column, n in columns.items():
            row[column] += sign * n
        if histogram is not None:
            self.histogram[histogram] += sign

    def apply(self) -> None:
        rollup_rows = [(key, {c: n for c, n in columns.items() if n})
                       for key, columns in sorted(self.rollup.items())]
        _upsert(IncidentStatisticRollup._meta.db_table, KEY_FIELDS, COUNT_COLUMNS,
                [(key, columns) for key, columns in rollup_rows if columns])
        _upsert(IncidentStatisticAckHistogram._meta.db_table, HISTOGRAM_KEY_FIELDS, ("n",),
                [(key, {"n": n}) for key, n in sorted(self.histogram.items()) if n])


def _upsert(table: str, key_fields: tuple[str, ...], columns: tuple[str, ...],
            rows: list[tuple[tuple[Any, ...], dict[str, int]]]) -> None:
    """Add the counts to the rows of ``table`` (created when missing), row by row in the given order."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = [*key_fields, *columns]
    updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in columns)
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608 - names are ours
           f"VALUES ({', '.join(['%s'] * len(names))}) "
           f"ON CONFLICT ({', '.join(quote(k) for k in key_fields)}) DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        for key, counts in rows:  # one statement per row keeps the lock order the row order
            cursor.execute(sql, [*key, *(counts.get(c, 0) for c in columns)])


def counted_values(statistic: IncidentStatistic) -> dict[str, Any]:
    return {field: getattr(statistic, field) for field in COUNTED_FIELDS}


def stored_values(pk: Any, *, lock: bool = True) -> dict[str, Any] | None:
    """The counted fields of the row as the database has it (locked for the rest of the transaction)."""
    qs = IncidentStatistic.objects.filter(pk=pk)
    if lock and connection.features.has_select_for_update:
        qs = qs.select_for_update()
    values: dict[str, Any] | None = qs.values(*COUNTED_FIELDS).first()
    return values


def apply_change(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    """Move the roll-ups from the contribution of ``before`` to that of ``after`` (either may be None)."""
    if before is not None and after is not None and all(before[f] == after[f] for f in COUNTED_FIELDS):
        return
    delta = Delta()
    if before is not None:
        delta.add(before, -1)
    if after is not None:
        delta.add(after, +1)
    delta.apply()


def add_records(records: Iterable[Mapping[str, Any]]) -> None:
    """Add many new records at once (after a bulk_create, which bypasses save)."""
    delta = Delta()
    for values in records:
        delta.add(values, +1)
    delta.apply()


# --- recount, rebuild, check ----------------------------------------------------------------------------

def _recount_rollups(stats: Any) -> dict[Key, dict[str, int]]:
    aggregates: dict[str, Any] = {"n": Count("pk")}
    for (field, value), column in value_columns().items():
        aggregates[column] = Count("pk", filter=Q(**{field: value}))
    for (field, bit), column in bit_columns().items():
        aggregates[column] = Count("pk", filter=GreaterThan(F(field).bitand(bit), 0))
    result: dict[Key, dict[str, int]] = {}
    rows = stats.order_by().values("occurred_month", "district_id", "police_directorate_id", "is_synthetic"
                                   ).annotate(**aggregates)
    for row in rows:
        key: Key = (_month(row["occurred_month"]), int(row["district_id"] or 0),
                    int(row["police_directorate_id"] or 0), bool(row["is_synthetic"]))
        result[key] = {column: int(row[column] or 0) for column in COUNT_COLUMNS}
    return result


def _recount_histogram(stats: Any) -> dict[HistogramKey, int]:
    result: dict[HistogramKey, int] = defaultdict(int)
    rows = (stats.filter(acknowledgement_minutes__isnull=False).order_by()
            .values("occurred_month", "is_synthetic", "is_acute", "acknowledgement_minutes")
            .annotate(n=Count("pk")))
    for row in rows:
        key: HistogramKey = (_month(row["occurred_month"]), bool(row["is_synthetic"]), bool(row["is_acute"]),
                             bucket_of(int(row["acknowledgement_minutes"])))
        result[key] += row["n"]
    return dict(result)


def _stored_rollups(rollups: Any) -> dict[Key, dict[str, int]]:
    result: dict[Key, dict[str, int]] = {}
    for row in rollups.values(*KEY_FIELDS, *COUNT_COLUMNS):
        key: Key = (row["occurred_month"], row["district_key"], row["directorate_key"], row["is_synthetic"])
        if any(row[c] for c in COUNT_COLUMNS):
            result[key] = {c: row[c] for c in COUNT_COLUMNS}
    return result


def _stored_histogram() -> dict[HistogramKey, int]:
    return {(r["occurred_month"], r["is_synthetic"], r["is_acute"], r["bucket"]): r["n"]
            for r in IncidentStatisticAckHistogram.objects.values(*HISTOGRAM_KEY_FIELDS, "n") if r["n"]}


def differences(limit: int = 50) -> list[str]:
    """How the stored roll-ups differ from a full recount of the statistical record (empty: they agree)."""
    found: list[str] = []
    expected = _recount_rollups(IncidentStatistic.objects.all())
    stored = _stored_rollups(IncidentStatisticRollup.objects.all())
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, {}), stored.get(key, {})
        for column in COUNT_COLUMNS:
            if want.get(column, 0) != have.get(column, 0):
                found.append(f"{key[0]:%Y-%m} district={key[1]} directorate={key[2]} synthetic={key[3]} "
                             f"{column}: {have.get(column, 0)} != {want.get(column, 0)}")
    expected_h, stored_h = _recount_histogram(IncidentStatistic.objects.all()), _stored_histogram()
    for hkey in sorted(set(expected_h) | set(stored_h)):
        if expected_h.get(hkey, 0) != stored_h.get(hkey, 0):
            found.append(f"{hkey[0]:%Y-%m} synthetic={hkey[1]} acute={hkey[2]} "
                         f"bucket={hkey[3]}: {stored_h.get(hkey, 0)} != {expected_h.get(hkey, 0)}")
    return found[:limit] if limit else found


def rebuild() -> tuple[int, int]:
    """Recount every roll-up and histogram row from the statistical record; returns the row counts.
    Locks both tables on PostgreSQL for the duration, so no write interleaves with the recount."""
    with transaction.atomic():
        rollup_table = IncidentStatisticRollup._meta.db_table
        histogram_table = IncidentStatisticAckHistogram._meta.db_table
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                quote = connection.ops.quote_name
                cursor.execute(f"LOCK TABLE {quote(rollup_table)}, {quote(histogram_table)} "
                               "IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(f"LOCK TABLE {quote(IncidentStatistic._meta.db_table)} IN SHARE MODE")
        IncidentStatisticRollup.objects.all().delete()
        IncidentStatisticAckHistogram.objects.all().delete()
        rollups = [IncidentStatisticRollup(occurred_month=key[0], district_key=key[1], directorate_key=key[2],
                                           is_synthetic=key[3], **columns)
                   for key, columns in sorted(_recount_rollups(IncidentStatistic.objects.all()).items())]
        IncidentStatisticRollup.objects.bulk_create(rollups, batch_size=2000)
        histogram = [IncidentStatisticAckHistogram(occurred_month=k[0], is_synthetic=k[1], is_acute=k[2],
                                                   bucket=k[3], n=n)
                     for k, n in sorted(_recount_histogram(IncidentStatistic.objects.all()).items())]
        IncidentStatisticAckHistogram.objects.bulk_create(histogram, batch_size=5000)
    return len(rollups), len(histogram)


def rebuild_for_registry_change(*, district_id: int | None = None, directorate_id: int | None = None) -> None:
    """After a district or directorate was deleted (its statistics now point nowhere): recount the roll-up
    rows of that key and of 'none' (the histogram has neither)."""
    with transaction.atomic():
        if district_id is not None:
            keys = {district_id, 0}
            IncidentStatisticRollup.objects.filter(district_key__in=keys).delete()
            stats = IncidentStatistic.objects.filter(Q(district_id=district_id) | Q(district__isnull=True))
            IncidentStatisticRollup.objects.bulk_create(
                [IncidentStatisticRollup(occurred_month=k[0], district_key=k[1], directorate_key=k[2],
                                         is_synthetic=k[3], **c)
                 for k, c in sorted(_recount_rollups(stats).items())], batch_size=2000)
        if directorate_id is not None:
            keys = {directorate_id, 0}
            stats = IncidentStatistic.objects.filter(Q(police_directorate_id=directorate_id)
                                                     | Q(police_directorate__isnull=True))
            IncidentStatisticRollup.objects.filter(directorate_key__in=keys).delete()
            IncidentStatisticRollup.objects.bulk_create(
                [IncidentStatisticRollup(occurred_month=k[0], district_key=k[1], directorate_key=k[2],
                                         is_synthetic=k[3], **c)
                 for k, c in sorted(_recount_rollups(stats).items())], batch_size=2000)


# --- the receivers that keep the roll-ups on every write ------------------------------------------------

def _before_save(sender: Any, instance: IncidentStatistic, raw: bool = False, **kwargs: Any) -> None:
    instance._rollup_before = stored_values(instance.pk) if instance.pk is not None else None  # type: ignore[attr-defined]


def _after_save(sender: Any, instance: IncidentStatistic, created: bool, raw: bool = False,
                update_fields: Any = None, **kwargs: Any) -> None:
    before: dict[str, Any] | None = getattr(instance, "_rollup_before", None)
    instance._rollup_before = None  # type: ignore[attr-defined]
    after = counted_values(instance)
    if before is not None and update_fields is not None:
        # A partial save changed only these columns; the others are as the database had them.
        saved = {getattr(instance._meta.get_field(name), "attname", name) for name in update_fields}
        after = {field: (after[field] if field in saved else before[field]) for field in COUNTED_FIELDS}
    apply_change(before, after)


def _before_delete(sender: Any, instance: IncidentStatistic, **kwargs: Any) -> None:
    instance._rollup_before = stored_values(instance.pk)  # type: ignore[attr-defined]


def _after_delete(sender: Any, instance: IncidentStatistic, **kwargs: Any) -> None:
    before: dict[str, Any] | None = getattr(instance, "_rollup_before", None)
    instance._rollup_before = None  # type: ignore[attr-defined]
    apply_change(before, None)


def _district_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    rebuild_for_registry_change(district_id=instance.pk)


def _directorate_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    rebuild_for_registry_change(directorate_id=instance.pk)


def connect_receivers() -> None:
    from django.db.models import signals

    from kommunalschutz.foundation.registry.models import District, PoliceDirectorate

    uid = "cases.rollups"
    signals.pre_save.connect(_before_save, sender=IncidentStatistic, dispatch_uid=uid)
    signals.post_save.connect(_after_save, sender=IncidentStatistic, dispatch_uid=uid)
    signals.pre_delete.connect(_before_delete, sender=IncidentStatistic, dispatch_uid=uid)
    signals.post_delete.connect(_after_delete, sender=IncidentStatistic, dispatch_uid=uid)
    signals.post_delete.connect(_district_deleted, sender=District, dispatch_uid=uid)
    signals.post_delete.connect(_directorate_deleted, sender=PoliceDirectorate, dispatch_uid=uid)


def fill_if_empty(**_kwargs: Any) -> None:
    """After ``migrate``: a database that has statistical records but no roll-up rows (it was migrated to the
    roll-ups with records in it) gets them counted once. Run after every migration, with the final models,
    so no migration calls code that may expect columns a later migration adds."""
    from kommunalschutz.protection.cases.models import IncidentStatisticRollup

    if IncidentStatistic.objects.exists() and not IncidentStatisticRollup.objects.exists():
        rebuild()
