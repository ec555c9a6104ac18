"""Reads of the alliance's records, scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from kommunalschutz.apps.accounts.models import Role
from kommunalschutz.apps.alliance.models import MembershipTransition
from kommunalschutz.apps.alliance.rules import own_target_ids, police_directorate_ids

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
