"""Retention: cases closed more than CASE_RETENTION_MONTHS ago are deleted, their statistics stay.

What hangs on a case in other apps (the anonymous receipt in intake, the files in evidence) is removed
by the hooks those apps register (cases.hooks.register_before_case_deletion), so this module imports
none of them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kommunalschutz.foundation.core.audit import record
from kommunalschutz.foundation.core.dates import add_months
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases import hooks
from kommunalschutz.protection.cases.models import Case, IncidentStatistic
from kommunalschutz.protection.cases.services import sync_statistic


def retention_cutoff(today: dt.date | None = None) -> dt.datetime:
    """Cases closed before this moment are past CASE_RETENTION_MONTHS."""
    today = today or timezone.localdate()
    day = add_months(today, -settings.CASE_RETENTION_MONTHS)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def cases_past_retention(today: dt.date | None = None) -> QuerySet[Case]:
    return Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=retention_cutoff(today)).order_by("pk")


@transaction.atomic
def anonymise_statistic(case: Case) -> IncidentStatistic | None:
    """Detach the statistical record from a case that is about to be deleted (retention)."""
    statistic = IncidentStatistic.objects.filter(case=case).first()
    if statistic is None:
        return None
    statistic.case = None
    statistic.reported_on = statistic.reported_on.replace(day=1)
    statistic.anonymised = True
    statistic.save()
    return statistic


def delete_case_after_retention(case: Case) -> None:
    """Delete one case: the other apps' hooks (tombstone the receipt, delete the files), keep the anonymous
    statistic, audit - all in one transaction."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        hooks.before_case_deletion(case)
        if not IncidentStatistic.objects.filter(case=case).exists():
            sync_statistic(case)
        anonymise_statistic(case)
        record(actor=None, action=AuditEvent.Action.DELETE, obj=case,
               summary="deleted after the retention period")
        case.delete()


def apply_retention(*, today: dt.date | None = None, dry_run: bool = False) -> int:
    """Delete every case closed more than CASE_RETENTION_MONTHS ago; returns how many (or would be)."""
    cases = list(cases_past_retention(today))
    if dry_run:
        return len(cases)
    for case in cases:
        delete_case_after_retention(case)
    return len(cases)
