"""Writes of the measures of a case: recording and updating a measure, the LKA's decision on a protection request
(the partner directory's writes: measures.partners).

Each function runs in one transaction, audits its change, writes the case timeline
and brings the anonymous statistical record up to date. Callers check permissions (views and API through
rules); these functions check the data and raise ``ValidationError`` with a dict naming the fields
before anything is saved.

Choices where the issue is silent (docs/protection/measures.md):
- every measure has an owner from the case team and a due date that is not in the past when set;
- a partner belongs to referrals only (and must be active); the protection kind to protection requests only;
- closed cases take no new measures;
- the LKA decides a protection request once; a changed situation is a new request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.services import (
    add_event,
    notify,
    protection_officers,
    reporter_users,
    sync_statistic,
    team_users,
)
from kommunalschutz.protection.measures.checks import model_checks, refuse_unknown_fields
from kommunalschutz.protection.measures.models import Measure, MeasureKind, Partner

# Case statuses from which the first measure agreed with the official moves the case on.
ADVANCING_STATUSES = frozenset({Case.Status.ACKNOWLEDGED, Case.Status.ASSESSMENT})
OPEN_STATUSES = frozenset({Measure.Status.PLANNED, Measure.Status.IN_PROGRESS})


# --- helpers -------------------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    return str(MeasureKind(kind).label) if kind in MeasureKind.values else kind


# --- measures of a case ------------------------------------------------------------------------------


def _check_owner(case: Case, owner: User | None, errors: Errors) -> None:
    if owner is None:
        add_error(errors, "owner", _("Choose who on the case team is responsible for the measure."))
    elif owner.pk not in {user.pk for user in team_users(case)}:
        add_error(errors, "owner", _("The person responsible must be on the case team."))


def _check_due(due_on: dt.date | None, errors: Errors) -> None:
    if due_on is None:
        add_error(errors, "due_on", _("Enter the date by which the measure is due."))
    elif due_on < timezone.localdate():
        add_error(errors, "due_on", _("The due date lies in the past; choose today or a later day."))


def _check_kind(measure: Measure, errors: Errors) -> None:
    if measure.kind not in MeasureKind.values:
        add_error(errors, "kind", _("Choose a measure from the catalogue."))
        return
    if measure.kind == MeasureKind.REFERRAL:
        if measure.partner is None:
            add_error(errors, "partner", _("A referral needs the counselling partner it goes to."))
        elif not measure.partner.is_active and measure.pk is None:
            add_error(errors, "partner", _("This partner is no longer in the directory; choose an active one."))
    elif measure.partner is not None:
        add_error(errors, "partner", _("Only a referral names a counselling partner; leave the partner empty."))
    if measure.kind == MeasureKind.PROTECTION_REQUEST:
        if measure.protection_kind not in Measure.ProtectionKind.values:
            add_error(errors, "protection_kind", _("Choose whether personal protection, property protection or both "
                                                   "are requested."))
    elif measure.protection_kind:
        add_error(errors, "protection_kind", _("Only a protection request to the LKA names the protection requested."))


def _check_status_outcome(measure: Measure, errors: Errors) -> None:
    if measure.status not in Measure.Status.values:
        add_error(errors, "status", _("Choose a status of the measure."))
    elif measure.status == Measure.Status.DONE and not measure.outcome.strip():
        add_error(errors, "outcome", _("Describe the outcome before marking the measure as done."))
    elif measure.status == Measure.Status.CANCELLED and not measure.outcome.strip():
        add_error(errors, "outcome", _("Give the reason for cancelling the measure in the outcome."))


def _advance_case(case: Case, measure: Measure, actor: Actor) -> None:
    """The first measure agreed with the official moves an acknowledged case (or one under assessment)
    to "measures agreed"."""
    if not measure.agreed_with_official or measure.status == Measure.Status.CANCELLED:
        return
    if case.status not in ADVANCING_STATUSES:
        return
    before = audit.snapshot(case, ["status"])
    case.status = Case.Status.MEASURES_AGREED
    case.save(update_fields=["status", "updated_at"])
    audit.record_update(actor=actor, obj=case, before=before, summary="measures agreed with the official")
    add_event(case, CaseEvent.Kind.STATUS, _("Status: %(status)s") % {"status": case.get_status_display()},
              actor=actor)


def _request_protection(case: Case, measure: Measure, actor: Actor) -> None:
    """A protection request brings the LKA onto the case team and tells its protection officers."""
    if not case.lka_involved:
        before = audit.snapshot(case, ["lka_involved"])
        case.lka_involved = True
        case.save(update_fields=["lka_involved", "updated_at"])
        audit.record_update(actor=actor, obj=case, before=before, summary="LKA joins the case team")
        add_event(case, CaseEvent.Kind.TEAM, _("The LKA joins the case team."), actor=actor)
    officers = protection_officers()
    path = reverse("measures:case_measures", args=[case.pk])
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Case %(reference)s: a request for personal or property protection awaits your decision.") % {
            "reference": case.reference}
        subject = _("Protection request in case %(reference)s") % {"reference": case.reference}
        body = _("A request for personal or property protection has been recorded in case %(reference)s and "
                 "awaits the LKA's decision.\n\nPlease sign in to %(platform)s and open the measures of the "
                 "case: %(path)s\n\nThis message names no people on purpose.") % {
            "reference": case.reference, "platform": settings.PLATFORM_NAME, "path": path}
    notify(officers, case, message, url=path)
    addresses = [user.email for user in officers if user.email]

    def _send() -> None:
        for address in addresses:  # one message each: officers do not see each other's addresses
            send_mail(subject, body, None, [address])

    # Mail goes out only once the request is durably stored.
    transaction.on_commit(_send)
    add_event(case, CaseEvent.Kind.NOTIFIED,
              _("LKA notified of the protection request (%(count)d people).") % {"count": len(officers)},
              actor=actor)


@transaction.atomic
def add_measure(
    *, actor: Actor, case: Case, kind: str, owner: User | None, due_on: dt.date | None, description: str = "",
    partner: Partner | None = None, agreed_with_official: bool = False, protection_kind: str = "",
) -> Measure:
    """Record a measure (or referral, or protection request) for a case."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    errors: Errors = {}
    if case.status == Case.Status.CLOSED:
        add_error(errors, "__all__", _("The case is closed; reopen it before adding measures."))
    measure = Measure(case=case, kind=kind, partner=partner, owner=owner, due_on=due_on,
                      description=(description or "").strip(), agreed_with_official=bool(agreed_with_official),
                      protection_kind=protection_kind or "", created_by=actor if getattr(
                          actor, "is_authenticated", False) else None)
    _check_kind(measure, errors)
    _check_owner(case, owner, errors)
    _check_due(due_on, errors)
    if kind == MeasureKind.PROTECTION_REQUEST:
        measure.decision = Measure.Decision.PENDING
    model_checks(measure, errors, exclude=["case", "created_by", "decided_by", "updated_at"])
    measure.save()
    audit.record_create(actor=actor, obj=measure)
    add_event(case, CaseEvent.Kind.MEASURE, _("Measure recorded: %(kind)s") % {"kind": _kind_label(kind)},
              actor=actor)
    if kind == MeasureKind.PROTECTION_REQUEST:
        _request_protection(case, measure, actor)
    _advance_case(case, measure, actor)
    sync_statistic(case)
    return measure


