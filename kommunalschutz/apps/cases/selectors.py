"""Reads of the cases app."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kommunalschutz.apps.accounts.models import Role
from kommunalschutz.apps.cases.models import Case


def visible_cases(user: Any) -> QuerySet[Case]:
    """The cases ``user`` may see (cases.view_case), as one query. Mirrors rules.py."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    roles = user.role_set
    query = Q(reported_by=user) | Q(affected_user=user)
    if roles & {Role.COORDINATOR, Role.POLICE_CONTACT, Role.PROTECTION_OFFICER}:
        query |= Q(owner=user) | Q(team__user=user)
    if Role.POLICE_CONTACT in roles:
        directorates = list(user.memberships.filter(role=Role.POLICE_CONTACT, organisation__police_directorate__isnull=False)
                            .values_list("organisation__police_directorate_id", flat=True))
        if directorates:
            query |= Q(police_directorate_id__in=directorates)
    if Role.PROTECTION_OFFICER in roles:
        query |= Q(lka_involved=True)
    if Role.COORDINATOR in roles:
        query |= Q(owner__isnull=True, status=Case.Status.NEW)
    return Case.objects.filter(pk__in=Case.objects.filter(query).values("pk"))
