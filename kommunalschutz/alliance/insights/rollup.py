"""The programme figures kept on write: per-day deltas and the contribution of every source record.

Shape (decision 0032): ``FigureDelta(day, figure) -> delta``; a figure on a date is the sum of its
deltas on or before the date, one small aggregate query whatever the number of records. Each source
record has a contribution, a handful of (day, figure, delta) entries:

- municipality "m:<id>": first contact (+1 contacted), first "model" step (+1 model), each membership
  period (+1 at its start, -1 at its end), the first not-cancelled coaching process (+1
  municipalities_with_coaching). The lifecycle rules of ``programme.lifecycle.membership_periods``.
- agreement "a:<id>": +1 when signed, -1 when terminated (signed or terminated status only).
- engagement "e:<id>": +1 on its start for the counted offer kinds, unless cancelled.
- council "c:<id>": +1 when founded or reactivated, -1 when dissolved.

A write recomputes the contribution of the sources it touched from their current rows
(``refresh``), compares it with the stored one (``FigureSource``, locked first, so two writers of
one source run one after the other) and adds the difference to ``FigureDelta`` with one portable
upsert, in the writer's transaction. Signal receivers (registered in ``InsightsConfig.ready``) call
``refresh`` after every save and delete of the four models, so services, fixtures and shell edits
all keep it; ``bulk_create``/``QuerySet.update`` bypass signals, and their callers (the bench
generator) rebuild afterwards (``rebuild``; ``kommunalschutz rebuild-figures``).

Against deadlocks, one refresh locks its source rows in key order, and no transaction locks a day row
before its commit: on PostgreSQL the deltas wait in ``PendingFigureDelta`` and a deferred trigger folds
them into ``FigureDelta`` at commit, ordered by (day, figure); SQLite runs one writer at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Sum

from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from kommunalschutz.alliance.insights.models import FigureDelta, FigureSource, PendingFigureDelta
from kommunalschutz.alliance.programme.lifecycle import membership_periods
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage

Key = tuple[dt.date, str]
Contribution = Counter[Key]

COUNTED_KINDS: dict[str, str] = {
    OfferType.Kind.CONSULTATION: "consultations",
    OfferType.Kind.COACHING: "coaching_processes",
    OfferType.Kind.SECURITY_ANALYSIS: "security_analyses",
}
AGREEMENT_STATUSES = (CooperationAgreement.Status.SIGNED, CooperationAgreement.Status.TERMINATED)
UPSERT_BATCH = 300


# --- contributions (pure) ----------------------------------------------------------------------------


def _period(contribution: Contribution, figure: str, start: dt.date | None, end: dt.date | None) -> None:
    if start is None or (end is not None and end <= start):
        return
    contribution[(start, figure)] += 1
    if end is not None:
        contribution[(end, figure)] -= 1


def municipality_contribution(steps: Iterable[tuple[dt.date, str]], coaching_starts: Iterable[dt.date]) -> Contribution:
    steps = list(steps)
    contribution: Contribution = Counter()
    if steps:
        contribution[(min(date for date, _stage in steps), "contacted_municipalities")] += 1
    models = [date for date, stage in steps if stage == Stage.MODEL]
    if models:
        contribution[(min(models), "model_municipalities")] += 1
    for start, end in membership_periods(steps):
        _period(contribution, "member_municipalities", start, end)
    coaching = list(coaching_starts)
    if coaching:
        contribution[(min(coaching), "municipalities_with_coaching")] += 1
    return contribution


def agreement_contribution(status: str, signed_on: dt.date | None, terminated_on: dt.date | None) -> Contribution:
    contribution: Contribution = Counter()
    if status in AGREEMENT_STATUSES:
        _period(contribution, "cooperation_agreements", signed_on, terminated_on)
    return contribution


def engagement_contribution(kind: str | None, status: str, started_on: dt.date | None) -> Contribution:
    contribution: Contribution = Counter()
    if kind in COUNTED_KINDS and status != Engagement.Status.CANCELLED and started_on is not None:
        contribution[(started_on, COUNTED_KINDS[kind])] += 1
    return contribution


def council_contribution(established_on: dt.date | None, dissolved_on: dt.date | None) -> Contribution:
    contribution: Contribution = Counter()
    _period(contribution, "prevention_councils", established_on, dissolved_on)
    return contribution


def _coaching(engagements: Any) -> Any:
    return engagements.exclude(status=Engagement.Status.CANCELLED).filter(offer_type__kind=OfferType.Kind.COACHING)


# --- one source from its current rows ------------------------------------------------------------------


def current_contribution(key: str) -> Contribution:
    kind, _sep, raw = key.partition(":")
    pk = int(raw)
    if kind == "m":
        steps = MembershipTransition.objects.filter(municipality_id=pk).values_list("date", "stage")
        coaching = _coaching(Engagement.objects.filter(municipality_id=pk)).order_by("started_on").values_list(
            "started_on", flat=True)[:1]
        return municipality_contribution(steps, coaching)
    if kind == "a":
        agreement = CooperationAgreement.objects.filter(pk=pk).values_list(
            "status", "signed_on", "terminated_on").first()
        return agreement_contribution(*agreement) if agreement else Counter()
    if kind == "e":
        engagement = Engagement.objects.filter(pk=pk).values_list("offer_type__kind", "status", "started_on").first()
        return engagement_contribution(*engagement) if engagement else Counter()
    if kind == "c":
        council = PreventionCouncil.objects.filter(pk=pk).values_list("established_on", "dissolved_on").first()
        return council_contribution(*council) if council else Counter()
    raise ValueError(f"unknown figure source {key!r}")


def _encode(contribution: Contribution) -> dict[str, int]:
    return {f"{day.isoformat()}|{figure}": delta for (day, figure), delta in sorted(contribution.items()) if delta}


def _decode(stored: dict[str, int]) -> Contribution:
    decoded: Contribution = Counter()
    for text, delta in stored.items():
        day, _sep, figure = text.partition("|")
        decoded[(dt.date.fromisoformat(day), figure)] += int(delta)
    return decoded


def _add_deltas(deltas: Contribution) -> None:
    """Add each delta to its day row (created at need), in the caller's transaction.

    PostgreSQL: the deltas go to PendingFigureDelta (plain inserts, no lock on a day row); a deferred
    constraint trigger folds them into FigureDelta at commit, one upsert ordered by (day, figure). A
    transaction thus locks day rows only at its very end and in the one global order, whatever order its
    writes came in: no deadlock between writers. SQLite runs one writer at a time: one upsert here.
    """
    rows = sorted(((key, delta) for key, delta in deltas.items() if delta), key=lambda item: item[0])
    if not rows:
        return
    if connection.vendor == "postgresql":
        PendingFigureDelta.objects.bulk_create(
            [PendingFigureDelta(day=day, figure=figure, delta=delta) for (day, figure), delta in rows],
            batch_size=UPSERT_BATCH)
        return
    table = connection.ops.quote_name(FigureDelta._meta.db_table)
    for first in range(0, len(rows), UPSERT_BATCH):
        batch = rows[first:first + UPSERT_BATCH]
        values = ", ".join(["(%s, %s, %s)"] * len(batch))
        params: list[Any] = []
        for (day, figure), delta in batch:
            params.extend([day, figure, delta])
        with connection.cursor() as cursor:
            # INSERT … ON CONFLICT DO UPDATE: the same statement as the PostgreSQL trigger's (SQLite 3.24+).
            cursor.execute(
                f"INSERT INTO {table} (day, figure, delta) VALUES {values} "  # noqa: S608 - names from the model
                f"ON CONFLICT (day, figure) DO UPDATE SET delta = {table}.delta + excluded.delta", params)


def refresh(keys: Iterable[str]) -> None:
    """Bring the roll-up up to date for these sources, in the caller's transaction."""
    wanted = sorted(set(keys))
    if not wanted:
        return
    with transaction.atomic():
        FigureSource.objects.bulk_create([FigureSource(key=key) for key in wanted], ignore_conflicts=True)
        locked = {source.key: source for source in
                  FigureSource.objects.select_for_update().filter(key__in=wanted).order_by("key")}
        deltas: Contribution = Counter()
        for key in wanted:
            source = locked[key]
            before = _decode(source.contribution or {})
            now = current_contribution(key)
            if now != before:
                # A source that no longer counts keeps its (empty) row: deleting it could pull the row from
                # under a writer that has just found it present and is about to lock it.
                FigureSource.objects.filter(key=key).update(contribution=_encode(now))
            deltas.update(now)
            deltas.subtract(before)
        _add_deltas(deltas)


