"""The assessments app's part of the start page: re-assessments due and high ratings awaiting a second
reviewer, on the cases the user is on the team of (assessments.view_assessments = the case team)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.assessments.services import REMINDER_DAYS_BEFORE


def _label(assessment: ThreatAssessment) -> str:
    case = assessment.case
    return f"{case.reference} · {case.municipality.name}" if case.municipality is not None else str(case.reference)


def home_context(request: HttpRequest) -> dict[str, Any]:
    from kommunalschutz.protection.cases.selectors import team_cases

    user = request.user
    if not user.is_authenticated or not user.has_perm("cases.view_caseload"):
        return {}
    today = timezone.localdate()
    cases = team_cases(user)
    base = ThreatAssessment.objects.filter(case__in=cases).select_related("case__municipality")
    due = base.filter(state=ThreatAssessment.State.IN_FORCE,
                      next_review_on__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE)).order_by(
        "next_review_on", "pk")
    pending = (base.filter(state=ThreatAssessment.State.AWAITING_REVIEW).exclude(assessed_by=user)
               .order_by("assessed_at", "pk"))

    def url(assessment: ThreatAssessment) -> str:
        return reverse("assessments:case_assessments", args=[assessment.case_id])

    return sections(
        HomeSection(
            key="assessments-due", wing="protection", position=40, title=_("Re-assessments due"),
            count=due.count(),
            items=[HomeItem(_label(a), url(a), detail=_("due on %(date)s") % {
                "date": formats.date_format(a.next_review_on, "SHORT_DATE_FORMAT")},
                urgent=a.next_review_on < today) for a in due[:FIRST_FEW]]),
        HomeSection(
            key="assessments-review", wing="protection", position=45,
            title=_("Assessments awaiting your second review"), count=pending.count(),
            items=[HomeItem(_label(a), url(a), detail=a.get_level_display()) for a in pending[:FIRST_FEW]]),
    )
