"""The threat assessment page of a case (thin: reads in selectors, writes in services).

Outsiders, the reporter included, get 404 (assessments.view_assessments on the case). Recording and
reviewing need assessments.assess; the page works without JavaScript (the script only proposes the
re-assessment date when the level changes).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.web.pages import request_user, submit
from kommunalschutz.protection.assessments import selectors, services
from kommunalschutz.protection.assessments.forms import AssessmentForm, ReviewForm, initial_from
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.cases.models import Case

VIEW = "assessments.view_assessments"
ASSESS = "assessments.assess"


def _page(request: HttpRequest, case: Case, *, form: AssessmentForm | None = None,
          review_form: ReviewForm | None = None, status: int = 200) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    current = selectors.in_force(case)
    waiting = selectors.pending(case)
    can_assess = user.has_perm(ASSESS, case)
    source = selectors.prefill_source(case)
    previous = selectors.ratings_by_behaviour(source)
    if form is None and can_assess:
        level = source.level if source is not None else ThreatAssessment.Level.MODERATE
        form = AssessmentForm(initial=initial_from(source, previous, services.default_review_on(level, today)),
                              previous=previous)
    if review_form is None and selectors.can_review(user, waiting):
        review_form = ReviewForm()
    defaults = {level: services.default_review_on(level, today).isoformat()
                for level in ThreatAssessment.Level.values}
    return render(request, "assessments/case_assessments.html", {
        "case": case, "current": current, "current_ratings": selectors.ordered_ratings(current) if current else [],
        "current_due": selectors.review_status(current, today), "overdue": selectors.overdue(case, today),
        "pending": waiting, "pending_ratings": selectors.ordered_ratings(waiting) if waiting else [],
        "can_assess": can_assess, "can_record": can_assess and waiting is None and case.status != Case.Status.CLOSED,
        "can_review": selectors.can_review(user, waiting), "is_assessor": waiting is not None
        and waiting.assessed_by_id == user.pk, "form": form, "review_form": review_form,
        "history": selectors.history(case), "review_defaults": defaults,
        "latest_review_on": services.latest_review_on(today), "today": today,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = get_for_user(user, Case.objects.all(), VIEW, pk=pk)
    if request.method != "POST":
        return _page(request, case)
    require_perm(user, ASSESS, case)
    source = selectors.prefill_source(case)
    form = AssessmentForm(request.POST, previous=selectors.ratings_by_behaviour(source))
    assessment = submit(request, form, lambda: services.record_assessment(case=case, actor=user,
                                                                          **form.service_arguments()))
    if assessment is not None:
        if assessment.state == ThreatAssessment.State.AWAITING_REVIEW:
            messages.success(request, _("The assessment has been recorded. A high level of concern takes "
                                        "effect once another member of the case team confirms it."))
        else:
            messages.success(request, _("The assessment has been recorded and is in force."))
        return redirect("assessments:case_assessments", pk=case.pk)
    case.refresh_from_db()
    return _page(request, case, form=form, status=400)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assessment = ThreatAssessment.objects.select_related("case").filter(pk=pk).first()
    case = get_for_user(user, Case.objects.all(), ASSESS, pk=assessment.case_id if assessment else 0)
    assert assessment is not None
    form = ReviewForm(request.POST)
    if submit(request, form, lambda: services.review_assessment(
            assessment=assessment, actor=user, confirm=form.cleaned_data["decision"] == "confirm",
            note=form.cleaned_data["note"])) is not None:
        messages.success(request, _("Your review has been recorded."))
        return redirect("assessments:case_assessments", pk=case.pk)
    return _page(request, case, review_form=form, status=400)
