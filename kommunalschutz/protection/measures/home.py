"""The measures app's part of the start page: measures due within a week on the cases the user is on the
team of (measures.manage_measures = the case team), and for the LKA the protection requests to decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections
from kommunalschutz.protection.measures.models import Measure, MeasureKind

DUE_WITHIN_DAYS = 7


def _label(measure: Measure) -> str:
    return f"{measure.case.reference}: {measure.get_kind_display()}"


def home_context(request: HttpRequest) -> dict[str, Any]:
    from kommunalschutz.protection.cases.selectors import team_cases

    user = request.user
    if not user.has_perm("cases.view_caseload"):
        return {}
    today = timezone.localdate()
    cases = team_cases(user)
    open_measures = (Measure.objects.filter(case__in=cases, status__in=(Measure.Status.PLANNED,
                                                                          Measure.Status.IN_PROGRESS))
                     .select_related("case"))
    due = (open_measures.filter(due_on__lte=today + dt.timedelta(days=DUE_WITHIN_DAYS))
           .order_by("due_on", "pk"))
    found = [HomeSection(
        key="measures-due", wing="protection", position=50, title=_("Measures due within a week"),
        count=due.count(),
        items=[HomeItem(_label(m), reverse("measures:case_measures", args=[m.case_id]) + f"#measure-{m.pk}",
                        detail=_("due on %(date)s") % {"date": formats.date_format(m.due_on, "SHORT_DATE_FORMAT")}
                        if m.due_on else "",
                        urgent=bool(m.due_on and m.due_on < today)) for m in due[:FIRST_FEW]])]
    # Protection requests waiting for the LKA's decision (measures.decide_protection: the involved LKA).
    requests = (Measure.objects.filter(case__in=cases.filter(lka_involved=True), kind=MeasureKind.PROTECTION_REQUEST,
                                       decision=Measure.Decision.PENDING)
                .select_related("case").order_by("created_at", "pk"))
    if any(user.has_perm("measures.decide_protection", m.case) for m in requests[:1]):
        found.append(HomeSection(
            key="measures-protection-requests", wing="protection", position=55,
            title=_("Protection requests to decide"), count=requests.count(),
            items=[HomeItem(_label(m), reverse("measures:measure_decide", args=[m.pk]),
                            detail=m.get_protection_kind_display()) for m in requests[:FIRST_FEW]]))
    return sections(*found)
