"""Consultations and their follow-up tasks (each write in one transaction with its audit events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.common import (
    audit_created,
    check_new_core,
    default_offer,
    new_engagement,
    update_engagement,
)
from kommunalschutz.alliance.engagements.models import Consultation, Engagement, FollowUpTask, OfferType
from kommunalschutz.foundation.accounts.models import Actor, Organisation, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import District, Municipality


def create_consultation(
    *, actor: Actor, title: str, started_on: dt.date, topics: str, municipality: Municipality | None = None,
    district: District | None = None, participating_organisations: Iterable[Organisation] = (),
    other_participants: str = "", outcome: str = "", offer_type: OfferType | None = None,
    status: str = Engagement.Status.COMPLETED, owner: User | None = None, ended_on: dt.date | None = None,
    notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> Consultation:
    """A consultation held on ``started_on`` (the offer defaults to the catalogue's consultation offer)."""
    offer_type = offer_type or default_offer(OfferType.Kind.CONSULTATION)
    errors: Errors = {}
    check_new_core(offer_type=offer_type, kind=OfferType.Kind.CONSULTATION, title=title, started_on=started_on,
                   municipality=municipality, district=district, status=status, ended_on=ended_on, errors=errors)
    if not topics.strip():
        add_error(errors, "topics", _("This field is required."))
    raise_if_errors(errors)
    assert offer_type is not None
    organisations = list(participating_organisations)
    with transaction.atomic():
        engagement = new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        consultation = Consultation.objects.create(engagement=engagement, topics=topics,
                                                   other_participants=other_participants, outcome=outcome)
        if organisations:
            consultation.participating_organisations.set(organisations)
        audit_created(actor, engagement, consultation)
    return consultation


def update_consultation(
    *, actor: Actor, consultation: Consultation, topics: str, other_participants: str, outcome: str,
    participating_organisations: Iterable[Organisation], **core: Any,
) -> Consultation:
    errors: Errors = {}
    if not topics.strip():
        add_error(errors, "topics", _("This field is required."))
    before = audit.snapshot(consultation)
    consultation.topics, consultation.other_participants, consultation.outcome = topics, other_participants, outcome
    with transaction.atomic():
        update_engagement(actor=actor, engagement=consultation.engagement, _detail=consultation,
                          _detail_before=before, _errors=errors, **core)
        organisations = list(participating_organisations)
        old = set(consultation.participating_organisations.values_list("pk", flat=True))
        if old != {o.pk for o in organisations}:
            consultation.participating_organisations.set(organisations)
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=consultation,
                         changes={"participating_organisations": {"old": sorted(old),
                                                                  "new": sorted(o.pk for o in organisations)}})
    return consultation


def add_follow_up_task(
    *, actor: Actor, consultation: Consultation, title: str, due_on: dt.date, assignee: str = "",
) -> FollowUpTask:
    errors: Errors = {}
    if not title.strip():
        add_error(errors, "title", _("This field is required."))
    if due_on is None:
        add_error(errors, "due_on", _("This field is required."))
    elif due_on < consultation.engagement.started_on:
        add_error(errors, "due_on", _("A follow-up task cannot be due before the consultation (%(date)s).")
                  % {"date": day(consultation.engagement.started_on)})
    raise_if_errors(errors)
    with transaction.atomic():
        task = FollowUpTask.objects.create(consultation=consultation, title=title.strip(), due_on=due_on,
                                           assignee=assignee.strip())
        audit.record_create(actor=actor, obj=task, summary="follow-up task added")
    return task


def complete_follow_up_task(*, actor: Actor, task: FollowUpTask, completed_on: dt.date | None = None) -> FollowUpTask:
    completed_on = completed_on or timezone.localdate()
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": [_("A task cannot be completed in the future.")]})
    with transaction.atomic():
        before = audit.snapshot(task, ["completed_on"])
        task.completed_on = completed_on
        task.save(update_fields=["completed_on"])
        audit.record_update(actor=actor, obj=task, before=before, summary="follow-up task completed")
    return task
