"""Reads of the alliance's records, scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import F, Max, Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kommunalschutz.alliance.programme.models import (
    AgreementReview,
    CooperationAgreement,
    MembershipTransition,
    Programme,
    Stage,
)
from kommunalschutz.alliance.programme.rules import own_target_ids, police_directorate_ids
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.roles import Role

if TYPE_CHECKING:
    from kommunalschutz.foundation.registry.models import District, Municipality

M = TypeVar("M", bound=Model)


def scope_for(queryset: QuerySet[M], user: Any, *, prefix: str = "") -> QuerySet[M]:
    """Narrow a queryset of LocalAuthorityTarget rows (or rows reaching one through ``prefix``,
    e.g. ``"engagement__"``) to those the user may read under ``alliance.view_municipality_work``.

    The coordination office sees everything; a municipal coordinator their own municipality (or
    district); a police contact the municipalities and districts of its directorate's districts.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.has_perm("alliance.view_programme"):
        return queryset
    condition = Q(pk__in=[])
    municipalities, districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    if municipalities:
        condition |= Q(**{f"{prefix}municipality_id__in": municipalities})
    if districts:
        condition |= Q(**{f"{prefix}district_id__in": districts})
    directorates = police_directorate_ids(user)
    if directorates:
        condition |= Q(**{f"{prefix}municipality__district__police_directorate_id__in": directorates})
        condition |= Q(**{f"{prefix}district__police_directorate_id__in": directorates})
    return queryset.filter(condition)


def first_contact(*, municipality: Any = None, district: Any = None) -> dt.date | None:
    """The date of the first lifecycle transition (the first contact), or None if never contacted.

    Engagements may not be dated before it (issue 3, "bad input").
    """
    transitions = MembershipTransition.objects.all()
    if municipality is not None:
        transitions = transitions.filter(municipality=municipality)
    elif district is not None:
        transitions = transitions.filter(district=district)
    else:
        raise ValueError("first_contact needs a municipality or a district")
    return transitions.order_by("date").values_list("date", flat=True).first()


# --- The lifecycle -----------------------------------------------------------------------------------


def target_lookup(target: Any) -> dict[str, Any]:
    """The filter that finds a target's rows: ``{"municipality": …}`` or ``{"district": …}``."""
    from kommunalschutz.foundation.registry.models import District, Municipality

    if isinstance(target, Municipality):
        return {"municipality": target}
    if isinstance(target, District):
        return {"district": target}
    raise TypeError(f"a lifecycle belongs to a municipality or a district, not {type(target).__name__}")


def timeline(target: Any) -> list[MembershipTransition]:
    """Every lifecycle step of a municipality or district, oldest first."""
    return list(MembershipTransition.objects.filter(**target_lookup(target))
                .select_related("acting_organisation", "recorded_by").order_by("date", "pk"))


def stage_on(target: Any, date: dt.date) -> str | None:
    """The stage a municipality (or district) was in on a date: its latest step on or before it."""
    return (MembershipTransition.objects.filter(**target_lookup(target), date__lte=date)
            .order_by("-date", "-pk").values_list("stage", flat=True).first())


def current_stage(target: Any) -> str | None:
    return (MembershipTransition.objects.filter(**target_lookup(target))
            .order_by("-date", "-pk").values_list("stage", flat=True).first())


def members_on(date: dt.date) -> QuerySet[Municipality]:
    """Municipalities that were members on a date: their latest "member" step on or before it is not
    followed by a "left" (the rule of insights.figures, so the list and the figure agree)."""
    from kommunalschutz.foundation.registry.models import Municipality

    member_ids = (
        MembershipTransition.objects.filter(date__lte=date, municipality__isnull=False)
        .values("municipality")
        .annotate(last_member=Max("date", filter=Q(stage=Stage.MEMBER)),
                  last_left=Max("date", filter=Q(stage=Stage.LEFT)))
        .filter(last_member__isnull=False)
        .filter(Q(last_left__isnull=True) | Q(last_left__lt=F("last_member")))
        .values("municipality")
    )
    return (Municipality.objects.filter(pk__in=member_ids).select_related("district")
            .defer("boundary").order_by(*german("name"), "ags"))


def current_programme() -> Programme | None:
    return Programme.objects.select_related("coordination_office").order_by("pk").first()


def programme_land() -> str:
    return Programme.objects.order_by("pk").values_list("land", flat=True).first() or states.current().key


def _latest(field: str, outer: str) -> Subquery:
    return Subquery(MembershipTransition.objects.filter(**{outer: OuterRef("pk")})
                    .order_by("-date", "-pk").values(field)[:1])


