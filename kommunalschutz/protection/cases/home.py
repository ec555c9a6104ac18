"""The cases app's part of the start page: what waits for case workers, reporters and everyone notified.

Every list comes from the cases' need-to-know selectors (visible_cases, my_reports, dashboard), so the
start page shows no case the case pages would refuse. Registered in CasesConfig.ready.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections
from kommunalschutz.protection.cases.models import Case


def _label(case: Case) -> str:
    place = case.municipality.name if case.municipality is not None else ""
    return f"{case.reference} · {place}" if place else str(case.reference)


def _date(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _caseload(user: Any) -> list[HomeSection]:
    from kommunalschutz.protection.cases.selectors import dashboard

    board = dashboard(user)
    waiting = board["unacknowledged"]
    acknowledge = HomeSection(
        key="cases-unacknowledged", wing="protection", position=10,
        title=_("Cases to acknowledge"), count=len(waiting),
        items=[HomeItem(_label(case), reverse("cases:case_detail", args=[case.pk]),
                        detail=(_("acknowledgement was due on %(date)s") if getattr(case, "overdue", False)
                                else _("acknowledge by %(date)s")) % {"date": _date(case.acknowledgement_due_at)}
                        if case.acknowledgement_due_at else "",
                        urgent=bool(getattr(case, "overdue", False)))
               for case in waiting[:FIRST_FEW]],
        more_url=reverse("cases:dashboard"), more_label=_("Case intake"),
        empty=_("No case waits for acknowledgement."),
        note=ngettext("%(count)d of them is overdue.", "%(count)d of them are overdue.",
                      board["counts"]["overdue"]) % {"count": board["counts"]["overdue"]}
        if board["counts"]["overdue"] else "")
    acute = HomeSection(
        key="cases-acute", wing="protection", position=20, title=_("Acute open cases"),
        count=len(board["acute"]),
        items=[HomeItem(_label(case), reverse("cases:case_detail", args=[case.pk]),
                        detail=case.get_status_display(), urgent=False) for case in board["acute"][:FIRST_FEW]],
        more_url=reverse("cases:case_list") + "?acute=on", more_label=_("All acute cases"))
    tasks = HomeSection(
        key="cases-tasks", wing="protection", position=30, title=_("Case tasks due within a week"),
        count=len(board["tasks"]),
        items=[HomeItem(f"{task.case.reference}: {task.title}", reverse("cases:case_detail", args=[task.case_id])
                        + "#tasks", detail=_("due on %(date)s") % {"date": _date(task.due_on)},
                        urgent=bool(getattr(task, "overdue", False))) for task in board["tasks"][:FIRST_FEW]],
        more_url=reverse("cases:dashboard"), more_label=_("Case intake"))
    return [acknowledge, acute, tasks]


def _reports(user: Any, *, main: bool) -> list[HomeSection]:
    from kommunalschutz.protection.cases.selectors import my_reports

    reports = list(my_reports(user))
    open_reports = [case for case in reports if case.status != Case.Status.CLOSED]
    unread = [case for case in reports if getattr(case, "unread_count", 0)]
    messages = sum(case.unread_count for case in unread)  # type: ignore[attr-defined]
    return [
        HomeSection(
            key="cases-messages", wing="protection", position=5, title=_("Messages waiting for you"),
            count=messages,
            items=[HomeItem(_label(case), reverse("cases:case_detail", args=[case.pk]) + "#messages",
                            detail=ngettext("%(count)d unread message", "%(count)d unread messages",
                                            case.unread_count) % {"count": case.unread_count})  # type: ignore[attr-defined]
                   for case in unread[:FIRST_FEW]],
            more_url=reverse("cases:my_reports"), more_label=_("My reports"),
            empty=_("No message waits for you.") if main else ""),
        HomeSection(
            key="cases-reports", wing="protection", position=6, title=_("Your open reports"),
            count=len(open_reports),
            items=[HomeItem(_label(case), reverse("cases:case_detail", args=[case.pk]),
                            detail=case.get_status_display()) for case in open_reports[:FIRST_FEW]],
            more_url=reverse("cases:my_reports"), more_label=_("My reports"),
            empty=_("You have no open report.") if main else ""),
    ]


def _notifications(user: Any) -> HomeSection:
    from kommunalschutz.protection.cases.selectors import notifications_for

    unread = notifications_for(user).filter(read_at__isnull=True)
    return HomeSection(
        key="cases-notifications", wing="protection", position=1, title=_("Unread notifications"),
        count=unread.count(),
        items=[HomeItem(note.message, reverse("cases:notification_open", args=[note.pk]),
                        detail=formats.date_format(note.created_at, "SHORT_DATETIME_FORMAT"))
               for note in unread[:FIRST_FEW]],
        more_url=reverse("cases:notifications"), more_label=_("Notifications"))


def home_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    found: list[HomeSection] = [_notifications(user)]
    caseworker = user.has_perm("cases.view_caseload")
    if caseworker:
        found.extend(_caseload(user))
    if user.has_perm("cases.report_incident"):
        # For an official their reports are the page's main part: say so even when nothing waits.
        found.extend(_reports(user, main=not caseworker and not user.has_perm("cases.report_on_behalf")))
    return sections(*found)
