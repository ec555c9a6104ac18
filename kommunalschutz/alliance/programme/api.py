"""The alliance part of the REST API (mounted under /api/v1/).

Membership on a date is a public fact and needs no token; everything else takes a bearer token and
answers an outsider with 404, as the web pages do. Bad input gives 422 with the messages per field,
and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from kommunalschutz.alliance.programme import agreements, lifecycle, selectors
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition
from kommunalschutz.alliance.programme.schemas import (
    AgreementDetailOut,
    AgreementIn,
    AgreementOut,
    AllianceMemberOut,
    AllianceOrganisationRefOut,
    LifecycleOut,
    MembershipTargetOut,
    MembersOut,
    MembersQueryIn,
    ReviewOut,
    SignatoryOut,
    SignedDocumentOut,
    TransitionIn,
    TransitionOut,
)
from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate
from kommunalschutz.foundation.registry.schemas import PoliceDirectorateRefOut
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid
from kommunalschutz.foundation.web.pages import request_user

router = Router(tags=["alliance"])

MANAGE = "alliance.manage_programme"
# This router has always answered 422 with this detail, untranslated.
NOTHING_SAVED = "The input is not valid; nothing was saved."


def _payload_target(payload: Any, errors: dict[str, list[str]]) -> tuple[Municipality | None, District | None]:
    """The municipality and district a payload names by key; unknown keys are added to ``errors``."""
    municipality = Municipality.objects.filter(ags=payload.municipality).first() if payload.municipality else None
    if payload.municipality and municipality is None:
        errors["municipality"] = [f"No municipality with the AGS {payload.municipality}."]
    district = District.objects.filter(ags=payload.district).first() if payload.district else None
    if payload.district and district is None:
        errors["district"] = [f"No district with the key {payload.district}."]
    return municipality, district


def _target_out(target: Any) -> MembershipTargetOut:
    kind = "municipality" if isinstance(target, Municipality) else "district"
    return MembershipTargetOut(kind=kind, ags=target.ags, name=target.name)


def _transition_out(step: MembershipTransition) -> TransitionOut:
    return TransitionOut(
        id=step.pk, stage=step.stage, stage_label=str(step.get_stage_display()), date=step.date,
        acting_organisation=AllianceOrganisationRefOut(id=step.acting_organisation.pk,
                                                       name=step.acting_organisation.name),
        note=step.note, is_synthetic=step.is_synthetic, source_url=step.source_url,
    )


def _lifecycle(target: Any) -> LifecycleOut:
    steps = selectors.timeline(target)
    return LifecycleOut(target=_target_out(target), current_stage=steps[-1].stage if steps else None,
                        transitions=[_transition_out(step) for step in steps])


@router.get("/alliance/municipalities/{ags}/lifecycle", auth=token_auth,
            response={200: LifecycleOut, 404: ErrorOut}, summary="A municipality's lifecycle in the alliance")
def municipality_lifecycle(request: HttpRequest, ags: str) -> LifecycleOut:
    municipality = get_for_user(request.user, Municipality.objects.defer("boundary"),
                                "alliance.view_municipality_work", ags=ags)
    return _lifecycle(municipality)


@router.get("/alliance/districts/{ags}/lifecycle", auth=token_auth,
            response={200: LifecycleOut, 404: ErrorOut}, summary="A district's own lifecycle in the alliance")
def district_lifecycle(request: HttpRequest, ags: str) -> LifecycleOut:
    district = get_for_user(request.user, District.objects.defer("boundary"),
                            "alliance.view_municipality_work", ags=ags)
    return _lifecycle(district)


@router.post("/alliance/transitions", auth=token_auth,
             response={201: TransitionOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="Record a lifecycle step (coordination office)")
def create_transition(
    request: HttpRequest, payload: TransitionIn,
) -> Status[TransitionOut] | Status[ValidationErrorOut]:
    require_perm(request.user, MANAGE)
    errors: dict[str, list[str]] = {}
    municipality, district = _payload_target(payload, errors)
    organisation = Organisation.objects.filter(pk=payload.acting_organisation).first()
    if organisation is None:
        errors["acting_organisation"] = [f"No organisation with the id {payload.acting_organisation}."]
    if errors:
        return invalid(errors, detail=NOTHING_SAVED)
    try:
        step = lifecycle.record_transition(
            actor=request_user(request), stage=payload.stage, date=payload.date, acting_organisation=organisation,
            municipality=municipality, district=district, note=payload.note, source_url=payload.source_url,
        )
    except ValidationError as exc:
        return invalid(exc, detail=NOTHING_SAVED)
    return Status(201, _transition_out(step))


@router.get("/alliance/members", response=MembersOut, summary="Member municipalities on a date (public)")
def members(request: HttpRequest, filters: Query[MembersQueryIn]) -> MembersOut:
    """Municipalities whose latest "member" step on or before the date is not followed by leaving."""
    as_of = filters.as_of or timezone.localdate()
    rows = [AllianceMemberOut(ags=m.ags, name=m.name, district=m.district.name) for m in selectors.members_on(as_of)]
    return MembersOut(as_of=as_of, count=len(rows), municipalities=rows)


# --- Agreements -----------------------------------------------------------------------------------


def _agreement_out(agreement: CooperationAgreement) -> dict[str, Any]:
    document = None
    if agreement.signed_document:
        document = SignedDocumentOut(
            name=agreement.signed_document_name, size=agreement.signed_document_size,
            sha256=agreement.signed_document_sha256,
            url=reverse("alliance:agreement_document", args=[agreement.pk]),
        )
    return {
        "id": agreement.pk, "title": agreement.title, "status": agreement.status,
        "target": _target_out(agreement.target),
        "police_directorate": PoliceDirectorateRefOut(code=agreement.police_directorate.code,
                                                      name=agreement.police_directorate.name),
        "police_station": agreement.police_station,
        "coordination_office": AllianceOrganisationRefOut(id=agreement.coordination_office.pk,
                                                  name=agreement.coordination_office.name),
        "signed_on": agreement.signed_on, "terminated_on": agreement.terminated_on,
        "is_synthetic": agreement.is_synthetic, "source_url": agreement.source_url, "signed_document": document,
    }


def _agreement_detail(agreement: CooperationAgreement) -> AgreementDetailOut:
    return AgreementDetailOut(
        **_agreement_out(agreement),
        **{name: getattr(agreement, name) for name in CooperationAgreement.SECTIONS},
        signatories=[SignatoryOut(party=s.party, name=s.name, function=s.function, signed_on=s.signed_on)
                     for s in agreement.signatories.all()],
        reviews=[ReviewOut(id=r.pk, due_on=r.due_on, completed_on=r.completed_on, outcome=r.outcome,
                           reminder_sent_at=r.reminder_sent_at) for r in agreement.reviews.all()],
    )


@router.get("/alliance/agreements", auth=token_auth, response={200: list[AgreementOut], 404: ErrorOut},
            summary="Cooperation agreements the caller may read (404 for roles that read none)")
def list_agreements(request: HttpRequest) -> list[AgreementOut]:
    """The coordination office sees all; a municipal coordinator their own; the police those it is party to."""
    require_perm(request.user, "alliance.view_agreements")
    return [AgreementOut(**_agreement_out(a)) for a in selectors.agreements_for(request.user).order_by("pk")]


@router.get("/alliance/agreements/{agreement_id}", auth=token_auth,
            response={200: AgreementDetailOut, 404: ErrorOut}, summary="One cooperation agreement")
def get_agreement(request: HttpRequest, agreement_id: int) -> AgreementDetailOut:
    agreement = get_for_user(request.user, selectors.agreements_for(request.user), "alliance.view_agreement",
                             pk=agreement_id)
    return _agreement_detail(agreement)


@router.post("/alliance/agreements", auth=token_auth,
             response={201: AgreementDetailOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="Draft a cooperation agreement (coordination office)")
def create_agreement(
    request: HttpRequest, payload: AgreementIn,
) -> Status[AgreementDetailOut] | Status[ValidationErrorOut]:
    require_perm(request.user, MANAGE)
    errors: dict[str, list[str]] = {}
    municipality, district = _payload_target(payload, errors)
    directorate = PoliceDirectorate.objects.filter(code=payload.police_directorate).first()
    if directorate is None:
        errors["police_directorate"] = [f"No police directorate with the code {payload.police_directorate!r}."]
    office = None
    if payload.coordination_office is not None:
        office = Organisation.objects.filter(pk=payload.coordination_office).first()
        if office is None:
            errors["coordination_office"] = [f"No organisation with the id {payload.coordination_office}."]
    if errors:
        return invalid(errors, detail=NOTHING_SAVED)
    data = payload.dict(exclude={"municipality", "district", "police_directorate", "coordination_office",
                                 "signatories"})
    try:
        agreement = agreements.create_agreement(
            actor=request_user(request), municipality=municipality, district=district, police_directorate=directorate,
            coordination_office=office, signatories=[s.dict() for s in payload.signatories], **data,
        )
    except ValidationError as exc:
        return invalid(exc, detail=NOTHING_SAVED)
    return Status(201, _agreement_detail(agreement))


@router.post("/alliance/agreements/{agreement_id}/sign", auth=token_auth,
             response={200: AgreementDetailOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="Record the signing, optionally with the signed PDF (multipart)")
def sign_agreement(
    request: HttpRequest, agreement_id: int, signed_on: Form[dt.date], record_membership: Form[bool] = True,
    document: File[UploadedFile | None] = None,
) -> Status[AgreementDetailOut] | Status[ValidationErrorOut]:
    """The PDF must be sent as application/pdf, start with %PDF- and stay within the size limit."""
    agreement = get_for_user(request.user, selectors.agreements_for(request.user), "alliance.view_agreement",
                             pk=agreement_id)
    require_perm(request.user, MANAGE, agreement)
    try:
        agreements.sign_agreement(actor=request_user(request), agreement=agreement, signed_on=signed_on,
                                  document=document, record_membership=record_membership)
    except ValidationError as exc:
        return invalid(exc, detail=NOTHING_SAVED)
    return Status(200, _agreement_detail(agreement))
