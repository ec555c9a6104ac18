"""The engagements part of the REST API (mounted under /api/v1/).

The catalogue of active offers is public. Everything else takes a bearer token and is scoped like the
web pages: an engagement the caller may not see answers 404, and so does a write the caller may not
make. Bad input answers 422 with the messages by field, and nothing is saved.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Query, Router, Status

from kommunalschutz.alliance.engagements import consultations, funding, offers, selectors
from kommunalschutz.alliance.engagements.models import Engagement, FundingApplication, OfferType
from kommunalschutz.alliance.engagements.schemas import (
    AnalysisOut,
    CoachingOut,
    ConsultationIn,
    ConsultationOut,
    EngagementDetailOut,
    EngagementOut,
    EngagementPageOut,
    EngagementQueryIn,
    EngagementTargetOut,
    EvaluationOut,
    FollowUpTaskOut,
    FundingApplicationIn,
    FundingOut,
    OfferTypeIn,
    OfferTypeOut,
    PhaseOut,
    SessionOut,
    TargetIn,
)
from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.core.errors import messages_by_field
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.foundation.web.api import ValidationErrorOut, invalid, public_list
from kommunalschutz.foundation.web.pages import request_user

router = Router(tags=["engagements"])

MANAGE = "alliance.manage_programme"
# This router words the 422 detail its own way (translated when it is answered).
NOTHING_SAVED = gettext_noop("The input is not valid; nothing was saved.")


def _offer_out(offer: OfferType) -> OfferTypeOut:
    return OfferTypeOut(code=offer.code, name=offer.name, kind=offer.kind, description=offer.description,
                        active=offer.active, position=offer.position)


def _row(engagement: Engagement) -> dict[str, Any]:
    municipality, district = engagement.municipality, engagement.district
    target = (EngagementTargetOut(type="municipality", ags=municipality.ags, name=municipality.name)
              if municipality is not None else
              EngagementTargetOut(type="district", ags=district.ags, name=district.name)
              if district is not None else None)
    owner = engagement.owner.get_full_name() or engagement.owner.username if engagement.owner else None
    return {
        "id": engagement.pk, "offer": engagement.offer_type.code, "offer_name": engagement.offer_type.name,
        "kind": engagement.offer_type.kind, "title": engagement.title, "status": engagement.status,
        "target": target, "started_on": engagement.started_on, "ended_on": engagement.ended_on, "owner": owner,
        "is_synthetic": engagement.is_synthetic,
        "has_overdue_phase": bool(getattr(engagement, "has_overdue_phase", False)),
    }


def _targets(data: TargetIn, errors: dict[str, list[str]]) -> tuple[Municipality | None, District | None]:
    municipality = district = None
    if data.municipality:
        municipality = Municipality.objects.filter(ags=data.municipality).defer("boundary").first()
        if municipality is None:
            errors["municipality"] = [_("No municipality has this AGS.")]
    if data.district:
        district = District.objects.filter(ags=data.district).defer("boundary").first()
        if district is None:
            errors["district"] = [_("No district has this key.")]
    return municipality, district


def _offer(code: str | None, kind: str, errors: dict[str, list[str]]) -> OfferType | None:
    if code is None:
        return None  # the service takes the catalogue's offer of the kind
    offer = OfferType.objects.filter(code=code).first()
    if offer is None:
        errors["offer"] = [_("There is no offer with this code in the catalogue.")]
    elif offer.kind != kind:
        errors["offer"] = [_("This offer is not of the kind “%(kind)s”.") % {"kind": OfferType.Kind(kind).label}]
    return offer


def _rename(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The services name the offer field after the model (offer_type); the API calls it offer."""
    if "offer_type" in errors:
        errors.setdefault("offer", []).extend(errors.pop("offer_type"))
    return errors


# --- offers -----------------------------------------------------------------------------------------


@router.get("/engagements/offers", response=list[OfferTypeOut], auth=None, summary="The catalogue of active offers")
def list_offers(request: HttpRequest) -> HttpResponseBase:
    """Public: the offers the alliance currently makes to municipalities. Cached by the catalogue's data
    version, with an ETag (If-None-Match gives 304; decision 0027)."""
    return public_list(request, "offers", "offers",
                       lambda: [_offer_out(offer) for offer in selectors.offer_types(active_only=True)])


