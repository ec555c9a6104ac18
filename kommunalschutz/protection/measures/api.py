"""The measures part of the REST API (mounted under /api/v1/).

``GET /partners`` is open (the active partners of the public directory). Everything else takes a bearer
token and is scoped like the pages: a case or measure the caller may not see, or may not change, answers
404; bad input 422 with the messages per field, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, not_found, public_list
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.selectors import visible_cases
from kommunalschutz.protection.measures import partners, selectors, services
from kommunalschutz.protection.measures.models import Measure, Partner
from kommunalschutz.protection.measures.schemas import (
    DecisionIn,
    MeasureIn,
    MeasureOut,
    MeasurePatch,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
)

router = Router(tags=["measures"])



def _partner_out(partner: Partner) -> PartnerOut:
    return PartnerOut(id=partner.pk, name=partner.name, category=partner.category, description=partner.description,
                      scope=partner.scope, phone=partner.phone, email=partner.email, website=partner.website,
                      anonymous_possible=partner.anonymous_possible, source_url=partner.source_url,
                      is_active=partner.is_active)


def _measure_out(measure: Measure, *, team: bool) -> MeasureOut:
    return MeasureOut(
        id=measure.pk, case=measure.case_id, kind=measure.kind, partner=measure.partner_id,
        partner_name=measure.partner.name if measure.partner else "",
        owner=measure.owner_id if team else None, due_on=measure.due_on, status=measure.status,
        overdue=selectors.is_overdue(measure), outcome=measure.outcome if team else None,
        description=measure.description if team or measure.agreed_with_official else "",
        agreed_with_official=measure.agreed_with_official, protection_kind=measure.protection_kind,
        decision=measure.decision, decision_note=measure.decision_note if team else None,
        decided_by=measure.decided_by_id if team else None, decided_at=measure.decided_at,
        created_at=measure.created_at,
    )


def _case(user: User, case_id: int, permission: str) -> Case | None:
    case = visible_cases(user).filter(pk=case_id).first()
    if case is None or not user.has_perm(permission, case):
        return None
    return case


def _measure(user: User, measure_id: int, permission: str) -> Measure | None:
    measure = Measure.objects.select_related("case", "partner").filter(pk=measure_id).first()
    if measure is None or _case(user, measure.case_id, permission) is None:
        return None
    return measure


def _team_user(user_id: int | None, errors: dict[str, list[str]]) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        errors.setdefault("owner", []).append(_("The person responsible must be on the case team."))
    return found


# --- partners ---------------------------------------------------------------------------------------


@router.get("/partners", response=list[PartnerOut], summary="The directory of counselling partners (public)")
def list_partners(request: HttpRequest) -> HttpResponseBase:
    """No login: the active partners, by category and name. Cached by the directory's data version, with
    an ETag (If-None-Match gives 304; decision 0027)."""
    return public_list(request, "partners", "partners",
                       lambda: [_partner_out(p) for p in selectors.active_partners()])


@router.post("/partners", response={201: PartnerOut, 404: ErrorOut, 422: ValidationErrorOut}, auth=token_auth,
             summary="Add a counselling partner (coordination office)")
def create_partner(request: HttpRequest, payload: PartnerIn) -> Any:
    user = request_user(request)
    if not user.has_perm("measures.manage_partners"):
        return not_found()
    try:
        partner = partners.create_partner(actor=user, **payload.dict())
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _partner_out(partner))


@router.patch("/partners/{int:partner_id}", response={200: PartnerOut, 404: ErrorOut, 422: ValidationErrorOut},
              auth=token_auth, summary="Change or deactivate a counselling partner (coordination office)")
def update_partner(request: HttpRequest, partner_id: int, payload: PartnerPatch) -> Any:
    user = request_user(request)
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None or not user.has_perm("measures.manage_partners"):
        return not_found()
    data = payload.dict(exclude_unset=True)
    # null is no value for any partner field (only leaving the field out keeps it): 422, not a database error.
    empty = {name: [_("This field cannot be empty.")] for name, value in data.items() if value is None}
    if empty:
        return invalid(empty)
    active = data.pop("is_active", None)
    try:
        if data:
            partner = partners.update_partner(actor=user, partner=partner, **data)
        if active is not None and active != partner.is_active:
            partner = partners.set_partner_active(actor=user, partner=partner, active=active)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _partner_out(partner))


# --- measures ---------------------------------------------------------------------------------------


@router.get("/cases/{int:case_id}/measures", response={200: list[MeasureOut], 404: ErrorOut}, auth=token_auth,
            summary="The measures and referrals of a case")
def list_measures(request: HttpRequest, case_id: int) -> Any:
    user = request_user(request)
    case = _case(user, case_id, "measures.view_measures")
    if case is None:
        return not_found()
    team = user.has_perm("measures.manage_measures", case)
    return Status(200, [_measure_out(m, team=team) for m in selectors.case_measures(case)])


@router.post("/cases/{int:case_id}/measures", response={201: MeasureOut, 404: ErrorOut, 422: ValidationErrorOut},
             auth=token_auth, summary="Record a measure, referral or protection request for a case")
def create_measure(request: HttpRequest, case_id: int, payload: MeasureIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, "measures.manage_measures")
    if case is None:
        return not_found()
    errors: dict[str, list[str]] = {}
    partner = None
    if payload.partner is not None:
        partner = Partner.objects.filter(pk=payload.partner).first()
        if partner is None:
            errors["partner"] = [_("There is no counselling partner with the id %(id)s.") % {"id": payload.partner}]
    owner = _team_user(payload.owner, errors)
    if errors:
        return invalid(errors)
    try:
        measure = services.add_measure(
            actor=user, case=case, kind=payload.kind, owner=owner, due_on=payload.due_on,
            description=payload.description, partner=partner, agreed_with_official=payload.agreed_with_official,
            protection_kind=payload.protection_kind)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _measure_out(measure, team=True))


@router.patch("/measures/{int:measure_id}", response={200: MeasureOut, 404: ErrorOut, 422: ValidationErrorOut},
              auth=token_auth, summary="Update the status, outcome, due date, owner or agreement of a measure")
def update_measure(request: HttpRequest, measure_id: int, payload: MeasurePatch) -> Any:
    user = request_user(request)
    measure = _measure(user, measure_id, "measures.manage_measures")
    if measure is None:
        return not_found()
    data = payload.dict(exclude_unset=True)
    errors: dict[str, list[str]] = {}
    if "owner" in data:
        data["owner"] = _team_user(data["owner"], errors)
    for name in ("status", "agreed_with_official"):
        if name in data and data[name] is None:
            errors.setdefault(name, []).append(_("This field cannot be empty."))
    if errors:
        return invalid(errors)
    try:
        measure = services.update_measure(actor=user, measure=measure, **data)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _measure_out(measure, team=True))


@router.post("/measures/{int:measure_id}/decision", response={200: MeasureOut, 404: ErrorOut,
                                                               422: ValidationErrorOut},
             auth=token_auth, summary="The LKA's decision on a protection request")
def decide(request: HttpRequest, measure_id: int, payload: DecisionIn) -> Any:
    """Only the LKA's protection officers on cases they are involved in; everyone else gets 404."""
    user = request_user(request)
    measure = _measure(user, measure_id, "measures.decide_protection")
    if measure is None:
        return not_found()
    try:
        measure = services.decide_protection(actor=user, measure=measure, decision=payload.decision,
                                             note=payload.note)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _measure_out(measure, team=True))
