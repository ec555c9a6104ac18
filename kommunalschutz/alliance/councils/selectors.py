"""Reads of the councils app, scoped to what the user may see, without N+1 queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from kommunalschutz.alliance.councils.models import (
    CouncilMeeting,
    CouncilMember,
    CouncilProject,
    MeetingAttendance,
    PreventionCouncil,
    ProjectMilestone,
    WorkingGroup,
)
from kommunalschutz.alliance.programme.rules import own_target_ids
from kommunalschutz.alliance.programme.selectors import scope_for, target_lookup
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.foundation.registry.models import District, Municipality


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) (several counts as joins would multiply each other)."""
    counted = queryset.order_by().values("council").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def visible_councils(user: Any) -> QuerySet[PreventionCouncil]:
    """The councils the user may read (coordination office all; own municipality; responsible police)."""
    if not user.has_perm("councils.view_councils"):
        return PreventionCouncil.objects.none()
    return scope_for(PreventionCouncil.objects.all(), user)


def filter_districts(user: Any) -> QuerySet[District]:
    """The districts the council filter offers: those of the councils the user may see (of a district's
    own council, or of a municipality's)."""
    councils = visible_councils(user)
    return (District.objects.filter(Q(pk__in=councils.values("district"))
                                    | Q(pk__in=councils.values("municipality__district")))
            .defer("boundary").order_by(*german("name")))


def councils_of_target(target: Any) -> list[PreventionCouncil]:
    """A municipality's (or district's) councils for its record page (registered with ``alliance.hooks``
    in the app's ready(); the page itself is behind ``alliance.view_municipality_work``)."""
    return list(PreventionCouncil.objects.filter(**target_lookup(target)).order_by("-established_on", "pk"))


def council_list(
    user: Any,
    *,
    q: str = "",
    status: str = "",
    district: District | None = None,
    establishment: str = "",
    public_contact: str = "",
) -> QuerySet[PreventionCouncil]:
    """The list page (and the API): target, counts and the last meeting in one query."""
    today = timezone.localdate()
    councils = visible_councils(user).select_related("municipality", "district").defer(
        "municipality__boundary", "district__boundary", "municipality__localities",
    )
    if q:
        councils = councils.filter(Q(name__icontains=q) | Q(municipality__name__icontains=q)
                                   | Q(district__name__icontains=q) | Q(municipality__ags__startswith=q))
    running = Q(established_on__lte=today) & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today))
    if status == "active":
        councils = councils.filter(running)
    elif status == "dissolved":
        councils = councils.filter(dissolved_on__lte=today)
    if district is not None:
        councils = councils.filter(Q(district=district) | Q(municipality__district=district))
    if establishment:
        councils = councils.filter(establishment=establishment)
    if public_contact == "yes":
        councils = councils.filter(contact_is_public=True)
    elif public_contact == "no":
        councils = councils.filter(contact_is_public=False)
    return councils.annotate(
        active_member_count=_count(CouncilMember.objects.filter(council=OuterRef("pk"), left_on__isnull=True)),
        meeting_count=_count(CouncilMeeting.objects.filter(council=OuterRef("pk"))),
        project_count=_count(CouncilProject.objects.filter(council=OuterRef("pk"))),
        last_meeting_on=Subquery(CouncilMeeting.objects.filter(council=OuterRef("pk"), held_on__lte=today)
                                 .order_by("-held_on").values("held_on")[:1]),
    ).order_by(*german("name"), "pk")


def council_for(user: Any, pk: int, permission: str = "councils.view_council") -> PreventionCouncil:
    """One council the user may read (and, with another permission, change); 404 otherwise."""
    council = (visible_councils(user).select_related("municipality__district", "district")
               .defer("municipality__boundary", "district__boundary", "municipality__district__boundary")
               .filter(pk=pk).first())
    if council is None or not user.has_perm(permission, council):
        raise Http404
    return council


def council_sections(council: PreventionCouncil) -> dict[str, Any]:
    """Members, meetings, working groups and projects of the detail page, a few queries in all."""
    members = list(council.members.select_related("organisation").order_by(
        "left_on", *german("organisation_name", "person_name")))
    meetings = list(council.meetings.annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True), distinct=True),
        decision_count=Count("decisions", distinct=True),
    ).order_by("-held_on", "pk"))
    groups = list(council.working_groups.prefetch_related(
        Prefetch("members", queryset=CouncilMember.objects.order_by(*german("organisation_name", "person_name")))))
    projects = list(council.projects.select_related("working_group").annotate(
        milestone_count=Count("milestones", distinct=True),
        achieved_count=Count("milestones", filter=Q(milestones__achieved_on__isnull=False), distinct=True),
    ).order_by("-planned_start", "pk"))
    return {
        "active_members": [m for m in members if m.left_on is None],
        "former_members": [m for m in members if m.left_on is not None],
        "meetings": meetings,
        "working_groups": groups,
        "projects": projects,
    }


