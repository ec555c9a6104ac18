"""The engagements app's part of the start page: funding applications to decide (coordination office) or
awaiting a decision (own municipality), overdue analysis phases and follow-up tasks, and a coach's open
coaching processes. Every list is narrowed with visible_engagements / coaching_rows, the selectors the
engagement pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.engagements.models import (
    AnalysisPhase,
    Engagement,
    FollowUpTask,
    FundingApplication,
    OfferType,
)
from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections


def _date(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _where(engagement: Engagement) -> str:
    target = engagement.municipality or engagement.district
    return target.name if target else ""


def _url(engagement_id: int, anchor: str = "") -> str:
    return reverse("engagements:engagement_detail", args=[engagement_id]) + anchor


def _list_of(kind: str) -> str:
    """The engagement list filtered to one kind of offer (its first offer type)."""
    code = OfferType.objects.filter(kind=kind).order_by("position", "pk").values_list("code", flat=True).first()
    return reverse("engagements:engagement_list") + (f"?offer={code}" if code else "")


def _applications(user: Any, visible: Any) -> HomeSection:
    pending = (FundingApplication.objects.filter(decision=FundingApplication.Decision.PENDING, engagement__in=visible)
               .exclude(engagement__status=Engagement.Status.CANCELLED)
               .select_related("engagement__municipality", "engagement__district").order_by("submitted_on", "pk"))
    deciding = user.has_perm("alliance.manage_programme")
    return HomeSection(
        key="engagements-funding", wing="alliance", position=20,
        title=_("Funding applications to decide") if deciding else _("Funding applications awaiting a decision"),
        count=pending.count(), waiting=deciding,
        items=[HomeItem(f"{_where(a.engagement)}: {a.project_title}", _url(a.engagement_id),
                        detail=_("submitted on %(date)s") % {"date": _date(a.submitted_on)})
               for a in pending[:FIRST_FEW]],
        more_url=_list_of(OfferType.Kind.FUNDING) if deciding else "",
        empty=_("No funding application waits for a decision.") if deciding else "")


def _overdue(visible: Any, today: Any) -> list[HomeSection]:
    phases = (AnalysisPhase.objects.filter(planned_end__lt=today, actual_end__isnull=True,
                                           analysis__engagement__in=visible)
              .exclude(analysis__engagement__status__in=(Engagement.Status.COMPLETED, Engagement.Status.CANCELLED))
              .select_related("analysis__engagement__municipality", "analysis__engagement__district")
              .order_by("planned_end", "pk"))
    tasks = (FollowUpTask.objects.filter(due_on__lt=today, completed_on__isnull=True,
                                         consultation__engagement__in=visible)
             .exclude(consultation__engagement__status=Engagement.Status.CANCELLED)
             .select_related("consultation__engagement__municipality", "consultation__engagement__district")
             .order_by("due_on", "pk"))
    return [
        HomeSection(
            key="engagements-phases", wing="alliance", position=30, title=_("Overdue phases of security analyses"),
            count=phases.count(),
            items=[HomeItem(f"{_where(p.analysis.engagement)}: {p.get_phase_display()}",
                            _url(p.analysis.engagement_id),
                            detail=_("planned to end on %(date)s") % {"date": _date(p.planned_end)}, urgent=True)
                   for p in phases[:FIRST_FEW]],
            more_url=reverse("engagements:engagement_list") + "?overdue=on"),
        HomeSection(
            key="engagements-tasks", wing="alliance", position=35, title=_("Overdue follow-up tasks of consultations"),
            count=tasks.count(),
            items=[HomeItem(f"{_where(t.consultation.engagement)}: {t.title}", _url(t.consultation.engagement_id),
                            detail=_("due on %(date)s") % {"date": _date(t.due_on)}, urgent=True)
                   for t in tasks[:FIRST_FEW]]),
    ]


def _coaching(user: Any) -> HomeSection | None:
    from kommunalschutz.alliance.engagements.selectors import coaching_rows

    if user.has_perm("alliance.view_programme") or not user.has_perm("engagements.view_coaching_processes"):
        return None
    processes = coaching_rows(user, open_only=True)
    return HomeSection(
        key="engagements-coaching", wing="alliance", position=15, title=_("Your open coaching processes"),
        count=processes.count(),
        items=[HomeItem(f"{_where(p.engagement)}: {p.engagement.title}", _url(p.engagement_id),
                        detail=_("started on %(date)s") % {"date": _date(p.engagement.started_on)})
               for p in processes[:FIRST_FEW]],
        more_url=reverse("engagements:coaching_list"), more_label=_("Coaching processes"),
        empty=_("You have no open coaching process."))


def home_context(request: HttpRequest) -> dict[str, Any]:
    from django.utils import timezone

    from kommunalschutz.alliance.engagements.selectors import visible_engagements

    user = request.user
    if not user.is_authenticated:
        return {}
    found: list[HomeSection | None] = [_coaching(user)]
    if user.has_perm("alliance.view_records"):
        visible = visible_engagements(user)
        found.append(_applications(user, visible))
        found.extend(_overdue(visible, timezone.localdate()))
    return sections(*found)
