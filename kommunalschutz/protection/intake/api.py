"""The intake part of the REST API (mounted under /api/v1/).

Public, without a token: the anonymous report and its follow-up with receipt and passphrase. Their
limits are platform-wide (no address is looked at or kept). Answers: 422 with messages per field, 429
with Retry-After (too many reports or failures, locked receipt), 410 when retention deleted the case
(only with the right passphrase), 404 for a wrong receipt or passphrase (one answer for both).
Authenticated: a report for oneself or on someone's behalf.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, not_found
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.protection.cases import incidents
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake import followup, receipts, reporting
from kommunalschutz.protection.intake.schemas import (
    AnonymousReportIn,
    CaseCreatedOut,
    IncidentIn,
    LookupIn,
    LookupOut,
    MessageCreatedOut,
    MessageIn,
    ReceiptOut,
    ReporterMessageOut,
    ReportIn,
)

router = Router(tags=["intake"])


def _refused(error: receipts.AccessRefused, response: HttpResponse) -> Status[Any]:
    if error.retry_after_seconds:
        response["Retry-After"] = str(error.retry_after_seconds)
    return Status(error.status, ErrorOut(detail=error.message))


def _incident_data(payload: IncidentIn, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    data = payload.dict(include={*incidents.INCIDENT_FIELDS, *extra})
    ags = payload.municipality_ags.strip()
    # An unknown key still reaches the service, which names the field.
    municipality = Municipality.objects.filter(ags=ags).first() if ags else None
    data["municipality"] = municipality if municipality is not None else ("unknown" if ags else None)
    return data


def _rename_municipality(error: ValidationError) -> ValidationError:
    if hasattr(error, "error_dict") and "municipality" in error.error_dict:
        errors = dict(error.error_dict)
        errors["municipality_ags"] = errors.pop("municipality")
        return ValidationError(errors)
    return error


@router.post("/public/reports", response={201: ReceiptOut, 422: ValidationErrorOut, 429: ErrorOut},
             summary="Report anonymously (no token)")
def submit_anonymous(request: HttpRequest, payload: AnonymousReportIn,
                     response: HttpResponse) -> Status[Any]:
    """Stores the report and answers with the 16-digit receipt once it is stored. Nothing about the
    request (address, user agent) is kept."""
    try:
        _case, receipt = reporting.submit_anonymous(data=_incident_data(payload), passphrase=payload.passphrase,
                                                    passphrase_repeat=payload.passphrase_repeat)
    except ValidationError as exc:
        return invalid(_rename_municipality(exc), detail=_("Please correct the marked fields."))
    except receipts.AccessRefused as exc:
        return _refused(exc, response)
    return Status(201, ReceiptOut(receipt=receipt))


def _open(payload: LookupIn) -> Case:
    return receipts.open_anonymous_case(receipt=payload.receipt, passphrase=payload.passphrase)


@router.post("/public/reports/lookup",
             response={200: LookupOut, 404: ErrorOut, 410: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
             summary="Read the status and messages of an anonymous report (no token)")
def lookup(request: HttpRequest, payload: LookupIn, response: HttpResponse) -> Status[Any]:
    """Status and the messages that are not internal notes; the team's messages count as read."""
    try:
        case = _open(payload)
    except ValidationError as exc:
        return invalid(exc, detail=_("Please correct the marked fields."))
    except receipts.AccessRefused as exc:
        return _refused(exc, response)
    messages = followup.visible_messages(case)
    followup.mark_read_by_reporter(case)
    return Status(200, LookupOut(
        status=case.status, status_label=str(Case.Status(case.status).label), is_acute=case.is_acute,
        messages=[ReporterMessageOut(id=m.pk, from_reporter=m.from_reporter, is_question=m.is_question,
                                     created_at=m.created_at, body=m.body) for m in messages]))


@router.post("/public/reports/messages",
             response={201: MessageCreatedOut, 404: ErrorOut, 410: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
             summary="Answer the case team of an anonymous report (no token)")
def reply(request: HttpRequest, payload: MessageIn, response: HttpResponse) -> Status[Any]:
    try:
        case = _open(payload)
        message = followup.reporter_reply(case=case, body=payload.body)
    except ValidationError as exc:
        return invalid(exc, detail=_("Please correct the marked fields."))
    except receipts.AccessRefused as exc:
        return _refused(exc, response)
    return Status(201, MessageCreatedOut(id=message.pk, created_at=message.created_at))


@router.post("/reports", auth=token_auth, response={201: CaseCreatedOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="Report an incident (for oneself, or on someone's behalf)")
def create_report(request: HttpRequest, payload: ReportIn) -> Status[Any]:
    """``report_for`` "on_behalf" needs cases.report_on_behalf and the affected person's name and contact."""
    user = request_user(request)
    if not user.has_perm("cases.report_incident"):
        return not_found()
    on_behalf = payload.report_for == "on_behalf"
    if on_behalf and not user.has_perm("cases.report_on_behalf"):
        return invalid({"report_for": [_("You may report only for yourself.")]},
                       detail=_("Please correct the marked fields."))
    try:
        case = reporting.create_case(
            actor=user, data=_incident_data(payload, ("affected_name", "affected_contact")),
            intake=Case.Intake.ON_BEHALF if on_behalf else Case.Intake.SELF,
            affected_user=None if on_behalf else user)
    except ValidationError as exc:
        return invalid(_rename_municipality(exc), detail=_("Please correct the marked fields."))
    return Status(201, CaseCreatedOut(id=case.pk, reference=case.reference, is_acute=case.is_acute,
                                      acknowledgement_due_at=case.acknowledgement_due_at))