def meeting_for(user: Any, pk: int, permission: str = "councils.view_council") -> CouncilMeeting:
    meeting = (CouncilMeeting.objects.select_related("council__municipality__district", "council__district")
               .defer("council__municipality__boundary", "council__district__boundary",
                      "council__municipality__district__boundary")
               .filter(pk=pk, council__in=visible_councils(user)).first())
    if meeting is None or not user.has_perm(permission, meeting.council):
        raise Http404
    return meeting


def members_on(meeting: CouncilMeeting) -> list[CouncilMember]:
    """The council's members on the day of the meeting (those who may attend)."""
    return list(
        meeting.council.members.filter(Q(joined_on__isnull=True) | Q(joined_on__lte=meeting.held_on))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=meeting.held_on))
        .order_by(*german("organisation_name", "person_name"))
    )


def attendance_of(meeting: CouncilMeeting) -> list[MeetingAttendance]:
    return list(meeting.attendance.select_related("member").order_by(
        *german("member__organisation_name", "member__person_name")))


def member_for(council: PreventionCouncil, pk: int) -> CouncilMember:
    member = council.members.filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def working_group_for(user: Any, pk: int, permission: str = "councils.view_council") -> WorkingGroup:
    group = WorkingGroup.objects.select_related("council").filter(
        pk=pk, council__in=visible_councils(user)).first()
    if group is None or not user.has_perm(permission, group.council):
        raise Http404
    return group


def project_for(user: Any, pk: int, permission: str = "councils.view_council") -> CouncilProject:
    project = (CouncilProject.objects.select_related("council__municipality", "council__district", "working_group")
               .defer("council__municipality__boundary", "council__district__boundary")
               .filter(pk=pk, council__in=visible_councils(user)).first())
    if project is None or not user.has_perm(permission, project.council):
        raise Http404
    return project


def milestone_for(user: Any, pk: int, permission: str = "councils.edit_council") -> ProjectMilestone:
    milestone = ProjectMilestone.objects.select_related("project__council").filter(
        pk=pk, project__council__in=visible_councils(user)).first()
    if milestone is None or not user.has_perm(permission, milestone.project.council):
        raise Http404
    return milestone


# --- plan against actual -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """One line of a project's plan-against-actual table; ``deviation_days`` > 0 means later than planned."""

    label: str
    planned: dt.date | None
    actual: dt.date | None
    deviation_days: int | None
    overdue: bool = False


def plan_against_actual(project: CouncilProject, milestones: list[ProjectMilestone],
                        labels: dict[str, str]) -> list[PlanRow]:
    today = timezone.localdate()

    def row(label: str, planned: dt.date | None, actual: dt.date | None) -> PlanRow:
        deviation = (actual - planned).days if planned and actual else None
        return PlanRow(label=label, planned=planned, actual=actual, deviation_days=deviation,
                       overdue=bool(planned and actual is None and planned < today))

    rows = [row(labels["start"], project.planned_start, project.actual_start),
            row(labels["end"], project.planned_end, project.actual_end)]
    rows += [row(m.title, m.planned_on, m.achieved_on) for m in milestones]
    return rows


def budget_deviation(project: CouncilProject) -> tuple[Decimal | None, Decimal | None]:
    """Actual costs minus planned budget (EUR), and the same in per cent of the budget."""
    if project.planned_budget is None or project.actual_costs is None:
        return None, None
    difference = project.actual_costs - project.planned_budget
    percent = (difference * 100 / project.planned_budget).quantize(Decimal("0.1")) if project.planned_budget else None
    return difference, percent


# --- creating: which municipalities and districts may the user add a council to -----------------


def addable_targets(user: Any) -> tuple[QuerySet[Municipality], QuerySet[District]]:
    """Municipalities and districts the user may record a council for (``councils.add_council``)."""
    municipalities = Municipality.objects.filter(valid_until__isnull=True).defer("boundary", "localities")
    districts = District.objects.defer("boundary")
    if user.has_perm("alliance.manage_programme"):
        return municipalities.order_by(*german("name")), districts.order_by(*german("name"))
    own_municipalities, own_districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    return (municipalities.filter(pk__in=own_municipalities).order_by(*german("name")),
            districts.filter(pk__in=own_districts).order_by(*german("name")))


def can_add_any(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    municipalities, districts = addable_targets(user)
    return municipalities.exists() or districts.exists()


# --- the public contacts (map and GET /councils/public) -----------------------------------------


def public_contacts(as_of: dt.date | None = None) -> QuerySet[PreventionCouncil]:
    """Councils running on ``as_of`` (today) whose contact may be shown publicly; only public fields."""
    as_of = as_of or timezone.localdate()
    return (
        PreventionCouncil.objects.filter(contact_is_public=True, established_on__lte=as_of)
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of))
        .select_related("municipality", "district")
        .only("pk", "name", "establishment", "established_on", "is_synthetic", "contact_name", "contact_function",
              "contact_email", "contact_phone", "contact_address", "municipality__ags", "municipality__name",
              "district__ags", "district__name")
        .order_by(*german("name"), "pk")
    )
