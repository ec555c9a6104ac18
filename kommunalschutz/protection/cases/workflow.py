"""The case workflow: acknowledging (taking) a case, its status steps, closing and reopening.

Permission checks (cases.work_case, cases.message_case, cases.manage_case_team) happen in the views and
the API before these functions run; the functions check the rules of the data and refuse with a
ValidationError naming the field. Every write runs in one transaction with its audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.audit import record_create, record_update, snapshot
from kommunalschutz.protection.cases.messaging import MESSAGE_MAX_CHARS
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseMessage
from kommunalschutz.protection.cases.services import (
    add_event,
    eligible_team_users,
    ensure_open,
    locked_case,
    refusal,
    sync_statistic,
)

# The open statuses in their order; "closed" is reached only through close_case.
STATUS_ORDER: list[str] = [Case.Status.NEW, Case.Status.ACKNOWLEDGED, Case.Status.ASSESSMENT,
                           Case.Status.MEASURES_AGREED, Case.Status.MONITORING]
TAKE_REFUSED = gettext_lazy("Only coordinators, the responsible police contacts and the LKA can take a case.")


def _do_acknowledge(case: Case, actor: User, now: dt.datetime) -> None:
    if case.owner_id is None:
        case.owner = actor
    case.acknowledged_at = now
    case.status = Case.Status.ACKNOWLEDGED


@transaction.atomic
def acknowledge(*, actor: User, case: Case) -> Case:
    """Take the case: the actor becomes its owner if it has none; the acknowledgement is recorded."""
    case = locked_case(case)
    if case.acknowledged_at is not None or case.status != Case.Status.NEW:
        raise refusal("status", _("The case has already been acknowledged."))
    if not eligible_team_users(case).filter(pk=actor.pk).exists():
        raise refusal("owner", TAKE_REFUSED)
    before = snapshot(case)
    _do_acknowledge(case, actor, timezone.now())
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case acknowledged")
    add_event(case, CaseEvent.Kind.ACKNOWLEDGED, gettext("Case acknowledged"), actor=actor)
    sync_statistic(case)
    return case


def allowed_statuses(case: Case) -> list[str]:
    """The statuses a case can move to with change_status: one step forward, or back to any earlier
    step after "new" (an acknowledgement is not undone). Closed cases move only through reopen."""
    if case.status == Case.Status.CLOSED:
        return []
    index = STATUS_ORDER.index(case.status)
    allowed = list(STATUS_ORDER[1:index])
    if index + 1 < len(STATUS_ORDER):
        allowed.append(STATUS_ORDER[index + 1])
    return allowed


@transaction.atomic
def change_status(*, actor: User, case: Case, status: str) -> Case:
    case = locked_case(case)
    if status == Case.Status.CLOSED:
        raise refusal("status", _("Close a case with a closing reason (“Close the case”)."))
    ensure_open(case)
    if status not in Case.Status.values:
        raise refusal("status", _("Choose a status from the list."))
    if status == case.status:
        raise refusal("status", _("The case already has this status."))
    if status not in allowed_statuses(case):
        raise refusal("status", _("The case cannot move from “%(old)s” to “%(new)s”.")
                      % {"old": case.get_status_display(), "new": Case.Status(status).label})
    before = snapshot(case)
    if case.status == Case.Status.NEW:
        if not eligible_team_users(case).filter(pk=actor.pk).exists():
            raise refusal("status", TAKE_REFUSED)
        _do_acknowledge(case, actor, timezone.now())
    case.status = status
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case status changed")
    add_event(case, CaseEvent.Kind.STATUS, gettext("Status: %(status)s") % {"status": case.get_status_display()},
              actor=actor)
    sync_statistic(case)
    return case


@transaction.atomic
def close_case(*, actor: User, case: Case, reason: str, note: str = "") -> Case:
    case = locked_case(case)
    if case.status == Case.Status.CLOSED:
        raise refusal("reason", _("The case is already closed."))
    if not reason:
        raise refusal("reason", _("Give the reason for closing the case."))
    if reason not in Case.ClosingReason.values:
        raise refusal("reason", _("Choose a closing reason from the list."))
    before = snapshot(case)
    case.status = Case.Status.CLOSED
    case.closed_at = timezone.now()
    case.closing_reason = reason
    case.closing_note = (note or "").strip()
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case closed")
    add_event(case, CaseEvent.Kind.CLOSED,
              gettext("Closed: %(reason)s") % {"reason": case.get_closing_reason_display()}, actor=actor)
    sync_statistic(case)
    return case


@transaction.atomic
def reopen_case(*, actor: User, case: Case, reason: str) -> Case:
    """Reopen a closed case (back to "acknowledged"); the reason becomes an internal note."""
    case = locked_case(case)
    if case.status != Case.Status.CLOSED:
        raise refusal("reason", _("Only a closed case can be reopened."))
    text = (reason or "").strip()
    if not text:
        raise refusal("reason", _("Give the reason for reopening the case."))
    if len(text) > MESSAGE_MAX_CHARS:
        raise refusal("reason", _("A message can be at most %(max)d characters long.") % {"max": MESSAGE_MAX_CHARS})
    before = snapshot(case)
    case.status = Case.Status.ACKNOWLEDGED
    case.closed_at = None
    case.closing_reason = ""
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case reopened")
    note = CaseMessage.objects.create(case=case, author=actor, internal=True,
                                      body=gettext("Reopened: %(reason)s") % {"reason": text})
    record_create(actor=actor, obj=note, summary="reason for reopening")
    add_event(case, CaseEvent.Kind.REOPENED, gettext("Case reopened"), actor=actor)
    sync_statistic(case)
    return case
