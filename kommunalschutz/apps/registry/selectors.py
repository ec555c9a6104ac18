"""Read-side queries of the registry, shared by views, API and dashboards."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum

from kommunalschutz.apps.registry.models import District, Municipality


def current_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.filter(valid_until__isnull=True)


def overview_counts() -> dict[str, Any]:
    totals = current_municipalities().aggregate(municipalities=Count("id"), population=Sum("population"))
    return {
        "municipalities": totals["municipalities"] or 0,
        "population": totals["population"] or 0,
        "districts": District.objects.count(),
    }