# --- reading --------------------------------------------------------------------------------------------


def totals_as_of(as_of: dt.date) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for model in (FigureDelta, PendingFigureDelta):
        # PendingFigureDelta holds only this transaction's own deltas not yet folded in (PostgreSQL): empty
        # outside a writing transaction, and a lookup of an empty table's index then.
        rows = model.objects.filter(day__lte=as_of).values("figure").annotate(total=Sum("delta")).order_by()
        totals.update({row["figure"]: int(row["total"] or 0) for row in rows})
    return dict(totals)


@dataclass
class DailySeries:
    """Every day row read once; the totals on any date by bisection over running sums."""

    days: dict[str, list[dt.date]]
    sums: dict[str, list[int]]

    @classmethod
    def load(cls) -> DailySeries:
        days: dict[str, list[dt.date]] = defaultdict(list)
        sums: dict[str, list[int]] = defaultdict(list)
        merged: Contribution = Counter()
        for model in (FigureDelta, PendingFigureDelta):
            for day, figure, delta in model.objects.exclude(delta=0).values_list("day", "figure", "delta"):
                merged[(day, figure)] += delta
        for (day, figure), delta in sorted(merged.items(), key=lambda item: (item[0][1], item[0][0])):
            days[figure].append(day)
            sums[figure].append((sums[figure][-1] if sums[figure] else 0) + delta)
        return cls(days=dict(days), sums=dict(sums))

    def total(self, figure: str, as_of: dt.date) -> int:
        from bisect import bisect_right

        index = bisect_right(self.days.get(figure, []), as_of)
        return self.sums[figure][index - 1] if index else 0