UPDATE_FIELDS: tuple[str, ...] = ("status", "outcome", "due_on", "owner", "agreed_with_official", "description")


@transaction.atomic
def update_measure(*, actor: Actor, measure: Measure, **fields: Any) -> Measure:
    """Change the status, outcome, due date, owner, agreement or description of a measure."""
    refuse_unknown_fields(fields, UPDATE_FIELDS, "update_measure")
    locked = Measure.objects.select_for_update(of=("self",)).select_related("case", "partner").get(pk=measure.pk)
    case = locked.case
    before = audit.snapshot(locked, ["status", "outcome", "due_on", "owner_id", "agreed_with_official",
                                     "description"])
    errors: Errors = {}
    for name, value in fields.items():
        if name in {"outcome", "description"}:
            value = (value or "").strip()
        setattr(locked, name, value)
    if "owner" in fields and fields["owner"] is not None and fields["owner"].pk != before["owner_id"]:
        _check_owner(case, fields["owner"], errors)
    elif "owner" in fields and fields["owner"] is None:
        _check_owner(case, None, errors)
    if "due_on" in fields and fields["due_on"] != before["due_on"]:
        _check_due(fields["due_on"], errors)
    _check_status_outcome(locked, errors)
    model_checks(locked, errors, exclude=["case", "created_by", "decided_by", "updated_at", "partner"])
    locked.save()
    changes = audit.record_update(actor=actor, obj=locked, before=before)
    if changes is None:
        return locked
    if before["status"] != locked.status:
        summary = _("Measure %(kind)s: %(status)s") % {"kind": _kind_label(locked.kind),
                                                        "status": locked.get_status_display()}
    else:
        summary = _("Measure updated: %(kind)s") % {"kind": _kind_label(locked.kind)}
    add_event(case, CaseEvent.Kind.MEASURE, summary, actor=actor)
    _advance_case(case, locked, actor)
    sync_statistic(case)
    return locked


DECISIONS = (Measure.Decision.GRANTED, Measure.Decision.PARTLY, Measure.Decision.REFUSED)


@transaction.atomic
def decide_protection(*, actor: Actor, measure: Measure, decision: str, note: str) -> Measure:
    """The LKA's decision on a protection request, with its reasons. The team and the reporter's side
    are told in the app (the reasons stay with the case team)."""
    locked = Measure.objects.select_for_update(of=("self",)).select_related("case").get(pk=measure.pk)
    case = locked.case
    errors: Errors = {}
    if locked.kind != MeasureKind.PROTECTION_REQUEST:
        add_error(errors, "__all__", _("Only a protection request is decided by the LKA."))
        raise_if_errors(errors)
    if locked.decision and locked.decision != Measure.Decision.PENDING:
        add_error(errors, "decision", _("The LKA has decided this request already; record a new request if the "
                                        "situation has changed."))
    if decision not in DECISIONS:
        add_error(errors, "decision", _("Choose granted, partly granted or refused."))
    note = (note or "").strip()
    if not note:
        add_error(errors, "note", _("Give the reasons for the decision."))
    raise_if_errors(errors)
    before = audit.snapshot(locked, ["decision", "decision_note", "decided_by_id", "decided_at", "status"])
    locked.decision = decision
    locked.decision_note = note
    locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.decided_at = timezone.now()
    if locked.status == Measure.Status.PLANNED and decision != Measure.Decision.REFUSED:
        locked.status = Measure.Status.IN_PROGRESS
    locked.save()
    audit.record_update(actor=actor, obj=locked, before=before, summary=f"protection request {decision}")
    add_event(case, CaseEvent.Kind.MEASURE, _("LKA decision on the protection request: %(decision)s") % {
        "decision": locked.get_decision_display()}, actor=actor)
    path = reverse("measures:case_measures", args=[case.pk])
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Case %(reference)s: the LKA has decided the protection request.") % {
            "reference": case.reference}
    recipients = {user.pk: user for user in [*team_users(case), *reporter_users(case)]}
    if actor is not None:
        recipients.pop(actor.pk, None)
    notify(recipients.values(), case, message, url=path)
    sync_statistic(case)
    return locked
