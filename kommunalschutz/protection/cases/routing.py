"""Triage and routing of a case: who is responsible, how acute it is, by when it must be acknowledged,
and who is alarmed. Intake calls this for a new report, the incident edit (cases.incidents) to re-triage.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit, states
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import Municipality, PoliceDirectorate
from kommunalschutz.protection.cases.models import Case, CaseEvent, PendingAlarm
from kommunalschutz.protection.cases.services import (
    add_event,
    case_url,
    coordinators,
    notify,
    police_contacts,
    sync_statistic,
)

logger = logging.getLogger(__name__)


def responsible_directorate(municipality: Municipality | None) -> PoliceDirectorate | None:
    """The police directorate responsible for a municipality: through its district (DOMAIN.md §3)."""
    if municipality is None or municipality.district_id is None:
        return None
    return municipality.district.police_directorate


# --- triage ---------------------------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in states.public_holidays(day.year)


def acknowledgement_due(reported_at: dt.datetime, *, acute: bool) -> dt.datetime:
    """When a new case must have an owner: acute after CASE_ACK_HOURS_ACUTE hours, the others after
    CASE_ACK_WORKING_DAYS working days (Monday to Friday without the state's public holidays, from the state
    package) at the same local time of day."""
    if acute:
        return reported_at + dt.timedelta(hours=settings.CASE_ACK_HOURS_ACUTE)
    local = timezone.localtime(reported_at)
    day = local.date()
    remaining = settings.CASE_ACK_WORKING_DAYS
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def triage_reason(case: Case) -> str:
    if case.threat_to_life and case.danger_now:
        return _("Acute: danger now and a threat to life or limb")
    if case.threat_to_life:
        return _("Acute: threat to life or limb")
    if case.danger_now:
        return _("Acute: the reporter is in danger now")
    return _("Not acute")


def routing_note(case: Case) -> str:
    directorate = case.police_directorate
    if directorate is None:
        return _("no police directorate could be determined")
    return _("responsible: %(directorate)s") % {"directorate": directorate.name}


# --- notifications --------------------------------------------------------------------------------------


def notify_new_case(case: Case, *, actor: Actor, reason: str) -> None:
    """In-app notifications now (same transaction), e-mail to the police for acute cases after commit."""
    exclude = {getattr(actor, "pk", None)}
    police = [user for user in police_contacts(case) if user.pk not in exclude]
    people = {user.pk: user for user in [*police, *coordinators()] if user.pk not in exclude}
    path = case_url(case)
    if case.is_acute:
        message = _("Acute case %(reference)s: please act now") % {"reference": case.reference}
    else:
        message = _("New case %(reference)s") % {"reference": case.reference}
    notify(people.values(), case, message, path)
    mailed = [user for user in police if user.email] if case.is_acute else []
    summary = ngettext("%(reason)s: %(count)d person notified in the app",
                       "%(reason)s: %(count)d people notified in the app", len(people)) % {
        "reason": reason, "count": len(people)}
    if mailed:
        summary += ngettext(", %(count)d police contact by e-mail", ", %(count)d police contacts by e-mail",
                            len(mailed)) % {"count": len(mailed)}
    add_event(case, CaseEvent.Kind.NOTIFIED, summary)
    if mailed:
        # Owed in this transaction, sent after it: a crash in between leaves the rows for the task worker.
        PendingAlarm.objects.bulk_create([PendingAlarm(case=case, recipient=user) for user in mailed])
        case_id = case.pk
        transaction.on_commit(lambda: send_pending_alarms(case_id=case_id))


# An alarm still unsent after this long was owed by a process that died after its commit.
ALARM_RESCUE_AFTER = dt.timedelta(minutes=1)


def send_pending_alarms(*, case_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Send the acute alarm e-mails still owed: those of one case (right after its commit), or every alarm
    older than ALARM_RESCUE_AFTER (the task worker, every minute). Each row is locked while it is sent
    (SKIP LOCKED: two senders never take the same alarm) and marked sent, so each goes out once.
    A failed address stays pending and is tried again by the next run. Returns the number sent."""
    pending = PendingAlarm.objects.filter(sent_at__isnull=True)
    if case_id is not None:
        pending = pending.filter(case_id=case_id)
    else:
        pending = pending.filter(created_at__lt=(now or timezone.now()) - ALARM_RESCUE_AFTER)
    sent = 0
    for pk in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            alarm = (PendingAlarm.objects.select_for_update(skip_locked=True).select_related("case", "recipient")
                     .filter(pk=pk, sent_at__isnull=True).first())
            if alarm is None:
                continue
            if not alarm.recipient.email or not _send_acute_mail(alarm.case, alarm.recipient.email):
                continue
            alarm.sent_at = timezone.now()
            alarm.save(update_fields=["sent_at"])
            audit.record(actor=None, action=AuditEvent.Action.OTHER, obj=alarm.case,
                         summary=f"acute alarm e-mail sent to police contact #{alarm.recipient_id}")
            sent += 1
    return sent


def _send_acute_mail(case: Case, address: str) -> bool:
    """The acute alarm by e-mail: case number, "acute" and the link path; no personal data."""
    reference = case.reference
    with translation.override(settings.LANGUAGE_CODE):  # the task worker has no request language
        return _deliver(reference, case_url(case), address)


def _deliver(reference: str, path: str, address: str) -> bool:
    subject = _("ACUTE: protection case %(reference)s") % {"reference": reference}
    body = _(
        "An acute protection case has been reported in your area.\n\n"
        "Case number: %(reference)s\nTriage: acute\nOpen it in Kommunalschutz: %(path)s\n\n"
        "The details are only in the platform. Please take the case now."
    ) % {"reference": reference, "path": path}
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # one failed address must not stop the alarm to the others; it is tried again
        logger.exception("Acute alarm e-mail for case %s could not be sent", reference)
        return False
    return True


@transaction.atomic
def retriage(*, case: Case, actor: Actor) -> bool:
    """After the incident was edited: a case that became acute is marked, its deadline shortened (while no
    one has acknowledged it) and the police alarmed. A case never becomes non-acute here. Returns whether it changed."""
    if case.is_acute or not (case.danger_now or case.threat_to_life):
        return False
    before = audit.snapshot(case, ["is_acute", "acknowledgement_due_at"])
    case.is_acute = True
    if case.acknowledged_at is None:
        due = acknowledgement_due(timezone.now(), acute=True)
        if case.acknowledgement_due_at is None or due < case.acknowledgement_due_at:
            case.acknowledgement_due_at = due
    case.save(update_fields=["is_acute", "acknowledgement_due_at", "updated_at"])
    reason = triage_reason(case)
    add_event(case, CaseEvent.Kind.TRIAGED, _("Re-triaged. %(reason)s") % {"reason": reason}, actor=actor)
    audit.record_update(actor=actor, obj=case, before=before, summary="re-triaged: acute")
    sync_statistic(case)
    notify_new_case(case, actor=actor, reason=reason)
    return True
