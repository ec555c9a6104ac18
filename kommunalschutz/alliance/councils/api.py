"""The councils part of the REST API (mounted under /api/v1/).

``GET /councils/public`` is open (only the contacts councils agreed to publish); everything else takes
a bearer token and is scoped like the pages: a council the caller may not see answers 404, bad input
422 with the messages per field, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kommunalschutz.alliance.councils import selectors, services
from kommunalschutz.alliance.councils.models import CouncilMeeting, PreventionCouncil
from kommunalschutz.alliance.councils.schemas import (
    CouncilContactDetailOut,
    CouncilDetailOut,
    CouncilIn,
    CouncilMemberOut,
    CouncilOut,
    CouncilProjectOut,
    CouncilQueryIn,
    CouncilTargetOut,
    MeetingIn,
    MeetingOut,
    PublicContactOut,
    WorkingGroupOut,
)
from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.core.dataversion import joined
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, not_found, public_list
from kommunalschutz.foundation.web.pages import request_user

router = Router(tags=["councils"])

def _target(council: PreventionCouncil) -> CouncilTargetOut:
    if council.municipality is not None:
        return CouncilTargetOut(kind="municipality", ags=council.municipality.ags, name=council.municipality.name)
    assert council.district is not None  # exactly one of the two (a database constraint)
    return CouncilTargetOut(kind="district", ags=council.district.ags, name=council.district.name)


def _council_out(council: PreventionCouncil) -> dict[str, Any]:
    return {
        "id": council.pk, "name": council.name, "target": _target(council), "establishment": council.establishment,
        "established_on": council.established_on, "dissolved_on": council.dissolved_on,
        "chair_name": council.chair_name, "chair_function": council.chair_function,
        "contact": CouncilContactDetailOut(name=council.contact_name, function=council.contact_function,
                              email=council.contact_email, phone=council.contact_phone,
                              address=council.contact_address, is_public=council.contact_is_public),
        "active_members": getattr(council, "active_member_count", 0),
        "meetings": getattr(council, "meeting_count", 0),
        "last_meeting_on": getattr(council, "last_meeting_on", None),
        "is_synthetic": council.is_synthetic, "source_url": council.source_url,
    }


def _meeting_out(meeting: CouncilMeeting) -> MeetingOut:
    return MeetingOut(id=meeting.pk, council=meeting.council_id, title=meeting.title, held_on=meeting.held_on,
                      location=meeting.location, agenda=meeting.agenda, is_synthetic=meeting.is_synthetic)


@router.get("/councils/public", response=list[PublicContactOut], summary="Public contacts of the running councils")
def public_contacts(request: HttpRequest) -> HttpResponseBase:
    """No login: only councils whose contact person agreed to publication (``contact_is_public``),
    and only the contact fields; running today. Cached per day by the data versions of the councils and
    of the registry (names of municipalities and districts), with an ETag (decision 0027)."""
    today = timezone.localdate()
    return public_list(request, joined("councils", "registry"), f"councils-public\x00{today.isoformat()}",
                       lambda: _public_contacts(today), day=today)


def _public_contacts(today: dt.date) -> list[PublicContactOut]:
    return [
        PublicContactOut(
            id=council.pk, council_name=council.name, target=_target(council),
            established_on=council.established_on, establishment=council.establishment,
            contact_name=council.contact_name, contact_function=council.contact_function,
            contact_email=council.contact_email, contact_phone=council.contact_phone,
            contact_address=council.contact_address, is_synthetic=council.is_synthetic,
        )
        for council in selectors.public_contacts(today)
    ]


@router.get("/councils", response={200: list[CouncilOut], 404: ErrorOut}, auth=token_auth,
            summary="The prevention councils the caller may see")
def list_councils(request: HttpRequest, filters: Query[CouncilQueryIn]) -> Any:
    user = request_user(request)
    if not user.has_perm("councils.view_councils"):
        return not_found()
    status = "" if filters.active is None else ("active" if filters.active else "dissolved")
    return Status(200, [CouncilOut(**_council_out(c)) for c in selectors.council_list(user, status=status)])


@router.get("/councils/{int:council_id}", response={200: CouncilDetailOut, 404: ErrorOut}, auth=token_auth,
            summary="One prevention council with members, meetings, working groups and projects")
def get_council(request: HttpRequest, council_id: int) -> Any:
    user = request_user(request)
    council = selectors.council_list(user).filter(pk=council_id).first()
    if council is None or not user.has_perm("councils.view_council", council):
        return not_found()
    sections = selectors.council_sections(council)
    members = sections["active_members"] + sections["former_members"]
    return Status(200, CouncilDetailOut(
        **_council_out(council),
        members=[CouncilMemberOut(id=m.pk, organisation_name=m.organisation_name, organisation_id=m.organisation_id,
                           person_name=m.person_name, function=m.function, joined_on=m.joined_on,
                           left_on=m.left_on) for m in members],
        meeting_list=[_meeting_out(m) for m in sections["meetings"]],
        working_groups=[WorkingGroupOut(id=g.pk, name=g.name, topic=g.topic, lead=g.lead,
                                        members=[m.pk for m in g.members.all()])
                        for g in sections["working_groups"]],
        projects=[CouncilProjectOut(id=p.pk, title=p.title, status=p.status, planned_start=p.planned_start,
                             planned_end=p.planned_end, actual_start=p.actual_start, actual_end=p.actual_end)
                  for p in sections["projects"]],
    ))


@router.post("/councils", response={201: CouncilOut, 404: ErrorOut, 422: ValidationErrorOut}, auth=token_auth,
             summary="Record a prevention council")
def create_council(request: HttpRequest, payload: CouncilIn) -> Any:
    """Needs ``councils.add_council`` on the municipality (or district); 404 otherwise."""
    user = request_user(request)
    data = payload.dict()
    errors: dict[str, list[str]] = {}
    municipality = district = None
    if data["municipality"]:
        municipality = Municipality.objects.defer("boundary").filter(ags=data["municipality"]).first()
        if municipality is None:
            errors["municipality"] = [_("No municipality with the AGS %(ags)s.") % {"ags": data["municipality"]}]
    if data["district"]:
        district = District.objects.defer("boundary").filter(ags=data["district"]).first()
        if district is None:
            errors["district"] = [_("No district with the key %(ags)s.") % {"ags": data["district"]}]
    if errors:
        return invalid(errors)
    for target in (municipality, district):
        if target is not None and not user.has_perm("councils.add_council", target):
            return not_found()
    if municipality is None and district is None and not user.has_perm("councils.view_councils"):
        return not_found()
    data.update(municipality=municipality, district=district)
    try:
        council = services.create_council(actor=user, **data)
    except ValidationError as exc:
        return invalid(exc)
    created = selectors.council_list(user).filter(pk=council.pk).first() or council
    return Status(201, CouncilOut(**_council_out(created)))


@router.post("/councils/meetings", response={201: MeetingOut, 404: ErrorOut, 422: ValidationErrorOut},
             auth=token_auth, summary="Schedule a meeting of a prevention council")
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    """The body names the council by id; a missing or unknown council (or one the caller may not see)
    answers 422 naming ``council``; a council the caller may read but not edit answers 404."""
    user = request_user(request)
    council = None
    if payload.council is not None:
        council = selectors.visible_councils(user).filter(pk=payload.council).first()
    if council is None:
        message = _("Give the id of the prevention council the meeting belongs to.") if payload.council is None \
            else _("There is no prevention council with the id %(id)s that you may see.") % {"id": payload.council}
        errors = {"council": [message]}
        if not payload.title.strip():
            errors["title"] = [_("Enter a title.")]
        return invalid(errors)
    if not user.has_perm("councils.edit_council", council):
        return not_found()
    try:
        meeting = services.schedule_meeting(actor=user, council=council, title=payload.title,
                                            held_on=payload.held_on, location=payload.location,
                                            agenda=payload.agenda)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _meeting_out(meeting))
