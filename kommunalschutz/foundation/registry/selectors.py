"""Read-side queries of the registry, shared by views, API and dashboards."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.registry.models import (
    District,
    Municipality,
    MunicipalityNameChange,
    PoliceDirectorate,
    StateAuthority,
)

AGS_PATTERN = re.compile(r"[0-9]{8}")
DISTRICT_KEY_PATTERN = re.compile(r"[0-9]{5}")


def current_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.filter(valid_until__isnull=True)


def overview_counts(land: str | None = None) -> dict[str, Any]:
    """Headline figures of the platform's own state (other imported states are reference data only)."""
    land = land or states.current().key
    totals = current_municipalities().filter(land=land).aggregate(
        municipalities=Count("id"), population=Sum("population"))
    return {
        "municipalities": totals["municipalities"] or 0,
        "population": totals["population"] or 0,
        "districts": District.objects.filter(land=land).count(),
    }


def search_municipalities(
    *, q: str = "", district: str = "", include_dissolved: bool = False, land: str = ""
) -> QuerySet[Municipality]:
    """Municipalities by name (case-insensitive part) or AGS prefix, optionally in one district."""
    queryset = Municipality.objects.all() if include_dissolved else current_municipalities()
    # Lists never show shapes; decoding them was half of each API request's time.
    queryset = queryset.select_related("district").defer("boundary", "district__boundary")
    q = q.strip()
    if q:
        queryset = queryset.filter(Q(search_name__contains=q.casefold()) | Q(ags__startswith=q))
    if district:
        queryset = queryset.filter(district__ags=district)
    if land:
        queryset = queryset.filter(land=land)
    return queryset.order_by(*german("name"), "ags")


def municipality_by_ags(ags: str) -> Municipality | None:
    """One municipality (current or dissolved) with everything its page shows, or None."""
    if not AGS_PATTERN.fullmatch(ags):
        return None
    return (
        Municipality.objects.select_related("district__police_directorate", "successor")
        .prefetch_related(
            Prefetch("history", queryset=MunicipalityNameChange.objects.select_related("related")),
            Prefetch("predecessors", queryset=Municipality.objects.order_by(*german("name"))),
        )
        .filter(ags=ags)
        .first()
    )


def districts_with_counts(land: str = "") -> QuerySet[District]:
    queryset = District.objects.select_related("police_directorate").defer("boundary").annotate(
        municipality_count=Count("municipalities", filter=Q(municipalities__valid_until__isnull=True))
    )
    if land:
        queryset = queryset.filter(land=land)
    return queryset.order_by("land", *german("name"))


def district_by_ags(ags: str) -> District | None:
    if not DISTRICT_KEY_PATTERN.fullmatch(ags):
        return None
    return District.objects.select_related("police_directorate").filter(ags=ags).first()


def municipalities_of(district: District) -> QuerySet[Municipality]:
    return current_municipalities().filter(district=district).order_by(*german("name"))


def police_directorates() -> QuerySet[PoliceDirectorate]:
    """Directorates with their districts and totals of current municipalities."""
    return (
        PoliceDirectorate.objects.prefetch_related(
            Prefetch("districts", queryset=District.objects.order_by(*german("name"))))
        .annotate(
            municipality_count=Count(
                "districts__municipalities", filter=Q(districts__municipalities__valid_until__isnull=True)
            ),
            population=Sum(
                "districts__municipalities__population",
                filter=Q(districts__municipalities__valid_until__isnull=True),
            ),
        )
        .order_by(*german("name"))
    )


def state_authorities() -> QuerySet[StateAuthority]:
    return StateAuthority.objects.order_by(*german("name"))


def state_keys_present() -> list[str]:
    return list(District.objects.order_by("land").values_list("land", flat=True).distinct())
