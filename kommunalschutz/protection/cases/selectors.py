"""Reads of the cases app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from kommunalschutz.foundation.core.roles import Role, roles_of
from kommunalschutz.protection.cases.models import (
    Case,
    CaseEvent,
    CaseLink,
    CaseMessage,
    CaseTask,
    CaseTeamMember,
    Notification,
)

# The roles that can be on a case team (rules.is_case_team).
CASE_TEAM_ROLES = frozenset({Role.COORDINATOR, Role.POLICE_CONTACT, Role.PROTECTION_OFFICER})


def visible_cases(user: Any) -> QuerySet[Case]:
    """The cases ``user`` may see (cases.view_case), as one query. Mirrors rules.py."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    roles = roles_of(user)
    query = Q(reported_by=user) | Q(affected_user=user)
    if roles & CASE_TEAM_ROLES:
        query |= _team_query(user, roles)
    if Role.COORDINATOR in roles:
        query |= Q(owner__isnull=True, status=Case.Status.NEW)
    return Case.objects.filter(pk__in=Case.objects.filter(query).values("pk"))


def team_cases(user: Any) -> QuerySet[Case]:
    """The cases ``user`` is on the case team of (rules.is_case_team: assessments, measures), as one query:
    owner or team member, the responsible police directorate's contacts, the LKA once involved. Unlike
    visible_cases, neither a reporter's own cases nor the coordinators' intake queue."""
    roles = roles_of(user)
    if not roles & CASE_TEAM_ROLES:
        return Case.objects.none()
    return Case.objects.filter(pk__in=Case.objects.filter(_team_query(user, roles)).values("pk"))


def _team_query(user: Any, roles: frozenset[str]) -> Q:
    """Cases ``user`` works on as case team: owner or team member, the responsible police directorate's
    contacts, the LKA once involved (shared by visible_cases and team_cases)."""
    query = Q(owner=user) | Q(team__user=user)
    if Role.POLICE_CONTACT in roles:
        directorates = list(user.memberships.filter(role=Role.POLICE_CONTACT,
                                                    organisation__police_directorate__isnull=False)
                            .values_list("organisation__police_directorate_id", flat=True))
        if directorates:
            query |= Q(police_directorate_id__in=directorates)
    if Role.PROTECTION_OFFICER in roles:
        query |= Q(lka_involved=True)
    return query


def _now() -> dt.datetime:
    return timezone.now()


def caseload(user: Any, *, status: str = "", acute: bool = False, mine: bool = False,
             unacknowledged: bool = False, overdue: bool = False) -> QuerySet[Case]:
    """The caseload list: visible cases, filtered; only categorical columns are read (no free text)."""
    cases = visible_cases(user)
    if status:
        cases = cases.filter(status=status)
    if acute:
        cases = cases.filter(is_acute=True)
    if mine:
        cases = cases.filter(Q(owner=user) | Q(team__user=user)).distinct()
    if unacknowledged:
        cases = cases.filter(acknowledged_at__isnull=True).exclude(status=Case.Status.CLOSED)
    if overdue:
        cases = cases.filter(acknowledged_at__isnull=True, acknowledgement_due_at__lt=_now()).exclude(
            status=Case.Status.CLOSED)
    return (cases.select_related("municipality", "owner")
            .only("pk", "reference", "reported_at", "status", "is_acute", "municipality__name", "owner__username",
                  "owner__first_name", "owner__last_name", "acknowledgement_due_at", "acknowledged_at",
                  "is_synthetic")
            .order_by("-reported_at", "-pk"))


