"""The assessments part of the REST API (mounted under /api/v1/).

Bearer token; scoped like the page: a case the caller may not see (the reporter included) answers 404,
bad input 422 with the messages per field, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, not_found
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.protection.assessments import selectors, services
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.assessments.schemas import AssessmentIn, AssessmentOut, PersonOut, RatingOut, ReviewIn
from kommunalschutz.protection.cases.models import Case

router = Router(tags=["assessments"])



def _person(user: User | None) -> PersonOut | None:
    return None if user is None else PersonOut(id=user.pk, name=str(user))


def _out(assessment: ThreatAssessment) -> AssessmentOut:
    return AssessmentOut(
        id=assessment.pk, case=assessment.case_id, level=assessment.level, route=assessment.route,
        rationale=assessment.rationale, next_review_on=assessment.next_review_on, state=assessment.state,
        assessed_by=_person(assessment.assessed_by), assessed_at=assessment.assessed_at,
        reviewed_by=_person(assessment.reviewed_by), reviewed_at=assessment.reviewed_at,
        review_note=assessment.review_note,
        ratings=[RatingOut(behaviour=r.behaviour, rating=r.rating, evidence_notes=r.evidence_notes,
                           observed_on=r.observed_on) for r in selectors.ordered_ratings(assessment)],
    )


def _case(user: User, case_id: int, permission: str) -> Case | None:
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not user.has_perm(permission, case):
        return None
    return case


@router.get("/cases/{int:case_id}/assessments", response={200: list[AssessmentOut], 404: ErrorOut},
            auth=token_auth, summary="The threat assessments of a case (history, newest first, with ratings)")
def list_assessments(request: HttpRequest, case_id: int) -> Any:
    """Needs ``assessments.view_assessments`` on the case (the case team); everyone else gets 404."""
    case = _case(request_user(request), case_id, "assessments.view_assessments")
    if case is None:
        return not_found()
    return Status(200, [_out(a) for a in selectors.assessments(case)])


@router.post("/cases/{int:case_id}/assessments",
             response={201: AssessmentOut, 404: ErrorOut, 422: ValidationErrorOut}, auth=token_auth,
             summary="Record a threat assessment (all eight warning behaviours, level, rationale, route)")
def create_assessment(request: HttpRequest, case_id: int, payload: AssessmentIn) -> Any:
    """Needs ``assessments.assess`` on the case. A high level is recorded as ``awaiting_review`` until a
    second member of the case team confirms it; low and moderate are in force at once. The level is never
    derived from the ratings."""
    user = request_user(request)
    case = _case(user, case_id, "assessments.assess")
    if case is None:
        return not_found()
    data = payload.dict()
    try:
        assessment = services.record_assessment(case=case, actor=user, **data)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _out(selectors.assessments(case).get(pk=assessment.pk)))


@router.post("/assessments/{int:assessment_id}/review",
             response={200: AssessmentOut, 404: ErrorOut, 422: ValidationErrorOut}, auth=token_auth,
             summary="Confirm or reject a high level of concern as second reviewer")
def review_assessment(request: HttpRequest, assessment_id: int, payload: ReviewIn) -> Any:
    """Needs ``assessments.assess`` on the case and must come from someone other than the assessor (422)."""
    user = request_user(request)
    assessment = ThreatAssessment.objects.select_related("case").filter(pk=assessment_id).first()
    if assessment is None or not user.has_perm("assessments.assess", assessment.case):
        return not_found()
    try:
        reviewed = services.review_assessment(assessment=assessment, actor=user, confirm=payload.confirm,
                                              note=payload.note)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _out(selectors.assessments(reviewed.case).get(pk=reviewed.pk)))
