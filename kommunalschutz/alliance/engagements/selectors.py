"""Reads of the engagements app, scoped to what the user may see (no N+1: lists load in a few queries).

Who sees which engagement:
- engagements of every kind except coaching follow ``alliance.view_municipality_work``
  (``alliance.selectors.scope_for``): the coordination office all, a municipal coordinator their own
  municipality (or district), a police contact the municipalities of its directorate's districts;
- coaching processes follow ``engagements.view_coaching_process``: the coordination office, the
  municipal coordinator of the municipality, and the process's coach; the police do not see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.models import (
    AnalysisPhase,
    Coach,
    CoachingProcess,
    Competence,
    Consultation,
    Engagement,
    FollowUpTask,
    FundingApplication,
    OfferType,
    SecurityAnalysis,
)
from kommunalschutz.alliance.programme.rules import own_target_ids
from kommunalschutz.alliance.programme.selectors import (
    programme_land,
    scope_for,
    target_lookup,
    visible_districts,
    visible_municipalities,
)
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.foundation.registry.models import District

FINISHED = (Engagement.Status.COMPLETED, Engagement.Status.CANCELLED)


def today() -> dt.date:
    return timezone.localdate()


# --- the offer catalogue -------------------------------------------------------------------------------


def offer_types(*, active_only: bool = False) -> QuerySet[OfferType]:
    offers = OfferType.objects.all()
    if active_only:
        offers = offers.filter(active=True)
    return offers.order_by("position", *german("name"))


def offer_types_with_counts() -> QuerySet[OfferType]:
    return offer_types().annotate(engagement_count=Count("engagements"))


# --- engagements ------------------------------------------------------------------------------------------


def overdue_phases(*, on: dt.date | None = None) -> QuerySet[AnalysisPhase]:
    """Phases whose planned end has passed without an actual end, in analyses still under way."""
    return AnalysisPhase.objects.filter(
        planned_end__lt=on or today(), actual_end__isnull=True,
    ).exclude(analysis__engagement__status__in=FINISHED)


def visible_engagements(user: Any) -> QuerySet[Engagement]:
    """Every engagement the user may open (see the module docstring)."""
    engagements = scope_for(Engagement.objects.all(), user)
    if user is not None and getattr(user, "is_authenticated", False) and not user.has_perm("alliance.view_programme"):
        municipalities, districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
        own = Q(municipality_id__in=municipalities) | Q(district_id__in=districts)
        engagements = engagements.filter(~Q(offer_type__kind=OfferType.Kind.COACHING) | own)
    return engagements


def filter_targets(user: Any) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The municipalities and districts the engagement filter offers: those whose engagements the user
    may see (the coordination office: every current municipality of the state; Pirna's coordinator: Pirna
    and its district; the police: its directorate's districts and their municipalities)."""
    land = programme_land()
    municipalities = (visible_municipalities(user).filter(valid_until__isnull=True, land=land)
                      .defer("boundary").order_by(*german("name"), "ags"))
    districts = (District.objects.filter(Q(pk__in=visible_districts(user).values("pk"))
                                         | Q(pk__in=municipalities.values("district")), land=land)
                 .defer("boundary").order_by(*german("name")))
    return municipalities, districts


def engagement_rows(user: Any, *, offer: OfferType | None = None, status: str = "", municipality: Any = None,
                    district: Any = None, year: int | None = None, overdue: bool = False) -> QuerySet[Engagement]:
    """The engagement list: filtered, with what each row shows loaded in the same query."""
    rows = (visible_engagements(user)
            .select_related("offer_type", "municipality", "district", "owner")
            .defer("municipality__boundary", "district__boundary")
            .annotate(has_overdue_phase=Exists(overdue_phases().filter(analysis_id=OuterRef("pk")))))
    if offer is not None:
        rows = rows.filter(offer_type=offer)
    if status:
        rows = rows.filter(status=status)
    if municipality is not None:
        rows = rows.filter(municipality=municipality)
    if district is not None:
        # A district filter shows the district's own engagements and those of its municipalities.
        rows = rows.filter(Q(district=district) | Q(municipality__district=district))
    if year:
        rows = rows.filter(started_on__gte=dt.date(year, 1, 1), started_on__lte=dt.date(year, 12, 31))
    if overdue:
        rows = rows.filter(has_overdue_phase=True)
    return rows.order_by("-started_on", "-pk")


def engagements_of_target(target: Any, user: Any) -> list[Engagement]:
    """A municipality's (or district's) engagements the user may open, for its record page (the police
    see no coaching processes); registered with ``alliance.hooks`` in the app's ready()."""
    return list(visible_engagements(user).filter(**target_lookup(target)).select_related("offer_type")
                .order_by("-started_on", "-pk"))


def first_contact_problem(municipality: Any, district: Any, first_contact: dt.date | None) -> str | None:
    """Why a target's first contact cannot become ``first_contact`` (None when engagements allow it):
    no engagement may lie before the first contact (deleting a lifecycle step, ``alliance.hooks``)."""
    lookup = {"municipality": municipality} if municipality is not None else {"district": district}
    first_engagement = Engagement.objects.filter(**lookup).aggregate(first=Min("started_on"))["first"]
    if first_engagement is not None and (first_contact is None or first_contact > first_engagement):
        return _("Deleting this step would leave engagements dated before the first contact (the earliest "
                 "on %(date)s).") % {"date": first_engagement.strftime("%d.%m.%Y")}
    return None


def engagement_years() -> list[int]:
    first = Engagement.objects.order_by("started_on").values_list("started_on", flat=True).first()
    last = Engagement.objects.order_by("-started_on").values_list("started_on", flat=True).first()
    if first is None or last is None:
        return []
    return list(range(last.year, first.year - 1, -1))


