"""Overdue acknowledgements: coordinators and police contacts are told once per case (Huey, every 10 minutes)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from kommunalschutz.foundation.core.audit import record
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.services import (
    add_event,
    case_url,
    mail_without_content,
    notify,
    overdue_recipients,
)


def notify_overdue_acknowledgements(*, now: dt.datetime | None = None) -> int:
    """Tell coordinators and police contacts about every acknowledgement that is newly overdue, once per
    case. Returns the number of cases notified."""
    now = now or timezone.now()
    count = 0
    candidates = Case.objects.filter(status=Case.Status.NEW, acknowledged_at__isnull=True,
                                     acknowledgement_due_at__lt=now, overdue_notified_at__isnull=True)
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            case = Case.objects.select_for_update().filter(pk=pk, overdue_notified_at__isnull=True,
                                                           acknowledged_at__isnull=True).first()
            if case is None:
                continue
            case.overdue_notified_at = now
            case.save(update_fields=["overdue_notified_at"])
            record(actor=None, action=AuditEvent.Action.UPDATE, obj=case,
                   changes={"overdue_notified_at": {"old": None, "new": now.isoformat()}},
                   summary="overdue acknowledgement notified")
            recipients = overdue_recipients(case)
            text = gettext("The acknowledgement of case %(reference)s is overdue.") % {"reference": case.reference}
            notify(recipients, case, text, case_url(case))
            add_event(case, CaseEvent.Kind.NOTIFIED, gettext("Overdue acknowledgement reported"))
            mail_without_content(recipients, case, text, gettext(
                "Case %(reference)s has not been acknowledged in time. Please take it on the platform.")
                % {"reference": case.reference})
            count += 1
    return count