# --- the full recount, rebuilding and checking ----------------------------------------------------------


def recount_sources() -> dict[str, Contribution]:
    """Every source's contribution from the records, read in bulk (the rebuild's and the check's truth)."""
    sources: dict[str, Contribution] = {}
    steps: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for municipality_id, date, stage in MembershipTransition.objects.filter(
            municipality__isnull=False).order_by().values_list("municipality_id", "date", "stage"):
        steps[municipality_id].append((date, stage))
    coaching: dict[int, list[dt.date]] = defaultdict(list)
    for municipality_id, started_on in _coaching(Engagement.objects.filter(municipality__isnull=False)).order_by(
            ).values_list("municipality_id", "started_on"):
        coaching[municipality_id].append(started_on)
    for municipality_id in steps.keys() | coaching.keys():
        sources[f"m:{municipality_id}"] = municipality_contribution(steps.get(municipality_id, []),
                                                                    coaching.get(municipality_id, []))
    for pk, status, signed_on, terminated_on in CooperationAgreement.objects.order_by().values_list(
            "pk", "status", "signed_on", "terminated_on"):
        sources[f"a:{pk}"] = agreement_contribution(status, signed_on, terminated_on)
    for pk, kind, status, started_on in Engagement.objects.order_by().values_list(
            "pk", "offer_type__kind", "status", "started_on"):
        sources[f"e:{pk}"] = engagement_contribution(kind, status, started_on)
    for pk, established_on, dissolved_on in PreventionCouncil.objects.order_by().values_list(
            "pk", "established_on", "dissolved_on"):
        sources[f"c:{pk}"] = council_contribution(established_on, dissolved_on)
    return {key: contribution for key, contribution in sources.items() if +contribution or -contribution}


def _totals(sources: dict[str, Contribution]) -> Contribution:
    total: Contribution = Counter()
    for contribution in sources.values():
        total.update(contribution)
    return Counter({key: delta for key, delta in total.items() if delta})


def _lock_tables() -> None:
    if connection.vendor == "postgresql":
        # Writers wait until the rebuild is committed (they then diff against the rebuilt contributions).
        names = ", ".join(connection.ops.quote_name(model._meta.db_table)
                          for model in (FigureSource, FigureDelta, PendingFigureDelta))
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


@dataclass(frozen=True)
class Rebuilt:
    sources: int
    days: int


