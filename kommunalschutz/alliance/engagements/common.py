"""What every engagement shares: the checks of its core fields, engagements of "general" offers,
and the update of the core fields that each kind's update goes through.

The rules every engagement follows (``check_new_core``, ``update_engagement``): exactly one target
(municipality or district); the target must have been contacted (a lifecycle transition exists) and
the engagement cannot start before that first contact; an end date cannot precede the start.

Like every write module of the app (``offers``, ``consultations``, ``coaching``, ``analyses``,
``funding``), each function is keyword-only, runs in one transaction and writes its audit events
naming the actor. Callers check permissions (views and API through rules); these functions check
the data and raise ``ValidationError`` with a dict naming the fields, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from kommunalschutz.alliance.programme.selectors import first_contact
from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import District, Municipality

CORE_FIELDS = ("title", "status", "owner_id", "started_on", "ended_on", "notes")


def _target_field(municipality: Any, district: Any) -> str:
    return "district" if district is not None and municipality is None else "municipality"


def _check_target(municipality: Municipality | None, district: District | None, errors: Errors) -> None:
    if (municipality is None) == (district is None):
        add_error(errors, "municipality", _("Choose either a municipality or a district."))


def _check_offer(offer_type: OfferType | None, kind: str | None, errors: Errors, *, new: bool) -> None:
    if offer_type is None:
        add_error(errors, "offer_type", _("Choose an offer from the catalogue."))
        return
    if new and not offer_type.active:
        add_error(errors, "offer_type", _("This offer is no longer offered; new engagements cannot use it."))
    if kind is not None and offer_type.kind != kind:
        add_error(errors, "offer_type", _("This offer is of the kind “%(kind)s”; record it with the matching form.")
                  % {"kind": offer_type.get_kind_display()})


def _check_dates(
    *, municipality: Municipality | None, district: District | None, started_on: dt.date | None,
    ended_on: dt.date | None, errors: Errors, start_field: str = "started_on",
) -> None:
    if started_on is None:
        add_error(errors, start_field, _("This field is required."))
    if started_on is not None and ended_on is not None and ended_on < started_on:
        add_error(errors, "ended_on",
                  _("The end cannot lie before the start (%(start)s).") % {"start": day(started_on)})
    if (municipality is None) == (district is None):
        return
    contacted = first_contact(municipality=municipality, district=district)
    if contacted is None:
        message = (_("This district has never been contacted by the alliance; record the first contact before "
                     "any engagement.") if municipality is None else
                   _("This municipality has never been contacted by the alliance; record the first contact "
                     "before any engagement."))
        add_error(errors, _target_field(municipality, district), message)
    elif started_on is not None and started_on < contacted:
        message = (_("The district was first contacted on %(date)s; an engagement cannot start before that.")
                   if municipality is None else
                   _("The municipality was first contacted on %(date)s; an engagement cannot start before that."))
        add_error(errors, start_field, message % {"date": day(contacted)})


def _check_status(status: str, errors: Errors) -> None:
    if status not in Engagement.Status.values:
        add_error(errors, "status", _("Unknown status."))


def default_offer(kind: str) -> OfferType | None:
    return OfferType.objects.filter(kind=kind, active=True).order_by("position", "pk").first()


def new_engagement(
    *, offer_type: OfferType, title: str, started_on: dt.date, municipality: Municipality | None,
    district: District | None, status: str, owner: User | None, ended_on: dt.date | None, notes: str,
    is_synthetic: bool, source_url: str,
) -> Engagement:
    now = timezone.now()
    return Engagement.objects.create(
        offer_type=offer_type, title=title.strip(), started_on=started_on, municipality=municipality,
        district=district, status=status, owner=owner, ended_on=ended_on, notes=notes, is_synthetic=is_synthetic,
        source_url=source_url, created_at=now, updated_at=now,
    )


def check_new_core(
    *, offer_type: OfferType | None, kind: str | None, title: str, started_on: dt.date | None,
    municipality: Municipality | None, district: District | None, status: str, ended_on: dt.date | None,
    errors: Errors, start_field: str = "started_on",
) -> None:
    _check_offer(offer_type, kind, errors, new=True)
    if not title.strip():
        add_error(errors, "title", _("This field is required."))
    _check_target(municipality, district, errors)
    _check_status(status, errors)
    _check_dates(municipality=municipality, district=district, started_on=started_on, ended_on=ended_on,
                 errors=errors, start_field=start_field)


def audit_created(actor: Actor, *objects: Any, summary: str = "") -> None:
    audit.record_many(
        audit.build(actor=actor, action=AuditEvent.Action.CREATE, obj=obj,
                    changes=audit.diff({}, audit.snapshot(obj)), summary=summary)
        for obj in objects
    )


# --- engagements of any kind ------------------------------------------------------------------------


def create_engagement(
    *, actor: Actor, offer_type: OfferType, title: str, started_on: dt.date, municipality: Municipality | None = None,
    district: District | None = None, status: str = Engagement.Status.PLANNED, owner: User | None = None,
    ended_on: dt.date | None = None, notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> Engagement:
    """An engagement of a "general" offer (qualification, networking event, any offer added later)."""
    errors: Errors = {}
    check_new_core(offer_type=offer_type, kind=OfferType.Kind.GENERAL, title=title, started_on=started_on,
                   municipality=municipality, district=district, status=status, ended_on=ended_on, errors=errors)
    raise_if_errors(errors)
    with transaction.atomic():
        engagement = new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        audit_created(actor, engagement)
    return engagement


def update_engagement(
    *, actor: Actor, engagement: Engagement, title: str | None = None, status: str | None = None,
    owner: User | bool | None = False, started_on: dt.date | None = None, ended_on: dt.date | bool | None = False,
    notes: str | None = None, _detail: Any = None, _detail_before: Mapping[str, Any] | None = None,
    _errors: Errors | None = None, _start_field: str = "started_on",
) -> Engagement:
    """Change the core fields. ``owner``/``ended_on`` left at False stay as they are (None clears them).

    The target and the offer of an engagement do not change; record a new engagement instead.
    """
    errors: Errors = dict(_errors or {})
    new_title = engagement.title if title is None else title.strip()
    new_status = engagement.status if status is None else status
    new_start = engagement.started_on if started_on is None else started_on
    new_end = engagement.ended_on if ended_on is False else ended_on
    if not new_title:
        add_error(errors, "title", _("This field is required."))
    _check_status(new_status, errors)
    assert new_end is None or isinstance(new_end, dt.date)
    _check_dates(municipality=engagement.municipality, district=engagement.district, started_on=new_start,
                 ended_on=new_end, errors=errors, start_field=_start_field)
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(engagement, CORE_FIELDS)
        engagement.title, engagement.status, engagement.started_on, engagement.ended_on = (
            new_title, new_status, new_start, new_end)
        if owner is not False:
            engagement.owner = owner if isinstance(owner, User) else None
        if notes is not None:
            engagement.notes = notes
        engagement.updated_at = timezone.now()
        engagement.save()
        audit.record_update(actor=actor, obj=engagement, before=before)
        if _detail is not None and _detail_before is not None:
            _detail.save()
            audit.record_update(actor=actor, obj=_detail, before=_detail_before)
    return engagement