def engagement_permission(engagement: Engagement) -> tuple[str, Any]:
    """The permission (and the object it is checked on) that decides who may read this engagement."""
    if engagement.offer_type.kind == OfferType.Kind.COACHING:
        process = getattr(engagement, "coaching", None)
        return "engagements.view_coaching_process", process
    return "alliance.view_municipality_work", engagement


def engagement_for(user: Any, pk: int) -> Engagement:
    """One engagement with its kind's details, or 404 when it does not exist or is not the user's to see."""
    engagement = (Engagement.objects.select_related("offer_type", "municipality__district", "district", "owner")
                  .defer("municipality__boundary", "municipality__district__boundary", "district__boundary")
                  .filter(pk=pk).first())
    if engagement is None:
        raise Http404
    permission, obj = engagement_permission(engagement)
    if obj is None or not user.has_perm(permission, obj):
        raise Http404
    return engagement


@dataclass
class Details:
    """What the detail page shows besides the core fields, by kind."""

    consultation: Consultation | None = None
    tasks: list[FollowUpTask] = field(default_factory=list)
    coaching: CoachingProcess | None = None
    analysis: SecurityAnalysis | None = None
    phases: list[AnalysisPhase] = field(default_factory=list)
    funding: FundingApplication | None = None


def details_of(engagement: Engagement) -> Details:
    kind = engagement.offer_type.kind
    details = Details()
    if kind == OfferType.Kind.CONSULTATION:
        details.consultation = (Consultation.objects.prefetch_related("participating_organisations")
                                .filter(engagement=engagement).first())
        if details.consultation is not None:
            details.tasks = list(details.consultation.tasks.all())
    elif kind == OfferType.Kind.COACHING:
        details.coaching = (CoachingProcess.objects.select_related("coach__user", "coach__institute")
                            .prefetch_related("needs", "sessions", "evaluations")
                            .filter(engagement=engagement).first())
    elif kind == OfferType.Kind.SECURITY_ANALYSIS:
        details.analysis = (SecurityAnalysis.objects.select_related("contractor")
                            .filter(engagement=engagement).first())
        if details.analysis is not None:
            details.phases = list(details.analysis.phases.all())
    elif kind == OfferType.Kind.FUNDING:
        details.funding = (FundingApplication.objects.select_related("prior_consultation__engagement")
                           .filter(engagement=engagement).first())
    return details


def consultations_for_funding(*, municipality: Any = None, district: Any = None) -> QuerySet[Consultation]:
    """Consultations that can serve as a funding application's prior consultation (same target)."""
    consultations = Consultation.objects.select_related("engagement").exclude(
        engagement__status=Engagement.Status.CANCELLED)
    if municipality is not None:
        consultations = consultations.filter(engagement__municipality=municipality)
    elif district is not None:
        consultations = consultations.filter(engagement__district=district)
    else:
        return consultations.none()
    return consultations.order_by("-engagement__started_on")


# --- coaching -------------------------------------------------------------------------------------------


def open_process_filter(prefix: str = "") -> Q:
    """Processes that take up a coach's capacity: not closed, neither completed nor cancelled."""
    return Q(**{f"{prefix}closed_on__isnull": True}) & ~Q(**{f"{prefix}engagement__status__in": FINISHED})


def coaching_rows(user: Any, *, open_only: bool = False) -> QuerySet[CoachingProcess]:
    """The coaching list: the coordination office sees every process, a coach only their own."""
    processes = (CoachingProcess.objects
                 .select_related("engagement__offer_type", "engagement__municipality", "engagement__district",
                                 "coach__user")
                 .defer("engagement__municipality__boundary", "engagement__district__boundary")
                 .annotate(session_count=Count("sessions")))
    if user is None or not getattr(user, "is_authenticated", False):
        return processes.none()
    if not user.has_perm("alliance.view_programme"):
        processes = processes.filter(coach__user=user)
    if open_only:
        processes = processes.filter(open_process_filter())
    return processes.order_by("-engagement__started_on", "-pk")


def coach_pool() -> QuerySet[Coach]:
    return (Coach.objects.select_related("user", "institute")
            .prefetch_related("competences", Prefetch("regions", queryset=_districts()))
            .annotate(open_processes=Count("processes", filter=open_process_filter("processes__"))))


def _districts() -> QuerySet[Any]:
    from kommunalschutz.foundation.registry.models import District

    return District.objects.defer("boundary").order_by(*german("name"))


@dataclass
class Suggestion:
    """One coach in the ranking of the coaching form, with the reasons for their place."""

    coach: Coach
    matched: list[Competence]
    in_region: bool
    open_processes: int

    @property
    def free(self) -> int:
        return max(self.coach.capacity - self.open_processes, 0)

    @property
    def key(self) -> tuple[int, int, int, int, str]:
        return (0 if self.free else 1, -len(self.matched), 0 if self.in_region else 1, -self.free,
                str(self.coach).lower())


def rank_coaches(*, needs: Iterable[Competence], district_id: int | None) -> list[Suggestion]:
    """Available coaches, best match first (docs/alliance/offers-and-engagements.md explains the order).

    1. coaches with a free place before fully booked ones;
    2. more of the chosen needs among their competences;
    3. the municipality's district among their regions;
    4. more free places; then by name.
    """
    wanted = {competence.pk for competence in needs}
    suggestions = []
    for coach in coach_pool().filter(active=True):
        matched = [c for c in coach.competences.all() if c.pk in wanted]
        in_region = district_id is not None and any(d.pk == district_id for d in coach.regions.all())
        suggestions.append(Suggestion(coach=coach, matched=matched, in_region=in_region,
                                      open_processes=coach.open_processes))  # type: ignore[attr-defined]
    return sorted(suggestions, key=lambda s: s.key)