@router.post("/engagements/offers", response={201: OfferTypeOut, 422: ValidationErrorOut}, auth=token_auth,
             summary="Add an offer to the catalogue (coordination office)")
def create_offer(request: HttpRequest, data: OfferTypeIn) -> Status[OfferTypeOut] | Status[ValidationErrorOut]:
    user = request_user(request)
    require_perm(user, MANAGE)
    try:
        offer = offers.create_offer_type(actor=user, **data.model_dump())
    except ValidationError as exc:
        return invalid(exc, detail=_(NOTHING_SAVED))
    return Status(201, _offer_out(offer))


# --- engagements ----------------------------------------------------------------------------------------


@router.get("/engagements", response={200: EngagementPageOut, 422: ValidationErrorOut}, auth=token_auth,
            summary="Engagements the caller may see")
def list_engagements(request: HttpRequest,
                     filters: Query[EngagementQueryIn]) -> Status[EngagementPageOut] | Status[ValidationErrorOut]:
    """Scoped like the web list; filters by offer, status, municipality or district, year, overdue phases."""
    user = request_user(request)
    require_perm(user, "alliance.view_records")
    errors: dict[str, list[str]] = {}
    offer = None
    if filters.offer:
        offer = OfferType.objects.filter(code=filters.offer).first()
        if offer is None:
            errors["offer"] = [_("There is no offer with this code in the catalogue.")]
    if filters.status and filters.status not in Engagement.Status.values:
        errors["status"] = [_("Unknown status.")]
    municipality, district = _targets(TargetIn(municipality=filters.municipality, district=filters.district), errors)
    if errors:
        return invalid(errors, detail=_(NOTHING_SAVED))
    rows = selectors.engagement_rows(user, offer=offer, status=filters.status or "", municipality=municipality,
                                     district=district, year=filters.year, overdue=filters.overdue)
    count = rows.count()
    start = (filters.page - 1) * filters.page_size
    page = list(rows[start:start + filters.page_size]) if start < count else []
    return Status(200, EngagementPageOut(
        count=count, page=filters.page, page_size=filters.page_size, pages=math.ceil(count / filters.page_size),
        results=[EngagementOut(**_row(engagement)) for engagement in page]))


def _detail(engagement: Engagement) -> EngagementDetailOut:
    details = selectors.details_of(engagement)
    today = selectors.today()
    out = EngagementDetailOut(**_row(engagement), notes=engagement.notes)
    if details.consultation is not None:
        c = details.consultation
        out.consultation = ConsultationOut(
            topics=c.topics, participating_organisations=[o.name for o in c.participating_organisations.all()],
            other_participants=c.other_participants, outcome=c.outcome,
            tasks=[FollowUpTaskOut(title=t.title, assignee=t.assignee, due_on=t.due_on, completed_on=t.completed_on,
                                   overdue=t.completed_on is None and t.due_on < today) for t in details.tasks])
    if details.coaching is not None:
        p = details.coaching
        out.coaching = CoachingOut(
            coach=p.coach.user.get_full_name() or p.coach.user.username, needs=[n.name for n in p.needs.all()],
            goals=p.goals, closed_on=p.closed_on, evaluation_summary=p.evaluation_summary,
            sessions=[SessionOut(held_on=s.held_on, duration_minutes=s.duration_minutes, topics=s.topics)
                      for s in p.sessions.all()],
            evaluations=[EvaluationOut(condition=e.condition, fulfilment=e.fulfilment, comment=e.comment)
                         for e in p.evaluations.all()])
    if details.analysis is not None:
        a = details.analysis
        running = engagement.status not in selectors.FINISHED
        out.security_analysis = AnalysisOut(
            contractor=a.contractor.name if a.contractor else None, sample_size=a.sample_size,
            phases=[PhaseOut(phase=ph.phase, planned_start=ph.planned_start, planned_end=ph.planned_end,
                             actual_start=ph.actual_start, actual_end=ph.actual_end,
                             overdue=running and ph.actual_end is None and ph.planned_end < today)
                    for ph in details.phases])
    if details.funding is not None:
        f = details.funding
        out.funding = FundingOut(
            funding_year=f.funding_year, project_title=f.project_title, total_costs=f.total_costs,
            requested_amount=f.requested_amount, own_share=funding.own_share(f.total_costs, f.requested_amount),
            funding_rate_percent=(f.requested_amount / f.total_costs * 100).quantize(Decimal("0.1")),
            in_kind_contribution=f.in_kind_contribution, submitted_on=f.submitted_on,
            prior_consultation=f.prior_consultation_id,
            beccaria_steps={name: getattr(f, name) for name in FundingApplication.BECCARIA_FIELDS},
            decision=f.decision, decided_on=f.decided_on, approved_amount=f.approved_amount,
            report_submitted_on=f.report_submitted_on)
    return out


