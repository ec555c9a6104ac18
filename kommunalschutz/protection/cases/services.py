"""The shared contract of the cases app, which the other protection apps build on: the case number, timeline
events, who is who on a case (police contacts, coordinators, the team), in-app notifications and the
content-free e-mail, the statistical record, and the helpers of every case write (the locked row, the
refusal naming its field).

The writes themselves live in one module per topic: workflow, case_team, messaging, case_tasks, links,
inbox (notifications read), incidents, routing, overdue, retention. Encrypted fields never reach the audit
trail in plaintext (core.audit wraps them as secrets); summaries passed to audit or timeline must not
contain personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.protection.cases import hooks
from kommunalschutz.protection.cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    IncidentStatistic,
    Notification,
    type_bit,
)

# --- the shared contract ------------------------------------------------------------------------------


def next_reference(reported_at: dt.datetime) -> str:
    """The next case number of the year, "2026-000123". Call inside the creating transaction.

    The year's counter row is created if missing (INSERT ... ON CONFLICT DO NOTHING, so two first intakes
    of a year do not collide) and then locked: concurrent intakes take their numbers one after the other,
    on PostgreSQL through the row lock held until commit, on SQLite through its single writer. A rolled
    back intake gives its number back with the counter; a number whose case was deleted is never given
    again. Numbers stored without the allocator (imports, demo data) are skipped: the highest stored
    number of the year counts too. See docs/decisions/0013-allocation-under-concurrency.md.
    """
    year = timezone.localtime(reported_at).year  # the local year: a report at 00:30 on 1 January is the new year's
    prefix = f"{year}-"
    CaseNumberCounter.objects.bulk_create([CaseNumberCounter(year=year)], ignore_conflicts=True)
    counter = CaseNumberCounter.objects.select_for_update().get(year=year)
    # A new statement after the lock: on READ COMMITTED it sees every case committed by earlier holders.
    stored = Case.objects.filter(reference__startswith=prefix).aggregate(last=Max("reference"))["last"]
    highest = int(stored.split("-", 1)[1]) if stored else 0
    counter.last = max(counter.last, highest) + 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:06d}"


def add_event(case: Case, kind: str, summary: str = "", *, actor: Actor = None, by_reporter: bool = False,
              at: dt.datetime | None = None) -> CaseEvent:
    """Append one entry to the case timeline (call inside the writing transaction)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = CaseEvent(case=case, kind=kind, summary=summary, actor=user, by_reporter=by_reporter)
    if at is not None:
        event.at = at
    event.save(force_insert=True)
    return event


def _people(query: Q) -> list[User]:
    """Active accounts matching a membership query, each once, in a stable order."""
    return list(User.objects.filter(is_active=True, pk__in=User.objects.filter(query).values("pk")).order_by("pk"))


def _police_query(case: Case) -> Q:
    return Q(memberships__role=Role.POLICE_CONTACT,
             memberships__organisation__police_directorate_id=case.police_directorate_id)


def police_contacts(case: Case) -> list[User]:
    """The police contacts of the case's responsible directorate."""
    return _people(_police_query(case)) if case.police_directorate_id else []


def coordinators() -> list[User]:
    """The coordination office's coordinators (they take new cases from the intake queue)."""
    return _people(Q(memberships__role=Role.COORDINATOR))


def protection_officers() -> list[User]:
    """The LKA's protection officers: they join a case once protection is requested."""
    return _people(Q(memberships__role=Role.PROTECTION_OFFICER))


def reporter_users(case: Case) -> list[User]:
    """The reporter's side with an account: who entered the report and the affected official."""
    ids = {pk for pk in (case.reported_by_id, case.affected_user_id) if pk}
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def team_users(case: Case) -> list[User]:
    """Everyone on the case team (owner, assigned people, responsible police contacts, involved LKA)."""
    query = Q(case_memberships__case=case)
    if case.owner_id:
        query |= Q(pk=case.owner_id)
    if case.police_directorate_id:
        query |= _police_query(case)
    if case.lka_involved:
        query |= Q(memberships__role=Role.PROTECTION_OFFICER)
    return _people(query)