def my_reports(user: Any) -> QuerySet[Case]:
    """Cases the user reported or is affected by, with the count of team messages they have not read."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    unread = Count("messages", filter=Q(messages__internal=False, messages__from_reporter=False,
                                        messages__read_by_reporter_at__isnull=True))
    return (Case.objects.filter(Q(reported_by=user) | Q(affected_user=user))
            .select_related("municipality")
            .only("pk", "reference", "reported_at", "status", "is_acute", "municipality__name", "is_synthetic")
            .annotate(unread_count=unread).order_by("-reported_at", "-pk"))


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    return bool(case.acknowledged_at is None and case.status != Case.Status.CLOSED
                and case.acknowledgement_due_at is not None and case.acknowledgement_due_at < (now or _now()))


def dashboard(user: Any) -> dict[str, Any]:
    """The intake dashboard: unacknowledged cases (overdue first), acute open cases, tasks due within 7 days."""
    now = _now()
    visible = visible_cases(user).select_related("municipality", "owner")
    unacknowledged = list(visible.filter(acknowledged_at__isnull=True).exclude(status=Case.Status.CLOSED)
                          .order_by(F("acknowledgement_due_at").asc(nulls_last=True), "pk"))
    for case in unacknowledged:
        case.overdue = is_overdue(case, now)  # type: ignore[attr-defined]
    unacknowledged.sort(key=lambda case: (not case.overdue,))  # type: ignore[attr-defined]
    acute = list(visible.filter(is_acute=True).exclude(status=Case.Status.CLOSED).order_by("-reported_at", "-pk"))
    week = timezone.localdate() + dt.timedelta(days=7)
    tasks = list(CaseTask.objects.filter(case__in=visible_cases(user), done_at__isnull=True, due_on__lte=week)
                 .select_related("case", "assignee").order_by("due_on", "pk"))
    today = timezone.localdate()
    for task in tasks:
        task.overdue = task.due_on < today  # type: ignore[attr-defined]
    open_cases = visible.exclude(status=Case.Status.CLOSED)
    return {
        "unacknowledged": unacknowledged, "acute": acute, "tasks": tasks,
        "counts": {
            "open": open_cases.count(),
            "unacknowledged": len(unacknowledged),
            "overdue": len([case for case in unacknowledged if getattr(case, "overdue", False)]),
            "acute": len(acute),
            "tasks": len(tasks),
        },
    }


def linked_cases(case: Case, user: Any) -> list[dict[str, Any]]:
    """The links of a case, each with the other case if the user may see it (else None)."""
    visible_ids = set(visible_cases(user).values_list("pk", flat=True))
    rows: list[dict[str, Any]] = []
    links = CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case)).select_related("from_case", "to_case")
    for link in links.order_by("created_at", "pk"):
        other = link.to_case if link.from_case_id == case.pk else link.from_case
        rows.append({"link": link, "other": other if other.pk in visible_ids else None})
    return rows


def case_sections(case: Case, user: Any, *, team_view: bool) -> dict[str, Any]:
    """Everything the case page shows. The reporter sees only their incident, status and the messages
    that are not internal notes; the team sees the whole case."""
    messages = CaseMessage.objects.filter(case=case).select_related("author")
    if not team_view:
        return {"case_messages": list(messages.filter(internal=False))}
    today = timezone.localdate()
    tasks = list(CaseTask.objects.filter(case=case).select_related("assignee"))
    for task in tasks:
        task.overdue = task.done_at is None and task.due_on < today  # type: ignore[attr-defined]
    return {
        "case_messages": list(messages),
        "events": list(CaseEvent.objects.filter(case=case).select_related("actor")),
        "team": list(CaseTeamMember.objects.filter(case=case).select_related("user").order_by("added_at", "pk")),
        "tasks": tasks,
        "links": linked_cases(case, user),
        "overdue": is_overdue(case),
    }


def notifications_for(user: Any) -> QuerySet[Notification]:
    """Own notifications, unread first, newest first."""
    return (Notification.objects.filter(user=user).select_related("case")
            .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-pk"))


def overdue_acknowledgement_count(now: dt.datetime | None = None) -> int:
    """Real (not demo) cases whose acknowledgement is overdue, platform-wide: the number only, for the
    monitoring metric kommunalschutz_cases_acknowledgement_overdue (decision 0037)."""
    return (Case.objects.filter(acknowledged_at__isnull=True, acknowledgement_due_at__lt=now or _now(),
                                is_synthetic=False)
            .exclude(status=Case.Status.CLOSED).count())