@router.get("/engagements/{int:engagement_id}", response=EngagementDetailOut, auth=token_auth,
            summary="One engagement with the details of its kind")
def get_engagement(request: HttpRequest, engagement_id: int) -> EngagementDetailOut:
    return _detail(selectors.engagement_for(request_user(request), engagement_id))


@router.post("/engagements/consultations", response={201: EngagementDetailOut, 422: ValidationErrorOut},
             auth=token_auth, summary="Record a consultation (coordination office)")
def create_consultation(
    request: HttpRequest, data: ConsultationIn,
) -> Status[EngagementDetailOut] | Status[ValidationErrorOut]:
    user = request_user(request)
    require_perm(user, MANAGE)
    errors: dict[str, list[str]] = {}
    municipality, district = _targets(data, errors)
    offer = _offer(data.offer, OfferType.Kind.CONSULTATION, errors)
    organisations = list(Organisation.objects.filter(pk__in=data.participating_organisations))
    if len(organisations) != len(set(data.participating_organisations)):
        errors["participating_organisations"] = [_("Some of these organisations do not exist.")]
    if errors:
        return invalid(errors, detail=_(NOTHING_SAVED))
    try:
        consultation = consultations.create_consultation(
            actor=user, offer_type=offer, municipality=municipality, district=district, title=data.title,
            started_on=data.started_on, ended_on=data.ended_on, status=data.status, topics=data.topics,
            participating_organisations=organisations, other_participants=data.other_participants,
            outcome=data.outcome, notes=data.notes)
    except ValidationError as exc:
        return invalid(_rename(messages_by_field(exc)), detail=_(NOTHING_SAVED))
    return Status(201, _detail(selectors.engagement_for(user, consultation.engagement.pk)))


@router.post("/engagements/funding-applications", response={201: EngagementDetailOut, 422: ValidationErrorOut},
             auth=token_auth, summary="Record a funding application (coordination office)")
def create_funding_application(
    request: HttpRequest, data: FundingApplicationIn,
) -> Status[EngagementDetailOut] | Status[ValidationErrorOut]:
    user = request_user(request)
    require_perm(user, MANAGE)
    errors: dict[str, list[str]] = {}
    municipality, district = _targets(data, errors)
    offer = _offer(data.offer, OfferType.Kind.FUNDING, errors)
    prior = None
    if data.prior_consultation is not None:
        prior = (selectors.visible_engagements(user).filter(pk=data.prior_consultation, consultation__isnull=False)
                 .select_related("consultation").first())
        if prior is None:
            errors["prior_consultation"] = [_("There is no consultation with this id.")]
    if errors:
        return invalid(errors, detail=_(NOTHING_SAVED))
    fields = data.model_dump(exclude={"municipality", "district", "offer", "prior_consultation"})
    try:
        application = funding.create_funding_application(
            actor=user, offer_type=offer, municipality=municipality, district=district,
            prior_consultation=prior.consultation if prior is not None else None, **fields)
    except ValidationError as exc:
        return invalid(_rename(messages_by_field(exc)), detail=_(NOTHING_SAVED))
    return Status(201, _detail(selectors.engagement_for(user, application.engagement.pk)))
