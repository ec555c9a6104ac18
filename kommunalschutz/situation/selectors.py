"""Reads of the situation report shared by the pages and the API: which reports a user sees, and one
report looked up and authorised in one step (404 for a draft or an edition the user may not read)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kommunalschutz.foundation.core.access import get_for_user
from kommunalschutz.situation import sections
from kommunalschutz.situation.models import SituationReport


def visible_reports(user: Any) -> QuerySet[SituationReport]:
    """Released reports for everyone; drafts too for those who manage reports."""
    reports = SituationReport.objects.select_related("released_by", "generation").order_by("-period_end", "-pk")
    if user is not None and user.has_perm("situation.manage_reports"):
        return reports
    return reports.filter(status=SituationReport.Status.RELEASED)


def editions_for(user: Any, report: SituationReport) -> list[str]:
    """The editions of ``report`` the user may read, internal first."""
    found = []
    if user.has_perm("situation.view_internal_report", report):
        found.append(sections.INTERNAL)
    if user.has_perm("situation.view_report", report):
        found.append(sections.PUBLIC)
    return found


def report_for(user: Any, pk: int, edition: str = sections.PUBLIC) -> SituationReport:
    """The report in ``edition`` if the user may read it; 404 otherwise (also for an unknown edition)."""
    if edition not in sections.EDITIONS:
        raise Http404
    permission = "situation.view_internal_report" if edition == sections.INTERNAL else "situation.view_report"
    return get_for_user(user, SituationReport.objects.select_related("released_by", "generation", "created_by"),
                        permission, pk=pk)


def manageable_report(user: Any, pk: int) -> SituationReport:
    return get_for_user(user, SituationReport.objects.select_related("generation"), "situation.manage_reports", pk=pk)


def latest_released() -> SituationReport | None:
    return SituationReport.objects.filter(status=SituationReport.Status.RELEASED).order_by("-period_end", "-pk").first()