def rebuild() -> Rebuilt:
    """Throw the roll-up away and write it again from a full recount, in one transaction."""
    with transaction.atomic():
        _lock_tables()
        FigureDelta.objects.all().delete()
        PendingFigureDelta.objects.all().delete()
        FigureSource.objects.all().delete()
        sources = recount_sources()
        FigureSource.objects.bulk_create(
            [FigureSource(key=key, contribution=_encode(contribution)) for key, contribution in sources.items()],
            batch_size=2000)
        totals = _totals(sources)
        FigureDelta.objects.bulk_create(
            [FigureDelta(day=day, figure=figure, delta=delta) for (day, figure), delta in sorted(totals.items())],
            batch_size=2000)
    return Rebuilt(sources=len(sources), days=len(totals))


@dataclass(frozen=True)
class Difference:
    what: str  # "day" or "source"
    key: str
    stored: Any
    recounted: Any


def check() -> list[Difference]:
    """Every difference between the roll-up and a full recount (empty: they agree)."""
    with transaction.atomic():
        _lock_tables()
        sources = recount_sources()
        stored_sources = {source.key: _decode(source.contribution or {}) for source in FigureSource.objects.all()}
        stored_days: Contribution = Counter()
        for model in (FigureDelta, PendingFigureDelta):
            for day, figure, delta in model.objects.values_list("day", "figure", "delta"):
                stored_days[(day, figure)] += delta
    differences: list[Difference] = []
    recounted_days = _totals(sources)
    for day, figure in sorted(stored_days.keys() | recounted_days.keys()):
        if stored_days.get((day, figure), 0) != recounted_days.get((day, figure), 0):
            differences.append(Difference("day", f"{day.isoformat()} {figure}", stored_days.get((day, figure), 0),
                                          recounted_days.get((day, figure), 0)))
    for key in sorted(stored_sources.keys() | sources.keys()):
        stored = _encode(stored_sources.get(key, Counter()))
        recounted = _encode(sources.get(key, Counter()))
        if stored != recounted:
            differences.append(Difference("source", key, stored, recounted))
    return differences


# --- keeping it on write: signal receivers ----------------------------------------------------------------


def _municipality_keys(*ids: int | None) -> list[str]:
    return [f"m:{pk}" for pk in {pk for pk in ids if pk is not None}]


def _remember_previous(sender: Any, instance: Any, raw: bool = False, **_kwargs: Any) -> None:
    # An edit may move a step or an engagement to another municipality: refresh the one it leaves too.
    previous = None
    if instance.pk is not None and not instance._state.adding:
        previous = sender.objects.filter(pk=instance.pk).values_list("municipality_id", flat=True).first()
    instance._figures_previous_municipality = previous


def _keys_for(instance: Any) -> list[str]:
    previous = getattr(instance, "_figures_previous_municipality", None)
    if isinstance(instance, MembershipTransition):
        return _municipality_keys(instance.municipality_id, previous)
    if isinstance(instance, Engagement):
        return [f"e:{instance.pk}", *_municipality_keys(instance.municipality_id, previous)]
    if isinstance(instance, CooperationAgreement):
        return [f"a:{instance.pk}"]
    if isinstance(instance, PreventionCouncil):
        return [f"c:{instance.pk}"]
    return []


def _on_write(sender: Any, instance: Any, **_kwargs: Any) -> None:
    refresh(_keys_for(instance))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    moving: tuple[type[Model], ...] = (MembershipTransition, Engagement)
    for mover in moving:
        pre_save.connect(_remember_previous, sender=mover, dispatch_uid=f"figures-previous-{mover.__name__}")
    counted: tuple[type[Model], ...] = (MembershipTransition, CooperationAgreement, Engagement, PreventionCouncil)
    for model in counted:
        post_save.connect(_on_write, sender=model, dispatch_uid=f"figures-save-{model.__name__}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"figures-delete-{model.__name__}")


def fill_if_empty(**_kwargs: Any) -> None:
    """After ``migrate``: a database with programme records but no roll-up (it was migrated to the roll-up
    with records in it) gets it built once, with the final models (no migration calls this code)."""
    if FigureSource.objects.exists() or FigureDelta.objects.exists():
        return
    if (MembershipTransition.objects.exists() or CooperationAgreement.objects.exists()
            or Engagement.objects.exists() or PreventionCouncil.objects.exists()):
        rebuild()