def overdue_recipients(case: Case) -> list[User]:
    """Coordinators and the responsible directorate's police contacts."""
    query = Q(memberships__role=Role.COORDINATOR)
    if case.police_directorate_id:
        query |= _police_query(case)
    return _people(query)


def notify(users: Iterable[User], case: Case | None, message: str, url: str = "") -> list[Notification]:
    """In-app notifications (no personal data in ``message``: the case number at most)."""
    rows = [Notification(user=user, case=case, message=message[:300], url=url[:300]) for user in users]
    return Notification.objects.bulk_create(rows)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def statistic_values(case: Case) -> dict[str, Any]:
    """The categories of a case as its anonymous statistical record counts them."""
    reported_on = timezone.localtime(case.reported_at).date()
    if case.occurred_at is not None:
        occurred = timezone.localtime(case.occurred_at).date()
    else:
        occurred = case.period_start or reported_on
    type_mask = 0
    for code in case.incident_types or []:
        type_mask |= type_bit(code)
    minutes = None
    if case.acknowledged_at is not None:
        minutes = max(0, int((case.acknowledged_at - case.reported_at).total_seconds() // 60))
    return {
        "reported_on": reported_on, "occurred_month": _month(occurred), "district_id": case.district_id,
        "police_directorate_id": case.police_directorate_id, "type_mask": type_mask, "channel": case.channel,
        "affected_role": case.affected_role, "politically_motivated": case.politically_motivated,
        "intake": case.intake, "is_acute": case.is_acute, "acknowledgement_minutes": minutes,
        "measure_mask": 0, "referral_mask": 0, "closing_reason": case.closing_reason,
        "is_closed": case.status == Case.Status.CLOSED, "is_synthetic": case.is_synthetic,
        # What the apps hanging on the case count (measures: measure_mask, referral_mask).
        **hooks.statistic_contributions(case),
    }


def sync_statistic(case: Case) -> IncidentStatistic:
    """Bring the case's anonymous statistical record up to date. Call after every write that changes
    the incident's categories, acuteness, acknowledgement, measures or closing (inside the transaction)."""
    values = statistic_values(case)
    record, _created = IncidentStatistic.objects.update_or_create(case=case, defaults=values)
    return record


# --- helpers of the case's writes (cases.workflow, case_team, messaging, case_tasks, links) -----------


def refusal(field: str, message: Any) -> ValidationError:
    """A refusal naming its field (the views show it there, the API lists it under the field)."""
    return ValidationError({field: [message]})


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def eligible_team_users(case: Case) -> QuerySet[User]:
    """Who may own or join a case: coordinators, the responsible directorate's police contacts, the LKA's
    protection officers (active accounts)."""
    query = Q(memberships__role=Role.COORDINATOR) | Q(memberships__role=Role.PROTECTION_OFFICER)
    if case.police_directorate_id:
        query |= Q(memberships__role=Role.POLICE_CONTACT,
                   memberships__organisation__police_directorate_id=case.police_directorate_id)
    return (User.objects.filter(is_active=True, pk__in=User.objects.filter(query).values("pk"))
            .order_by(*german("last_name", "first_name"), "username"))


def mail_without_content(users: Iterable[User], case: Case, subject: str, body: str) -> int:
    """E-mail that a case needs attention: the case number and the link, never its content."""
    addresses = sorted({user.email for user in users if user.email})
    if not addresses:
        return 0
    text = f"{body}\n\n{settings.PLATFORM_NAME}: {case_url(case)}\n"
    sent = 0
    for address in addresses:
        sent += send_mail(subject, text, None, [address])
    return sent


def locked_case(case: Case) -> Case:
    """The case row, locked for the write (PostgreSQL), read fresh."""
    return Case.objects.select_for_update().get(pk=case.pk)


def ensure_open(case: Case, field: str = "status") -> None:
    if case.status == Case.Status.CLOSED:
        raise refusal(field, _("The case is closed. Reopen it first."))


# --- notifications ---------------------------------------------------------------------------------------
