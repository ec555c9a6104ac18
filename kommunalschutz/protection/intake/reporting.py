"""The report itself, three ways: for oneself, on someone's behalf, anonymously.

``create_case`` stores a report in one transaction: case number, routing to the responsible police
directorate (cases.routing: municipality -> district -> directorate), triage (acute or not), the
acknowledgement deadline, timeline, audit and the anonymous statistical record; the people to tell are
notified in the app in the same transaction and acute cases by e-mail once it has committed. The incident
is checked by cases.incidents.clean_incident, the same rules as the case team's edit.

``submit_anonymous`` adds the receipt and passphrase (intake.receipts) and applies the client's limit
(intake.abuse): a report beyond it is refused, unless it is marked as acute danger, which is accepted and
flagged for review. The reporter's actions on the anonymous path are audited with actor None (the reporter
has no account). See docs/protection/intake.md and docs/protection/anonymous-channel.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.foundation.core.models import AuditEvent
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
from kommunalschutz.protection.intake import abuse
from kommunalschutz.protection.intake.receipts import add_passphrase_errors, new_access, too_many_reports

# No incident a person reports lies before this day (the platform's subject did not exist as such before).
EARLIEST_INCIDENT = dt.date(1990, 1, 1)


def _plausible_dates(errors: Errors, cleaned: Mapping[str, Any]) -> None:
    """Dates before EARLIEST_INCIDENT are typing errors (0001-01-01), named at their field."""
    message = _("Please enter a date from %(earliest)s onwards.") % {
        "earliest": formats.date_format(EARLIEST_INCIDENT, "SHORT_DATE_FORMAT")}
    occurred = cleaned.get("occurred_at")
    if occurred is not None and timezone.localtime(occurred).date() < EARLIEST_INCIDENT:
        add_error(errors, "occurred_at", message)
    for name in ("period_start", "period_end"):
        value = cleaned.get(name)
        if value is not None and value < EARLIEST_INCIDENT:
            add_error(errors, name, message)


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
    _plausible_dates(errors, cleaned)
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


def submit_anonymous(*, data: Mapping[str, Any], passphrase: str, passphrase_repeat: str,
                     client: str | None = None, proof: bool = False) -> tuple[Case, str]:
    """Store an anonymous report; return the case and its receipt (16 digits) once it is committed.

    No account, no IP address, no user agent: nothing of the request reaches this function but the form,
    the client's fingerprint (``client``, a keyed hash that only the volatile cache sees; None for internal
    calls, which are not limited) and whether the report came with a valid proof of work (``proof``; such
    reports do not count against the client's limit). Beyond the limit a report is refused with
    TooManyRequests, unless it marks acute danger: then it is stored, flagged for review and audited.
    """
    passphrase = passphrase or ""
    passphrase_repeat = passphrase_repeat or ""
    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_incident(data, anonymous=True)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    _plausible_dates(errors, cleaned)
    add_passphrase_errors(errors, passphrase, passphrase_repeat)
    if errors:
        raise ValidationError(errors)

    acute = bool(cleaned.get("danger_now") or cleaned.get("threat_to_life"))
    flagged = False
    if client is not None and not proof:
        window = abuse.reports_window()
        # claim() is atomic: of two simultaneous reports over the limit, neither slips through.
        if not window.claim(client):
            if not acute:
                raise too_many_reports(window.seconds_locked(client) or window.window_seconds)
            flagged = True

    passphrase_hash = make_password(passphrase)
    # durable: the receipt is handed out only once the report is really stored.
    with transaction.atomic(durable=True):
        case = create_case(actor=None, data=data, intake=Case.Intake.ANONYMOUS)
        access, receipt = new_access(case, passphrase_hash, flagged_for_review=flagged)
        if flagged:
            add_event(case, CaseEvent.Kind.TRIAGED, _(
                "Accepted beyond the limit for reports from one connection because acute danger was marked. "
                "Please check whether the report is genuine."))
            audit.record(actor=None, action=AuditEvent.Action.OTHER, obj=access,
                         summary="anonymous report beyond the client's limit accepted (acute), flagged for review")
    if client is not None and proof:
        abuse.count_proven_report(client)
    return case, receipt
