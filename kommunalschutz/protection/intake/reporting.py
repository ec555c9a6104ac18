"""The report itself, three ways: for oneself, on someone's behalf, anonymously.

``create_case`` stores a report in one transaction: case number, routing to the responsible police
directorate (cases.routing: municipality -> district -> directorate), triage (acute or not), the
acknowledgement deadline, timeline, audit and the anonymous statistical record; the people to tell are
notified in the app in the same transaction and acute cases by e-mail once it has committed. The incident
is checked by cases.incidents.clean_incident, the same rules as the case team's edit.

``submit_anonymous`` adds the receipt and passphrase (intake.receipts). The reporter's actions on the
anonymous path are audited with actor None (the reporter has no account). See docs/protection/intake.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.protection.cases.incidents import clean_incident, clean_text
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.routing import (
    acknowledgement_due,
    notify_new_case,
    responsible_directorate,
    routing_note,
    triage_reason,
)
from kommunalschutz.protection.cases.services import add_event, next_reference, sync_statistic
from kommunalschutz.protection.intake.receipts import (
    PLATFORM,
    add_passphrase_errors,
    new_access,
    reports_budget,
    too_many_reports,
)


@transaction.atomic
def create_case(*, actor: Actor, data: Mapping[str, Any], intake: str, affected_user: User | None = None,
                reported_at: dt.datetime | None = None, is_synthetic: bool = False,
                notify_now: bool = True) -> Case:
    """Store a report as a new case, triaged and routed; see the module docstring."""
    if intake not in Case.Intake.values:
        raise ValueError(f"unknown intake {intake!r}")
    anonymous = intake == Case.Intake.ANONYMOUS
    reported_at = reported_at or timezone.now()
    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_incident(data, anonymous=anonymous)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    if intake == Case.Intake.ON_BEHALF:
        for name, message in (("affected_name", _("Please name the person you report for.")),
                              ("affected_contact", _("Please say how the case team can reach the person."))):
            if not clean_text(data.get(name)):
                add_error(errors, name, message)
    occurred = cleaned.get("occurred_at")
    if occurred is not None and occurred > reported_at:
        add_error(errors, "occurred_at", _("The incident cannot lie after the report."))
    if errors:
        raise ValidationError(errors)

    municipality = cleaned["municipality"]
    case = Case(**cleaned)
    case.reference = next_reference(reported_at)
    case.intake = intake
    case.reported_at = reported_at
    case.reported_by = actor if getattr(actor, "is_authenticated", False) else None
    case.affected_user = affected_user
    case.district = municipality.district
    case.police_directorate = responsible_directorate(municipality)
    case.is_acute = bool(case.danger_now or case.threat_to_life)
    case.acknowledgement_due_at = acknowledgement_due(reported_at, acute=case.is_acute)
    case.is_synthetic = is_synthetic
    case.save(force_insert=True)

    reason = triage_reason(case)
    add_event(case, CaseEvent.Kind.CREATED, str(Case.Intake(intake).label), actor=actor,
                            at=reported_at)
    add_event(case, CaseEvent.Kind.TRIAGED, f"{reason}; {routing_note(case)}", at=reported_at)
    audit.record_create(actor=actor, obj=case)
    sync_statistic(case)
    if notify_now:
        notify_new_case(case, actor=actor, reason=reason)
    return case


def submit_anonymous(*, data: Mapping[str, Any], passphrase: str, passphrase_repeat: str) -> tuple[Case, str]:
    """Store an anonymous report; return the case and its receipt (16 digits) once it is committed.

    No account, no IP address, no user agent: nothing of the request reaches this function but the form.
    """
    wait = reports_budget().seconds_locked(PLATFORM)
    if wait is not None:
        raise too_many_reports(wait)
    passphrase = passphrase or ""
    passphrase_repeat = passphrase_repeat or ""
    errors: Errors = {}
    try:
        clean_incident(data, anonymous=True)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    add_passphrase_errors(errors, passphrase, passphrase_repeat)
    if errors:
        raise ValidationError(errors)

    passphrase_hash = make_password(passphrase)
    # durable: the receipt is handed out only once the report is really stored.
    with transaction.atomic(durable=True):
        case = create_case(actor=None, data=data, intake=Case.Intake.ANONYMOUS)
        _access, receipt = new_access(case, passphrase_hash)
    reports_budget().claim(PLATFORM)
    return case, receipt

