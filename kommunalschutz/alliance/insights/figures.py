"""The programme figures, computed from the records for any date.

Definitions (docs/alliance.md, "Programme figures"), each "on or before the date":

- contacted_municipalities: municipalities with any lifecycle transition (model municipalities included).
- model_municipalities: municipalities with a "model municipality" transition.
- member_municipalities: municipalities whose latest "member" transition is not followed by "left".
- cooperation_agreements: agreements signed and not terminated by the date (municipalities and districts).
- consultations / coaching_processes / security_analyses: engagements of that offer kind dated on or
  before the date (a consultation's day, a coaching process's or analysis's kick-off), not cancelled.
- municipalities_with_coaching: distinct municipalities among those coaching processes.
- prevention_councils: councils founded or reactivated and not dissolved by the date.

``figures_as_of`` answers from the roll-up kept on write (``rollup``, decision 0032): one aggregate query
over the per-day deltas. ``figures_by_recount`` asks the records themselves (a handful of aggregate
queries), the truth the roll-up is checked against. ``figures_series`` reads the roll-up's day rows once
for many dates; ``figures_series_by_timeline`` reads the few dated columns of the records once and
evaluates every date in Python. Tests check all of them agree.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db.models import Count, F, Max, Q

from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from kommunalschutz.alliance.insights import rollup
from kommunalschutz.alliance.programme.lifecycle import membership_periods
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Programme, Stage

# The order of the figures in the API, the dashboard and the exports.
FIGURE_NAMES = (
    "member_municipalities", "model_municipalities", "contacted_municipalities", "cooperation_agreements",
    "consultations", "coaching_processes", "municipalities_with_coaching", "prevention_councils",
    "security_analyses",
)

COUNTED_KINDS: dict[str, str] = {
    OfferType.Kind.CONSULTATION: "consultations",
    OfferType.Kind.COACHING: "coaching_processes",
    OfferType.Kind.SECURITY_ANALYSIS: "security_analyses",
}


@dataclass(frozen=True)
class Figures:
    as_of: dt.date
    member_municipalities: int
    model_municipalities: int
    contacted_municipalities: int
    cooperation_agreements: int
    consultations: int
    coaching_processes: int
    municipalities_with_coaching: int
    prevention_councils: int
    security_analyses: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def values(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURE_NAMES}


def programme_start() -> dt.date | None:
    return Programme.objects.order_by("pk").values_list("started_on", flat=True).first()


def _member_count(as_of: dt.date) -> int:
    per_municipality = (
        MembershipTransition.objects.filter(date__lte=as_of, municipality__isnull=False)
        .values("municipality")
        .annotate(last_member=Max("date", filter=Q(stage=Stage.MEMBER)),
                  last_left=Max("date", filter=Q(stage=Stage.LEFT)))
        .filter(last_member__isnull=False)
        .filter(Q(last_left__isnull=True) | Q(last_left__lt=F("last_member")))
    )
    return per_municipality.count()


def figures_as_of(as_of: dt.date) -> Figures:
    """The figures on ``as_of`` from the roll-up (one query over the per-day deltas)."""
    totals = rollup.totals_as_of(as_of)
    return Figures(as_of=as_of, **{name: totals.get(name, 0) for name in FIGURE_NAMES})


def figures_by_recount(as_of: dt.date) -> Figures:
    """The figures on ``as_of`` counted from the records (what the roll-up must always equal)."""
    transitions = MembershipTransition.objects.filter(date__lte=as_of, municipality__isnull=False)
    lifecycle = transitions.aggregate(
        contacted=Count("municipality", distinct=True),
        model=Count("municipality", distinct=True, filter=Q(stage=Stage.MODEL)),
    )
    agreements = CooperationAgreement.objects.filter(
        signed_on__lte=as_of, status__in=[CooperationAgreement.Status.SIGNED, CooperationAgreement.Status.TERMINATED],
    ).filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=as_of)).count()
    engagements = Engagement.objects.filter(started_on__lte=as_of).exclude(status=Engagement.Status.CANCELLED)
    counted = engagements.aggregate(
        consultations=Count("pk", filter=Q(offer_type__kind=OfferType.Kind.CONSULTATION)),
        coaching_processes=Count("pk", filter=Q(offer_type__kind=OfferType.Kind.COACHING)),
        municipalities_with_coaching=Count(
            "municipality", distinct=True, filter=Q(offer_type__kind=OfferType.Kind.COACHING)),
        security_analyses=Count("pk", filter=Q(offer_type__kind=OfferType.Kind.SECURITY_ANALYSIS)),
    )
    councils = PreventionCouncil.objects.filter(established_on__lte=as_of).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of)).count()
    return Figures(
        as_of=as_of,
        member_municipalities=_member_count(as_of),
        model_municipalities=lifecycle["model"],
        contacted_municipalities=lifecycle["contacted"],
        cooperation_agreements=agreements,
        consultations=counted["consultations"],
        coaching_processes=counted["coaching_processes"],
        municipalities_with_coaching=counted["municipalities_with_coaching"],
        prevention_councils=councils,
        security_analyses=counted["security_analyses"],
    )


class _Running:
    """How many periods [start, end) contain a date, in O(log n) per date."""

    def __init__(self, periods: list[tuple[dt.date | None, dt.date | None]]) -> None:
        kept = [(start, end) for start, end in periods if start is not None and (end is None or end > start)]
        self.starts = sorted(start for start, _ in kept if start is not None)
        self.ends = sorted(end for _, end in kept if end is not None)

    def count(self, as_of: dt.date) -> int:
        # A period that has ended by as_of has started by then too (end > start), so the difference
        # is exactly the periods running on as_of.
        return bisect_right(self.starts, as_of) - bisect_right(self.ends, as_of)


class _Timeline:
    """The dated columns behind the figures, read once, for evaluating many dates."""

    def __init__(self) -> None:
        first_contact: dict[int, dt.date] = {}
        first_model: dict[int, dt.date] = {}
        membership: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
        rows = MembershipTransition.objects.filter(municipality__isnull=False).order_by().values_list(
            "municipality_id", "stage", "date")
        for municipality_id, stage, date in rows:
            if municipality_id not in first_contact or date < first_contact[municipality_id]:
                first_contact[municipality_id] = date
            if stage == Stage.MODEL and (municipality_id not in first_model
                                         or date < first_model[municipality_id]):
                first_model[municipality_id] = date
            if stage in (Stage.MEMBER, Stage.LEFT):
                membership[municipality_id].append((date, stage))
        self.members = _Running([period for history in membership.values()
                                 for period in membership_periods(history)])
        self.agreements = _Running(list(
            CooperationAgreement.objects.filter(
                signed_on__isnull=False,
                status__in=[CooperationAgreement.Status.SIGNED, CooperationAgreement.Status.TERMINATED],
            ).values_list("signed_on", "terminated_on")
        ))
        self.engagements: dict[str, list[dt.date]] = defaultdict(list)
        first_coaching: dict[int, dt.date] = {}
        rows2 = Engagement.objects.exclude(status=Engagement.Status.CANCELLED).filter(
            offer_type__kind__in=list(COUNTED_KINDS)).order_by().values_list(  # sorted here, not by the database
                "offer_type__kind", "started_on", "municipality_id")
        for kind, started_on, municipality_id in rows2:
            self.engagements[COUNTED_KINDS[kind]].append(started_on)
            if kind == OfferType.Kind.COACHING and municipality_id is not None and (
                    municipality_id not in first_coaching or started_on < first_coaching[municipality_id]):
                first_coaching[municipality_id] = started_on
        for dates in self.engagements.values():
            dates.sort()
        self.councils = _Running(list(
            PreventionCouncil.objects.order_by().values_list("established_on", "dissolved_on")))
        self.sorted_contact = sorted(first_contact.values())
        self.sorted_model = sorted(first_model.values())
        self.sorted_coaching = sorted(first_coaching.values())

    def evaluate(self, as_of: dt.date) -> Figures:
        return Figures(
            as_of=as_of,
            member_municipalities=self.members.count(as_of),
            model_municipalities=bisect_right(self.sorted_model, as_of),
            contacted_municipalities=bisect_right(self.sorted_contact, as_of),
            cooperation_agreements=self.agreements.count(as_of),
            consultations=bisect_right(self.engagements["consultations"], as_of),
            coaching_processes=bisect_right(self.engagements["coaching_processes"], as_of),
            municipalities_with_coaching=bisect_right(self.sorted_coaching, as_of),
            prevention_councils=self.councils.count(as_of),
            security_analyses=bisect_right(self.engagements["security_analyses"], as_of),
        )


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month from start's month to end's month; end itself closes the list."""
    dates: list[dt.date] = []
    year, month = start.year, start.month
    while True:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        if last >= end:
            break
        dates.append(last)
        year, month = following.year, following.month
    dates.append(end)
    return dates


def figures_series(dates: list[dt.date]) -> list[Figures]:
    """The figures on many dates from the roll-up's day rows (read once, running sums, bisection per date)."""
    daily = rollup.DailySeries.load()
    return [Figures(as_of=date, **{name: daily.total(name, date) for name in FIGURE_NAMES}) for date in dates]


def figures_series_by_timeline(dates: list[dt.date]) -> list[Figures]:
    """The same series from the records (their dated columns read once), independent of the roll-up."""
    timeline = _Timeline()
    return [timeline.evaluate(date) for date in dates]


def figure_field_names() -> list[str]:
    return [f.name for f in fields(Figures)]