def visible_municipalities(user: Any) -> QuerySet[Municipality]:
    """Municipalities whose alliance record the user may read (alliance.view_municipality_work)."""
    from kommunalschutz.foundation.registry.models import Municipality

    queryset = Municipality.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.has_perm("alliance.view_programme"):
        return queryset
    municipalities, _districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    directorates = police_directorate_ids(user)
    return queryset.filter(Q(pk__in=municipalities) | Q(district__police_directorate_id__in=directorates))


def visible_districts(user: Any) -> QuerySet[District]:
    """Districts whose own alliance record (district as target) the user may read."""
    from kommunalschutz.foundation.registry.models import District

    queryset = District.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.has_perm("alliance.view_programme"):
        return queryset
    _municipalities, districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    directorates = police_directorate_ids(user)
    return queryset.filter(Q(pk__in=districts) | Q(police_directorate_id__in=directorates))


NOT_CONTACTED = "none"


def _apply_record_filters(queryset: QuerySet[Any], filters: Mapping[str, Any], *, district_field: str) -> QuerySet[Any]:
    stage = filters.get("stage") or ""
    if stage == NOT_CONTACTED:
        queryset = queryset.filter(current_stage__isnull=True)
    elif stage:
        queryset = queryset.filter(current_stage=stage)
    district = filters.get("district")
    if district:
        queryset = queryset.filter(**{district_field: getattr(district, "ags", district)})
    q = (filters.get("q") or "").strip()
    if q:
        queryset = queryset.filter(ags__startswith=q) if q.isdigit() else queryset.filter(name__icontains=q)
    return queryset


def municipality_records(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Municipality]:
    """The municipalities of the programme's state the user may see, each annotated with
    ``current_stage`` and ``current_stage_date`` (one query, no N+1).

    filters: ``q`` (part of the name or an AGS prefix), ``stage`` (a Stage value, or "none" for
    never contacted) and ``district`` (a District or its AGS).
    """
    filters = filters or {}
    queryset = (
        visible_municipalities(user)
        # Merged municipalities stay listed when they have a lifecycle of their own.
        .filter(Q(valid_until__isnull=True)
                | Q(pk__in=MembershipTransition.objects.filter(municipality__isnull=False).values("municipality")),
                land=programme_land())
        .select_related("district").defer("boundary", "district__boundary")
        .annotate(current_stage=_latest("stage", "municipality"),
                  current_stage_date=_latest("date", "municipality"))
        .order_by(*german("name"), "ags")
    )
    return _apply_record_filters(queryset, filters, district_field="district__ags")


def district_records(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[District]:
    """Districts the user may see as targets of their own, annotated like municipality_records."""
    filters = filters or {}
    queryset = (
        visible_districts(user).filter(land=programme_land()).defer("boundary")
        .annotate(current_stage=_latest("stage", "district"), current_stage_date=_latest("date", "district"))
        .order_by(*german("name"))
    )
    return _apply_record_filters(queryset, filters, district_field="ags")


# --- Agreements --------------------------------------------------------------------------------------


def agreements_for(user: Any) -> QuerySet[CooperationAgreement]:
    """Agreements the user may read (alliance.view_agreement): the coordination office all, a municipal
    coordinator their own municipality's (or district's), the police those its directorate is party to."""
    queryset = CooperationAgreement.objects.select_related(
        "municipality", "district", "police_directorate", "coordination_office")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.has_perm("alliance.view_programme"):
        return queryset
    municipalities, districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    directorates = police_directorate_ids(user)
    return queryset.filter(
        Q(municipality_id__in=municipalities)
        | Q(municipality__isnull=True, district_id__in=districts)
        | Q(police_directorate_id__in=directorates)
    )


def agreements_of(target: Any, user: Any) -> list[CooperationAgreement]:
    return list(agreements_for(user).filter(**target_lookup(target))
                .prefetch_related("signatories", "reviews").order_by("-created_at", "-pk"))


def open_reviews(*, within_days: int, today: dt.date | None = None) -> QuerySet[AgreementReview]:
    """Open reviews of agreements in force that are due within the given days or overdue."""
    today = today or timezone.localdate()
    return (AgreementReview.objects.filter(
        completed_on__isnull=True, due_on__lte=today + dt.timedelta(days=within_days),
        agreement__status=CooperationAgreement.Status.SIGNED)
        .select_related("agreement__municipality", "agreement__district").order_by("due_on", "pk"))
