"""Writes of the cases app. Every write is audited and runs in a transaction.

The first part is the shared contract the other protection apps build on (timeline events, the
statistical record, routing and notification helpers). Encrypted fields never reach the audit trail
in plaintext (core.audit wraps them as secrets); summaries passed to audit or timeline must not
contain personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max

from kommunalschutz.apps.accounts.models import Role, User
from kommunalschutz.apps.cases.models import Case, CaseEvent, IncidentStatistic, Notification, type_bit

# --- the shared contract ------------------------------------------------------------------------------


def next_reference(reported_at: dt.datetime) -> str:
    """The next case number of the year, "2026-000123". Call inside the creating transaction."""
    prefix = f"{reported_at.year}-"
    # Lock the year's rows on PostgreSQL so two intakes cannot take the same number; SQLite
    # serialises writers anyway. The unique constraint is the final guard.
    last = (Case.objects.select_for_update().filter(reference__startswith=prefix)
            .aggregate(last=Max("reference"))["last"])
    number = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def add_event(case: Case, kind: str, summary: str = "", *, actor: Any = None, by_reporter: bool = False,
              at: dt.datetime | None = None) -> CaseEvent:
    """Append one entry to the case timeline (call inside the writing transaction)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = CaseEvent(case=case, kind=kind, summary=summary, actor=user, by_reporter=by_reporter)
    if at is not None:
        event.at = at
    event.save(force_insert=True)
    return event


def responsible_directorate(municipality: Any) -> Any:
    """The police directorate responsible for a municipality: through its district (DOMAIN.md §3)."""
    if municipality is None or municipality.district_id is None:
        return None
    return municipality.district.police_directorate


def team_users(case: Case) -> list[User]:
    """Everyone on the case team (owner, assigned people, responsible police contacts, involved LKA)."""
    ids: set[int] = set(case.team.values_list("user_id", flat=True))
    if case.owner_id:
        ids.add(case.owner_id)
    if case.police_directorate_id:
        ids |= set(User.objects.filter(
            memberships__role=Role.POLICE_CONTACT,
            memberships__organisation__police_directorate_id=case.police_directorate_id).values_list("pk", flat=True))
    if case.lka_involved:
        ids |= set(User.objects.filter(memberships__role=Role.PROTECTION_OFFICER).values_list("pk", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def notify(users: Iterable[User], case: Case | None, message: str, url: str = "") -> list[Notification]:
    """In-app notifications (no personal data in ``message``: the case number at most)."""
    rows = [Notification(user=user, case=case, message=message[:300], url=url[:300]) for user in users]
    return Notification.objects.bulk_create(rows)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def statistic_values(case: Case) -> dict[str, Any]:
    """The categories of a case as its anonymous statistical record counts them."""
    from django.utils import timezone

    from kommunalschutz.apps.measures.models import Measure, MeasureKind, measure_bit, referral_bit

    reported_on = timezone.localtime(case.reported_at).date()
    if case.occurred_at is not None:
        occurred = timezone.localtime(case.occurred_at).date()
    else:
        occurred = case.period_start or reported_on
    type_mask = 0
    for code in case.incident_types or []:
        type_mask |= type_bit(code)
    measure_mask = referral_mask = 0
    for kind, category in (Measure.objects.filter(case=case).exclude(status=Measure.Status.CANCELLED)
                           .values_list("kind", "partner__category")):
        measure_mask |= measure_bit(kind)
        if kind == MeasureKind.REFERRAL and category:
            referral_mask |= referral_bit(category)
    minutes = None
    if case.acknowledged_at is not None:
        minutes = max(0, int((case.acknowledged_at - case.reported_at).total_seconds() // 60))
    return {
        "reported_on": reported_on, "occurred_month": _month(occurred), "district_id": case.district_id,
        "police_directorate_id": case.police_directorate_id, "type_mask": type_mask, "channel": case.channel,
        "affected_role": case.affected_role, "politically_motivated": case.politically_motivated,
        "intake": case.intake, "is_acute": case.is_acute, "acknowledgement_minutes": minutes,
        "measure_mask": measure_mask, "referral_mask": referral_mask, "closing_reason": case.closing_reason,
        "is_closed": case.status == Case.Status.CLOSED, "is_synthetic": case.is_synthetic,
    }


def sync_statistic(case: Case) -> IncidentStatistic:
    """Bring the case's anonymous statistical record up to date. Call after every write that changes
    the incident's categories, acuteness, acknowledgement, measures or closing (inside the transaction)."""
    values = statistic_values(case)
    record, _created = IncidentStatistic.objects.update_or_create(case=case, defaults=values)
    return record


@transaction.atomic
def anonymise_statistic(case: Case) -> IncidentStatistic | None:
    """Detach the statistical record from a case that is about to be deleted (retention)."""
    record = IncidentStatistic.objects.filter(case=case).first()
    if record is None:
        return None
    record.case = None
    record.reported_on = _month(record.reported_on)
    record.anonymised = True
    record.save()
    return record
